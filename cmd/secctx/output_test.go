package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/report/prtest"
	"github.com/secctx/secctx/schema/schematest"
)

// copyTree copies the fixture proc tree src to a temporary directory,
// symlinks included, with extra files written over it.
func copyTree(t *testing.T, src string, extra map[string]string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, content := range extra {
		full := filepath.Join(dst, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if content == unreadable {
			// A directory where a file should be: read fails with EISDIR.
			if err := os.RemoveAll(full); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// unreadable, as the content of a file in copyTree, makes it unreadable.
const unreadable = "\x00unreadable"

// hostSigns make a fixture tree look like a laptop: systemd as pid 1, a
// session cgroup, ext4 at /.
var hostSigns = map[string]string{
	"self/cgroup":    "0::/user.slice/user-1000.slice/session-2.scope\n",
	"self/mountinfo": "22 1 259:2 / / ro,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n23 22 0:21 / /proc rw - proc proc rw\n",
	"1/comm":         "systemd\n",
	"1/sched":        "systemd (1, #threads: 1)\n",
}

// containerSigns make it look like a pod's container.
var containerSigns = map[string]string{
	"self/cgroup": "0::/kubepods.slice/kubepods-pod12.slice/cri-containerd-ab12.scope\n",
	"1/comm":      "pause\n",
}

// TestContainerisedInTheReport: run where nothing looks like a container,
// the JSON report says so with the signs seen, and the text report warns
// at the top; in a container, neither.
func TestContainerisedInTheReport(t *testing.T) {
	t.Parallel()
	spec := fixtureSpec(t, "true")
	for _, tc := range []struct {
		name  string
		extra map[string]string
		want  bool
	}{{"host", hostSigns, false}, {"container", containerSigns, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			proc := copyTree(t, fixtureProc, tc.extra)
			code, stdout, stderr := runCLI(t, nil, "", "verify", "--spec", spec, "--proc", proc, "-ojson", "--fail-on=none")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var r struct {
				Target struct {
					Containerised  *bool
					ContainerSigns []struct {
						Name, Seen string
						Container  bool
					}
				}
			}
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatal(err)
			}
			schematest.Report(t, []byte(stdout))
			if r.Target.Containerised == nil || *r.Target.Containerised != tc.want || len(r.Target.ContainerSigns) < 7 {
				t.Errorf("containerised %v, signs %+v; want %v", r.Target.Containerised, r.Target.ContainerSigns, tc.want)
			}
			_, text, _ := runCLI(t, nil, "", "verify", "--spec", spec, "--proc", proc)
			head, _, _ := strings.Cut(text, "\nSTATUS")
			flat := strings.Join(strings.Fields(head), " ")
			warned := strings.Contains(flat, "this process does not look containerised: cgroup /user.slice/user-1000.slice/session-2.scope; pid 1 is systemd; / is ext4 /dev/nvme0n1p2")
			if warned == tc.want {
				t.Errorf("warning %v, want %v:\n%s", warned, !tc.want, text)
			}
		})
	}
}

// TestPolicyReportOutput: verify -o policyreport and render -o
// policyreport write a PolicyReport the published CRD's schema accepts,
// with one result per finding, for reports with and without drift, with
// unknown and skipped checks, with and without the pod's downward API
// values.
func TestPolicyReportOutput(t *testing.T) {
	t.Parallel()
	v := prtest.Load(t)
	clean, drift := fixtureSpec(t, "true"), fixtureSpec(t, "false")
	blurred := copyTree(t, fixtureProc, map[string]string{"self/mountinfo": unreadable, "sys/net/ipv4/ping_group_range": unreadable})
	deploy := writeFile(t, "deploy.yaml", `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      securityContext: {runAsUser: 1000, sysctls: [{name: kernel.shm_rmid_forced, value: "1"}]}
      containers: [{name: app}]
`)
	downward := map[string]string{"SECCTX_POD_NAME": "web-5d8f-x2x", "SECCTX_POD_NAMESPACE": "shop", "SECCTX_POD_UID": "8c3e0b2a-1f7e-4c9a-9d3e-0a1b2c3d4e5f"}
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		code  int
		fail  int
		scope string
	}{
		{"no drift", []string{"--spec", clean, "--proc", fixtureProc}, nil, exitOK, 0, "v1/Pod/fx"},
		{"drift", []string{"--spec", drift, "--proc", fixtureProc}, nil, exitDrift, 1, "v1/Pod/fx"},
		{"unknown and skipped", []string{"--spec", clean, "--proc", blurred}, nil, -1, -1, "v1/Pod/fx"},
		{"a deployment with the downward API", []string{"--spec", deploy, "--proc", fixtureProc}, downward, exitDrift, -1, "v1/Pod/web-5d8f-x2x"},
		{"a deployment without", []string{"--spec", deploy, "--proc", fixtureProc}, nil, exitDrift, -1, "apps/v1/Deployment/web"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"verify", "-o", "policyreport"}, tc.args...)
			code, stdout, stderr := runCLI(t, tc.env, "", args...)
			if code == exitUsage || code == exitUnobserved || (tc.code >= 0 && code != tc.code) {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if err := v.Validate([]byte(stdout)); err != nil {
				t.Errorf("schema: %v\n%s", err, stdout)
			}
			var pr report.PolicyReport
			if err := json.Unmarshal([]byte(stdout), &pr); err != nil {
				t.Fatal(err)
			}
			_, js, _ := runCLI(t, tc.env, "", append([]string{"verify", "-o", "json"}, tc.args...)...)
			var r report.Report
			if err := json.Unmarshal([]byte(js), &r); err != nil {
				t.Fatal(err)
			}
			if len(pr.Results) != len(r.Findings) {
				t.Errorf("%d results for %d findings", len(pr.Results), len(r.Findings))
			}
			if tc.fail >= 0 && pr.Summary.Fail != tc.fail {
				t.Errorf("summary %+v, want %d fail", pr.Summary, tc.fail)
			}
			counts := map[string]int{}
			for _, res := range pr.Results {
				counts[res.Result]++
			}
			if counts["pass"] != pr.Summary.Pass || counts["fail"] != pr.Summary.Fail || counts["skip"] != pr.Summary.Skip || counts["error"] != pr.Summary.Error {
				t.Errorf("summary %+v does not count the results %v", pr.Summary, counts)
			}
			if tc.name == "unknown and skipped" && (counts["error"] == 0 || counts["skip"] == 0) {
				t.Errorf("no error or skip result: %v", counts)
			}
			if got := pr.Scope.APIVersion + "/" + pr.Scope.Kind + "/" + pr.Scope.Name; got != tc.scope {
				t.Errorf("scope %s, want %s", got, tc.scope)
			}
			if tc.env != nil && (pr.Scope.UID != tc.env["SECCTX_POD_UID"] || pr.Metadata.Namespace != "shop") {
				t.Errorf("scope %+v metadata %+v", pr.Scope, pr.Metadata)
			}
			// render turns the saved JSON into the same PolicyReport, but
			// for the time of the run.
			code, rendered, stderr := runCLI(t, tc.env, js, "render", "-o", "policyreport")
			if code != exitOK {
				t.Fatalf("render -o policyreport: exit %d %s", code, stderr)
			}
			if err := v.Validate([]byte(rendered)); err != nil {
				t.Errorf("render: schema: %v", err)
			}
			times := regexp.MustCompile(`"(seconds|nanos)": [0-9]+`)
			if a, b := times.ReplaceAllString(rendered, ""), times.ReplaceAllString(stdout, ""); a != b {
				t.Errorf("render -o policyreport differs from verify -o policyreport:\n%s\nwant\n%s", a, b)
			}
		})
	}
}

// TestWatchPolicyReportFile: watch writes the PolicyReport of its targets
// to the file atomically when a result changes, and not again while
// nothing changes.
func TestWatchPolicyReportFile(t *testing.T) {
	t.Parallel()
	bin := secctxBinary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "secctx.yaml")
	spec := writeFile(t, "pod.yaml", twoContainers)
	cmd := watchCmd(bin, "--spec", spec, "--proc", fixtureProc, "--target", "app=self", "--target", "side=pid:4242",
		"--interval", "20ms", "--cycles", "5", "--policyreport-file", path, "--log-level", "info")
	cmd.Env = append(cmd.Env, "SECCTX_POD_NAME=fx-1", "SECCTX_POD_NAMESPACE=test", "SECCTX_POD_UID=uid-1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("watch: %v\n%s", err, stderr.String())
	}
	writes := 0
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "PolicyReport written") {
			writes++
		}
	}
	if writes != 1 {
		t.Errorf("%d writes in 5 unchanged cycles, want 1:\n%s", writes, stderr.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := prtest.Load(t).Validate(b); err != nil {
		t.Errorf("schema: %v\n%s", err, b)
	}
	if json.Valid(b) {
		t.Errorf("a .yaml file holds JSON")
	}
	for _, want := range []string{"name: secctx-fx-1\n", "namespace: test\n", "uid: uid-1", "fieldPath: spec.containers{app}", "fieldPath: spec.containers{side}"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the file lacks %q:\n%s", want, b)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left in the directory: %v", ents)
	}
}

// TestPolicyReportPublisher: the file is rewritten when a result changes,
// not when only the time does.
func TestPolicyReportPublisher(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "pr.json")
	p := &policyReportPublisher{path: path, log: zerolog.Nop()}
	rep := func(obs string, at time.Time) []*report.Report {
		r := &report.Report{APIVersion: report.APIVersion, Kind: report.Kind, Time: at,
			Target:   report.Target{Container: "app", Workload: "Pod/demo"},
			Findings: []report.Finding{{Check: "runAsUser", Status: report.StatusOK, Severity: report.SeverityInfo, Expected: "1000", Observed: obs}}}
		r.Summary = report.Summarize(r.Findings)
		return []*report.Report{r}
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, step := range []struct {
		obs     string
		written bool
	}{{"1000", true}, {"1000", false}, {"1000", false}, {"0", true}, {"0", false}, {"1000", true}} {
		if err := os.WriteFile(path, []byte("sentinel"), 0o644); err != nil {
			t.Fatal(err)
		}
		p.publish(rep(step.obs, t0.Add(time.Duration(i)*time.Minute)))
		b, _ := os.ReadFile(path)
		if written := string(b) != "sentinel"; written != step.written {
			t.Errorf("step %d (%s): written %v, want %v", i, step.obs, written, step.written)
		}
		if step.written && !bytes.Contains(b, []byte(`"observed": "`+step.obs+`"`)) {
			t.Errorf("step %d: the file does not hold the new value:\n%s", i, b)
		}
	}
}

// runTerm runs the CLI in-process with stdout taken for a terminal or not.
func runTerm(t *testing.T, terminal bool, vars map[string]string, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] },
		terminal: func(io.Writer) bool { return terminal }}
	return runEnv(args, e), out.String()
}

// TestColor: colour on a terminal only, never with $NO_COLOR or
// --color=never, always with --color=always.
func TestColor(t *testing.T) {
	t.Parallel()
	spec := fixtureSpec(t, "false")
	report := func(terminal bool, env map[string]string, extra ...string) string {
		t.Helper()
		args := append([]string{"verify", "--spec", spec, "--proc", fixtureProc}, extra...)
		code, out := runTerm(t, terminal, env, args...)
		if code != exitDrift {
			t.Fatalf("%q: exit %d", args, code)
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		terminal bool
		env      map[string]string
		args     []string
		colour   bool
	}{
		{"pipe", false, nil, nil, false},
		{"terminal", true, nil, nil, true},
		{"terminal, wide", true, nil, []string{"-o", "wide"}, true},
		{"terminal, NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, nil, false},
		{"terminal, NO_COLOR of any value", true, map[string]string{"NO_COLOR": "no"}, nil, false},
		{"terminal, --color=never", true, nil, []string{"--color=never"}, false},
		{"pipe, --color always", false, nil, []string{"--color", "always"}, true},
		{"NO_COLOR, --color=always", false, map[string]string{"NO_COLOR": "1"}, []string{"--color=always"}, true},
		{"terminal, json", true, nil, []string{"-o", "json"}, false},
	} {
		out := report(tc.terminal, tc.env, tc.args...)
		if got := strings.Contains(out, "\x1b["); got != tc.colour {
			t.Errorf("%s: colour %v, want %v:\n%s", tc.name, got, tc.colour, out)
		}
	}
}

var ansiSeq = regexp.MustCompile("\x1b\\[[0-9;]*m")

// checkNoControls fails for a control character other than a line break
// (colour sequences aside, when allowed).
func checkNoControls(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			t.Errorf("%s: control character %U in the output:\n%s", what, r, out)
			return
		}
	}
}

// TestTextEscapesValues: a process named with escape sequences, a spec
// whose names hold them, and a saved report full of them reach the text
// outputs escaped, and the JSON outputs JSON-escaped.
func TestTextEscapesValues(t *testing.T) {
	t.Parallel()
	status, err := os.ReadFile(filepath.Join(fixtureProc, "self/status"))
	if err != nil {
		t.Fatal(err)
	}
	evil := "\x1b[31mX\x1b]0;pwned\x07"
	lines := strings.SplitN(string(status), "\n", 2)
	proc := copyTree(t, fixtureProc, map[string]string{"self/status": "Name:\t" + evil + "\n" + lines[1]})
	spec := fixtureSpec(t, "false")
	for _, o := range []string{"text", "wide"} {
		_, out, _ := runCLI(t, nil, "", "verify", "--spec", spec, "--proc", proc, "-o", o, "--color=never")
		checkNoControls(t, "verify -o "+o, out)
		if !strings.Contains(out, `\x1b[31mX\x1b]0;pwned\x07`) {
			t.Errorf("verify -o %s does not show the escaped name:\n%s", o, out)
		}
	}
	_, js, _ := runCLI(t, nil, "", "verify", "--spec", spec, "--proc", proc, "-o", "json")
	if !strings.Contains(js, `\u001b[31mX`) {
		t.Errorf("the JSON report does not JSON-escape the name")
	}
	for _, cmd := range []string{"probe", "expect"} {
		_, out, _ := runCLI(t, nil, "", cmd, "--spec", spec, "--proc", proc)
		checkNoControls(t, cmd, out)
	}

	// A saved report with control characters in every string.
	var r map[string]any
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	var poison func(v any) any
	poison = func(v any) any {
		switch x := v.(type) {
		case string:
			if x == report.APIVersion || x == report.Kind || strings.HasPrefix(x, "20") {
				return x
			}
			return x + "\x1b[2J\n\u009b\r\x7f"
		case map[string]any:
			for k, e := range x {
				if k != "status" && k != "severity" {
					x[k] = poison(e)
				}
			}
		case []any:
			for i, e := range x {
				x[i] = poison(e)
			}
		}
		return v
	}
	saved, _ := json.Marshal(poison(r))
	for _, o := range []string{"text", "wide"} {
		code, out, stderr := runCLI(t, nil, string(saved), "render", "-o", o)
		if code != exitOK {
			t.Fatalf("render: exit %d: %s", code, stderr)
		}
		checkNoControls(t, "render -o "+o, out)
		if !strings.Contains(out, `\x1b[2J\n\u009b\r\x7f`) {
			t.Errorf("render -o %s does not show the escapes:\n%s", o, out)
		}
	}

	// lint's text: names from the manifest.
	manifest := writeFile(t, "evil.json", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "evil\u001b[2J"},
	  "spec": {"containers": [{"name": "app\u009b1m", "securityContext": {"privileged": true}}]}}`)
	_, out, stderr := runCLI(t, nil, "", "lint", "--fail-on", "none", manifest)
	checkNoControls(t, "lint", out)
	if !strings.Contains(out, `evil\x1b[2J`) {
		t.Errorf("lint does not show the escaped name: %s\n%s", stderr, out)
	}
}

// TestDemoReportFits80Columns: the demo pod's report (the README's and
// docs/demo.md's, as make demo prints it), and a report of long values, as
// text: no line longer than 80 columns.
func TestDemoReportFits80Columns(t *testing.T) {
	t.Parallel()
	demo := "../../deploy/examples/security-context-demo.yaml"
	long := writeFile(t, "long.yaml", `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: a-very-long-statefulset-name-that-goes-on-and-on, namespace: a-long-namespace-name}
spec:
  template:
    spec:
      securityContext:
        supplementalGroups: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
        sysctls:
        - {name: net.ipv4.conf.all.accept_source_route, value: "0"}
        - {name: net.ipv4.ip_local_port_range, value: "1024 65535"}
      containers:
      - name: a-container-with-a-rather-long-name-indeed
        securityContext:
          capabilities: {add: [NET_ADMIN, NET_RAW, SYS_TIME, SYS_PTRACE, SYS_ADMIN, BPF, PERFMON, IPC_LOCK]}
`)
	for _, tc := range []struct{ name, spec, profile, proc string }{
		{"demo under podman", demo, "podman", fixtureProc},
		{"demo under containerd", demo, "containerd", fixtureProc},
		{"demo, mounts and sysctls unreadable", demo, "podman", copyTree(t, fixtureProc, map[string]string{"self/mountinfo": unreadable, "sys/kernel/shm_rmid_forced": unreadable})},
		{"long values", long, "containerd", copyTree(t, fixtureProc, hostSigns)},
	} {
		code, out, stderr := runCLI(t, nil, "", "verify", "--spec", tc.spec, "--proc", tc.proc, "--profile", tc.profile, "--color=always")
		if code != exitOK && code != exitDrift {
			t.Fatalf("%s: exit %d: %s", tc.name, code, stderr)
		}
		for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			plain := ansiSeq.ReplaceAllString(l, "")
			if n := utf8.RuneCountInString(plain); n > 80 {
				t.Errorf("%s: line %d has %d columns: %q", tc.name, i+1, n, plain)
			}
		}
		if tc.name == "long values" && !strings.Contains(out, "…") {
			t.Errorf("%s: nothing abbreviated:\n%s", tc.name, out)
		}
	}
}
