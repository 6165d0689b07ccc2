package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLoadRefusesWhatIsNotARegularFile: a spec path naming a FIFO, a device
// or a directory is refused at once with one line naming it (a FIFO with no
// writer would otherwise block the open forever, /dev/zero the read); a file
// over the size limit is refused without reading it all; symlinks to a
// regular file (a ConfigMap mount) are followed.
func TestLoadRefusesWhatIsNotARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := func(name, target string) string {
		p := filepath.Join(dir, name)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		body := "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: a, image: b}]}\n"
		if size > len(body) {
			body += "#" + strings.Repeat("x", size-len(body)-2) + "\n"
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		path string
		want string // error text; "" for success
	}{
		{"fifo", fifo, fifo + ": not a regular file (a FIFO)"},
		{"symlink to a fifo", link("to-fifo", fifo), dir + "/to-fifo: not a regular file (a FIFO)"},
		{"/dev/zero", "/dev/zero", "/dev/zero: not a regular file (a character device)"},
		{"symlink to /dev/zero", link("to-zero", "/dev/zero"), dir + "/to-zero: not a regular file (a character device)"},
		{"directory", dir, dir + ": not a regular file (a directory)"},
		{"absent", filepath.Join(dir, "nope"), dir + "/nope: cannot read: no such file or directory"},
		{"over the limit", write("big.yaml", MaxSpecSize+1), dir + "/big.yaml: spec is over the 1048576-byte limit"},
		{"at the limit", write("max.yaml", MaxSpecSize), ""},
		{"symlink to a regular file", link("to-max", dir+"/max.yaml"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ld, err := LoadFile(tc.path)
			if tc.want == "" {
				if err != nil || len(ld.Data) == 0 {
					t.Fatalf("LoadFile: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want || strings.Contains(err.Error(), "\n") {
				t.Fatalf("LoadFile error %q, want %q", err, tc.want)
			}
			// The same through the locator's every path to a file.
			for _, l := range []Locator{{Path: tc.path}, {Getenv: func(k string) string {
				if k == EnvSpecFile {
					return tc.path
				}
				return ""
			}}} {
				if _, err := l.Load(); err == nil || err.Error() != tc.want {
					t.Errorf("Locator%+v.Load: %v", l.Path, err)
				}
			}
		})
	}
}

// endless is a stdin that never ends.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '#'
	}
	e.n += len(p)
	return len(p), nil
}

// TestLoadStdinBounded: stdin ("-") stays allowed, whatever it is, and is
// read only up to the limit.
func TestLoadStdinBounded(t *testing.T) {
	t.Parallel()
	in := &endless{}
	_, err := Load("-", func(string) string { return "" }, in)
	if err == nil || err.Error() != "stdin: spec is over the 1048576-byte limit" {
		t.Fatalf("Load(-) = %v", err)
	}
	if in.n > MaxSpecSize+64<<10 {
		t.Errorf("read %d bytes of an endless stdin", in.n)
	}
}
