package cluster

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// Suite-wide state set up by TestMain.
var (
	// skipReason is why this machine cannot run the tier ("" if it can).
	skipReason string
	// repoRoot is the module root.
	repoRoot string
	// workDir holds the built binaries and image archives.
	workDir string
	// pluginBin is kubectl-secctx, with the secctx binary beside it (what
	// --exec streams).
	pluginBin string
	// secctxImage is the image of the ephemeral containers and sidecars.
	secctxImage string
	// clusterEnv is `cluster.sh env`.
	clusterEnv map[string]string
	// clusterUp is how long the cluster took from nothing running to node
	// Ready.
	clusterUp time.Duration
	// nodeLock is the held node lock, handed to cluster.sh.
	nodeLock *os.File
	// imageArchives are the images every node imports.
	imageArchives []string
)

func TestMain(m *testing.M) {
	os.Exit(mainRun(m))
}

func fail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "cluster tier: "+format+"\n", args...)
	return 1
}

func mainRun(m *testing.M) int {
	var err error
	if repoRoot, err = e2eutil.ModuleRoot(); err != nil {
		return fail("%v", err)
	}
	if skipReason = prerequisites(); skipReason != "" {
		return m.Run() // every test skips, or fails under SECCTX_E2E_REQUIRED=1
	}
	lock, err := e2eutil.LockNode("cluster tier", "go test ./e2e/cluster")
	if err != nil {
		return fail("%v", err)
	}
	defer lock.Close()
	nodeLock = lock
	locked := time.Now()
	defer func() {
		fmt.Printf("cluster tier: %s from taking the node lock to releasing it\n", time.Since(locked).Round(100*time.Millisecond))
	}()
	if workDir, err = os.MkdirTemp("", "secctx-cluster-"); err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(workDir)
	if err := buildAll(); err != nil {
		return fail("%v", err)
	}
	archives, err := buildImages(workDir)
	if err != nil {
		return fail("building the test images: %v", err)
	}
	imageArchives = archives
	// The cluster goes down on every exit, an interrupt included.
	var downOnce sync.Once
	down := func() {
		downOnce.Do(func() {
			if os.Getenv("SECCTX_CLUSTER_KEEP") == "1" {
				fmt.Fprintln(os.Stderr, "cluster tier: SECCTX_CLUSTER_KEEP=1: the cluster stays up, without the node lock (scripts/kube/cluster.sh down)")
				return
			}
			if out, err := clusterSh(lock, "down"); err != nil {
				fmt.Fprintf(os.Stderr, "cluster tier: tearing the cluster down: %v\n%s", err, out)
			}
		})
	}
	defer down()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "cluster tier: %v: tearing the cluster down\n", s)
		down()
		os.Exit(1)
	}()
	start := time.Now()
	out, err := clusterSh(lock, "up", "--containerd", "1.6", "--unprivileged", "on", "--seccomp-default", "off",
		"--allowed-unsafe-sysctls", "net.core.somaxconn")
	clusterUp = time.Since(start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s", out)
		dumpLogs()
		return fail("cluster.sh up: %v", err)
	}
	fmt.Printf("cluster tier: cluster up in %s (cold start from cached binaries to node Ready)\n%s", clusterUp.Round(10*time.Millisecond), indent(out))
	if clusterEnv, err = readEnv(lock); err != nil {
		return fail("%v", err)
	}
	start = time.Now()
	if out, err := clusterSh(lock, append([]string{"import"}, archives...)...); err != nil {
		return fail("importing the images: %v\n%s", err, out)
	}
	fmt.Printf("cluster tier: images imported in %s\n", time.Since(start).Round(10*time.Millisecond))
	code := m.Run()
	if code != 0 {
		dumpLogs()
	}
	return code
}

// prerequisites returns why the tier cannot run here, or "".
func prerequisites() string {
	if os.Geteuid() != 0 {
		return "the cluster tier runs etcd, kube-apiserver, containerd and a kubelet and needs root"
	}
	out, err := exec.Command("bash", filepath.Join(repoRoot, "scripts", "kube", "cluster.sh"), "check", "1.6").CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out))
	}
	if _, err := exec.LookPath("podman"); err != nil {
		return "podman is missing (scripts/install-deps.sh): the secctx image is exported with podman save"
	}
	return ""
}

// requireTier skips the test when the machine cannot run the tier, or fails
// it under SECCTX_E2E_REQUIRED=1.
func requireTier(t *testing.T) {
	t.Helper()
	e2eutil.RequireTier(t, "the cluster tier", skipReason)
}

// clusterSh runs scripts/kube/cluster.sh with the held lock as
// SECCTX_NODE_LOCK_FD, and returns its combined output.
func clusterSh(lock *os.File, args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{filepath.Join(repoRoot, "scripts", "kube", "cluster.sh")}, args...)...)
	cmd.ExtraFiles = []*os.File{lock} // fd 3
	cmd.Env = append(os.Environ(), "SECCTX_NODE_LOCK="+e2eutil.NodeLockPath(), "SECCTX_NODE_LOCK_FD=3")
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

func readEnv(lock *os.File) (map[string]string, error) {
	out, err := clusterSh(lock, "env")
	if err != nil {
		return nil, fmt.Errorf("cluster.sh env: %v\n%s", err, out)
	}
	env := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env, nil
}

// dumpLogs prints the tails of the daemons' logs after a failure.
func dumpLogs() {
	env := clusterEnv
	if env == nil {
		env = map[string]string{
			"APISERVER_LOG": "/var/lib/secctx-cluster/log/kube-apiserver.log",
			"KUBELET_LOG":   "/var/lib/secctx-kube/log/kubelet.log",
		}
	}
	for _, k := range []string{"APISERVER_LOG", "KUBELET_LOG", "CONTAINERD_LOG"} {
		if b, err := os.ReadFile(env[k]); err == nil {
			lines := strings.Split(string(b), "\n")
			if len(lines) > 40 {
				lines = lines[len(lines)-40:]
			}
			fmt.Fprintf(os.Stderr, "--- last lines of %s\n%s\n", env[k], strings.Join(lines, "\n"))
		}
	}
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// buildAll builds the plugin with the secctx binary beside it, and the
// test apps, and exports the secctx image.
func buildAll() error {
	var err error
	dir := filepath.Join(workDir, "bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if pluginBin, err = e2eutil.GoBuild(dir, "kubectl-secctx", "./cmd/kubectl-secctx", false); err != nil {
		return err
	}
	// The static secctx beside the plugin: $SECCTX_BIN, copied, or a build.
	secctx, err := e2eutil.SecctxBinary(dir)
	if err != nil {
		return err
	}
	if beside := filepath.Join(dir, "secctx"); secctx != beside {
		if err := e2eutil.CopyFile(secctx, beside, 0o755); err != nil {
			return err
		}
	}
	for name, pkg := range map[string]string{"idchanger": "./e2e/testdata/idchanger", "mutate": "./e2e/kubelet/testdata/mutate"} {
		if _, err := e2eutil.GoBuild(dir, name, pkg, true); err != nil {
			return err
		}
	}
	secctxImage = os.Getenv("SECCTX_IMAGE")
	if secctxImage == "" {
		secctxImage = "localhost/secctx:latest"
	}
	return nil
}
