package kubelet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
	// nodeLock is the node lock, held for the whole run (see
	// e2eutil.LockNode).
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
	if nodeLock, err = e2eutil.LockNode("kubelet tier", "go test ./e2e/kubelet"); err != nil {
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

// nodeShCmd is a command running scripts/kube/node.sh with the locked node
// lock descriptor, which the script checks and keeps from its daemons.
func nodeShCmd(args ...string) *exec.Cmd {
	cmd := exec.Command("bash", append([]string{nodeScript()}, args...)...)
	if nodeLock != nil {
		cmd.ExtraFiles = []*os.File{nodeLock} // descriptor 3
		cmd.Env = append(os.Environ(), "SECCTX_NODE_LOCK="+e2eutil.NodeLockPath(), "SECCTX_NODE_LOCK_FD=3")
	}
	return cmd
}
