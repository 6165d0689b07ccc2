package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// `secctx exec` as the container's entrypoint, in real runc containers:
// the container's process is `/secctx exec --spec /spec.yaml -- CMD`.

// execArgs is the entrypoint: secctx exec in front of cmd.
func execArgs(extra []string, cmd ...string) []string {
	args := []string{"/secctx", "exec", "--spec", "/spec.yaml", "--profile", "containerd"}
	args = append(args, extra...)
	return append(append(args, "--"), cmd...)
}

// linkApplets adds busybox applets to a bundle's /bin.
func linkApplets(t *testing.T, bundle string, applets ...string) {
	t.Helper()
	for _, a := range applets {
		if err := os.Symlink("busybox", filepath.Join(bundle, "rootfs", "bin", a)); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
	}
}

// TestExecHonouredSpecRunsTheApp: with no drift, the application replaces
// secctx as pid 1 and runs with the state secctx verified: the application
// here is secctx verify itself, whose report must show pid 1 and no drift.
// A second run checks what the application inherits: only its three
// standard descriptors, no signal blocked or ignored, no other process.
func TestExecHonouredSpecRunsTheApp(t *testing.T) {
	requireE2E(t)
	for _, name := range []string{"a-defaults-root", "b-security-context-demo", "c-restricted"} {
		t.Run(name, func(t *testing.T) {
			sc := scenarioByName(t, name)
			rc := sc.config()
			app := []string{"/secctx", "verify", "--spec", "/spec.yaml", "--profile", "containerd", "-o", "json"}
			bundle := makeBundle(t, rootfsFiles{Spec: sc.pod.yaml(), Image: sc.image}, rc, execArgs(nil, app...))
			code, stdout, stderr := runContainer(t, bundle)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q, stdout %s", code, stderr, stdout)
			}
			var rep report
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("the application's stdout is not its report: %v\n%s", err, stdout)
			}
			if pid, _ := rep.Target["pid"].(float64); pid != 1 {
				t.Errorf("the application runs as pid %v, want 1 (secctx's own pid)", rep.Target["pid"])
			}
			for _, f := range rep.Findings {
				if f.Status == "drift" && f.Severity != "info" {
					t.Errorf("the application drifts: %s %s %s", f.Check, f.Subject, f.Message)
				}
			}
		})
	}
	t.Run("inherits nothing of secctx", func(t *testing.T) {
		sc := scenarioByName(t, "b-security-context-demo")
		rc := sc.config()
		script := `echo "pid=$$"; set -- /proc/[0-9]*; echo "procs=$*"; echo "fds=$(ls /proc/1/fd | grep -v '^[3-9]$' | tr '\n' ' ')"; grep -E '^Sig(Blk|Ign)' /proc/1/status; echo "path=$PATH"`
		direct := makeBundle(t, rootfsFiles{Spec: sc.pod.yaml(), Image: sc.image}, rc, []string{"/bin/sh", "-c", script})
		viaExec := makeBundle(t, rootfsFiles{Spec: sc.pod.yaml(), Image: sc.image}, rc, execArgs(nil, "sh", "-c", script))
		for _, b := range []string{direct, viaExec} {
			linkApplets(t, b, "grep", "tr")
		}
		_, want, _ := runContainer(t, direct)
		code, got, stderr := runContainer(t, viaExec)
		if code != 0 || stderr != "" {
			t.Fatalf("exit %d stderr %q", code, stderr)
		}
		if !strings.Contains(got, "pid=1\n") || !strings.Contains(got, "procs=/proc/1\n") {
			t.Errorf("want the application alone, as pid 1:\n%s", got)
		}
		if got != want {
			t.Errorf("the application's view through secctx exec:\n%s\ndiffers from the same command as the entrypoint:\n%s", got, want)
		}
	})
}

// TestExecDriftRefusesTheApp: drift injected into the runtime config;
// secctx exits 1 with the report on stderr and the application never
// runs. With --warn-only it runs anyway.
func TestExecDriftRefusesTheApp(t *testing.T) {
	requireE2E(t)
	for _, dc := range []driftCase{
		{name: "runAsUser", base: "b-security-context-demo", config: func(rc *runtimeConfig) { rc.UID = 1001 }, want: []string{"runAsUser"}},
		{name: "seccompProfile", base: "c-restricted", config: func(rc *runtimeConfig) { rc.Seccomp = false }, want: []string{"seccompProfile"}},
		{name: "capabilities", base: "b-security-context-demo", config: func(rc *runtimeConfig) { rc.Bounding = withCap(rc.Bounding, "CAP_SYS_ADMIN") }, want: []string{"capabilities.bounding"}},
	} {
		for _, warnOnly := range []bool{false, true} {
			name := dc.name
			var extra []string
			if warnOnly {
				name += "/warn-only"
				extra = []string{"--warn-only"}
			}
			t.Run(name, func(t *testing.T) {
				base, manifest, rc := dc.setup(t)
				bundle := makeBundle(t, rootfsFiles{Spec: manifest.yaml(), Image: base.image}, rc, execArgs(extra, "sh", "-c", "echo APP-RAN"))
				code, stdout, stderr := runContainer(t, bundle)
				ran := strings.Contains(stdout, "APP-RAN")
				switch {
				case warnOnly && (code != 0 || !ran):
					t.Errorf("--warn-only: exit %d, app ran %v; want exit 0 and the app run", code, ran)
				case !warnOnly && (code != 1 || ran):
					t.Errorf("exit %d, app ran %v; want exit 1 and the app not run", code, ran)
				}
				l, err := e2eutil.DecodeVerifiedLine(stderr)
				if err != nil {
					t.Fatalf("stderr is not the verified line: %v", err)
				}
				if drift := l.DriftChecks(); strings.Join(drift, ",") != strings.Join(dc.want, ",") || l.DriftsOmitted != 0 {
					t.Errorf("reported drift %v (%d left out), want %v", drift, l.DriftsOmitted, dc.want)
				}
			})
		}
	}
}

// TestExecSignalsReachTheApp: SIGTERM sent to the container's pid 1 (runc
// kill) reaches the application's handler, since the application is pid 1.
func TestExecSignalsReachTheApp(t *testing.T) {
	requireE2E(t)
	sc := scenarioByName(t, "b-security-context-demo")
	rc := sc.config()
	script := `trap 'echo got-TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done`
	bundle := makeBundle(t, rootfsFiles{Spec: sc.pod.yaml(), Image: sc.image}, rc, execArgs(nil, "sh", "-c", script))
	linkApplets(t, bundle, "sleep")
	id := fmt.Sprintf("secctx-e2e-%d-%d", os.Getpid(), containerSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, runcBin, "--root", runcState(), "run", "--bundle", bundle, id)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer exec.Command(runcBin, "--root", runcState(), "delete", "-f", id).Run()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitFor := func(want string) bool {
		deadline := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return false
				}
				if l == want {
					return true
				}
			case <-deadline:
				return false
			}
		}
	}
	if !waitFor("ready") {
		t.Fatalf("the application did not start; stderr %q", stderr.String())
	}
	if out, err := exec.Command(runcBin, "--root", runcState(), "kill", id, "TERM").CombinedOutput(); err != nil {
		t.Fatalf("runc kill: %v: %s", err, out)
	}
	if !waitFor("got-TERM") {
		t.Errorf("the application's TERM handler did not run; stderr %q", stderr.String())
	}
	for range lines {
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Errorf("runc run: %v, want the handler's exit status 7", err)
	}
}
