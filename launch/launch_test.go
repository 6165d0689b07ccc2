package launch

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestLookPath is not parallel: one case changes the working directory.
func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	mk := func(rel string, mode os.FileMode) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	mk("a/app", 0o644) // not executable: skipped
	appB := mk("b/app", 0o755)
	mk("a/only-here", 0o644)
	if err := os.MkdirAll(filepath.Join(dir, "a", "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	abs := mk("abs/tool", 0o700)
	for _, tc := range []struct {
		name, file, path string
		pathSet          bool
		want             string
		status           int
	}{
		{"first executable in PATH order", "app", a + ":" + b, true, appB, 0},
		{"absolute path", abs, "", true, abs, 0},
		{"absolute, not there", filepath.Join(dir, "nope"), a, true, "", ExitNotFound},
		{"slash path, a directory", filepath.Join(dir, "a", "adir"), a, true, "", ExitNotExecutable},
		{"found but not executable", "only-here", a + ":" + b, true, "", ExitNotExecutable},
		{"a directory is not a command", "adir", a, true, "", ExitNotFound},
		{"not found", "nothing", a + ":" + b, true, "", ExitNotFound},
		{"empty PATH entry is the current directory", "app", ":" + a, true, "./app", -1},
		{"PATH unset: the default", "sh", "", false, "", -2},
		{"empty command", "", a, true, "", ExitNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.status == -1 {
				// Run from b, where app is executable.
				wd, _ := os.Getwd()
				t.Cleanup(func() { os.Chdir(wd) })
				if err := os.Chdir(b); err != nil {
					t.Fatal(err)
				}
			}
			got, err := LookPath(tc.file, tc.path, tc.pathSet)
			switch tc.status {
			case 0, -1:
				if err != nil || got != tc.want {
					t.Errorf("LookPath = %q, %v; want %q", got, err, tc.want)
				}
			case -2:
				if err != nil || filepath.Dir(got) == "." {
					t.Errorf("LookPath(sh) with PATH unset = %q, %v; want a default directory", got, err)
				}
			default:
				var le *Error
				if !errors.As(err, &le) || le.Status != tc.status {
					t.Errorf("LookPath = %q, %v; want status %d", got, err, tc.status)
				}
			}
		})
	}
}
