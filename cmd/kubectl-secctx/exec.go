package main

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
)

// installScript runs in the target container under sh, with the secctx
// binary on stdin: it writes it once, into the first candidate directory
// that is writable, then tries to execute it there; where the mount is
// noexec it copies the file on to the next candidate. It prints the
// directory it made, or says, per directory, why none would do, and exits 4.
// It needs sh, cat, mkdir, chmod and rm, nothing else.
const installScript = `
tried=""
src=""
for d in "${TMPDIR:-}" /tmp /dev/shm /var/tmp /run /var/run "${HOME:-}"; do
	[ -n "$d" ] && [ -d "$d" ] || continue
	case " $seen " in *" $d "*) continue ;; esac
	seen="$seen $d"
	t="$d/.secctx.$$"
	if ! mkdir "$t" 2>/dev/null; then tried="$tried $d:not-writable"; continue; fi
	if [ -z "$src" ]; then
		if ! cat >"$t/secctx"; then rm -rf "$t"; tried="$tried $d:write-failed"; continue; fi
		src="$t/secctx"
	elif ! cat "$src" >"$t/secctx"; then
		rm -rf "$t"; tried="$tried $d:write-failed"; continue
	fi
	chmod 700 "$t/secctx"
	if "$t/secctx" version >/dev/null 2>&1; then
		[ "$src" = "$t/secctx" ] || rm -rf "${src%/secctx}"
		echo "$t"
		exit 0
	fi
	tried="$tried $d:noexec"
	[ "$src" = "$t/secctx" ] || rm -rf "$t"
done
[ -z "$src" ] || rm -rf "${src%/secctx}"
[ -n "$src" ] || cat >/dev/null
echo "no directory is both writable and executable for this container's user (tried$tried)" >&2
exit 4
`

// runScript runs secctx from DIR ($1), against the container's processes
// (secctx finds them by the container id it is given, in any PID
// namespace), then removes DIR whatever secctx's exit.
const runScript = `
d=$1; shift
"$d/secctx" "$@"
rc=$?
rm -rf "$d"
exit $rc
`

// cleanupScript removes the directory when the run did not.
const cleanupScript = `rm -rf "$1"`

// findBinary returns --binary, else secctx beside this executable, else in PATH.
func findBinary(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "secctx")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("secctx")
	if err != nil {
		return "", fmt.Errorf("no secctx binary beside this plugin or in PATH; pass --binary")
	}
	return p, nil
}

// elfArch maps ELF machines to Kubernetes architectures.
var elfArch = map[elf.Machine]string{
	elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64", elf.EM_386: "386", elf.EM_ARM: "arm",
	elf.EM_PPC64: "ppc64le", elf.EM_S390: "s390x", elf.EM_RISCV: "riscv64",
}

// checkBinary fails unless path is a static Linux executable for arch ("" =
// any): it must run in a container that holds nothing it could link to.
func checkBinary(path, arch string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: not a Linux executable: %v", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; --exec needs the static secctx binary", path)
		}
	}
	if got := elfArch[f.Machine]; arch != "" && got != arch {
		return fmt.Errorf("%s is built for %s, the node is %s", path, got, arch)
	}
	return nil
}

// podExec runs a command in the container, with stdin, and returns its
// stdout, stderr and exit code; err is set when it could not run at all.
type podExec func(ctx context.Context, cmd []string, stdin io.Reader) (stdout, stderr []byte, code int, err error)

// newPodExec streams over WebSocket, falling back to SPDY for older API
// servers, as kubectl exec does.
func newPodExec(cfg *rest.Config, cs kubernetes.Interface, pod *corev1.Pod, container string) podExec {
	return func(ctx context.Context, cmd []string, stdin io.Reader) ([]byte, []byte, int, error) {
		req := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(pod.Namespace).Name(pod.Name).
			SubResource("exec").VersionedParams(&corev1.PodExecOptions{
			Container: container, Command: cmd, Stdin: stdin != nil, Stdout: true, Stderr: true,
		}, scheme.ParameterCodec)
		c := restConfigFor(cfg)
		ws, err := remotecommand.NewWebSocketExecutor(c, "GET", req.URL().String())
		if err != nil {
			return nil, nil, 0, err
		}
		spdy, err := remotecommand.NewSPDYExecutor(c, "POST", req.URL())
		if err != nil {
			return nil, nil, 0, err
		}
		ex, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
			return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
		})
		if err != nil {
			return nil, nil, 0, err
		}
		var out, errb bytes.Buffer
		err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: &out, Stderr: &errb})
		var ce utilexec.CodeExitError
		if errors.As(err, &ce) {
			return out.Bytes(), errb.Bytes(), ce.ExitStatus(), nil
		}
		if err != nil {
			return out.Bytes(), errb.Bytes(), 0, err
		}
		return out.Bytes(), errb.Bytes(), 0, nil
	}
}

// noShell reports whether an exec failure means the container has no sh.
func noShell(err error, stderr []byte) bool {
	s := err.Error() + " " + string(stderr)
	return strings.Contains(s, "executable file not found") || strings.Contains(s, "no such file or directory") && strings.Contains(s, "sh")
}

// verifyByExec streams the secctx binary into the container (no tar: sh and
// cat), runs it against the container's processes with the pod's
// manifest on stdin, and removes it.
func verifyByExec(ctx context.Context, cfg *rest.Config, cs kubernetes.Interface, t *target, o *verifyOptions, say func(string, ...any)) (*result, error) {
	bin, err := findBinary(o.binary)
	if err != nil {
		return nil, usageErr("--exec: %v", err)
	}
	if err := checkBinary(bin, t.node.Arch); err != nil {
		return nil, usageErr("--exec: %v", err)
	}
	f, err := os.Open(bin)
	if err != nil {
		return nil, usageErr("--exec: %v", err)
	}
	defer f.Close()
	run := newPodExec(cfg, cs, t.pod, t.container.Name)
	return execVerify(ctx, run, t, o, f, say)
}

// execVerify is verifyByExec past the binary's checks: install, run, and
// remove on every path.
func execVerify(ctx context.Context, run podExec, t *target, o *verifyOptions, bin io.Reader, say func(string, ...any)) (*result, error) {
	if err := checkContainerID(t); err != nil {
		return nil, err
	}
	out, errb, code, err := run(ctx, []string{"sh", "-c", installScript, "secctx-install"}, bin)
	if err != nil {
		if noShell(err, errb) {
			return nil, blindErr("--exec: container %q of pod %s has no shell (sh) to receive the binary: %s", t.container.Name, t.pod.Name, oneLine(err.Error()))
		}
		return nil, blindErr("--exec: exec into container %q of pod %s: %s", t.container.Name, t.pod.Name, oneLine(err.Error()+" "+string(errb)))
	}
	if code == 126 || code == 127 {
		return nil, blindErr("--exec: container %q of pod %s cannot run sh (exit %d): %s", t.container.Name, t.pod.Name, code, oneLine(string(errb)))
	}
	if code != 0 {
		return nil, blindErr("--exec: container %q of pod %s: %s", t.container.Name, t.pod.Name, oneLine(string(errb)))
	}
	dir := strings.TrimSpace(string(out))
	if !strings.Contains(dir, "/.secctx.") {
		return nil, blindErr("--exec: unexpected answer from the install step: %q", oneLine(dir))
	}
	say("secctx copied to %s in container %s", dir, t.container.Name)
	done := false
	defer func() {
		if done {
			return
		}
		// The run did not get to remove it (interrupted, stream broken).
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		defer cancel()
		if _, _, c, err := run(cctx, []string{"sh", "-c", cleanupScript, "secctx-cleanup", dir}, nil); err != nil || c != 0 {
			fmt.Fprintf(os.Stderr, "kubectl-secctx: warning: could not remove %s from container %s: %v\n", dir, t.container.Name, err)
		}
	}()
	args := append([]string{"sh", "-c", runScript, "secctx-run", dir, "verify"}, verifyFlags(t, o)...)
	args = append(args, "--spec", "-")
	out, errb, code, err = run(ctx, args, bytes.NewReader(t.spec))
	if err != nil {
		return nil, blindErr("--exec: running secctx in container %q: %s", t.container.Name, oneLine(err.Error()))
	}
	done = true
	r, diags, perr := parseOutput(out)
	if perr != nil {
		return nil, blindErr("--exec: %v", perr)
	}
	for _, l := range strings.Split(string(errb), "\n") {
		if s := strings.TrimSpace(l); s != "" {
			diags = append(diags, s)
		}
	}
	return &result{report: r, exit: code, diagnostics: diags, where: "in container " + t.container.Name}, nil
}
