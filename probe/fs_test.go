package probe

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	pe := func(errno syscall.Errno) error {
		return &os.PathError{Op: "open", Path: "/proc/1/x", Err: errno}
	}
	for _, tc := range []struct {
		name   string
		err    error
		reason string
		detail string
	}{
		{"EACCES", pe(syscall.EACCES), ReasonPermission, "permission denied"},
		{"EPERM", pe(syscall.EPERM), ReasonPermission, "operation not permitted"},
		{"fs.ErrPermission", fs.ErrPermission, ReasonPermission, "permission denied"},
		{"ENOENT", pe(syscall.ENOENT), ReasonAbsent, "no such file or directory"},
		{"ENOTDIR", pe(syscall.ENOTDIR), ReasonAbsent, "not a directory"},
		{"ESRCH", pe(syscall.ESRCH), ReasonAbsent, detailPidGone},
		{"EINVAL", pe(syscall.EINVAL), ReasonNotSupported, "invalid argument"},
		{"EOPNOTSUPP", pe(syscall.EOPNOTSUPP), ReasonNotSupported, "operation not supported"},
		{"EISDIR", pe(syscall.EISDIR), ReasonUnreadable, "is a directory"},
		{"EIO", pe(syscall.EIO), ReasonUnreadable, "input/output error"},
		{"plain", errors.New("boom"), ReasonUnreadable, "boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			re := classify("/proc/1/x", tc.err)
			if re.Path != "/proc/1/x" || re.Reason != tc.reason || re.Detail != tc.detail {
				t.Errorf("classify = %+v; want reason %q detail %q", *re, tc.reason, tc.detail)
			}
		})
	}
}

func TestFSPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fs   FS
		pid  int
		want string
	}{
		{NewFS(""), 0, "/proc/self/status"},
		{FS{}, 0, "/proc/self/status"},
		{NewFS("/host/proc"), 42, "/host/proc/42/status"},
		{NewFS("testdata/x"), 0, "testdata/x/self/status"},
	} {
		if got := tc.fs.pidPath(tc.pid, "status"); got != tc.want {
			t.Errorf("%+v.pidPath(%d) = %q; want %q", tc.fs, tc.pid, got, tc.want)
		}
	}
}

func TestReadPidGone(t *testing.T) {
	t.Parallel()
	fsys := NewFS("testdata/containerd-nonroot")
	for _, tc := range []struct {
		name   string
		pid    int
		rel    string
		reason string
		detail string
	}{
		{"pid missing", 99, "status", ReasonAbsent, detailPidGone},
		{"file missing", 4242, "no_such_file", ReasonAbsent, "no such file or directory"},
		{"dir where file expected", 0, "attr", ReasonUnreadable, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, re := fsys.readPid(tc.pid, tc.rel)
			if re == nil || re.Reason != tc.reason || re.Detail != tc.detail {
				t.Fatalf("readPid(%d, %q) = %+v; want %q (%q)", tc.pid, tc.rel, re, tc.reason, tc.detail)
			}
		})
	}
}

func TestReadAllLarge(t *testing.T) {
	t.Parallel()
	// Larger than the initial buffer, to exercise growth.
	p := t.TempDir() + "/big"
	want := make([]byte, 10000)
	for i := range want {
		want[i] = byte('a' + i%26)
	}
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(p, MaxProcRead, false)
	if err != nil || got != string(want) {
		t.Fatalf("readAll: %d bytes, %v", len(got), err)
	}
}

// TestReadAllBounded: a reader never blocks and never reads past its
// bound: a FIFO (with no writer, whose open would block), a device that
// never ends, a file one byte over the bound are refused with the reason;
// a file at the bound is read whole; a prefix read stops at the bound.
func TestReadAllBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const max = 100
	fifo := dir + "/fifo"
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := dir + "/zero"
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	write := func(name string, n int) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(strings.Repeat("x", n)), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name   string
		path   string
		prefix bool
		want   int    // bytes read, when no error
		detail string // the error's detail, when one is expected
		reason string
	}{
		{"fifo", fifo, false, 0, "not a regular file", ReasonUnreadable},
		{"fifo, prefix", fifo, true, 0, "not a regular file", ReasonUnreadable},
		{"/dev/zero", zero, false, 0, "not a regular file", ReasonUnreadable},
		{"/dev/null", "/dev/null", false, 0, "not a regular file", ReasonUnreadable},
		{"directory", dir, false, 0, "is a directory", ReasonUnreadable},
		{"at the bound", write("at", max), false, max, "", ""},
		{"one byte over", write("over", max+1), false, 0, "over the 100-byte limit", ReasonUnreadable},
		{"far over", write("far", 1<<20), false, 0, "over the 100-byte limit", ReasonUnreadable},
		{"prefix of a longer file", write("long", 5000), true, max, "", ""},
		{"empty", write("empty", 0), false, 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(tc.path, max, tc.prefix)
			if tc.detail == "" {
				if err != nil || len(got) != tc.want {
					t.Fatalf("readAll = %d bytes, %v; want %d bytes", len(got), err, tc.want)
				}
				return
			}
			re := classify(tc.path, err)
			if err == nil || re.Detail != tc.detail || re.Reason != tc.reason {
				t.Fatalf("readAll = %d bytes, %v; want %s (%s)", len(got), err, tc.reason, tc.detail)
			}
		})
	}
}
