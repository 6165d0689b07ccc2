package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/probe"

	"github.com/secctx/secctx/schema/schematest"
)

var testTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))

func fnd(st Status, sev Severity) Finding {
	return Finding{Check: "x", Status: st, Severity: sev}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		fs   []Finding
		want Summary
	}{
		{"empty", nil, Summary{}},
		{"no drift", []Finding{fnd(StatusOK, SeverityInfo), fnd(StatusSkipped, SeverityInfo), fnd(StatusUnknown, SeverityInfo)},
			Summary{OK: 1, Skipped: 1, Unknown: 1}},
		{"info drift only", []Finding{fnd(StatusDrift, SeverityInfo), fnd(StatusOK, SeverityInfo)},
			Summary{OK: 1, Drift: 1, HighestSeverity: SeverityInfo}},
		{"worst wins in any order", []Finding{fnd(StatusDrift, SeverityLow), fnd(StatusDrift, SeverityCritical),
			fnd(StatusDrift, SeverityMedium), fnd(StatusUnknown, SeverityInfo)},
			Summary{Drift: 3, Unknown: 1, HighestSeverity: SeverityCritical}},
		{"high after medium", []Finding{fnd(StatusDrift, SeverityMedium), fnd(StatusDrift, SeverityHigh), fnd(StatusDrift, SeverityLow)},
			Summary{Drift: 3, HighestSeverity: SeverityHigh}},
	} {
		if got := Summarize(tc.fs); got != tc.want {
			t.Errorf("%s: Summarize = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestFailing(t *testing.T) {
	t.Parallel()
	sevs := []Severity{SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}
	for _, tc := range []struct {
		name string
		fs   []Finding
		// failsFrom is the highest --fail-on that fails; "" never fails.
		failsFrom Severity
	}{
		{"no findings", nil, ""},
		{"unknown and skipped never fail", []Finding{fnd(StatusUnknown, SeverityInfo), fnd(StatusSkipped, SeverityInfo)}, ""},
		{"info drift", []Finding{fnd(StatusDrift, SeverityInfo)}, SeverityInfo},
		{"low drift", []Finding{fnd(StatusDrift, SeverityLow), fnd(StatusOK, SeverityInfo)}, SeverityLow},
		{"medium drift", []Finding{fnd(StatusDrift, SeverityLow), fnd(StatusDrift, SeverityMedium)}, SeverityMedium},
		{"high drift", []Finding{fnd(StatusDrift, SeverityHigh)}, SeverityHigh},
		{"critical drift", []Finding{fnd(StatusDrift, SeverityCritical), fnd(StatusDrift, SeverityInfo)}, SeverityCritical},
	} {
		r := &Report{Findings: tc.fs, Summary: Summarize(tc.fs)}
		for _, failOn := range sevs {
			want := tc.failsFrom != "" && failOn.Rank() <= tc.failsFrom.Rank()
			if got := r.Failing(failOn); got != want {
				t.Errorf("%s: Failing(%s) = %v, want %v", tc.name, failOn, got, want)
			}
		}
	}
}

func TestSeverity(t *testing.T) {
	t.Parallel()
	for i, s := range []Severity{SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical} {
		if s.Rank() != i {
			t.Errorf("%s.Rank() = %d, want %d", s, s.Rank(), i)
		}
		got, err := ParseSeverity(string(s))
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %q, %v", s, got, err)
		}
	}
	for _, bad := range []string{"", "severe", "HIGH", " high"} {
		if _, err := ParseSeverity(bad); err == nil || !strings.Contains(err.Error(), "want critical, high, medium, low or info") {
			t.Errorf("ParseSeverity(%q): err %v", bad, err)
		}
	}
}

func TestNewAndJSON(t *testing.T) {
	t.Parallel()
	e, o := expNonRoot(), obsNonRoot()
	o.Caps.Bounding |= sysAdmin // critical drift
	o.SetUnread(probe.ItemLSM, denied("/proc/4242/attr/current"))
	r := New(e, o, SpecRef{Source: "deploy.yaml"}, testTime)

	if r.APIVersion != APIVersion || r.Kind != Kind || !r.Time.Equal(testTime) || r.Time.Location() != time.UTC {
		t.Errorf("header %q %q %v", r.APIVersion, r.Kind, r.Time)
	}
	if r.Summary != Summarize(r.Findings) {
		t.Errorf("summary %+v does not count the findings", r.Summary)
	}
	if r.Summary.Drift != 1 || r.Summary.Unknown != 2 || r.Summary.HighestSeverity != SeverityCritical {
		t.Errorf("summary %+v", r.Summary)
	}
	if !r.Failing(SeverityCritical) || len(r.Drifts()) != 1 || r.Drifts()[0].Check != "capabilities.bounding" {
		t.Errorf("Failing(critical) %v, drifts %v", r.Failing(SeverityCritical), r.Drifts())
	}

	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	schematest.Report(t, buf.Bytes())
	if !strings.HasSuffix(buf.String(), "}\n") || strings.Count(buf.String(), "\n}\n") != 1 {
		t.Errorf("not one object followed by a newline:\n%s", buf.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["apiVersion"] != "secctx/v1" || doc["kind"] != "VerificationReport" || doc["profile"] != "containerd" {
		t.Errorf("header %v %v %v", doc["apiVersion"], doc["kind"], doc["profile"])
	}
	if doc["time"] != "2026-03-01T11:00:00Z" {
		t.Errorf("time %v", doc["time"])
	}
	target := doc["target"].(map[string]any)
	if target["pid"] != float64(testPID) || target["comm"] != testComm || target["container"] != "app" ||
		target["workload"] != "Deployment/web" || target["namespace"] != "shop" || target["containerKind"] != "container" {
		t.Errorf("target %v", target)
	}
	if _, has := target["processes"]; has {
		t.Errorf("single-process report lists processes: %v", target)
	}
	if sp := doc["spec"].(map[string]any); sp["source"] != "deploy.yaml" || sp["default"] != false {
		t.Errorf("spec %v", sp)
	}
	sum := doc["summary"].(map[string]any)
	for k, v := range map[string]any{"ok": float64(r.Summary.OK), "drift": 1.0, "unknown": 2.0,
		"skipped": float64(r.Summary.Skipped), "highestSeverity": "critical"} {
		if sum[k] != v {
			t.Errorf("summary.%s = %v, want %v", k, sum[k], v)
		}
	}
	findings := doc["findings"].([]any)
	if len(findings) != len(r.Findings) {
		t.Fatalf("%d findings in JSON, %d in the report", len(findings), len(r.Findings))
	}
	var seen []string
	for _, x := range findings {
		f := x.(map[string]any)
		for _, k := range []string{"check", "status", "severity", "expected", "observed", "message"} {
			if _, has := f[k]; !has {
				t.Errorf("finding %v lacks %q", f["check"], k)
			}
		}
		if !slices.Contains(seen, f["check"].(string)) {
			seen = append(seen, f["check"].(string))
		}
		switch f["check"] {
		case "capabilities.bounding":
			// capability sets read as the manifest spells them: sorted
			// names in the text, and the typed lists beside it
			if f["expected"] != "[AUDIT_WRITE,CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,MKNOD,NET_BIND_SERVICE,NET_RAW,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT]" ||
				!strings.Contains(f["observed"].(string), ",SYS_ADMIN,") {
				t.Errorf("bounding expected %v observed %v", f["expected"], f["observed"])
			}
			typed := f["capabilities"].(map[string]any)
			exp, obs := typed["expected"].([]any), typed["observed"].([]any)
			if len(exp) != 14 || len(obs) != 15 || !slices.Contains(obs, any("SYS_ADMIN")) || exp[0] != "AUDIT_WRITE" {
				t.Errorf("bounding typed expected %v observed %v", exp, obs)
			}
			if f["status"] != "drift" || f["severity"] != "critical" {
				t.Errorf("bounding %v %v", f["status"], f["severity"])
			}
		case "appArmorProfile":
			if f["status"] != "unknown" || f["severity"] != "info" || f["observed"] != "" ||
				!strings.Contains(f["hint"].(string), "Run secctx as the same user") {
				t.Errorf("unknown finding %v", f)
			}
		case "sysctls":
			if f["scope"] != "pod" {
				t.Errorf("sysctls scope %v", f["scope"])
			}
		case "runAsUser":
			ids := f["ids"].(map[string]any)
			if f["expected"] != "1000" || f["observed"] != "1000" || f["pid"] != float64(testPID) ||
				fmt.Sprint(ids["expected"]) != "[1000]" || ids["observed"].(map[string]any)["saved"] != 1000.0 {
				t.Errorf("runAsUser %v", f)
			}
			if _, has := f["scope"]; has {
				t.Errorf("per-process finding has a scope: %v", f)
			}
		case "supplementalGroups":
			g := f["groups"].(map[string]any)
			if f["expected"] != "[1000]" || f["observed"] != "[1000]" || g["policy"] != "Merge" ||
				len(g["required"].([]any)) != 0 || len(g["allowed"].([]any)) != 1 || g["extraAllowed"] != false {
				t.Errorf("supplementalGroups %v", f)
			}
		}
		for _, k := range []string{"expected", "observed"} {
			if _, ok := f[k].(string); !ok {
				t.Errorf("%s %s is %T, want a string", f["check"], k, f[k])
			}
		}
	}
	if !slices.Equal(seen, contractIDs) {
		t.Errorf("JSON check order %q", seen)
	}
}

// An empty or nil list is written as [] so that a reader can tell "no
// groups" from "not reported".
func TestJSONEmptyLists(t *testing.T) {
	t.Parallel()
	e, o := expNonRoot(), obsNonRoot()
	e.AllowedGroups, o.Groups = nil, nil
	e.FSGroup = ptr(int64(3000))
	fs := byCheck(Compare(e, o))
	for _, tc := range []struct {
		check string
		want  []string
	}{
		{"supplementalGroups", []string{`"status":"ok"`, `"observed":"[]"`, `"required":[]`, `"allowed":[3000]`, `"groups":{`, `"observed":[]`}},
		{"fsGroup", []string{`"status":"drift"`, `"observed":"[]"`, `"expected":"3000"`, `"observed":[]`, `"required":[3000]`}},
	} {
		b, err := json.Marshal(fs[tc.check][0])
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tc.want {
			if !strings.Contains(string(b), s) {
				t.Errorf("%s lacks %s: %s", tc.check, s, b)
			}
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	r := New(expNonRoot(), obsNonRoot(), SpecRef{}, testTime)
	if err := WriteText(failWriter{}, r, TextOptions{}); err == nil {
		t.Error("WriteText hides a write error")
	}
	if err := WriteJSON(failWriter{}, r); err == nil {
		t.Error("WriteJSON hides a write error")
	}
}

func TestCompareScope(t *testing.T) {
	t.Parallel()
	e, o := expNonRoot(), obsNonRoot()
	for _, tc := range []struct {
		scope Scope
		label string
	}{
		{ScopeProcess, ""},
		{ScopeContainer, "container"},
		{ScopePod, "pod"},
	} {
		var want []string
		for _, c := range Checks {
			if c.Scope == tc.scope {
				want = append(want, string(c.ID))
			}
		}
		if len(want) == 0 {
			t.Fatalf("no check of scope %s: the case checks nothing", tc.scope)
		}
		fs := CompareScope(e, o, func(s Scope) bool { return s == tc.scope })
		var got []string
		for _, f := range fs {
			if len(got) == 0 || got[len(got)-1] != string(f.Check) {
				got = append(got, string(f.Check))
			}
			if f.Scope != tc.label {
				t.Errorf("%s: scope %q, want %q", f.Check, f.Scope, tc.label)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("scope %s: checks %q, want %q", tc.scope, got, want)
		}
	}
	if fs := CompareScope(e, o, func(Scope) bool { return false }); len(fs) != 0 {
		t.Errorf("nothing included but %d findings", len(fs))
	}
	// Unread container items turn the container checks unknown, each with
	// the container scope.
	o.SetUnread(probe.ItemMounts, denied("/proc/4242/mountinfo"))
	for _, f := range CompareScope(e, o, func(s Scope) bool { return s == ScopeContainer }) {
		if f.Check != "hostUsers" && f.Check != "unknownField" && (f.Status != StatusUnknown || f.Scope != "container") {
			t.Errorf("%s: %s scope %q", f.Check, f.Status, f.Scope)
		}
	}
}

// BenchmarkCompare measures one verification of a typical containerd
// non-root container.
func BenchmarkCompare(b *testing.B) {
	e, o := expNonRoot(), obsNonRoot()
	e.FSGroup = ptr(int64(2000))
	e.SupplementalGroups = []int64{3000}
	e.AllowedGroups = []int64{1000}
	e.NoNewPrivs, e.ReadOnlyRootFilesystem = true, true
	e.Seccomp = expect.Seccomp{Type: "RuntimeDefault", Mode: 2, Source: expect.Source{Kind: expect.FromPod}}
	o.Groups = []int64{1000, 2000, 3000}
	o.NoNewPrivs, o.Mounts.RootReadOnly, o.Seccomp, o.SeccompFilters = true, true, 2, 1
	if s := Summarize(Compare(e, o)); s.Drift != 0 || s.Unknown != 0 {
		b.Fatalf("benchmark pair is not clean: %+v", s)
	}
	b.ReportAllocs()
	for b.Loop() {
		Compare(e, o)
	}
}
