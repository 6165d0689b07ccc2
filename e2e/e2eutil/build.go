package e2eutil

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// ModuleRoot is the directory of the go.mod nearest above the working
// directory (a test runs in its package's directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("cannot find the module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// CheckStatic fails unless path is an ELF executable without a program
// interpreter, i.e. one that runs in a rootfs or image holding nothing
// else.
func CheckStatic(path string) error {
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

// GoBuild builds the module's package pkg (such as "./cmd/secctx") into
// dir/name the way a release does (-trimpath, stripped) and returns its
// path. A static build has CGO_ENABLED=0 and is checked to be static; any
// other takes cgo from the environment.
func GoBuild(dir, name, pkg string, static bool) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = os.Environ()
	if static {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s: %v\n%s", pkg, err, b)
	}
	if static {
		if err := CheckStatic(out); err != nil {
			return "", fmt.Errorf("built %s: %v", out, err)
		}
	}
	return out, nil
}

// SecctxBinary returns the absolute path of $SECCTX_BIN once it is checked
// to be static, or else builds the static secctx binary into dir/secctx.
func SecctxBinary(dir string) (string, error) {
	if bin := os.Getenv("SECCTX_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			return "", err
		}
		if err := CheckStatic(abs); err != nil {
			return "", fmt.Errorf("SECCTX_BIN=%s: %v", bin, err)
		}
		return abs, nil
	}
	return GoBuild(dir, "secctx", "./cmd/secctx", true)
}

// CopyFile copies src to dst, replacing what dst held, and gives dst mode
// whatever the umask.
func CopyFile(src, dst string, mode os.FileMode) error {
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
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}
