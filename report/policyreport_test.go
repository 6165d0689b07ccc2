package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/report/prtest"
	"github.com/secctx/secctx/waiver"
)

// reportOf builds a report with the given findings about a container of
// a workload.
func reportOf(workload, ns, container string, fs ...report.Finding) *report.Report {
	r := &report.Report{APIVersion: report.APIVersion, Kind: report.Kind,
		Time:     time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC),
		Target:   report.Target{PID: 7, Comm: "app", Container: container, Workload: workload, Namespace: ns},
		Profile:  "containerd",
		Spec:     report.SpecRef{Source: "file:pod.yaml"},
		Findings: fs,
	}
	r.Summary = report.Summarize(fs)
	return r
}

func finding(check string, st report.Status, sev report.Severity) report.Finding {
	return report.Finding{Check: "runAsUser", Status: st, Severity: sev, Expected: "1000", Observed: "0", Message: check + " message"}
}

func TestPolicyResultOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		st     report.Status
		sev    report.Severity
		result string
		scored bool
	}{
		{report.StatusOK, report.SeverityInfo, "pass", true},
		{report.StatusDrift, report.SeverityCritical, "fail", true},
		{report.StatusDrift, report.SeverityHigh, "fail", true},
		{report.StatusDrift, report.SeverityMedium, "fail", true},
		{report.StatusDrift, report.SeverityLow, "fail", true},
		{report.StatusDrift, report.SeverityInfo, "warn", true},
		{report.StatusUnknown, report.SeverityInfo, "error", false},
		{report.StatusSkipped, report.SeverityInfo, "skip", false},
	} {
		result, scored := report.PolicyResultOf(report.Finding{Status: tc.st, Severity: tc.sev})
		if result != tc.result || scored != tc.scored {
			t.Errorf("%s/%s: %s %v, want %s %v", tc.st, tc.sev, result, scored, tc.result, tc.scored)
		}
	}
}

func TestNewPolicyReport(t *testing.T) {
	t.Parallel()
	drift := report.Finding{Check: "sysctls", Subject: "kernel.shm_rmid_forced", Status: report.StatusDrift, Severity: report.SeverityMedium,
		Expected: "1", Observed: "0", Message: "not applied", Hint: "a hint", Scope: "pod"}
	ok := report.Finding{Check: "runAsUser", Status: report.StatusOK, Severity: report.SeverityInfo, Expected: "1000", Observed: "1000",
		Processes: []report.Process{{PID: 12, Comm: "nginx"}, {PID: 13, Comm: "nginx"}}}
	warn := report.Finding{Check: "capabilities.bounding", Status: report.StatusDrift, Severity: report.SeverityInfo, Expected: "[NET_RAW]"}
	unknown := report.Finding{Check: "seccompProfile", Status: report.StatusUnknown, Severity: report.SeverityInfo, Expected: "disabled | filter",
		Outcomes: &report.Outcomes{Legitimate: []report.Outcome{{Value: "disabled", When: "seccompDefault is off"}, {Value: "filter", When: "seccompDefault is on"}}}}
	skipped := report.Finding{Check: "fsGroup", Status: report.StatusSkipped, Severity: report.SeverityInfo}
	app := reportOf("Pod/Demo_Pod", "shop", "app", drift, ok, warn, unknown, skipped)
	init := reportOf("Pod/Demo_Pod", "shop", "setup", ok)
	init.Target.ContainerKind = "initContainer"

	for _, tc := range []struct {
		name    string
		reports []*report.Report
		pod     report.PodRef
		want    report.PolicyReportCounts
		meta    report.PolicyReportMeta
		scope   report.ObjectReference
		field   string
	}{
		{"pod from the spec, one container", []*report.Report{app}, report.PodRef{},
			report.PolicyReportCounts{Pass: 1, Fail: 1, Warn: 1, Error: 1, Skip: 1},
			report.PolicyReportMeta{Name: "secctx-demo-pod-app", Namespace: "shop"},
			report.ObjectReference{APIVersion: "v1", Kind: "Pod", Name: "Demo_Pod", Namespace: "shop"}, "spec.containers{app}"},
		{"pod from the downward API, two containers", []*report.Report{app, init}, report.PodRef{Name: "web-7d9f-x2x", Namespace: "prod", UID: "0b1c"},
			report.PolicyReportCounts{Pass: 2, Fail: 1, Warn: 1, Error: 1, Skip: 1},
			report.PolicyReportMeta{Name: "secctx-web-7d9f-x2x", Namespace: "prod"},
			report.ObjectReference{APIVersion: "v1", Kind: "Pod", Name: "web-7d9f-x2x", Namespace: "prod", UID: "0b1c"}, "spec.containers{app}"},
		{"a deployment and no pod", []*report.Report{reportOf("Deployment/web", "", "app", ok)}, report.PodRef{},
			report.PolicyReportCounts{Pass: 1},
			report.PolicyReportMeta{Name: "secctx-web-app"},
			report.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}, "spec.containers{app}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pr := report.NewPolicyReport(tc.reports, tc.pod)
			if pr.APIVersion != "wgpolicyk8s.io/v1alpha2" || pr.Kind != "PolicyReport" {
				t.Errorf("%s %s", pr.APIVersion, pr.Kind)
			}
			if pr.Summary != tc.want {
				t.Errorf("summary %+v, want %+v", pr.Summary, tc.want)
			}
			if pr.Metadata.Name != tc.meta.Name || pr.Metadata.Namespace != tc.meta.Namespace ||
				pr.Metadata.Labels["app.kubernetes.io/managed-by"] != "secctx" {
				t.Errorf("metadata %+v, want %+v", pr.Metadata, tc.meta)
			}
			if *pr.Scope != tc.scope {
				t.Errorf("scope %+v, want %+v", *pr.Scope, tc.scope)
			}
			n := 0
			for _, r := range tc.reports {
				n += len(r.Findings)
			}
			if len(pr.Results) != n {
				t.Fatalf("%d results for %d findings", len(pr.Results), n)
			}
			for _, res := range pr.Results {
				if res.Policy != "secctx" || res.Source != "secctx" || res.Rule == "" || len(res.Resources) != 1 {
					t.Errorf("result %+v", res)
				}
				ref := res.Resources[0]
				ref.FieldPath = ""
				if ref != tc.scope {
					t.Errorf("resource %+v, want the scope %+v", res.Resources[0], tc.scope)
				}
				if res.Timestamp.Seconds != tc.reports[0].Time.Unix() || res.Timestamp.Nanos != 123456789 {
					t.Errorf("timestamp %+v", res.Timestamp)
				}
			}
			if got := pr.Results[0].Resources[0].FieldPath; got != tc.field {
				t.Errorf("fieldPath %q, want %q", got, tc.field)
			}
		})
	}

	pr := report.NewPolicyReport([]*report.Report{app, init}, report.PodRef{})
	d := pr.Results[0]
	if d.Rule != "sysctls" || d.Result != "fail" || d.Severity != "medium" || !d.Scored || d.Message != "not applied" {
		t.Errorf("drift result %+v", d)
	}
	for k, v := range map[string]string{"container": "app", "subject": "kernel.shm_rmid_forced", "expected": "1", "observed": "0",
		"hint": "a hint", "scope": "pod", "pids": "7", "comms": "app", "profile": "containerd"} {
		if d.Properties[k] != v {
			t.Errorf("properties[%s] = %q, want %q (%v)", k, d.Properties[k], v, d.Properties)
		}
	}
	if p := pr.Results[1].Properties; p["pids"] != "12,13" || p["expected"] != "1000" || p["comms"] != "nginx,nginx" {
		t.Errorf("ok result properties %v", p)
	}
	if p := pr.Results[2].Properties; p["expected"] != "[NET_RAW]" || p["observed"] != "" {
		t.Errorf("warn result properties %v", p)
	}
	if _, has := pr.Results[2].Properties["observed"]; has {
		t.Errorf("an empty value is a property: %v", pr.Results[2].Properties)
	}
	if p := pr.Results[3].Properties; p["outcomes"] != "disabled where seccompDefault is off; filter where seccompDefault is on" || p["outcome"] != "" {
		t.Errorf("node-dependent result properties %v", p)
	}
	if last := pr.Results[len(pr.Results)-1]; last.Properties["container"] != "setup" || last.Resources[0].FieldPath != "spec.initContainers{setup}" {
		t.Errorf("init container result %+v", last)
	}
}

func TestPolicyReportName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ workload, container, want string }{
		{"Pod/demo", "app", "secctx-demo-app"},
		{"Pod/UPPER_case", "", "secctx-upper-case"},
		{"Pod/a..b", "c", "secctx-a.b-c"},
		{"Pod/-x-.-y-", "z", "secctx-x.y-z"},
		{"Pod/" + strings.Repeat("n", 300), "app", "secctx-" + strings.Repeat("n", 246)},
	} {
		pr := report.NewPolicyReport([]*report.Report{reportOf(tc.workload, "", tc.container)}, report.PodRef{})
		if pr.Metadata.Name != tc.want {
			t.Errorf("%s %s: name %q, want %q", tc.workload, tc.container, pr.Metadata.Name, tc.want)
		}
	}
}

// TestPolicyReportAgainstTheCRD validates real reports (drift of every
// severity, none, unknown only, skipped only, several containers, odd
// names) against the PolicyReport CRD's OpenAPI schema.
func TestPolicyReportAgainstTheCRD(t *testing.T) {
	t.Parallel()
	againstTheCRD(t, prtest.Load(t), report.APIPolicyReport)
}

// TestOpenReportAgainstTheCRD: the same reports as OpenReports Reports
// validate against the openreports.io/v1alpha1 Report CRD.
func TestOpenReportAgainstTheCRD(t *testing.T) {
	t.Parallel()
	againstTheCRD(t, prtest.LoadOpenReports(t), report.APIOpenReports)
	pr := report.NewPolicyReportFor(report.APIOpenReports, []*report.Report{reportOf("Pod/demo", "shop", "app")}, report.PodRef{})
	if pr.APIVersion != "openreports.io/v1alpha1" || pr.Kind != "Report" || pr.Source != "secctx" {
		t.Errorf("OpenReports report %s %s source %q", pr.APIVersion, pr.Kind, pr.Source)
	}
	// A PolicyReport is not an OpenReports Report, and the other way round.
	var b bytes.Buffer
	report.WriteJSON(&b, report.NewPolicyReport([]*report.Report{reportOf("Pod/demo", "shop", "app")}, report.PodRef{}))
	if err := prtest.LoadOpenReports(t).Validate(b.Bytes()); err == nil {
		t.Error("a wgpolicyk8s.io PolicyReport passes as an OpenReports Report")
	}
	b.Reset()
	report.WriteJSON(&b, pr)
	if err := prtest.Load(t).Validate(b.Bytes()); err == nil {
		t.Error("an OpenReports Report passes as a wgpolicyk8s.io PolicyReport")
	}
}

// againstTheCRD validates reports of every kind, in the API api, with v.
func againstTheCRD(t *testing.T, v *prtest.Validator, api report.ReportAPI) {
	waived := report.Finding{Check: "seccompProfile", Status: report.StatusDrift, Severity: report.SeverityHigh, Expected: "filter", Observed: "disabled", Message: "m"}
	ws := []report.Finding{waived}
	report.Waive(ws, waiver.Set{{Check: "seccompProfile", Reason: "accepted", Source: waiver.SourceFile}}, "Pod/demo", "app")
	app := reportOf("Pod/demo", "shop", "app",
		finding("a", report.StatusDrift, report.SeverityCritical), finding("b", report.StatusDrift, report.SeverityLow),
		finding("c", report.StatusDrift, report.SeverityInfo), finding("d", report.StatusOK, report.SeverityInfo))
	clean := reportOf("Pod/demo", "", "app", finding("d", report.StatusOK, report.SeverityInfo))
	unknown := reportOf("Deployment/web", "prod", "app", report.Finding{Check: "seccompProfile", Status: report.StatusUnknown, Severity: report.SeverityInfo, Message: "Could not read"})
	skipped := reportOf("CronJob/nightly", "", "job", report.Finding{Check: "fsGroup", Status: report.StatusSkipped, Severity: report.SeverityInfo})
	odd := reportOf("Pod/Ünïcode name\x1b", "", "c", finding("\x1b[31m", report.StatusDrift, report.SeverityHigh))
	empty := reportOf("Pod/empty", "", "app")
	for name, tc := range map[string]struct {
		reports []*report.Report
		pod     report.PodRef
	}{
		"drift":          {[]*report.Report{app}, report.PodRef{}},
		"no drift":       {[]*report.Report{clean}, report.PodRef{}},
		"unknown":        {[]*report.Report{unknown}, report.PodRef{Name: "web-1", Namespace: "prod", UID: "5f1a2b"}},
		"skipped":        {[]*report.Report{skipped}, report.PodRef{}},
		"two containers": {[]*report.Report{app, clean}, report.PodRef{}},
		"odd names":      {[]*report.Report{odd}, report.PodRef{}},
		"no findings":    {[]*report.Report{empty}, report.PodRef{}},
		"waived":         {[]*report.Report{reportOf("Pod/demo", "shop", "app", ws...)}, report.PodRef{}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pr := report.NewPolicyReportFor(api, tc.reports, tc.pod)
			var js, ys bytes.Buffer
			if err := report.WriteJSON(&js, pr); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteYAML(&ys, pr); err != nil {
				t.Fatal(err)
			}
			for form, doc := range map[string][]byte{"json": js.Bytes(), "yaml": ys.Bytes()} {
				if err := v.Validate(doc); err != nil {
					t.Errorf("%s: %v\n%s", form, err, doc)
				}
			}
		})
	}
	// The validator is not a rubber stamp.
	bad := report.NewPolicyReportFor(api, []*report.Report{app}, report.PodRef{})
	bad.Results[0].Result = "drift"
	var b bytes.Buffer
	report.WriteJSON(&b, bad)
	if err := v.Validate(b.Bytes()); err == nil {
		t.Error("a result of \"drift\" passes the schema")
	}
	var m map[string]any
	json.Unmarshal(b.Bytes(), &m)
	m["results"].([]any)[0].(map[string]any)["result"] = "fail"
	m["results"].([]any)[0].(map[string]any)["subjects"] = []any{}
	out, _ := json.Marshal(m)
	if err := v.Validate(out); err == nil {
		t.Error("an undeclared field passes the schema")
	}
}

func TestWritePolicyReportFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pr := report.NewPolicyReport([]*report.Report{reportOf("Pod/demo", "", "app", finding("x", report.StatusDrift, report.SeverityHigh))}, report.PodRef{})
	for _, name := range []string{"pr.json", "pr.yaml", "pr.yml", "pr"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := report.WritePolicyReportFile(path, pr); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		isJSON := json.Valid(b)
		if wantJSON := !strings.HasSuffix(name, "ml"); isJSON != wantJSON {
			t.Errorf("%s: JSON %v, want %v:\n%s", name, isJSON, wantJSON, b)
		}
		if !bytes.Contains(b, []byte("wgpolicyk8s.io/v1alpha2")) {
			t.Errorf("%s:\n%s", name, b)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v", name, st.Mode())
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 4 {
		t.Errorf("temporary files left: %v", ents)
	}
	if err := report.WritePolicyReportFile(filepath.Join(dir, "missing", "pr.json"), pr); err == nil {
		t.Error("no error for a missing directory")
	}
}
