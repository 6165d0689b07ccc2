package kubelet

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// busyboxPath is the static busybox of every test image (Debian's busybox-static).
const busyboxPath = "/bin/busybox"

// Suite-wide state set up by TestMain.
var (
	// skipReason is why this machine cannot run the tier ("" if it can).
	skipReason string
	// repoRoot is the module root (scripts/, e2e/testdata/).
	repoRoot string
	// workDir holds the built binaries, image archives and spec files.
	workDir string
	// secctxBin and mutateBin are the static binaries in every test image.
	secctxBin, mutateBin string
	// imageArchives are the OCI archives every node imports.
	imageArchives []string
	// nodeLock is the node lock, held for the whole run (see lockNode).
	nodeLock *os.File
)

func TestMain(m *testing.M) {
	os.Exit(mainRun(m))
}

func mainRun(m *testing.M) int {
	var err error
	if repoRoot, err = e2eutil.ModuleRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet tier:", err)
		return 1
	}
	skipReason = prerequisites()
	if skipReason != "" {
		return m.Run() // every test skips, or fails under SECCTX_E2E_REQUIRED=1
	}
	if nodeLock, err = lockNode(); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet tier:", err)
		return 1
	}
	defer nodeLock.Close() // releases the lock
	// Under /var/lib, not /tmp: hostPath spec directories must stay put while
	// pods run, and the path must be traversable from inside containers.
	if err := os.MkdirAll("/var/lib/secctx-kube", 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet tier:", err)
		return 1
	}
	workDir, err = os.MkdirTemp("/var/lib/secctx-kube", "tier-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubelet tier:", err)
		return 1
	}
	defer os.RemoveAll(workDir)
	if err := os.Chmod(workDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet tier:", err)
		return 1
	}
	if secctxBin, err = e2eutil.SecctxBinary(workDir); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet tier:", err)
		return 1
	}
	if mutateBin, err = e2eutil.GoBuild(workDir, "mutate", "./e2e/kubelet/testdata/mutate", true); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet tier:", err)
		return 1
	}
	if imageArchives, err = buildImages(workDir); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet tier: building the test images:", err)
		return 1
	}
	return m.Run()
}

// prerequisites returns why the tier cannot run here, or "".
func prerequisites() string {
	if os.Geteuid() != 0 {
		return "the kubelet tier runs containerd and a kubelet and needs root"
	}
	if err := e2eutil.CheckStatic(busyboxPath); err != nil {
		return fmt.Sprintf("%s: %v (run scripts/install-deps.sh)", busyboxPath, err)
	}
	// containerd 2.2 is checked per node configuration.
	out, err := exec.Command("bash", nodeScript(), "check", "1.6").CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out))
	}
	return ""
}

func nodeScript() string { return filepath.Join(repoRoot, "scripts", "kube", "node.sh") }

// requireTier skips the test when the machine cannot run the tier, or fails
// it under SECCTX_E2E_REQUIRED=1.
func requireTier(t *testing.T) {
	t.Helper()
	e2eutil.RequireTier(t, "the kubelet tier", skipReason)
}

// nodeLockPath is the lock every user of this machine's single node takes
// (scripts/kube/node.sh takes it too when run by hand); $SECCTX_NODE_LOCK
// overrides it.
func nodeLockPath() string {
	if p := os.Getenv("SECCTX_NODE_LOCK"); p != "" {
		return p
	}
	return "/run/lock/secctx-node.lock"
}

// lockNode takes the node lock exclusively for the whole run, waiting for
// it (and saying so) while another run holds it, and records this run as
// its holder. Closing the file releases it. node.sh gets the locked
// descriptor (nodeShCmd), so its own up and down do not wait for this run.
func lockNode() (*os.File, error) {
	path := nodeLockPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		holder, _ := os.ReadFile(path)
		fmt.Fprintf(os.Stderr, "kubelet tier: waiting for the node lock %s (one node at a time on this machine), held by: %s\n",
			path, strings.TrimSpace(string(holder)))
		start := time.Now()
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		fmt.Fprintf(os.Stderr, "kubelet tier: got the node lock after %s\n", time.Since(start).Round(time.Second))
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %v", path, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d: go test ./e2e/kubelet (the kubelet tier, since %s)\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	}
	return f, nil
}

// nodeShCmd is a command running scripts/kube/node.sh with the locked node
// lock descriptor, which the script checks and keeps from its daemons.
func nodeShCmd(args ...string) *exec.Cmd {
	cmd := exec.Command("bash", append([]string{nodeScript()}, args...)...)
	if nodeLock != nil {
		cmd.ExtraFiles = []*os.File{nodeLock} // descriptor 3
		cmd.Env = append(os.Environ(), "SECCTX_NODE_LOCK="+nodeLockPath(), "SECCTX_NODE_LOCK_FD=3")
	}
	return cmd
}
