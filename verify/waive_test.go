package verify

import (
	"strings"
	"testing"
	"time"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/waiver"
)

// waivedPod is demoPod with its own waivers: sysctls for container app, a
// lint rule (which verify accepts and does not apply).
var waivedPod = strings.Replace(demoPod, "metadata: {name: demo}", `metadata:
  name: demo
  annotations:
    secctx.io/waive: |
      - {id: sysctls, reason: the node sets them, container: app}
      - {id: k8s-sysctl-unsafe, reason: a lint rule}`, 1)

// TestWaivers: the workload's annotation and the pipeline's waivers reach
// every report the verifiers make, the one-shot (Verify) and the merged
// one of watch (report.NewMerged with the resolver's expectation).
func TestWaivers(t *testing.T) {
	t.Parallel()
	p := &Pipeline{Source: manifest.Locator{Path: "-", Stdin: strings.NewReader(waivedPod)}, FS: probe.NewFS("../probe/testdata/containerd-nonroot"),
		Waivers: waiver.Set{
			{Check: check.CapabilitiesBounding, Reason: "--skip capabilities.bounding", Source: waiver.SourceFlag},
			{Check: check.RunAsUser, Workload: "Pod/other", Reason: "another workload", Source: waiver.SourceFile},
		}}
	spec, err := p.Load()
	if err != nil {
		t.Fatal(err)
	}
	v, err := spec.Verifier("")
	if err != nil {
		t.Fatal(err)
	}
	r, err := v.Verify(0)
	if err != nil {
		t.Fatal(err)
	}
	st := v.Observe(0)
	exp, err := v.Expected(st)
	if err != nil {
		t.Fatal(err)
	}
	merged := report.NewMerged(exp, []report.Process{{PID: st.PID, Comm: st.Comm}}, report.Compare(exp, st), spec.Ref(), time.Now())
	for name, r := range map[string]*report.Report{"verify": r, "watch": merged} {
		waived := map[check.ID]waiver.Source{}
		for _, f := range r.Findings {
			if f.Waived == nil {
				if f.Check == check.Sysctls || f.Check == check.CapabilitiesBounding {
					t.Errorf("%s: %s %s not waived", name, f.Check, f.Subject)
				}
				continue
			}
			waived[f.Check] = f.Waived.Source
			if f.Status != report.StatusSkipped {
				t.Errorf("%s: waived %s is %s", name, f.Check, f.Status)
			}
		}
		if len(waived) != 2 || waived[check.Sysctls] != waiver.SourceAnnotation || waived[check.CapabilitiesBounding] != waiver.SourceFlag {
			t.Errorf("%s: waived %v, want sysctls by the annotation and capabilities.bounding by the flag", name, waived)
		}
		if r.Summary.Waived == 0 {
			t.Errorf("%s: summary counts no waiver", name)
		}
	}
}

// TestWaiverAnnotationIsBadInput: a spec whose annotation names an unknown
// id is rejected when it is loaded, naming the source and the field.
func TestWaiverAnnotationIsBadInput(t *testing.T) {
	t.Parallel()
	bad := strings.Replace(waivedPod, "id: sysctls,", "id: sysctl,", 1)
	p := &Pipeline{Source: manifest.Locator{Path: "-", Stdin: strings.NewReader(bad)}, FS: probe.NewFS(t.TempDir())}
	_, err := p.Load()
	if err == nil || err.Error() != `stdin: Pod/demo: metadata.annotations[secctx.io/waive]: [0].id: unknown id "sysctl": want a check id (secctx checks) or a lint rule id (docs/lint.md)` {
		t.Errorf("err = %v", err)
	}
}
