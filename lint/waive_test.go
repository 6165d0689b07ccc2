package lint

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/waiver"
)

// waivable trips two rules under containerd: k8s-sysctl-unsafe (high,
// pod) and k8s-nonroot-capabilities (low, container app).
var waivable = podYAML("sysctls:\n- {name: net.core.somaxconn, value: \"1024\"}", "runAsUser: 1000\ncapabilities:\n  add: [NET_BIND_SERVICE]", "")

func waivedRules(res *Result) string {
	var out []string
	for _, f := range res.Findings {
		if f.Waived != nil {
			out = append(out, f.Rule+"="+f.Waived.String())
		}
	}
	return strings.Join(out, " ")
}

func TestWaivers(t *testing.T) {
	t.Parallel()
	flag := func(ids string) waiver.Set {
		s, err := waiver.ParseSkip(ids, WaiverCatalog())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name       string
		annotation string // the secctx.io/waive value, YAML-quoted
		opts       waiver.Set
		waived     string
		failing    bool // at --fail-on low
	}{
		{"none", "", nil, "", true},
		{"the annotation, one rule", `"k8s-sysctl-unsafe: the nodes allow it"`, nil,
			"k8s-sysctl-unsafe=waived: the nodes allow it (annotation)", true},
		{"the annotation, both", `"k8s-sysctl-unsafe,k8s-nonroot-capabilities: accepted"`, nil,
			"k8s-sysctl-unsafe=waived: accepted (annotation) k8s-nonroot-capabilities=waived: accepted (annotation)", false},
		{"the annotation limited to a container", `"[{id: k8s-nonroot-capabilities, reason: r, container: app}, {id: k8s-sysctl-unsafe, reason: r, container: app}]"`, nil,
			"k8s-nonroot-capabilities=waived: r (annotation)", true},
		{"a check id waives verify's findings, not lint's", `"sysctls: verify only"`, nil, "", true},
		{"--skip", "", flag("k8s-nonroot-capabilities"), "k8s-nonroot-capabilities=waived: --skip k8s-nonroot-capabilities (flag)", true},
		{"the annotation first, then the flag", `"k8s-sysctl-unsafe: own"`, flag("k8s-sysctl-unsafe,k8s-nonroot-capabilities"),
			"k8s-sysctl-unsafe=waived: own (annotation) k8s-nonroot-capabilities=waived: --skip k8s-nonroot-capabilities (flag)", false},
		{"a file, this workload", "", waiver.Set{{Rule: "k8s-sysctl-unsafe", Workload: "Pod/p", Reason: "f", Source: waiver.SourceFile}},
			"k8s-sysctl-unsafe=waived: f (file)", true},
		{"a file, another workload", "", waiver.Set{{Rule: "k8s-sysctl-unsafe", Workload: "Pod/q", Reason: "f", Source: waiver.SourceFile}}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := waivable
			if tc.annotation != "" {
				m = withAnnotation(m, waiver.Annotation+": "+tc.annotation)
			}
			res := lintOne(t, "containerd", m, Options{Waivers: tc.opts})
			if len(res.Findings) != 2 {
				t.Fatalf("findings %+v, want the two rules", res.Findings)
			}
			if got := waivedRules(res); got != tc.waived {
				t.Errorf("waived %q, want %q", got, tc.waived)
			}
			if res.Failing(report.SeverityLow) != tc.failing {
				t.Errorf("failing at low: %v, want %v", res.Failing(report.SeverityLow), tc.failing)
			}
			s := res.Report().Summary
			n := strings.Count(tc.waived, "=waived")
			if s.Waived != n || s.Findings != 2-n {
				t.Errorf("summary: %d findings, %d waived; want %d, %d", s.Findings, s.Waived, 2-n, n)
			}
			if n == 2 && s.HighestSeverity != "" {
				t.Errorf("highest severity %q with every finding waived", s.HighestSeverity)
			}
			var b bytes.Buffer
			if err := WriteText(&b, res.Report()); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(b.String(), "WAIVED "); got != n {
				t.Errorf("text shows %d WAIVED, want %d:\n%s", got, n, b.String())
			}
		})
	}
}

// TestWaiverAnnotationErrors: a bad annotation is bad input naming the
// file, the object and the annotation.
func TestWaiverAnnotationErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, want string }{
		{`"k8s-sysctl-unsafe"`, `want "ID[,ID...]: REASON"`},
		{`"k8s-sysctl-unsafed: r"`, `unknown id "k8s-sysctl-unsafed"`},
		{`"[{id: k8s-sysctl-unsafe}]"`, `[0].reason: empty`},
	} {
		prof, err := expect.LookupProfile("containerd")
		if err != nil {
			t.Fatal(err)
		}
		_, err = Run([]Input{{Name: "m.yaml", Data: []byte(withAnnotation(waivable, waiver.Annotation+": "+tc.value))}}, Options{Profile: prof})
		var ie *InputError
		if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), "m.yaml: Pod/p: metadata.annotations[secctx.io/waive]: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want bad input naming the annotation and %q", tc.value, err, tc.want)
		}
	}
}

// TestSARIFForGitHub: the properties GitHub code scanning reads: a help
// URI per rule into docs/lint.md, security-severity as a number in a
// string, the invocation, fingerprints that do not move with the lines,
// and waived findings as suppressions.
func TestSARIFForGitHub(t *testing.T) {
	t.Parallel()
	type result struct {
		RuleID              string            `json:"ruleId"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Suppressions        []struct {
			Kind, Status, Justification string
		} `json:"suppressions"`
	}
	type log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string         `json:"id"`
						HelpURI    string         `json:"helpUri"`
						Properties map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Invocations []struct {
				ExecutionSuccessful *bool `json:"executionSuccessful"`
			} `json:"invocations"`
			Results []result `json:"results"`
		} `json:"runs"`
	}
	sarif := func(m string) log {
		var b bytes.Buffer
		if err := WriteSARIF(&b, lintOne(t, "containerd", m, Options{}).Report(), "test"); err != nil {
			t.Fatal(err)
		}
		var l log
		if err := json.Unmarshal(b.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := sarif(withAnnotation(waivable, waiver.Annotation+`: "k8s-sysctl-unsafe: accepted"`))
	run := l.Runs[0]
	if len(run.Invocations) != 1 || run.Invocations[0].ExecutionSuccessful == nil || !*run.Invocations[0].ExecutionSuccessful {
		t.Errorf("invocations %+v", run.Invocations)
	}
	severity := map[string]string{}
	for _, r := range Rules() {
		severity[r.ID] = map[report.Severity]string{report.SeverityCritical: "9.5", report.SeverityHigh: "8.0", report.SeverityMedium: "5.5", report.SeverityLow: "3.0"}[r.Severity]
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.HelpURI != "https://github.com/secctx/secctx/blob/main/docs/lint.md#"+r.ID {
			t.Errorf("%s: helpUri %q", r.ID, r.HelpURI)
		}
		want, isRule := severity[r.ID]
		got, has := r.Properties["security-severity"].(string)
		if isRule && want != "" && got != want || (!isRule || want == "") && has {
			t.Errorf("%s: security-severity %v, want %q", r.ID, r.Properties["security-severity"], want)
		}
	}
	byRule := map[string]result{}
	for _, r := range run.Results {
		byRule[r.RuleID] = r
		if len(r.PartialFingerprints[fingerprintKey]) != 32 {
			t.Errorf("%s: partialFingerprints %v", r.RuleID, r.PartialFingerprints)
		}
	}
	if s := byRule["k8s-sysctl-unsafe"].Suppressions; len(s) != 1 || s[0].Kind != "inSource" || s[0].Status != "accepted" || s[0].Justification != "waived: accepted (annotation)" {
		t.Errorf("waived result's suppressions %+v", s)
	}
	if s := byRule["k8s-nonroot-capabilities"].Suppressions; len(s) != 0 {
		t.Errorf("unwaived result has suppressions %+v", s)
	}
	// Stable across runs and across lines moving; another field is another
	// fingerprint.
	moved := sarif(strings.Replace(waivable, "metadata:\n", "metadata:\n  labels: {a: b}\n", 1)).Runs[0].Results
	again := sarif(waivable).Runs[0].Results
	for i, r := range again {
		if r.PartialFingerprints[fingerprintKey] != byRule[r.RuleID].PartialFingerprints[fingerprintKey] || moved[i].PartialFingerprints[fingerprintKey] != r.PartialFingerprints[fingerprintKey] {
			t.Errorf("%s: the fingerprint moved: %v %v %v", r.RuleID, byRule[r.RuleID].PartialFingerprints, r.PartialFingerprints, moved[i].PartialFingerprints)
		}
	}
	seen := map[string]bool{}
	for _, r := range run.Results {
		fp := r.PartialFingerprints[fingerprintKey]
		if seen[fp] {
			t.Errorf("two results share the fingerprint %s", fp)
		}
		seen[fp] = true
	}
}

// TestJUnit: a testsuite per file, a testcase per rule of the profile,
// failed at the threshold, skipped when waived.
func TestJUnit(t *testing.T) {
	t.Parallel()
	ins := []Input{
		{Name: "a.yaml", Data: []byte(withAnnotation(waivable, waiver.Annotation+`: "k8s-sysctl-unsafe: accepted"`))},
		{Name: "b.yaml", Data: []byte(podYAML("", "runAsNonRoot: true", ""))},
	}
	res := lintInputs(t, "containerd", ins, Options{})
	prof, err := expect.LookupProfile("containerd")
	if err != nil {
		t.Fatal(err)
	}
	applying := 0
	for _, r := range Rules() {
		if r.applies(prof) {
			applying++
		}
	}
	for _, tc := range []struct {
		name            string
		th              report.Threshold
		failed, skipped string
	}{
		{"low", report.Threshold{Severity: report.SeverityLow}, "a.yaml k8s-nonroot-capabilities", "a.yaml k8s-sysctl-unsafe=waived: accepted (annotation)"},
		{"high", report.Threshold{Severity: report.SeverityHigh}, "", "a.yaml k8s-sysctl-unsafe=waived: accepted (annotation)"},
	} {
		var b bytes.Buffer
		if err := WriteJUnit(&b, res.Report(), tc.th); err != nil {
			t.Fatal(err)
		}
		var d struct {
			Tests  int `xml:"tests,attr"`
			Suites []struct {
				Name  string `xml:"name,attr"`
				Tests int    `xml:"tests,attr"`
				Cases []struct {
					Name    string    `xml:"name,attr"`
					Failure *struct{} `xml:"failure"`
					Skipped *struct {
						Message string `xml:"message,attr"`
					} `xml:"skipped"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		dec := xml.NewDecoder(&b)
		dec.Strict = true
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(d.Suites) != 2 || d.Suites[0].Name != "a.yaml" || d.Suites[1].Name != "b.yaml" || d.Tests != 2*applying {
			t.Fatalf("%s: suites %+v, want a.yaml and b.yaml with %d cases each", tc.name, d, applying)
		}
		var failed, skipped []string
		for _, s := range d.Suites {
			if s.Tests != applying || len(s.Cases) != applying {
				t.Errorf("%s: %s has %d cases, want %d", tc.name, s.Name, len(s.Cases), applying)
			}
			for _, c := range s.Cases {
				if c.Failure != nil {
					failed = append(failed, s.Name+" "+c.Name)
				}
				if c.Skipped != nil {
					skipped = append(skipped, s.Name+" "+c.Name+"="+c.Skipped.Message)
				}
			}
		}
		if strings.Join(failed, ",") != tc.failed || strings.Join(skipped, ",") != tc.skipped {
			t.Errorf("%s: failed %v skipped %v, want %q %q", tc.name, failed, skipped, tc.failed, tc.skipped)
		}
	}
}
