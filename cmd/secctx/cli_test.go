package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secctx/secctx/schema/schematest"
)

// runCLI runs the command in-process with a fake environment.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

const pod = `apiVersion: v1
kind: Pod
metadata: {name: demo}
spec:
  containers:
  - name: app
    securityContext:
      runAsUser: 1000
`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadInputIsOneLineExit2(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, spec string
		args       []string
		want       []string // substrings of the one stderr line
	}{
		{"unknown field", strings.Replace(pod, "runAsUser", "runAsUsr", 1), nil,
			[]string{"pod.yaml", "spec.containers[0].securityContext.runAsUsr", "unknown field", `did you mean "runAsUser"`}},
		{"wrong type", strings.Replace(pod, "1000", `"1000"`, 1), nil,
			[]string{"pod.yaml", "spec.containers[0].securityContext.runAsUser", "expected an integer"}},
		{"malformed yaml", "kind: Pod\n  bad: [", nil, []string{"pod.yaml", "malformed YAML"}},
		{"missing container", pod, []string{"--container", "nope"}, []string{"pod.yaml", "Pod/demo", "--container", `no container "nope"`}},
		{"missing workload", pod, []string{"--workload", "Deployment/x"}, []string{"pod.yaml", "--workload"}},
		{"bad capability", strings.Replace(pod, "runAsUser: 1000", "capabilities: {add: [NET_RAWW]}", 1), nil,
			[]string{"capabilities.add[0]", `unknown capability "NET_RAWW"`}},
		{"privileged without escalation", strings.Replace(pod, "runAsUser: 1000", "privileged: true\n      allowPrivilegeEscalation: false", 1), nil,
			[]string{"allowPrivilegeEscalation", "privileged"}},
		{"bad profile", pod, []string{"--profile", "rkt"}, []string{"--profile", `"rkt"`, "want containerd"}},
		{"bad fail-on", pod, []string{"--fail-on", "severe"}, []string{"--fail-on"}},
		{"bad seccomp-default", pod, []string{"--seccomp-default", "maybe"}, []string{"--seccomp-default", `"maybe"`, "true or false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "pod.yaml")
			if err := os.WriteFile(p, []byte(tc.spec), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"verify", "--spec", p, "-o", "json"}, tc.args...)
			code, stdout, stderr := runCLI(t, nil, "", args...)
			if code != exitUsage {
				t.Errorf("exit = %d, want 2; stderr %q", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout not empty: %q", stdout)
			}
			if lines := strings.Count(strings.TrimRight(stderr, "\n"), "\n"); lines != 0 {
				t.Errorf("stderr has %d lines: %q", lines+1, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}

func TestSpecFromEnvAndStdin(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "pod.yaml", pod)
	for name, tc := range map[string]struct {
		env   map[string]string
		stdin string
		args  []string
		src   string
	}{
		"file env":  {env: map[string]string{"SECCTX_SPEC_FILE": p}, src: "file:" + p},
		"inline":    {env: map[string]string{"SECCTX_SPEC": pod}, src: "env:SECCTX_SPEC"},
		"stdin":     {stdin: pod, args: []string{"--spec", "-"}, src: "stdin"},
		"flag wins": {env: map[string]string{"SECCTX_SPEC": "garbage: ["}, args: []string{"--spec", p}, src: "file:" + p},
		"default":   {src: "default: Pod Security Standards restricted"},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"verify", "-o", "json", "--fail-on", "critical"}, tc.args...)
			code, stdout, stderr := runCLI(t, tc.env, tc.stdin, args...)
			if code != exitOK && code != exitDrift {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var r struct {
				APIVersion, Kind string
				Spec             struct{ Source string }
				Findings         []struct{ Check string }
			}
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
			}
			schematest.Report(t, []byte(stdout))
			if r.APIVersion != "secctx/v1" || r.Kind != "VerificationReport" || r.Spec.Source != tc.src {
				t.Errorf("report header %+v, want source %q", r, tc.src)
			}
			if len(r.Findings) < 19 {
				t.Errorf("only %d findings", len(r.Findings))
			}
		})
	}
}

func TestUnobservableProcessExit3(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "pod.yaml", pod)
	code, stdout, stderr := runCLI(t, nil, "", "verify", "--spec", p, "--proc", t.TempDir())
	if code != exitUnobserved || stdout != "" || !strings.Contains(stderr, "cannot observe") {
		t.Errorf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
}

func TestFailOnThreshold(t *testing.T) {
	t.Parallel()
	// On a build machine secctx runs unconfined as root: verifying it against
	// a non-root spec drifts at critical severity; --fail-on decides exit 1.
	if os.Getuid() != 0 {
		t.Skip("needs uid 0 for a known critical drift")
	}
	p := writeFile(t, "pod.yaml", pod)
	if code, _, _ := runCLI(t, nil, "", "verify", "--spec", p, "--fail-on", "critical"); code != exitDrift {
		t.Errorf("exit = %d, want 1", code)
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, nil, "", "--help")
	if code != 0 || !strings.Contains(out, "Exit codes:") || !strings.Contains(out, "\n  verify ") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, nil, "", "version"); code != 0 || !strings.HasPrefix(out, "secctx ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errs := runCLI(t, nil, "", "bogus"); code != exitUsage || !strings.Contains(errs, "unknown command") {
		t.Errorf("bogus: %d %q", code, errs)
	}
	if code, out, _ := runCLI(t, nil, "", "checks", "-o", "json"); code != 0 || !strings.Contains(out, `"hostUsers"`) {
		t.Errorf("checks: %d", code)
	}
}

func TestExpectAndRender(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "pod.yaml", pod)
	code, out, errs := runCLI(t, nil, "", "expect", "--spec", p, "-o", "json")
	if code != 0 || !strings.Contains(out, `"uid": 1000`) {
		t.Fatalf("expect: %d %q %q", code, out, errs)
	}
	_, report, _ := runCLI(t, nil, "", "verify", "--spec", p, "-o", "json", "--fail-on", "critical")
	code, text, errs := runCLI(t, nil, report, "render")
	if code != 0 || !strings.Contains(text, "STATUS") || !strings.Contains(text, "runAsUser") {
		t.Errorf("render: %d %q %q", code, text, errs)
	}
	if code, _, _ := runCLI(t, nil, "{}", "render"); code != exitUsage {
		t.Errorf("render of a non-report: exit %d", code)
	}
}

// BenchmarkOneShotProcess measures what a `kubectl exec ... secctx verify`
// costs: a whole process, start to exit, of the stripped static binary.
func BenchmarkOneShotProcess(b *testing.B) {
	bin := secctxBinary(b)
	spec := filepath.Join(b.TempDir(), "pod.yaml")
	if err := os.WriteFile(spec, []byte(pod), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "verify", "--spec", spec, "-o", "json")
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 1 {
				b.Fatal(err)
			}
		}
	}
}

// TestSeccompDefaultPin: --seccomp-default (or $SECCTX_SECCOMP_DEFAULT)
// turns the two legitimate outcomes of an undeclared seccompProfile into
// the one the node gives.
func TestSeccompDefaultPin(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "pod.yaml", pod)
	for _, tc := range []struct {
		name     string
		args     []string
		env      map[string]string
		expected string
		outcomes bool
	}{
		{"unknown", nil, nil, "disabled | filter", true},
		{"flag on", []string{"--seccomp-default=true"}, nil, "filter", false},
		{"flag off", []string{"--seccomp-default", "false"}, nil, "disabled", false},
		{"environment on", nil, map[string]string{"SECCTX_SECCOMP_DEFAULT": "true"}, "filter", false},
		{"flag over environment", []string{"--seccomp-default=false"}, map[string]string{"SECCTX_SECCOMP_DEFAULT": "true"}, "disabled", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"verify", "--spec", p, "-o", "json", "--fail-on", "critical"}, tc.args...)
			code, stdout, stderr := runCLI(t, tc.env, "", args...)
			if code != exitOK && code != exitDrift {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			schematest.Report(t, []byte(stdout))
			var r struct {
				Findings []struct {
					Check    string
					Expected string
					Outcomes *struct {
						Legitimate []struct{ Value, When string }
					}
				}
			}
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatal(err)
			}
			for _, f := range r.Findings {
				if f.Check != "seccompProfile" {
					continue
				}
				if f.Expected != tc.expected || (f.Outcomes != nil) != tc.outcomes {
					t.Errorf("seccompProfile expected %q outcomes %v, want %q and outcomes %v", f.Expected, f.Outcomes != nil, tc.expected, tc.outcomes)
				}
				return
			}
			t.Error("no seccompProfile finding")
		})
	}
}
