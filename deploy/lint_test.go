package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/lint"
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
