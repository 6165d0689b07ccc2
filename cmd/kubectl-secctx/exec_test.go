package main

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fakeSecctx stands in for the binary: `version` succeeds, anything else
// prints its arguments and stdin and exits 1.
const fakeSecctx = "#!/bin/sh\n[ \"$1\" = version ] && exit 0\necho \"args: $*\"\ncat\nexit 1\n"

// localExec runs the scripts with this machine's sh, as the container's
// would, with TMPDIR pointing at a directory of the test.
func localExec(t *testing.T, tmpdir string) podExec {
	return func(ctx context.Context, cmd []string, stdin io.Reader) ([]byte, []byte, int, error) {
		c := exec.CommandContext(ctx, cmd[0], cmd[1:]...)
		c.Env = []string{"PATH=/usr/bin:/bin", "TMPDIR=" + tmpdir}
		c.Stdin = stdin
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		err := c.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.Bytes(), errb.Bytes(), ee.ExitCode(), nil
		}
		return out.Bytes(), errb.Bytes(), 0, err
	}
}

// testContainerID is the target's id in the pod's status.
var testContainerID = strings.Repeat("c0", 32)

func execTarget() *target {
	return &target{
		pod:       &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}},
		container: &corev1.Container{Name: "app"},
		status:    &corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + testContainerID},
		profile:   profileChoice{Name: "containerd"},
		spec:      []byte(`{"kind":"Pod"}`),
	}
}

// TestExecScripts runs the install and run scripts for real: the binary
// lands in TMPDIR, runs with the spec on stdin and the pid appended, and is
// removed afterwards.
func TestExecScripts(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	tmp := t.TempDir()
	var said []string
	say := func(f string, a ...any) { said = append(said, f) }
	o := &verifyOptions{failOn: "low"}
	res, err := execVerify(context.Background(), localExec(t, tmp), execTarget(), o, strings.NewReader(fakeSecctx), say)
	if err != nil {
		t.Fatal(err)
	}
	if res.report != nil || res.exit != 1 {
		t.Errorf("report %v exit %d, want none and 1", res.report, res.exit)
	}
	got := strings.Join(res.diagnostics, "\n")
	for _, want := range []string{"args: verify --target container-id:containerd://" + testContainerID + " -o json --container app --profile containerd --fail-on low --log-level error --spec -", `{"kind":"Pod"}`} {
		if !strings.Contains(got, want) {
			t.Errorf("secctx saw %q, want %q", got, want)
		}
	}
	left, _ := filepath.Glob(filepath.Join(tmp, ".secctx.*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestExecNoWritableDir: every candidate refused, one line per reason.
func TestExecNoWritableDir(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	// No one, root included, makes a directory in /proc.
	ro := "/proc"
	run := func(ctx context.Context, cmd []string, stdin io.Reader) ([]byte, []byte, int, error) {
		// Only TMPDIR is offered: replace the fixed list by it.
		script := strings.Replace(cmd[2], `"${TMPDIR:-}" /tmp /dev/shm /var/tmp /run /var/run "${HOME:-}"`, `"${TMPDIR:-}"`, 1)
		return localExec(t, ro)(ctx, append([]string{cmd[0], cmd[1], script}, cmd[3:]...), stdin)
	}
	_, err := execVerify(context.Background(), run, execTarget(), &verifyOptions{failOn: "low"}, strings.NewReader(fakeSecctx), func(string, ...any) {})
	if err == nil || !strings.Contains(err.Error(), "no directory is both writable and executable") || !strings.Contains(err.Error(), ro+":not-writable") {
		t.Fatalf("err %v", err)
	}
}

// TestExecFailures: what the plugin says when the container cannot take
// part, and that a failed run still removes the binary.
func TestExecFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		install func() ([]byte, []byte, int, error)
		run     func() ([]byte, []byte, int, error)
		want    string
		cleaned bool
	}{
		{name: "no shell", install: func() ([]byte, []byte, int, error) {
			return nil, nil, 0, errors.New(`Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "x": OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown`)
		}, want: `container "app" of pod web has no shell (sh)`},
		{name: "sh cannot run", install: func() ([]byte, []byte, int, error) { return nil, []byte("sh: not found"), 127, nil }, want: "cannot run sh (exit 127)"},
		{name: "install refused", install: func() ([]byte, []byte, int, error) {
			return nil, []byte("no directory is both writable and executable for this container's user (tried /tmp:not-writable)\n"), 4, nil
		}, want: "(tried /tmp:not-writable)"},
		{name: "stream broken during the run", install: func() ([]byte, []byte, int, error) { return []byte("/tmp/.secctx.7\n"), nil, 0, nil },
			run: func() ([]byte, []byte, int, error) { return nil, nil, 0, errors.New("connection reset") }, want: "connection reset", cleaned: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls [][]string
			run := func(ctx context.Context, cmd []string, stdin io.Reader) ([]byte, []byte, int, error) {
				calls = append(calls, cmd)
				switch len(calls) {
				case 1:
					return tc.install()
				case 2:
					return tc.run()
				}
				return nil, nil, 0, nil
			}
			_, err := execVerify(context.Background(), run, execTarget(), &verifyOptions{failOn: "low"}, strings.NewReader("bin"), func(string, ...any) {})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			cleaned := len(calls) == 3 && strings.Contains(strings.Join(calls[2], " "), "rm -rf") && calls[2][len(calls[2])-1] == "/tmp/.secctx.7"
			if cleaned != tc.cleaned {
				t.Errorf("cleanup call %v, want %v (calls %q)", cleaned, tc.cleaned, calls)
			}
		})
	}
}

func TestCheckBinary(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary is static only when built so (CGO_ENABLED=0); it is
	// an ELF for this machine either way.
	if err := checkBinary(self, "no-such-arch"); err == nil {
		t.Error("an executable for another architecture passed")
	}
	// A bare ELF header without program headers: static, for s390x.
	hdr := make([]byte, 64)
	copy(hdr, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(hdr[16:], uint16(elf.ET_EXEC))
	binary.LittleEndian.PutUint16(hdr[18:], uint16(elf.EM_S390))
	binary.LittleEndian.PutUint32(hdr[20:], uint32(elf.EV_CURRENT))
	binary.LittleEndian.PutUint16(hdr[52:], 64) // e_ehsize
	static := filepath.Join(t.TempDir(), "s390x")
	if err := os.WriteFile(static, hdr, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := checkBinary(static, "amd64"); err == nil || !strings.Contains(err.Error(), "built for s390x, the node is amd64") {
		t.Errorf("a static s390x executable for an amd64 node: %v", err)
	}
	for _, arch := range []string{"s390x", ""} {
		if err := checkBinary(static, arch); err != nil {
			t.Errorf("a static s390x executable, node arch %q: %v", arch, err)
		}
	}
	sh := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(sh, []byte(fakeSecctx), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := checkBinary(sh, ""); err == nil || !strings.Contains(err.Error(), "not a Linux executable") {
		t.Errorf("a script passed: %v", err)
	}
}

// TestNoContainerID: without the container id in the pod's status neither
// way runs secctx (it would have to guess the process).
func TestNoContainerID(t *testing.T) {
	t.Parallel()
	tg := execTarget()
	tg.status.ContainerID = ""
	ran := false
	run := func(context.Context, []string, io.Reader) ([]byte, []byte, int, error) {
		ran = true
		return nil, nil, 0, nil
	}
	_, err := execVerify(context.Background(), run, tg, &verifyOptions{failOn: "low"}, strings.NewReader(fakeSecctx), func(string, ...any) {})
	if err == nil || !strings.Contains(err.Error(), "no container ID") || ran {
		t.Errorf("exec: err %v, ran %v", err, ran)
	}
	_, err = verifyByEphemeral(context.Background(), nil, tg, &verifyOptions{}, identity{}, func(string, ...any) {})
	if err == nil || !strings.Contains(err.Error(), "no container ID") {
		t.Errorf("ephemeral: err %v", err)
	}
}
