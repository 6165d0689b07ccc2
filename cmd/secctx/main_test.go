package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// built is the stripped static binary the process tests run, built at most
// once per test run, the way a release is built, and removed at the end.
var built binary

type binary struct {
	dir  string
	once sync.Once
	path string
	err  error
}

func (b *binary) get() (string, error) {
	b.once.Do(func() {
		path := filepath.Join(b.dir, "secctx")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		b.path = path
	})
	return b.path, b.err
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "secctx-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	built.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
