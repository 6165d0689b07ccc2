package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/secctx/secctx/launch"
	"github.com/secctx/secctx/schema/schematest"
)

// fixtureProc is a containerd non-root container's proc tree: uid 1000,
// gid 3000, groups 3000 4000, default capabilities in the bounding set
// only, no_new_privs, seccomp filter, read-only root.
const fixtureProc = "../../probe/testdata/containerd-nonroot"

// fixtureSpec matches fixtureProc exactly (no drift) with ro: true; with
// ro: false, the read-only root is a low drift.
func fixtureSpec(t *testing.T, ro string) string {
	return writeFile(t, "pod.yaml", `apiVersion: v1
kind: Pod
metadata: {name: fx}
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    supplementalGroups: [4000]
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: `+ro+"\n")
}

// execCall is what the replaced execve was asked to run.
type execCall struct {
	path string
	argv []string
	env  []string
}

// withExecve replaces execve for one test (not parallel: the variable is
// the package's).
func withExecve(t *testing.T, err error) *[]execCall {
	t.Helper()
	var calls []execCall
	saved := execve
	execve = func(path string, argv, env []string) error {
		calls = append(calls, execCall{path, argv, env})
		return err
	}
	t.Cleanup(func() { execve = saved })
	return &calls
}

func TestExec(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh in PATH")
	}
	clean, drift := fixtureSpec(t, "true"), fixtureSpec(t, "false")
	notExec := writeFile(t, "notexec", "#!/bin/sh\n")
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		runs    bool
		stderr  []string // substrings; "" checks an empty stderr
		lineErr bool     // stderr is one verified line with drift (-o line)
		jsonErr bool     // stderr is the whole report as JSON (-o json)
		oneLine bool     // stderr is one diagnostic line
	}{
		{name: "clean spec runs CMD", args: []string{"--spec", clean, "--proc", fixtureProc, "--", "sh", "-c", "true"}, code: 0, runs: true, stderr: []string{""}},
		{name: "drift refuses", args: []string{"--spec", drift, "--proc", fixtureProc, "--", "sh"}, code: exitDrift, lineErr: true},
		{name: "drift as the whole report", args: []string{"--spec", drift, "--proc", fixtureProc, "-o", "json", "--", "sh"}, code: exitDrift, jsonErr: true},
		{name: "drift as text", args: []string{"--spec", drift, "--proc", fixtureProc, "-o", "text", "--", "sh"}, code: exitDrift, stderr: []string{"readOnlyRootFilesystem", "STATUS"}},
		{name: "warn-only runs", args: []string{"--spec", drift, "--proc", fixtureProc, "--warn-only", "--", "sh"}, code: 0, runs: true, lineErr: true},
		{name: "below fail-on runs", args: []string{"--spec", drift, "--proc", fixtureProc, "--fail-on", "medium", "--", "sh"}, code: 0, runs: true, lineErr: true},
		{name: "fail-on none runs", args: []string{"--spec", drift, "--proc", fixtureProc, "--fail-on", "none", "--", "sh"}, code: 0, runs: true, lineErr: true},
		{name: "no dash", args: []string{"--spec", clean, "sh"}, code: exitUsage, oneLine: true, stderr: []string{"--"}},
		{name: "no command", args: []string{"--spec", clean, "--"}, code: exitUsage, oneLine: true, stderr: []string{"command"}},
		{name: "argument before dash", args: []string{"--spec", clean, "extra", "--", "sh"}, code: exitUsage, oneLine: true, stderr: []string{"extra"}},
		{name: "bad flag value", args: []string{"--fail-on", "severe", "--", "sh"}, code: exitUsage, oneLine: true, stderr: []string{"--fail-on"}},
		{name: "bad output", args: []string{"-o", "xml", "--", "sh"}, code: exitUsage, oneLine: true, stderr: []string{"--output"}},
		{name: "bad spec", args: []string{"--spec", writeFile(t, "bad.yaml", strings.Replace(pod, "runAsUser", "runAsUsr", 1)), "--proc", fixtureProc, "--", "sh"},
			code: exitUsage, oneLine: true, stderr: []string{"bad.yaml", "runAsUsr"}},
		{name: "not observable", args: []string{"--spec", clean, "--proc", t.TempDir(), "--", "sh"}, code: exitUnobserved, oneLine: true, stderr: []string{"cannot observe"}},
		{name: "not observable, warn-only", args: []string{"--spec", clean, "--proc", t.TempDir(), "--warn-only", "--", "sh"}, code: 0, runs: true, stderr: []string{"cannot observe"}},
		{name: "command not found", args: []string{"--spec", clean, "--proc", fixtureProc, "--", "no-such-command-secctx"}, code: launch.ExitNotFound, oneLine: true, stderr: []string{"no-such-command-secctx", "not found"}},
		{name: "not executable", args: []string{"--spec", clean, "--proc", fixtureProc, "--", notExec}, code: launch.ExitNotExecutable, oneLine: true, stderr: []string{"notexec"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := withExecve(t, nil)
			code, stdout, stderr := runCLI(t, nil, "", append([]string{"exec"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing (it belongs to the application)", stdout)
			}
			if ran := len(*calls) == 1; ran != tc.runs {
				t.Errorf("CMD run: %v, want %v", ran, tc.runs)
			}
			if tc.runs && len(*calls) == 1 {
				c := (*calls)[0]
				if tc.name == "clean spec runs CMD" && (c.path != sh || strings.Join(c.argv, " ") != "sh -c true") {
					t.Errorf("execve(%q, %q), want (%q, [sh -c true])", c.path, c.argv, sh)
				}
				if strings.Join(c.env, "\n") != strings.Join(os.Environ(), "\n") {
					t.Errorf("the environment is not passed on as it is")
				}
			}
			for _, w := range tc.stderr {
				if w == "" && stderr != "" {
					t.Errorf("stderr %q, want nothing", stderr)
				}
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if tc.oneLine && len(lines) != 1 {
				t.Errorf("stderr has %d lines, want one: %q", len(lines), stderr)
			}
			if tc.lineErr {
				var l struct {
					Event string
					Drift int
				}
				if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &l) != nil || l.Event != "verified" || l.Drift == 0 {
					t.Errorf("stderr is not one verified line with drift: %q", stderr)
				} else if err := schematest.CheckWatchLine([]byte(lines[0])); err != nil {
					t.Errorf("the line breaks schema/watch-line.schema.json: %v", err)
				}
			}
			if tc.jsonErr {
				var r struct {
					Kind    string
					Summary struct{ Drift int }
				}
				if json.Unmarshal([]byte(stderr), &r) != nil || r.Kind != "VerificationReport" || r.Summary.Drift == 0 {
					t.Errorf("stderr is not the JSON report with drift: %q", stderr)
				} else if err := schematest.CheckReport([]byte(stderr)); err != nil {
					t.Errorf("the report breaks schema/report.schema.json: %v", err)
				}
			}
		})
	}
}

func TestExecFailureStatus(t *testing.T) {
	withExecve(t, &launch.Error{Cmd: "x", Status: launch.ExitNotExecutable, Err: errors.New("exec format error")})
	code, _, stderr := runCLI(t, nil, "", "exec", "--spec", fixtureSpec(t, "true"), "--proc", fixtureProc, "--", "sh")
	if code != launch.ExitNotExecutable || !strings.Contains(stderr, "exec format error") {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
}

// TestExecReplacesTheProcess runs the real binary: the application has
// secctx's pid and environment, and the same file descriptors, ignored
// signals and open-files limit as the same command started
// directly (so secctx leaks no descriptor of its own, no signal state,
// and undoes its raised limit). Not parallel: a child forked while other
// tests fork too may start with signals blocked or a descriptor of theirs,
// which would make the two runs differ for reasons of the test process.
func TestExecReplacesTheProcess(t *testing.T) {
	bin := secctxBinary(t)
	spec := fixtureSpec(t, "true")
	// The shell lists its descriptors itself (a glob): a command
	// substitution's child would race the shell closing the pipe's write
	// end, and list it or not.
	script := `echo "pid=$$"; echo "env=$SECCTX_TEST_VAR"; cd /proc/$$/fd && set -- *; echo "fds=$*";` +
		`grep -E '^Sig(Blk|Ign):' /proc/$$/status; echo "nofile=$(ulimit -n)"`
	run := func(args ...string) (map[string]string, int, string) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "SECCTX_TEST_VAR=kept")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %s", err, errb.String())
		}
		got := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				got[k] = strings.TrimSpace(v)
			} else if k, v, ok := strings.Cut(l, ":"); ok {
				got[k] = strings.TrimSpace(v)
			}
		}
		return got, cmd.Process.Pid, errb.String()
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// Both runs start through a shell that closes descriptors 3 to 9
	// first: a child of this test process may inherit one another test
	// has open at that instant.
	clean := []string{sh, "-c", `for fd in 3 4 5 6 7 8 9; do eval "exec $fd>&-"; done; exec "$@"`, "sh"}
	direct, _, _ := run(append(clean, sh, "-c", script)...)
	got, pid, stderr := run(append(clean, bin, "exec", "--spec", spec, "--proc", fixtureProc, "--", "sh", "-c", script)...)
	if got["pid"] != strconv.Itoa(pid) {
		t.Errorf("the application's pid is %s, secctx's was %d", got["pid"], pid)
	}
	if got["env"] != "kept" {
		t.Errorf("environment variable: %q", got["env"])
	}
	// The blocked signals are compared in the runc tier (e2e), where runc
	// starts the process: a child of this test process sometimes starts
	// with every signal blocked, whether secctx is in between or not.
	for _, k := range []string{"fds", "SigIgn", "nofile"} {
		if got[k] != direct[k] || got[k] == "" {
			t.Errorf("%s: %q through secctx exec, %q started directly", k, got[k], direct[k])
		}
	}
	if stderr != "" {
		t.Errorf("stderr %q, want nothing", stderr)
	}
}
