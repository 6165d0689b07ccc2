package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/waiver"
)

func TestWaive(t *testing.T) {
	t.Parallel()
	drift := report.Finding{Check: check.SeccompProfile, Status: report.StatusDrift, Severity: report.SeverityHigh,
		Expected: "filter", Observed: "disabled", Message: "seccomp is off"}
	ok := report.Finding{Check: check.RunAsUser, Status: report.StatusOK, Severity: report.SeverityInfo, Expected: "1000", Observed: "1000", Message: "m"}
	sys := report.Finding{Check: check.Sysctls, Subject: "net.core.somaxconn", Status: report.StatusDrift, Severity: report.SeverityMedium,
		Expected: "1024", Observed: "4096", Message: "m"}
	ws := waiver.Set{
		{Check: check.SeccompProfile, Container: "app", Reason: "the node has none", Source: waiver.SourceAnnotation},
		{Check: check.Sysctls, Workload: "Pod/other", Reason: "elsewhere", Source: waiver.SourceFile},
		{Rule: "runAsUser", Reason: "a rule id never waives a check", Source: waiver.SourceFlag},
	}
	for _, tc := range []struct {
		name      string
		container string
		// waived: the checks waived; failing: whether --fail-on low fails.
		waived  []check.ID
		failing bool
	}{
		{"the container the waiver names", "app", []check.ID{check.SeccompProfile}, true},
		{"another container", "side", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := []report.Finding{drift, ok, sys}
			report.Waive(fs, ws, "Pod/web", tc.container)
			r := reportOf("Pod/web", "", tc.container, fs...)
			var got []check.ID
			for _, f := range r.Findings {
				if f.Waived == nil {
					continue
				}
				got = append(got, f.Check)
				if f.Status != report.StatusSkipped || f.Severity != report.SeverityInfo {
					t.Errorf("%s waived: status %s severity %s, want skipped info", f.Check, f.Status, f.Severity)
				}
				if f.Expected != "filter" || f.Observed != "disabled" || f.Message != "seccomp is off" {
					t.Errorf("%s waived lost its values: %+v", f.Check, f)
				}
				if *f.Waived != (report.Waived{Status: report.StatusDrift, Severity: report.SeverityHigh, Reason: "the node has none", Source: waiver.SourceAnnotation}) {
					t.Errorf("%s: waived %+v", f.Check, *f.Waived)
				}
				if s := f.Waived.String(); s != "waived: the node has none (annotation)" {
					t.Errorf("waived renders %q", s)
				}
			}
			if len(got) != len(tc.waived) || (len(got) > 0 && got[0] != tc.waived[0]) {
				t.Errorf("waived %v, want %v", got, tc.waived)
			}
			if r.Summary.Waived != len(tc.waived) {
				t.Errorf("summary waived %d, want %d", r.Summary.Waived, len(tc.waived))
			}
			// sysctls (medium) drifts either way: its waiver is another workload's.
			if r.Failing(report.SeverityLow) != tc.failing {
				t.Errorf("failing %v, want %v", r.Failing(report.SeverityLow), tc.failing)
			}
			if len(tc.waived) > 0 && (r.Summary.HighestSeverity != report.SeverityMedium || r.Failing(report.SeverityHigh)) {
				t.Errorf("a waived high drift still counts: highest %s", r.Summary.HighestSeverity)
			}
		})
	}
}

// TestWaivedText: the text form shows the waiver in the table and the
// details, and counts it.
func TestWaivedText(t *testing.T) {
	t.Parallel()
	fs := []report.Finding{{Check: check.SeccompProfile, Status: report.StatusDrift, Severity: report.SeverityHigh,
		Expected: "filter", Observed: "disabled", Message: "seccomp is off"}}
	report.Waive(fs, waiver.Set{{Check: check.SeccompProfile, Reason: "no seccomp here", Source: waiver.SourceFlag}}, "Pod/web", "app")
	var b bytes.Buffer
	if err := report.WriteText(&b, reportOf("Pod/web", "", "app", fs...), report.TextOptions{Wide: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"0 drift, 0 unknown, 0 ok, 1 skipped (1 waived)", "skipped  waived", "[skipped, waived drift high]: waived: no seccomp here (flag). seccomp is off", "disabled"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}

// TestWaivedPolicyResult: in a PolicyReport a waived drift is a skip
// result, not scored, with the waiver among its properties.
func TestWaivedPolicyResult(t *testing.T) {
	t.Parallel()
	fs := []report.Finding{{Check: check.SeccompProfile, Status: report.StatusDrift, Severity: report.SeverityHigh, Expected: "filter", Observed: "disabled", Message: "m"}}
	report.Waive(fs, waiver.Set{{Check: check.SeccompProfile, Reason: "accepted", Source: waiver.SourceFile}}, "Pod/web", "app")
	for _, api := range report.ReportAPIs {
		pr := report.NewPolicyReportFor(api, []*report.Report{reportOf("Pod/web", "shop", "app", fs...)}, report.PodRef{})
		res := pr.Results[0]
		if res.Result != "skip" || res.Scored || res.Properties["waived"] != "waived: accepted (file)" || res.Properties["observed"] != "disabled" || pr.Summary.Skip != 1 || pr.Summary.Fail != 0 {
			t.Errorf("%s: result %+v summary %+v", api, res, pr.Summary)
		}
	}
}
