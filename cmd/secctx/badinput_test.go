package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// badInput is one wrong invocation of the real binary.
type badInput struct {
	name  string
	args  []string
	env   map[string]string
	stdin string
	// want are substrings of the one stderr line: what is wrong, and
	// where (the flag; the file and field of a spec).
	want []string
	// spec marks an error in the input rather than in the command line:
	// its line names the file and field, not the help.
	spec bool
}

// Limits every bad invocation must stay within.
const (
	badInputDeadline = 20 * time.Second
	badInputMaxRSS   = 64 << 20 // bytes
)

// TestBadInput runs the real binary with bad input for every command and
// flag: each run exits 2 within the deadline and a bounded peak memory,
// writes nothing on stdout and exactly one line on stderr that names the
// problem, and, for a command-line error, points to the command's help.
func TestBadInput(t *testing.T) {
	t.Parallel()
	bin := secctxBinary(t)
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := file("pod.yaml", pod)
	two := file("two.yaml", twoContainers)
	typo := file("typo.yaml", strings.Replace(pod, "runAsUser", "runAsUsr", 1))
	quoted := file("quoted.yaml", strings.Replace(pod, "1000", `"1000"`, 1))
	malformed := file("malformed.yaml", "kind: Pod\n  bad: [")
	empty := file("empty.yaml", "")
	configMap := file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
	badCap := file("cap.yaml", strings.Replace(pod, "runAsUser: 1000", "capabilities: {add: [NET_RAWW]}", 1))
	privNoEsc := file("priv.yaml", strings.Replace(pod, "runAsUser: 1000", "privileged: true\n      allowPrivilegeEscalation: false", 1))
	sysctlType := file("sysctl.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: demo}\nspec:\n  securityContext:\n    sysctls:\n    - name: kernel.shm_rmid_forced\n      value: 1\n  containers:\n  - name: app\n")
	swapped := file("swapped.yaml", strings.Replace(pod, "runAsUser", "runAsUesr", 1))
	caseOnly := file("case.yaml", strings.Replace(pod, "runAsUser", "RunAsUser", 1))
	twoEdits := file("twoedits.yaml", strings.Replace(pod, "runAsUser: 1000", "procMnt: Default", 1))
	misplaced := file("misplaced.yaml", strings.Replace(pod, "runAsUser: 1000", "fsGroup: 1000", 1))
	nested := file("nested.yaml", strings.Replace(pod, "runAsUser: 1000", "seccompProfile: {typo: RuntimeDefault}", 1))
	notName := file("notname.yaml", strings.Replace(pod, "runAsUser: 1000", "future-field: 1", 1))
	dupKey := file("dup.yaml", strings.Replace(pod, "runAsUser: 1000", "runAsUser: 1000\n      runAsUser: 2000", 1))
	negUser := file("neg.yaml", strings.Replace(pod, "1000", "-1", 1))
	escName := file("esc.json", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "demo"},
	  "spec": {"containers": [{"name": "app", "securityContext": {"run\u001b[31mAs": 1}}]}}`)
	notReport := file("notreport.json", `{"apiVersion": "v1", "kind": "Pod"}`)
	notJSON := file("notjson.json", "STATUS drift\n")
	plainFile := file("plain.txt", "x")
	missing := filepath.Join(dir, "missing.yaml")
	waiverUnknown := file("w-unknown.yaml", "waivers:\n- {id: sysctls, reason: r}\n- {id: runAsUsr, reason: r}\n")
	waiverNoReason := file("w-noreason.yaml", "waivers:\n- {id: sysctls}\n")
	waiverBadKey := file("w-badkey.yaml", "waiver:\n- {id: sysctls, reason: r}\n")
	waiverBadWorkload := file("w-workload.yaml", "waivers:\n- {id: sysctls, reason: r, workload: web}\n")
	waivePod := func(name, value string) string {
		return file(name, strings.Replace(pod, "metadata: {name: demo}", "metadata:\n  name: demo\n  annotations:\n    secctx.io/waive: "+value, 1))
	}
	annotUnknown := waivePod("a-unknown.yaml", `"seccomp: r"`)
	annotNoReason := waivePod("a-noreason.yaml", `"sysctls"`)
	annotBadList := waivePod("a-badlist.yaml", `"[{id: sysctls, reason: r, contianer: app}]"`)
	subdir := filepath.Join(dir, "sub")
	if err := os.Mkdir(subdir, 0o755); err != nil {
		t.Fatal(err)
	}

	cases := []badInput{
		// secctx itself
		{name: "no command", want: []string{"no command", "see 'secctx --help'"}},
		{name: "unknown command", args: []string{"frobnicate"}, want: []string{`unknown command "frobnicate"`}},
		{name: "misspelt command", args: []string{"verfy"}, want: []string{`unknown command "verfy"`, `did you mean "verify"`}},
		{name: "flag before the command", args: []string{"-ojson", "verify"}, want: []string{"unknown flag -ojson before the command"}},
		{name: "long flag before the command", args: []string{"--spec", good, "verify"}, want: []string{"--spec before the command"}},
		{name: "argument after --help", args: []string{"--help", "verify"}, want: []string{`"verify" after --help`}},
		{name: "escape sequence as command", args: []string{"\x1b[2J"}, want: []string{`\x1b[2J`}},

		// verify: flags
		{name: "verify unknown flag", args: []string{"verify", "--foo"}, want: []string{"unknown flag --foo", "see 'secctx verify --help'"}},
		{name: "verify unknown shorthand", args: []string{"verify", "-x"}, want: []string{"unknown flag -x"}},
		{name: "verify unknown shorthand in a group", args: []string{"verify", "-ojson", "-zq"}, want: []string{"unknown flag -z in -zq"}},
		{name: "verify single-dash long flag", args: []string{"verify", "-spec", good}, want: []string{"unknown flag -s in -spec"}},
		{name: "verify bad flag syntax", args: []string{"verify", "---spec", good}, want: []string{"bad flag syntax ---spec"}},
		{name: "verify extra argument", args: []string{"verify", "pod.yaml"}, want: []string{`unexpected argument "pod.yaml"`}},
		{name: "verify bad output", args: []string{"verify", "-o", "xml"}, want: []string{`--output "xml"`, "text, wide, json, yaml, policyreport, openreport, junit or line"}},
		{name: "verify bad output, attached", args: []string{"verify", "-oxml"}, want: []string{`--output "xml"`}},
		{name: "verify bad output, =", args: []string{"verify", "--output=sarif"}, want: []string{`--output "sarif"`}},
		{name: "verify empty output", args: []string{"verify", "--output="}, want: []string{`--output ""`}},
		{name: "verify shorthand output =", args: []string{"verify", "-o="}, want: []string{`--output "="`}},
		{name: "verify output without value", args: []string{"verify", "-o"}, want: []string{"--output needs a value"}},
		{name: "verify long output without value", args: []string{"verify", "--output"}, want: []string{"--output needs a value"}},
		{name: "verify negative pid", args: []string{"verify", "--pid", "-1"}, want: []string{"--pid -1", "process id"}},
		{name: "verify negative pid, =", args: []string{"verify", "--pid=-5"}, want: []string{"--pid -5"}},
		{name: "verify pid not a number", args: []string{"verify", "--pid", "abc"}, want: []string{`--pid "abc"`, "integer"}},
		{name: "verify pid too big", args: []string{"verify", "--pid", "99999999999999999999"}, want: []string{"--pid", "integer"}},
		{name: "verify pid without value", args: []string{"verify", "--pid"}, want: []string{"--pid needs a value"}},
		{name: "verify bad target", args: []string{"verify", "--target", "bogus:x"}, want: []string{`--target "bogus:x"`, "container-id:ID"}},
		{name: "verify empty target", args: []string{"verify", "--target="}, want: []string{"--target: empty value"}},
		{name: "verify target and pid", args: []string{"verify", "--target", "self", "--pid", "4"}, want: []string{"--pid and --target"}},
		{name: "verify target pid zero", args: []string{"verify", "--target", "pid:0"}, want: []string{`--target "pid:0"`, "positive pid"}},
		{name: "verify container id too short", args: []string{"verify", "--target", "container-id:4c1f"}, want: []string{`--target "container-id:4c1f"`, "64 lowercase hexadecimal digits"}},
		{name: "verify container id not hex", args: []string{"verify", "--target", "container-id:containerd://" + strings.Repeat("g", 64)}, want: []string{"64 lowercase hexadecimal digits"}},
		{name: "verify container id upper case", args: []string{"verify", "--target", "container-id:" + strings.Repeat("A", 64)}, want: []string{"lowercase hexadecimal"}},
		{name: "verify container id empty", args: []string{"verify", "--target", "container-id:"}, want: []string{`--target "container-id:"`}},
		{name: "verify container id with a path", args: []string{"verify", "--target", "container-id:../" + strings.Repeat("a", 61)}, want: []string{"hexadecimal"}},
		{name: "verify target with a container name", args: []string{"verify", "--target", "app=self"}, want: []string{`--target "app=self"`}},
		{name: "verify bad fail-on", args: []string{"verify", "--fail-on", "severe"}, want: []string{`--fail-on "severe"`, "none"}},
		{name: "verify fail-on upper case", args: []string{"verify", "--fail-on", "HIGH"}, want: []string{`--fail-on "HIGH"`}},
		{name: "verify bad color", args: []string{"verify", "--color", "rainbow"}, want: []string{`--color "rainbow"`, "auto, always or never"}},
		{name: "verify color without value", args: []string{"verify", "--color"}, want: []string{"--color needs a value"}},
		{name: "verify bad profile", args: []string{"verify", "--profile", "rkt"}, want: []string{`--profile "rkt"`, "containerd"}},
		{name: "verify bad profile in the environment", args: []string{"verify"}, env: map[string]string{"SECCTX_PROFILE": "rkt"}, want: []string{`$SECCTX_PROFILE "rkt"`}},
		{name: "verify bad seccomp-default", args: []string{"verify", "--seccomp-default", "maybe"}, want: []string{`--seccomp-default "maybe"`, "true or false"}},
		{name: "verify bad seccomp-default in the environment", args: []string{"verify"}, env: map[string]string{"SECCTX_SECCOMP_DEFAULT": "maybe"}, want: []string{`$SECCTX_SECCOMP_DEFAULT "maybe"`}},
		{name: "verify bad log level", args: []string{"verify", "--log-level", "loud"}, want: []string{`--log-level "loud"`}},
		{name: "verify bad log format", args: []string{"verify", "--log-format", "xml"}, want: []string{`--log-format "xml"`}},
		{name: "verify bad help value", args: []string{"verify", "--help=maybe"}, want: []string{`--help "maybe"`, "true or false"}},
		{name: "verify empty spec flag", args: []string{"verify", "--spec="}, want: []string{"--spec: empty value"}},
		{name: "verify empty container", args: []string{"verify", "-c", ""}, want: []string{"--container: empty value"}},
		{name: "verify empty proc", args: []string{"verify", "--proc="}, want: []string{"--proc: empty value"}},

		{name: "verify unknown skip id", args: []string{"verify", "--skip", "seccomp"}, want: []string{`--skip "seccomp"`, `unknown id "seccomp"`}},
		{name: "verify empty skip id", args: []string{"verify", "--skip", "sysctls,"}, want: []string{`--skip ""`, "empty id"}},
		{name: "verify skip without value", args: []string{"verify", "--skip"}, want: []string{"--skip needs a value"}},
		{name: "verify empty waivers flag", args: []string{"verify", "--waivers="}, want: []string{"--waivers: empty value"}},

		// verify: waivers
		{name: "verify missing waiver file", args: []string{"verify", "--spec", good, "--waivers", missing}, spec: true, want: []string{"--waivers", "missing.yaml"}},
		{name: "verify waiver file is a directory", args: []string{"verify", "--spec", good, "--waivers", subdir}, spec: true, want: []string{"--waivers", "sub"}},
		{name: "verify waiver file unknown id", args: []string{"verify", "--spec", good, "--waivers", waiverUnknown}, spec: true, want: []string{"w-unknown.yaml: waivers[1].id", `unknown id "runAsUsr"`}},
		{name: "verify waiver file without reason", args: []string{"verify", "--spec", good, "--waivers", waiverNoReason}, spec: true, want: []string{"w-noreason.yaml: waivers[0].reason: empty"}},
		{name: "verify waiver file unknown key", args: []string{"verify", "--spec", good, "--waivers", waiverBadKey}, spec: true, want: []string{"w-badkey.yaml", "not a waiver file"}},
		{name: "verify waiver file bad workload", args: []string{"verify", "--spec", good, "--waivers", waiverBadWorkload}, spec: true, want: []string{"w-workload.yaml: waivers[0].workload", "KIND/NAME"}},
		{name: "verify waiver file in the environment", args: []string{"verify", "--spec", good}, env: map[string]string{"SECCTX_WAIVERS": waiverUnknown}, spec: true, want: []string{"w-unknown.yaml: waivers[1].id"}},
		{name: "verify annotation unknown id", args: []string{"verify", "--spec", annotUnknown}, spec: true, want: []string{"a-unknown.yaml: Pod/demo: metadata.annotations[secctx.io/waive]", `line 1: unknown id "seccomp"`}},
		{name: "verify annotation without reason", args: []string{"verify", "--spec", annotNoReason}, spec: true, want: []string{"metadata.annotations[secctx.io/waive]", "REASON"}},
		{name: "verify annotation bad list", args: []string{"verify", "--spec", annotBadList}, spec: true, want: []string{"metadata.annotations[secctx.io/waive]", "not a list"}},

		// verify: the spec
		{name: "verify missing spec file", args: []string{"verify", "--spec", missing}, spec: true, want: []string{"missing.yaml"}},
		{name: "verify spec is a directory", args: []string{"verify", "--spec", subdir}, spec: true, want: []string{"sub"}},
		{name: "verify unknown field", args: []string{"verify", "--spec", typo}, spec: true,
			want: []string{"typo.yaml", "Pod/demo", "spec.containers[0].securityContext.runAsUsr", "unknown field", `did you mean "runAsUser"`}},
		{name: "verify swapped letters", args: []string{"verify", "--spec", swapped}, spec: true,
			want: []string{"swapped.yaml", "spec.containers[0].securityContext.runAsUesr", `unknown field (did you mean "runAsUser"?)`}},
		{name: "verify field in the wrong case", args: []string{"verify", "--spec", caseOnly}, spec: true, want: []string{"case.yaml", "RunAsUser", `did you mean "runAsUser"`}},
		{name: "verify two edits from a long field", args: []string{"verify", "--spec", twoEdits}, spec: true, want: []string{"twoedits.yaml", "procMnt", `did you mean "procMount"`}},
		{name: "verify pod field in a container", args: []string{"verify", "--spec", misplaced}, spec: true,
			want: []string{"misplaced.yaml", "spec.containers[0].securityContext.fsGroup", "a field of the pod's securityContext"}},
		{name: "verify nested misspelling", args: []string{"verify", "--spec", nested}, spec: true, want: []string{"nested.yaml", "seccompProfile.typo", `did you mean "type"`}},
		{name: "verify not a field name", args: []string{"verify", "--spec", notName}, spec: true, want: []string{"notname.yaml", "future-field", "not a Kubernetes field name"}},
		{name: "verify wrong type", args: []string{"verify", "--spec", quoted}, spec: true, want: []string{"quoted.yaml", "spec.containers[0].securityContext.runAsUser", "expected an integer"}},
		{name: "verify sysctl value type", args: []string{"verify", "--spec", sysctlType}, spec: true, want: []string{"sysctl.yaml", "spec.securityContext.sysctls[0].value", "expected a string"}},
		{name: "verify malformed yaml", args: []string{"verify", "--spec", malformed}, spec: true, want: []string{"malformed.yaml", "malformed YAML"}},
		{name: "verify empty spec", args: []string{"verify", "--spec", empty}, spec: true, want: []string{"empty.yaml"}},
		{name: "verify no workload", args: []string{"verify", "--spec", configMap}, spec: true, want: []string{"cm.yaml"}},
		{name: "verify unknown capability", args: []string{"verify", "--spec", badCap}, spec: true, want: []string{"cap.yaml", "capabilities.add[0]", `unknown capability "NET_RAWW"`}},
		{name: "verify privileged without escalation", args: []string{"verify", "--spec", privNoEsc}, spec: true, want: []string{"priv.yaml", "allowPrivilegeEscalation", "privileged"}},
		{name: "verify repeated key", args: []string{"verify", "--spec", dupKey}, spec: true, want: []string{"dup.yaml", "runAsUser"}},
		{name: "verify negative uid", args: []string{"verify", "--spec", negUser}, spec: true, want: []string{"neg.yaml", "runAsUser"}},
		{name: "verify escape in a field name", args: []string{"verify", "--spec", escName}, spec: true, want: []string{"esc.json", "spec.containers[0].securityContext.run\\x1b[31mAs", "unknown field"}},
		{name: "verify missing container", args: []string{"verify", "--spec", good, "-c", "nope"}, spec: true, want: []string{"pod.yaml", `no container "nope"`}},
		{name: "verify two containers, none chosen", args: []string{"verify", "--spec", two}, spec: true, want: []string{"two.yaml", "2 containers"}},
		{name: "verify missing workload", args: []string{"verify", "--spec", good, "--workload", "Deployment/x"}, spec: true, want: []string{"pod.yaml", "--workload"}},
		{name: "verify spec on stdin", args: []string{"verify", "--spec", "-"}, stdin: "kind: Pod\n  bad: [", spec: true, want: []string{"stdin", "malformed YAML"}},
		{name: "verify empty stdin", args: []string{"verify", "--spec", "-"}, spec: true, want: []string{"stdin"}},
		{name: "verify spec from the environment", args: []string{"verify"}, env: map[string]string{"SECCTX_SPEC": "kind: Pod\n  bad: ["}, spec: true, want: []string{"SECCTX_SPEC", "malformed YAML"}},
		{name: "verify spec file from the environment", args: []string{"verify"}, env: map[string]string{"SECCTX_SPEC_FILE": missing}, spec: true, want: []string{"missing.yaml"}},

		// watch
		{name: "watch unknown flag", args: []string{"watch", "--foo"}, want: []string{"unknown flag --foo", "see 'secctx watch --help'"}},
		{name: "watch has no -o", args: []string{"watch", "-o", "json"}, want: []string{"unknown flag -o"}},
		{name: "watch extra argument", args: []string{"watch", "self"}, want: []string{`unexpected argument "self"`}},
		{name: "watch negative cycles", args: []string{"watch", "--cycles", "-1"}, want: []string{"--cycles -1"}},
		{name: "watch cycles not a number", args: []string{"watch", "--cycles", "many"}, want: []string{`--cycles "many"`, "integer"}},
		{name: "watch interval too short", args: []string{"watch", "--interval", "1ms"}, want: []string{"--interval 1ms", "10ms"}},
		{name: "watch negative interval", args: []string{"watch", "--interval=-1s"}, want: []string{"--interval -1s"}},
		{name: "watch interval not a duration", args: []string{"watch", "--interval", "soon"}, want: []string{`--interval "soon"`, "duration"}},
		{name: "watch interval without unit", args: []string{"watch", "--interval", "60"}, want: []string{`--interval "60"`, "duration"}},
		{name: "watch zero heartbeat", args: []string{"watch", "--heartbeat", "0s"}, want: []string{"--heartbeat 0s"}},
		{name: "watch bad interval in the environment", args: []string{"watch"}, env: map[string]string{"SECCTX_INTERVAL": "soon"}, want: []string{`$SECCTX_INTERVAL "soon"`}},
		{name: "watch bad heartbeat in the environment", args: []string{"watch"}, env: map[string]string{"SECCTX_HEARTBEAT": "1 hour"}, want: []string{`$SECCTX_HEARTBEAT "1 hour"`}},
		{name: "watch bad target", args: []string{"watch", "--target", "bogus:x"}, want: []string{`--target "bogus:x"`}},
		{name: "watch empty target", args: []string{"watch", "--target="}, want: []string{`--target ""`}},
		{name: "watch bad container id", args: []string{"watch", "--target", "app=container-id:xyz"}, want: []string{`--target "app=container-id:xyz"`, "hexadecimal"}},
		{name: "watch bad target pid", args: []string{"watch", "--target", "pid:-3"}, want: []string{`--target "pid:-3"`}},
		{name: "watch bad target in the environment", args: []string{"watch"}, env: map[string]string{"SECCTX_TARGET": "self,bogus"}, want: []string{`$SECCTX_TARGET "bogus"`}},
		{name: "watch reserved port", args: []string{"watch", "--listen", ":10250"}, want: []string{"10250"}},
		{name: "watch bad listen address", args: []string{"watch", "--listen", "nowhere"}, want: []string{"nowhere"}},
		{name: "watch empty policyreport file", args: []string{"watch", "--policyreport-file="}, want: []string{"--policyreport-file: empty value"}},
		{name: "watch bad report api", args: []string{"watch", "--report-api", "openreports.io/v1"}, want: []string{`--report-api "openreports.io/v1"`, "wgpolicyk8s.io/v1alpha2 or openreports.io/v1alpha1"}},
		{name: "watch bad report api in the environment", args: []string{"watch"}, env: map[string]string{"SECCTX_REPORT_API": "v1"}, want: []string{`$SECCTX_REPORT_API "v1"`}},
		{name: "watch unknown skip id", args: []string{"watch", "--skip", "runAsUsr"}, want: []string{`--skip "runAsUsr"`}},
		{name: "watch waiver file unknown id", args: []string{"watch", "--spec", good, "--waivers", waiverUnknown, "--log-format", "text"}, spec: true, want: []string{"w-unknown.yaml: waivers[1].id"}},
		{name: "watch target given twice", args: []string{"watch", "--spec", two, "--target", "app=self", "--target", "app=pid:1", "--log-format=text"}, spec: true, want: []string{`container "app" given twice`}},
		{name: "watch bad profile", args: []string{"watch", "--profile", "rkt"}, want: []string{`--profile "rkt"`}},

		// probe
		{name: "probe unknown flag", args: []string{"probe", "--fail-on", "low"}, want: []string{"unknown flag --fail-on", "see 'secctx probe --help'"}},
		{name: "probe wide output", args: []string{"probe", "-o", "wide"}, want: []string{`--output "wide"`, "text, json or yaml"}},
		{name: "probe policyreport output", args: []string{"probe", "-opolicyreport"}, want: []string{`--output "policyreport"`}},
		{name: "probe negative pid", args: []string{"probe", "--pid", "-1"}, want: []string{"--pid -1"}},
		{name: "probe extra argument", args: []string{"probe", "42"}, want: []string{`unexpected argument "42"`}},
		{name: "probe bad spec", args: []string{"probe", "--spec", malformed}, spec: true, want: []string{"malformed.yaml", "malformed YAML"}},

		// expect
		{name: "expect has no --pid", args: []string{"expect", "--pid", "1"}, want: []string{"unknown flag --pid", "see 'secctx expect --help'"}},
		{name: "expect wide output", args: []string{"expect", "-o", "wide"}, want: []string{`--output "wide"`}},
		{name: "expect missing image root", args: []string{"expect", "--spec", good, "--image-root", missing}, want: []string{"--image-root", "not a directory"}},
		{name: "expect image root is a file", args: []string{"expect", "--spec", good, "--image-root", plainFile}, want: []string{"--image-root", "not a directory"}},
		{name: "expect extra argument", args: []string{"expect", good}, want: []string{"unexpected argument"}},
		{name: "expect unknown field", args: []string{"expect", "--spec", typo}, spec: true, want: []string{"typo.yaml", "runAsUsr"}},

		// lint
		{name: "lint no file", args: []string{"lint"}, want: []string{"FILE, DIR or -", "see 'secctx lint --help'"}},
		{name: "lint unknown flag", args: []string{"lint", "--pid", "1", good}, want: []string{"unknown flag --pid"}},
		{name: "lint wide output", args: []string{"lint", "-o", "wide", good}, want: []string{`--output "wide"`, "sarif"}},
		{name: "lint policyreport output", args: []string{"lint", "-o", "policyreport", good}, want: []string{`--output "policyreport"`}},
		{name: "lint bad fail-on", args: []string{"lint", "--fail-on", "severe", good}, want: []string{`--fail-on "severe"`}},
		{name: "lint bad profile", args: []string{"lint", "--profile", "rkt", good}, want: []string{`--profile "rkt"`}},
		{name: "lint bad pss version", args: []string{"lint", "--pss-version", "1.2", good}, want: []string{`--pss-version "1.2"`}},
		{name: "lint bad unsafe sysctl", args: []string{"lint", "--allowed-unsafe-sysctls", "vm.*", good}, want: []string{"--allowed-unsafe-sysctls", "vm.*"}},
		{name: "lint missing file", args: []string{"lint", missing}, spec: true, want: []string{"missing.yaml"}},
		{name: "lint unknown skip id", args: []string{"lint", "--skip", "k8s-sysctl", good}, want: []string{`--skip "k8s-sysctl"`, `unknown id "k8s-sysctl"`}},
		{name: "lint waiver file unknown id", args: []string{"lint", "--waivers", waiverUnknown, good}, spec: true, want: []string{"w-unknown.yaml: waivers[1].id"}},
		{name: "lint missing waiver file", args: []string{"lint", "--waivers", missing, good}, spec: true, want: []string{"--waivers", "missing.yaml"}},
		{name: "lint annotation unknown id", args: []string{"lint", annotUnknown}, spec: true, want: []string{"a-unknown.yaml: Pod/demo: metadata.annotations[secctx.io/waive]", `unknown id "seccomp"`}},
		{name: "lint openreport output", args: []string{"lint", "-o", "openreport", good}, want: []string{`--output "openreport"`}},
		{name: "lint malformed yaml", args: []string{"lint", malformed}, spec: true, want: []string{"malformed.yaml", "malformed YAML"}},
		{name: "lint no workload", args: []string{"lint", configMap}, spec: true, want: []string{"cm.yaml", "no workload"}},
		{name: "lint empty stdin", args: []string{"lint", "-"}, spec: true, want: []string{"no workload"}},

		// exec
		{name: "exec without --", args: []string{"exec", "sh"}, want: []string{`unexpected argument "sh"`, "put -- before"}},
		{name: "exec nothing", args: []string{"exec"}, want: []string{"exec needs --"}},
		{name: "exec no command after --", args: []string{"exec", "--"}, want: []string{"needs a command after --"}},
		{name: "exec argument before --", args: []string{"exec", "extra", "--", "sh"}, want: []string{`unexpected argument "extra" before --`}},
		{name: "exec unknown flag", args: []string{"exec", "--pid", "1", "--", "sh"}, want: []string{"unknown flag --pid", "see 'secctx exec --help'"}},
		{name: "exec bad output", args: []string{"exec", "-o", "xml", "--", "sh"}, want: []string{`--output "xml"`}},
		{name: "exec bad fail-on", args: []string{"exec", "--fail-on", "severe", "--", "sh"}, want: []string{`--fail-on "severe"`}},
		{name: "exec bad warn-only", args: []string{"exec", "--warn-only=perhaps", "--", "sh"}, want: []string{`--warn-only "perhaps"`}},
		{name: "exec bad spec", args: []string{"exec", "--spec", typo, "--", "sh"}, spec: true, want: []string{"typo.yaml", "runAsUsr"}},

		// checks
		{name: "checks extra argument", args: []string{"checks", "all"}, want: []string{`unexpected argument "all"`, "see 'secctx checks --help'"}},
		{name: "checks wide output", args: []string{"checks", "-o", "wide"}, want: []string{`--output "wide"`}},
		{name: "checks policyreport output", args: []string{"checks", "--output=policyreport"}, want: []string{`--output "policyreport"`}},
		{name: "checks unknown flag", args: []string{"checks", "--spec", good}, want: []string{"unknown flag --spec"}},

		// render
		{name: "render bad output", args: []string{"render", "-o", "sarif"}, want: []string{`--output "sarif"`, "see 'secctx render --help'"}},
		{name: "render missing file", args: []string{"render", "-f", missing}, spec: true, want: []string{"--file", "missing.yaml"}},
		{name: "render a directory", args: []string{"render", "--file", subdir}, spec: true, want: []string{"--file", "sub"}},
		{name: "render not a report", args: []string{"render", "-f", notReport}, spec: true, want: []string{"notreport.json", "not a secctx/v1 VerificationReport"}},
		{name: "render not JSON", args: []string{"render", "-f", notJSON}, spec: true, want: []string{"notjson.json"}},
		{name: "render empty stdin", args: []string{"render"}, spec: true, want: []string{"stdin", "not a secctx/v1 VerificationReport"}},
		{name: "render empty object", args: []string{"render"}, stdin: "{}", spec: true, want: []string{"stdin"}},
		{name: "render extra argument", args: []string{"render", notReport}, want: []string{"unexpected argument"}},
		{name: "render empty file flag", args: []string{"render", "-f", ""}, want: []string{"--file: empty value"}},

		// version, help, completion
		{name: "version extra argument", args: []string{"version", "short"}, want: []string{`unexpected argument "short"`}},
		{name: "version bad output", args: []string{"version", "-o", "wide"}, want: []string{`--output "wide"`}},
		{name: "version unknown flag", args: []string{"version", "--short"}, want: []string{"unknown flag --short"}},
		{name: "help unknown topic", args: []string{"help", "nope"}, want: []string{`unknown command "nope"`, "see 'secctx help --help'"}},
		{name: "help misspelt topic", args: []string{"help", "expcet"}, want: []string{`did you mean "expect"`}},
		{name: "help two topics", args: []string{"help", "verify", "watch"}, want: []string{`unexpected argument "watch"`}},
		{name: "help unknown flag", args: []string{"help", "-o", "json"}, want: []string{"unknown flag -o"}},
		{name: "completion no shell", args: []string{"completion"}, want: []string{"one shell", "see 'secctx completion --help'"}},
		{name: "completion unknown shell", args: []string{"completion", "tcsh"}, want: []string{`unknown shell "tcsh"`}},
		{name: "completion two shells", args: []string{"completion", "bash", "zsh"}, want: []string{"one shell"}},
		{name: "completion unknown flag", args: []string{"completion", "--shell", "bash"}, want: []string{"unknown flag --shell"}},
	}
	if len(cases) < 100 {
		t.Fatalf("only %d bad-input cases", len(cases))
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("case %q twice", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runBad(t, bin, tc)
		})
	}
}

func runBad(t *testing.T, bin string, tc badInput) {
	ctx, cancel := context.WithTimeout(context.Background(), badInputDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, tc.args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range tc.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(tc.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%q did not end within %s", tc.args, badInputDeadline)
	}
	if code := exitCode(err); code != exitUsage {
		t.Errorf("%q: exit %d, want 2 (%v); stderr %q", tc.args, code, err, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("%q: stdout %q, want nothing", tc.args, stdout.String())
	}
	line, rest, _ := strings.Cut(stderr.String(), "\n")
	if rest != "" || !strings.HasSuffix(stderr.String(), "\n") || !strings.HasPrefix(line, "secctx: error: ") {
		t.Errorf("%q: stderr is not one \"secctx: error:\" line: %q", tc.args, stderr.String())
	}
	for _, w := range tc.want {
		if !strings.Contains(line, w) {
			t.Errorf("%q: stderr %q lacks %q", tc.args, line, w)
		}
	}
	if !tc.spec && !strings.Contains(line, "--help'") {
		t.Errorf("%q: a usage error does not point to the help: %q", tc.args, line)
	}
	for _, c := range []byte(line) {
		if c < 0x20 || c == 0x7f {
			t.Errorf("%q: control character %#x on stderr: %q", tc.args, c, line)
			break
		}
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > badInputMaxRSS {
		t.Errorf("%q: peak RSS %d KiB, over %d KiB", tc.args, ru.Maxrss, badInputMaxRSS>>10)
	}
}
