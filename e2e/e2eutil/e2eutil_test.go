package e2eutil

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Dir(filepath.Dir(wd)); root != want {
		t.Errorf("ModuleRoot() = %s, want %s", root, want)
	}
}

func TestCopyFile(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := os.WriteFile(src, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, []byte("older and longer"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CopyFile(src, dst, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "new" {
		t.Errorf("dst holds %q, want %q", b, "new")
	}
	fi, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("dst mode %v, want 0755", fi.Mode().Perm())
	}
}

func TestCheckStaticRefusesNonELF(t *testing.T) {
	p := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckStatic(p); err == nil {
		t.Error("CheckStatic accepted a shell script")
	}
}

func TestObservedMismatches(t *testing.T) {
	fs := []Finding{
		{Check: "capabilities.effective", Observed: "[CHOWN,KILL]"},
		{Check: "capabilities.effective", Observed: "[KILL]"},
	}
	got, err := ObservedMismatches("capabilities.effective", `"[CHOWN,KILL]"`, fs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`capabilities.effective observed "[KILL]", want "[CHOWN,KILL]"`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := ObservedMismatches("x", "not JSON", fs); err == nil {
		t.Error("no error for a want that is not JSON")
	}
	// A list of strings compares as a set, a list of numbers in order.
	if a, b := JSONText(canonical([]any{"b", "a"})), JSONText(canonical([]any{"a", "b"})); a != b {
		t.Errorf("string lists in another order differ: %s, %s", a, b)
	}
	if a, b := JSONText(canonical([]any{2.0, 1.0})), JSONText(canonical([]any{1.0, 2.0})); a == b {
		t.Errorf("number lists in another order are the same: %s", a)
	}
}

func TestFindingsOf(t *testing.T) {
	fs := []Finding{{Check: "a", Subject: "1"}, {Check: "b"}, {Check: "a", Subject: "2"}}
	got := FindingsOf(fs, "a")
	if len(got) != 2 || got[0].Subject != "1" || got[1].Subject != "2" {
		t.Errorf("FindingsOf = %+v", got)
	}
}

func TestSortedCopyAndWith(t *testing.T) {
	in := []string{"b", "a"}
	if got := SortedCopy(in); strings.Join(got, ",") != "a,b" || in[0] != "b" {
		t.Errorf("SortedCopy(%v) = %v", in, got)
	}
	if got := SortedCopy(nil); got == nil || len(got) != 0 {
		t.Errorf("SortedCopy(nil) = %#v, want an empty list", got)
	}
	base := make([]string, 1, 4)
	base[0] = "x"
	a, b := With(base, "y"), With(base, "z")
	if strings.Join(a, ",") != "x,y" || strings.Join(b, ",") != "x,z" {
		t.Errorf("With shares its list: %v, %v", a, b)
	}
}

func TestHostCapBnd(t *testing.T) {
	bnd, err := HostCapBnd()
	if err != nil {
		t.Fatal(err)
	}
	if len(bnd) != 16 {
		t.Errorf("HostCapBnd() = %q, want 16 hex digits", bnd)
	}
}

func TestLockNode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock", "node.lock")
	t.Setenv("SECCTX_NODE_LOCK", path)
	if got := NodeLockPath(); got != path {
		t.Fatalf("NodeLockPath() = %s, want $SECCTX_NODE_LOCK %s", got, path)
	}
	f, err := LockNode("test tier", "go test ./e2e/e2eutil")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "go test ./e2e/e2eutil (the test tier, since ") {
		t.Errorf("the lock names its holder as %q", b)
	}
}

func TestDriftChecks(t *testing.T) {
	fs := []Finding{
		{Check: "sysctls", Status: "drift"}, {Check: "fsGroup", Status: "ok"},
		{Check: "capabilities.bounding", Status: "drift"}, {Check: "sysctls", Status: "drift"},
	}
	if got := DriftChecks(fs); strings.Join(got, ",") != "capabilities.bounding,sysctls" {
		t.Errorf("DriftChecks = %v", got)
	}
	if got := DriftChecks(nil); got == nil || len(got) != 0 {
		t.Errorf("DriftChecks(nil) = %#v, want an empty list", got)
	}
}

func TestRootfsWrite(t *testing.T) {
	dir := t.TempDir()
	bb := filepath.Join(dir, "busybox")
	if err := os.WriteFile(bb, []byte("bb"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "root")
	err := Rootfs{Busybox: bb, Applets: []string{"sh"}, Bins: map[string]string{"app": bb},
		Dirs: []string{"data"}, Files: ImageFiles{Passwd: "root:x:0:0::/:/bin/sh\n"}}.Write(root)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(root, "tmp")); err != nil || fi.Mode()&(os.ModeSticky|os.ModePerm) != os.ModeSticky|0o777 || !fi.IsDir() {
		t.Errorf("tmp: %v, %v; want a sticky 0777 directory", fi, err)
	}
	if l, err := os.Readlink(filepath.Join(root, "bin", "sh")); err != nil || l != "busybox" {
		t.Errorf("bin/sh -> %q, %v", l, err)
	}
	for _, p := range []string{"bin/busybox", "app", "data", "proc", "etc/passwd"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "etc", "group")); !os.IsNotExist(err) {
		t.Errorf("etc/group written for an empty Group: %v", err)
	}
}
