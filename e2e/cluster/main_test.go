package cluster

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
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

// nodeLockPath is the lock every tier that runs a node on this machine takes.
const nodeLockPath = "/run/lock/secctx-node.lock"

func TestMain(m *testing.M) {
	os.Exit(mainRun(m))
}

func fail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "cluster tier: "+format+"\n", args...)
	return 1
}

func mainRun(m *testing.M) int {
	var err error
	if repoRoot, err = moduleRoot(); err != nil {
		return fail("%v", err)
	}
	if skipReason = prerequisites(); skipReason != "" {
		return m.Run() // every test skips, or fails under SECCTX_E2E_REQUIRED=1
	}
	lock, err := lockNode()
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

// required reports whether a missing prerequisite is a failure.
func required() bool { return os.Getenv("SECCTX_E2E_REQUIRED") == "1" }

// requireTier skips the test when the machine cannot run the tier, or fails
// it under SECCTX_E2E_REQUIRED=1.
func requireTier(t *testing.T) {
	t.Helper()
	if skipReason == "" {
		return
	}
	if required() {
		t.Fatalf("SECCTX_E2E_REQUIRED=1 but the cluster tier cannot run: %s", skipReason)
	}
	t.Skipf("skipping the cluster tier: %s (set SECCTX_E2E_REQUIRED=1 to make this a failure)", skipReason)
}

// lockNode takes the node lock, waiting (and saying so) while another tier
// or a person holds it.
func lockNode() (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(nodeLockPath), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(nodeLockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(nodeLockPath)
		fmt.Fprintf(os.Stderr, "cluster tier: waiting for the node lock %s, held by: %s\n", nodeLockPath, strings.TrimSpace(string(holder)))
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("flock %s: %v", nodeLockPath, err)
		}
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d: go test ./e2e/cluster (the cluster tier, since %s)\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	}
	return f, nil
}

// clusterSh runs scripts/kube/cluster.sh with the held lock as
// SECCTX_NODE_LOCK_FD, and returns its combined output.
func clusterSh(lock *os.File, args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{filepath.Join(repoRoot, "scripts", "kube", "cluster.sh")}, args...)...)
	cmd.ExtraFiles = []*os.File{lock} // fd 3
	cmd.Env = append(os.Environ(), "SECCTX_NODE_LOCK_FD=3")
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
	if pluginBin, err = goBuild(dir, "kubectl-secctx", "./cmd/kubectl-secctx", false); err != nil {
		return err
	}
	secctx := filepath.Join(dir, "secctx")
	if bin := os.Getenv("SECCTX_BIN"); bin != "" {
		if err := copyFile(bin, secctx, 0o755); err != nil {
			return err
		}
	} else if _, err := goBuild(dir, "secctx", "./cmd/secctx", true); err != nil {
		return err
	}
	if err := checkStatic(secctx); err != nil {
		return fmt.Errorf("%s: %v", secctx, err)
	}
	for name, pkg := range map[string]string{"idchanger": "./e2e/testdata/idchanger", "mutate": "./e2e/kubelet/testdata/mutate"} {
		if _, err := goBuild(dir, name, pkg, true); err != nil {
			return err
		}
	}
	secctxImage = os.Getenv("SECCTX_IMAGE")
	if secctxImage == "" {
		secctxImage = "localhost/secctx:latest"
	}
	return nil
}

// goBuild builds one of the module's commands into dir.
func goBuild(dir, name, pkg string, static bool) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = repoRoot
	cmd.Env = os.Environ()
	if static {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s: %v\n%s", pkg, err, b)
	}
	return out, nil
}

// checkStatic fails unless path is an ELF executable without a program
// interpreter.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("dynamically linked; a static binary is needed")
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// moduleRoot is the directory of go.mod.
func moduleRoot() (string, error) {
	if b, err := exec.Command("go", "env", "GOMOD").Output(); err == nil {
		if gomod := strings.TrimSpace(string(b)); gomod != "" && gomod != os.DevNull {
			return filepath.Dir(gomod), nil
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("cannot find the module root: %v", err)
	}
	return root, nil
}
