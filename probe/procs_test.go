package probe

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		root   string
		want   int
		reason string
	}{
		{"testdata/containerd-nonroot", 0, ""},
		{"testdata/host", 5668, ""},
		{"testdata/selinux-userns", 1, ""},
		{"testdata/gone", 0, ReasonAbsent},
	} {
		got, re := NewFS(tc.root).Parent(0)
		switch {
		case tc.reason != "" && (re == nil || re.Reason != tc.reason):
			t.Errorf("%s: %v, want %s", tc.root, re, tc.reason)
		case tc.reason == "" && re != nil:
			t.Errorf("%s: %v", tc.root, re)
		case got != tc.want:
			t.Errorf("%s: parent %d, want %d", tc.root, got, tc.want)
		}
	}
}

// TestHostPIDNamespace: kthreadd as pid 2 shows the node's PID
// namespace; a process of a container named so, or a pid 2 that is not a
// kernel thread, does not.
func TestHostPIDNamespace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, comm, cmdline string
		want                bool
	}{
		{"kthreadd", "kthreadd\n", "", true},
		{"a process named kthreadd", "kthreadd\n", "/bin/kthreadd\x00", false},
		{"another kernel thread as pid 2", "kworker/0:0\n", "", false},
		{"no pid 2", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			if tc.comm != "" {
				dir := filepath.Join(root, "2")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for name, content := range map[string]string{"comm": tc.comm, "cmdline": tc.cmdline} {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			if got := NewFS(root).HostPIDNamespace(); got != tc.want {
				t.Errorf("HostPIDNamespace() = %v, want %v", got, tc.want)
			}
		})
	}
}
