package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// busyboxPath is the static busybox every rootfs is made of (Debian's
// busybox-static).
const busyboxPath = "/bin/busybox"

// Suite-wide state set up by TestMain.
var (
	// skipReason is why this machine cannot run the suite ("" if it can).
	skipReason string
	// secctxBin is the static secctx binary copied into every rootfs.
	secctxBin string
	// runcBin is the runc executable.
	runcBin string
	// workDir holds the bundles and runc's state; removed at the end.
	workDir string
	// host is what this machine's kernel and runtime can grant.
	host hostInfo
)

func TestMain(m *testing.M) {
	os.Exit(mainRun(m))
}

func mainRun(m *testing.M) int {
	skipReason = prerequisites()
	if skipReason != "" {
		return m.Run() // every test skips, or fails under SECCTX_E2E_REQUIRED=1
	}
	var err error
	workDir, err = os.MkdirTemp("", "secctx-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(workDir)
	// Processes in a user namespace must traverse the path to their rootfs.
	if err := os.Chmod(workDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if host, err = readHostInfo(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: reading the host's capabilities:", err)
		return 1
	}
	if secctxBin, err = e2eutil.SecctxBinary(workDir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if checkIDs, err = loadCheckIDs(secctxBin); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// prerequisites returns why the suite cannot run here, or "".
func prerequisites() string {
	if os.Geteuid() != 0 {
		return "the e2e suite runs runc containers and needs root"
	}
	p, err := exec.LookPath("runc")
	if err != nil {
		return "runc is not installed (run scripts/install-deps.sh)"
	}
	runcBin = p
	if err := e2eutil.CheckStatic(busyboxPath); err != nil {
		return fmt.Sprintf("%s: %v (install busybox-static: run scripts/install-deps.sh)", busyboxPath, err)
	}
	return ""
}

// requireE2E skips the test when the machine cannot run the suite, or fails
// it when SECCTX_E2E_REQUIRED=1 says the suite must run.
func requireE2E(t *testing.T) {
	t.Helper()
	e2eutil.RequireTier(t, "the e2e suite", skipReason)
}
