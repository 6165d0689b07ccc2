package report_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/waiver"
)

// junitDoc is the JUnit XML shape CI servers read (the Ant schema's
// testsuites/testsuite/testcase with failure and skipped), parsed back.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			ClassName string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// parseJUnit decodes a JUnit document strictly: well-formed XML, one
// testsuites root, and counts that add up.
func parseJUnit(t *testing.T, b []byte) junitDoc {
	t.Helper()
	var d junitDoc
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("not JUnit XML: %v\n%s", err, b)
	}
	tests, failures, skipped := 0, 0, 0
	for _, s := range d.Suites {
		f, sk := 0, 0
		for _, c := range s.Cases {
			if c.Failure != nil && c.Skipped != nil {
				t.Errorf("%s %s: failed and skipped", s.Name, c.Name)
			}
			if c.Failure != nil {
				f++
			}
			if c.Skipped != nil {
				sk++
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Skipped != sk {
			t.Errorf("suite %s: tests %d failures %d skipped %d, has %d cases, %d failed, %d skipped", s.Name, s.Tests, s.Failures, s.Skipped, len(s.Cases), f, sk)
		}
		tests, failures, skipped = tests+len(s.Cases), failures+f, skipped+sk
	}
	if d.Tests != tests || d.Failures != failures || d.Skipped != skipped || d.Errors != 0 {
		t.Errorf("testsuites: tests %d failures %d skipped %d errors %d, want %d %d %d 0", d.Tests, d.Failures, d.Skipped, d.Errors, tests, failures, skipped)
	}
	return d
}

func TestWriteJUnit(t *testing.T) {
	t.Parallel()
	fs := []report.Finding{
		{Check: check.RunAsUser, Status: report.StatusDrift, Severity: report.SeverityCritical, Expected: "1000", Observed: "0", Message: "runs as root <&\"'>", Hint: "a hint"},
		{Check: check.Sysctls, Subject: "net.core.somaxconn", Status: report.StatusDrift, Severity: report.SeverityLow, Expected: "1024", Observed: "4096", Message: "low"},
		{Check: check.SeccompProfile, Status: report.StatusDrift, Severity: report.SeverityHigh, Expected: "filter", Observed: "disabled", Message: "off"},
		{Check: check.FSGroup, Status: report.StatusSkipped, Severity: report.SeverityInfo, Message: "none declared"},
		{Check: check.AppArmorProfile, Status: report.StatusUnknown, Severity: report.SeverityInfo, Message: "Could not read \x1b[31m\x00"},
		{Check: check.Privileged, Status: report.StatusOK, Severity: report.SeverityInfo, Expected: "false", Observed: "false", Message: "ok"},
	}
	report.Waive(fs, waiver.Set{{Check: check.SeccompProfile, Reason: "no seccomp on this node", Source: waiver.SourceAnnotation}}, "Pod/web", "app")
	app := reportOf("Pod/web", "shop", "app", fs...)
	side := reportOf("Pod/web", "shop", "side", report.Finding{Check: check.Privileged, Status: report.StatusOK, Severity: report.SeverityInfo, Message: "ok"})
	for _, tc := range []struct {
		name string
		th   report.Threshold
		// failed are the cases that fail, in order.
		failed []string
	}{
		{"--fail-on low", report.Threshold{Severity: report.SeverityLow}, []string{"runAsUser", "sysctls net.core.somaxconn"}},
		{"--fail-on high", report.Threshold{Severity: report.SeverityHigh}, []string{"runAsUser"}},
		{"--fail-on none", report.Threshold{Severity: report.SeverityCritical, Never: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := report.WriteJUnit(&b, []*report.Report{app, side}, tc.th); err != nil {
				t.Fatal(err)
			}
			d := parseJUnit(t, b.Bytes())
			if len(d.Suites) != 2 || d.Suites[0].Name != "Pod/web/app" || d.Suites[1].Name != "Pod/web/side" || d.Name != "secctx verify" {
				t.Fatalf("suites %+v", d)
			}
			s := d.Suites[0]
			if len(s.Cases) != len(fs) || s.Timestamp != "2026-03-01T12:00:00" {
				t.Errorf("%d cases for %d findings; timestamp %q", len(s.Cases), len(fs), s.Timestamp)
			}
			var failed []string
			skipped := map[string]string{}
			for _, c := range s.Cases {
				if c.ClassName != "Pod/web/app" {
					t.Errorf("case %s classname %q", c.Name, c.ClassName)
				}
				if c.Failure != nil {
					failed = append(failed, c.Name)
					if c.Failure.Type != "drift" {
						t.Errorf("%s failure type %q", c.Name, c.Failure.Type)
					}
				}
				if c.Skipped != nil {
					skipped[c.Name] = c.Skipped.Message
				}
			}
			if strings.Join(failed, ",") != strings.Join(tc.failed, ",") {
				t.Errorf("failed %v, want %v", failed, tc.failed)
			}
			want := map[string]string{
				"seccompProfile":  "waived: no seccomp on this node (annotation)",
				"fsGroup":         "skipped: none declared",
				"appArmorProfile": "unknown: Could not read \uFFFD[31m\uFFFD",
			}
			for k, v := range want {
				if skipped[k] != v {
					t.Errorf("%s skipped %q, want %q", k, skipped[k], v)
				}
			}
			if len(skipped) != len(want) {
				t.Errorf("skipped %v", skipped)
			}
			if tc.failed != nil {
				f := s.Cases[0].Failure
				if f.Message != "critical drift: runs as root <&\"'>" || !strings.Contains(f.Text, "expected: 1000\nobserved: 0\n") || !strings.Contains(f.Text, "hint: a hint") {
					t.Errorf("failure %+v", f)
				}
			}
		})
	}
}
