package schema_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/schema/schematest"
	"github.com/secctx/secctx/verify"
	"github.com/secctx/secctx/waiver"
)

// waivedReport verifies this test process against demo with every check
// waived, by the pod's annotation and by a flag, and returns the report.
func waivedReport(t *testing.T) map[string]any {
	t.Helper()
	var ids []string
	for _, id := range []check.ID{check.RunAsUser, check.RunAsGroup, check.SupplementalGroups, check.FSGroup, check.CapabilitiesBounding,
		check.CapabilitiesEffective, check.SeccompProfile, check.Sysctls, check.ReadOnlyRootFilesystem, check.SELinuxOptions} {
		ids = append(ids, string(id))
	}
	spec := strings.Replace(demo, "metadata: {name: demo}", "metadata:\n  name: demo\n  annotations:\n    secctx.io/waive: \""+strings.Join(ids, ",")+": accepted\"", 1)
	p := &verify.Pipeline{Source: manifest.Locator{Path: "-", Stdin: strings.NewReader(spec)}, FS: probe.NewFS(""),
		Waivers: waiver.Set{{Check: check.HostUsers, Reason: "--skip hostUsers", Source: waiver.SourceFlag}}}
	s, err := p.Load()
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Verifier("")
	if err != nil {
		t.Fatal(err)
	}
	r, err := v.Verify(0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Waived == 0 {
		t.Fatal("nothing waived")
	}
	b, _ := json.Marshal(r)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestWaivedReportsValidate: a report with waived findings of every kind
// (typed values, outcomes, observed values kept) follows the schema, and
// the schema holds a waived finding to its shape.
func TestWaivedReportsValidate(t *testing.T) {
	t.Parallel()
	schematest.ReportValue(t, waivedReport(t))
	waived := func(m map[string]any) map[string]any {
		for _, f := range m["findings"].([]any) {
			if f := f.(map[string]any); f["waived"] != nil && f["observed"] != "" {
				return f
			}
		}
		t.Fatal("no waived finding with an observed value")
		return nil
	}
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
	}{
		{"a waived drift", func(m map[string]any) { f := waived(m); f["status"], f["severity"] = "drift", "high" }},
		{"a waiver without a reason", func(m map[string]any) { delete(waived(m)["waived"].(map[string]any), "reason") }},
		{"a waiver from elsewhere", func(m map[string]any) { waived(m)["waived"].(map[string]any)["source"] = "env" }},
		{"a waived count of zero", func(m map[string]any) { m["summary"].(map[string]any)["waived"] = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := waivedReport(t)
			tc.change(m)
			b, _ := json.Marshal(m)
			if err := schematest.CheckReport(b); err == nil {
				t.Errorf("the schema accepts a report with %s", tc.name)
			}
		})
	}
}
