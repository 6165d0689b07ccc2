package probe

import (
	"errors"
	"io/fs"
	"os"
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
	got, err := readAll(p)
	if err != nil || got != string(want) {
		t.Fatalf("readAll: %d bytes, %v", len(got), err)
	}
}
