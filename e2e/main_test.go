package e2e

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	if secctxBin, err = buildSecctx(workDir); err != nil {
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
	if err := checkStatic(busyboxPath); err != nil {
		return fmt.Sprintf("%s: %v (install busybox-static: run scripts/install-deps.sh)", busyboxPath, err)
	}
	return ""
}

// checkStatic fails unless path is an ELF executable without a program
// interpreter, i.e. one that runs in a rootfs holding nothing else.
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

// requireE2E skips the test when the machine cannot run the suite, or fails
// it when SECCTX_E2E_REQUIRED=1 says the suite must run.
func requireE2E(t *testing.T) {
	t.Helper()
	if skipReason == "" {
		return
	}
	if os.Getenv("SECCTX_E2E_REQUIRED") == "1" {
		t.Fatalf("SECCTX_E2E_REQUIRED=1 but the e2e suite cannot run: %s", skipReason)
	}
	t.Skipf("skipping e2e: %s (set SECCTX_E2E_REQUIRED=1 to make this a failure)", skipReason)
}

// buildSecctx returns $SECCTX_BIN, or builds the static binary the way a
// release does.
func buildSecctx(dir string) (string, error) {
	if bin := os.Getenv("SECCTX_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			return "", err
		}
		if err := checkStatic(abs); err != nil {
			return "", fmt.Errorf("SECCTX_BIN=%s: %v", bin, err)
		}
		return abs, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "secctx")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/secctx")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building secctx: %v\n%s", err, b)
	}
	if err := checkStatic(out); err != nil {
		return "", fmt.Errorf("built %s: %v", out, err)
	}
	return out, nil
}

// moduleRoot is the directory of go.mod, from `go env GOMOD`, else "..".
func moduleRoot() (string, error) {
	if b, err := exec.Command("go", "env", "GOMOD").Output(); err == nil {
		if gomod := strings.TrimSpace(string(b)); gomod != "" && gomod != os.DevNull {
			return filepath.Dir(gomod), nil
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("cannot find the module root: %v", err)
	}
	return root, nil
}
