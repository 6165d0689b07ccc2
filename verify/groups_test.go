package verify

import (
	"strconv"
	"strings"
	"testing"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/probe/probetest"
	"github.com/secctx/secctx/report"
)

// TestVerifyProcessWithMostGroups: a process holding the 65,536
// supplementary groups the kernel allows (NGROUPS_MAX) is verified like
// any other: every item is read, and its groups are compared with the
// spec's. It runs as root, which alone can set them.
func TestVerifyProcessWithMostGroups(t *testing.T) {
	t.Parallel()
	gids := probetest.MostGroups()
	pid := probetest.StartWithGroups(t, gids)
	listed := make([]string, len(gids))
	for i, g := range gids {
		listed[i] = strconv.FormatUint(uint64(g), 10)
	}
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
	r, err := v.Verify(pid)
	if err != nil {
		t.Fatal(err)
	}
	f := find(r, "supplementalGroups")
	if f == nil || f.Status != report.StatusOK || f.Groups == nil || len(f.Groups.Observed) != len(gids) {
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
