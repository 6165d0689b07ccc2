package verify

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
)

// TestVerifyProcessWithMostGroups: a process holding the 65,536
// supplementary groups the kernel allows (NGROUPS_MAX) is verified like
// any other: every item is read, and its groups are compared with the
// spec's. It runs as root, which alone can set them.
func TestVerifyProcessWithMostGroups(t *testing.T) {
	t.Parallel()
	const n = 65536
	if os.Geteuid() != 0 {
		t.Skip("setting 65,536 supplementary groups needs root")
	}
	if b, err := os.ReadFile("/proc/sys/kernel/ngroups_max"); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(n) {
		t.Fatalf("ngroups_max %q (%v), want %d", b, err, n)
	}
	gids := make([]uint32, n)
	listed := make([]string, n)
	for i := range gids {
		gids[i] = 2000000000 + uint32(i)
		listed[i] = strconv.FormatUint(uint64(gids[i]), 10)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	cmd := exec.Command(sleep, "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 0, Gid: 0, Groups: gids}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// As JSON: the YAML decoder bounds its nodes below 65,536.
	pod := `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "many-groups"}, "spec": {` +
		`"securityContext": {"runAsUser": 0, "runAsGroup": 0, "supplementalGroups": [` + strings.Join(listed, ",") + `]},` +
		`"containers": [{"name": "app"}]}}`
	ws, err := manifest.Decode("pod.json", []byte(pod))
	if err != nil {
		t.Fatal(err)
	}
	prof, err := expect.LookupProfile("containerd")
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(ws[0], "app", prof, report.SpecRef{Source: "test"}, probe.NewFS(""))
	if err != nil {
		t.Fatal(err)
	}
	// Until the child has called setgroups, its status shows ours.
	var r *report.Report
	for deadline := time.Now().Add(5 * time.Second); ; {
		if r, err = v.Verify(cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
		if f := find(r, "supplementalGroups"); f != nil && f.Groups != nil && len(f.Groups.Observed) == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	f := find(r, "supplementalGroups")
	if f == nil || f.Status != report.StatusOK || f.Groups == nil || len(f.Groups.Observed) != n {
		t.Fatalf("supplementalGroups finding %+v", f)
	}
	for _, f := range r.Findings {
		if f.Status == report.StatusUnknown {
			t.Errorf("%s %s unknown: %s", f.Check, f.Subject, f.Message)
		}
	}
	for _, id := range []string{"runAsUser", "runAsGroup", "capabilities.bounding", "allowPrivilegeEscalation", "seccompProfile"} {
		if f := find(r, id); f == nil || f.Status == report.StatusUnknown {
			t.Errorf("%s not verified: %+v", id, f)
		}
	}
}

// find returns the first finding of check id.
func find(r *report.Report, id string) *report.Finding {
	for i := range r.Findings {
		if string(r.Findings[i].Check) == id {
			return &r.Findings[i]
		}
	}
	return nil
}
