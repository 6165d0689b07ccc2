package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/lint"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/waiver"
)

// TestDeployLintsClean: `secctx lint deploy/` passes at the default
// threshold (low) under the default profile, every finding it accepts
// waived in place by the manifest's own secctx.io/waive annotation, with
// a reason; and the ECI manifests pass under the eci profile too.
func TestDeployLintsClean(t *testing.T) {
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		profile, dir string
		waived       int
	}{
		{"containerd", dir, 5},
		{"eci", filepath.Join(dir, "eci"), 2},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			ins, err := lint.Collect([]string{tc.dir}, os.Stdin)
			if err != nil {
				t.Fatal(err)
			}
			prof, err := expect.LookupProfile(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			res, err := lint.Run(ins, lint.Options{Profile: prof})
			if err != nil {
				t.Fatal(err)
			}
			if res.Failing(report.SeverityLow) {
				t.Errorf("secctx lint --profile %s %s fails at low: %+v", tc.profile, tc.dir, res.Findings)
			}
			n := 0
			for _, f := range res.Findings {
				if f.Waived == nil {
					continue
				}
				n++
				if f.Waived.Source != waiver.SourceAnnotation || f.Waived.Reason == "" {
					t.Errorf("%s %s: waived by %s with reason %q, want the annotation's", f.File, f.Rule, f.Waived.Source, f.Waived.Reason)
				}
			}
			if n != tc.waived {
				t.Errorf("%d findings waived, want %d: a waiver that accepts nothing is stale, a new finding needs one", n, tc.waived)
			}
		})
	}
}

// podmanMaxAnnotation is the longest annotation value podman kube play
// accepts (define.MaxKubeAnnotation, checked in pkg/domain/infra/abi/
// play.go); the e2e tier and `make demo` play deploy/'s pods with it.
const podmanMaxAnnotation = 63

// TestWaiverAnnotationsPlayInPodman: every secctx.io/waive annotation of
// deploy/ fits podman's limit.
func TestWaiverAnnotationsPlayInPodman(t *testing.T) {
	ins, err := lint.Collect([]string{"."}, os.Stdin)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range ins {
		data := in.Data
		if data == nil { // Collect opens files when they are linted
			if data, err = os.ReadFile(in.Name); err != nil {
				t.Fatal(err)
			}
		}
		ws, _, err := manifest.DecodeEach(in.Name, data, func(int, error) {})
		if err != nil {
			continue // not a manifest (the dashboard, the krew plugin)
		}
		for _, w := range ws {
			v, ok := w.Annotations[waiver.Annotation]
			if !ok {
				continue
			}
			n++
			if len(v) > podmanMaxAnnotation {
				t.Errorf("%s %s: %s is %d bytes, over podman kube play's %d", in.Name, w.ID(), waiver.Annotation, len(v), podmanMaxAnnotation)
			}
		}
	}
	if n == 0 {
		t.Error("no waiver annotation found in deploy/")
	}
}
