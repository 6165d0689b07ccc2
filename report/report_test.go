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

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
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
	unread(o, probe.ItemLSM, denied("/proc/4242/attr/current"))
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

func TestWriteText(t *testing.T) {
	t.Parallel()
	e, o := expNonRoot(), obsNonRoot()
	e.Hints = map[check.ID]string{"readOnlyRootFilesystem": "PLATFORM NOTE"}
	o.NoNewPrivs = true                                                 // low
	o.Caps.Bounding |= netAdmin                                         // high
	o.UID = ids(0)                                                      // critical (runAsUser, runAsNonRoot) and root caps
	o.Caps.Permitted, o.Caps.Effective = containerdCaps, containerdCaps // root holds the set
	o.Mounts.Paths["/proc/kcore"] = probe.PathState{Exists: true}       // high
	e.ReadOnlyRootFilesystem = true                                     // high
	unread(o, probe.SysctlItem(pingRange), denied("/proc/sys/net/ipv4/ping_group_range"))
	r := New(e, o, SpecRef{Source: "embedded restricted profile", Default: true}, testTime)

	var buf bytes.Buffer
	if err := WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	head, details, found := strings.Cut(out, "\ndetails:\n")
	if !found {
		t.Fatalf("no details section:\n%s", out)
	}
	for _, s := range []string{
		`secctx VerificationReport: pid 4242 (app) container "app" of Deployment/web, profile containerd`,
		"spec: embedded restricted profile",
		"summary: 6 drift, 1 unknown,",
		"STATUS", "SEVERITY", "CHECK", "SUBJECT", "EXPECTED", "OBSERVED",
	} {
		if !strings.Contains(head, s) {
			t.Errorf("header lacks %q:\n%s", s, head)
		}
	}

	// Table rows: drift first, worst first; then unknown, ok, skipped.
	var rows [][]string
	inTable := false
	for _, line := range strings.Split(head, "\n") {
		if strings.HasPrefix(line, "STATUS") {
			inTable = true
			continue
		}
		if inTable && line != "" {
			rows = append(rows, strings.Fields(line))
		}
	}
	if len(rows) != len(r.Findings) {
		t.Fatalf("%d rows for %d findings:\n%s", len(rows), len(r.Findings), head)
	}
	statusRank := map[string]int{"drift": 0, "unknown": 1, "ok": 2, "skipped": 3}
	sevRank := map[string]int{"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if statusRank[a[0]] > statusRank[b[0]] ||
			statusRank[a[0]] == statusRank[b[0]] && sevRank[a[1]] < sevRank[b[1]] {
			t.Errorf("row %d %v comes before %v", i, a, b)
		}
	}
	if rows[0][0] != "drift" || rows[0][1] != "critical" || rows[5][1] != "low" || rows[6][0] != "unknown" ||
		rows[len(rows)-1][0] != "skipped" {
		t.Errorf("rows %v", rows)
	}
	// Drift rows of equal severity keep the registry order.
	if rows[0][2] != "runAsUser" || rows[1][2] != "runAsNonRoot" {
		t.Errorf("critical rows %v %v", rows[0], rows[1])
	}
	for _, row := range rows {
		if row[2] == "readOnlyRootFilesystem" && (row[3] != "/" || row[4] != "true" || row[5] != "false") {
			t.Errorf("row %v", row)
		}
		if row[2] == "fsGroup" && (row[3] != "-" || row[4] != "-" || row[5] != "-") {
			t.Errorf("skipped row %v", row)
		}
	}

	// Details: every drift and unknown message, in table order, with hints.
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(details, "\n"), "\n") {
		if strings.HasPrefix(l, "- ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 7 {
		t.Fatalf("%d detail entries, want 7:\n%s", len(lines), details)
	}
	if !strings.HasPrefix(lines[0], "- runAsUser [drift]: ") || !strings.HasPrefix(lines[6], "- sysctls "+pingRange+" [unknown]: Could not read /proc/sys/net/ipv4/ping_group_range: permission denied.") {
		t.Errorf("details %q", lines)
	}
	for _, s := range []string{"- procMount /proc/kcore [drift]: ", "  hint: PLATFORM NOTE",
		"  hint: Run secctx as the same user as the target process"} {
		if !strings.Contains(details, s) {
			t.Errorf("details lack %q:\n%s", s, details)
		}
	}
	for _, f := range r.Findings {
		if (f.Status == StatusOK || f.Status == StatusSkipped) && strings.Contains(details, f.Message) {
			t.Errorf("details hold the %s message %q", f.Status, f.Message)
		}
	}
}

func TestWriteTextNoDetails(t *testing.T) {
	t.Parallel()
	r := New(expNonRoot(), obsNonRoot(), SpecRef{Source: "x"}, testTime)
	var buf bytes.Buffer
	if err := WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "details:") {
		t.Errorf("a clean report has details:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "summary: 0 drift, 0 unknown, 18 ok, 2 skipped") {
		t.Errorf("summary line:\n%s", buf.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	r := New(expNonRoot(), obsNonRoot(), SpecRef{}, testTime)
	if err := WriteText(failWriter{}, r); err == nil {
		t.Error("WriteText hides a write error")
	}
	if err := WriteJSON(failWriter{}, r); err == nil {
		t.Error("WriteJSON hides a write error")
	}
}

func TestShort(t *testing.T) {
	t.Parallel()
	if got := short(func() {}); !strings.HasPrefix(got, "0x") {
		t.Errorf("short(func) = %q", got)
	}

	long := strings.Repeat("a", 70)
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, "-"},
		{"", "-"},
		{"0\t2147483647", "0 2147483647"},
		{int64(1000), "1000"},
		{true, "true"},
		{caps.Set(0), "none"},
		{netAdmin, "NET_ADMIN"},
		{[]int64{1, 2}, "[1,2]"},
		{map[string]any{"policy": "Merge"}, `{"policy":"Merge"}`},
		{long, strings.Repeat("a", 57) + "..."},
		{strings.Repeat("b", 60), strings.Repeat("b", 60)},
	} {
		if got := short(tc.in); got != tc.want {
			t.Errorf("short(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRequestFor(t *testing.T) {
	t.Parallel()
	e := expNonRoot()
	req := RequestFor(e)
	if !slices.Equal(req.Sysctls, []string{unprivPorts, pingRange}) {
		t.Errorf("sysctls %q", req.Sysctls)
	}
	if !slices.Equal(req.Paths, append(append([]string(nil), defaultMasked...), defaultReadonly...)) {
		t.Errorf("paths %q", req.Paths)
	}
	privileged(e)
	e.Sysctls = nil
	req = RequestFor(e)
	if len(req.Sysctls) != 0 || len(req.Paths) != len(defaultMasked)+len(defaultReadonly) {
		t.Errorf("privileged request %+v", req)
	}
}

func TestCompareScope(t *testing.T) {
	t.Parallel()
	e, o := expNonRoot(), obsNonRoot()
	for _, tc := range []struct {
		scope Scope
		want  []string
		label string
	}{
		{ScopeProcess, []string{"runAsUser", "runAsGroup", "runAsNonRoot", "supplementalGroups", "fsGroup",
			"capabilities.bounding", "capabilities.effective", "capabilities.permitted", "capabilities.inheritable",
			"capabilities.ambient", "privileged", "allowPrivilegeEscalation", "seccompProfile", "appArmorProfile",
			"seLinuxOptions"}, ""},
		{ScopeContainer, []string{"readOnlyRootFilesystem", "procMount", "hostUsers"}, "container"},
		{ScopePod, []string{"sysctls"}, "pod"},
	} {
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
		if !slices.Equal(got, tc.want) {
			t.Errorf("scope %s: checks %q, want %q", tc.scope, got, tc.want)
		}
	}
	if fs := CompareScope(e, o, func(Scope) bool { return false }); len(fs) != 0 {
		t.Errorf("nothing included but %d findings", len(fs))
	}
	// Unread container items turn the container checks unknown, each with
	// the container scope.
	unread(o, probe.ItemMounts, denied("/proc/4242/mountinfo"))
	for _, f := range CompareScope(e, o, func(s Scope) bool { return s == ScopeContainer }) {
		if f.Check != "hostUsers" && (f.Status != StatusUnknown || f.Scope != "container") {
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
