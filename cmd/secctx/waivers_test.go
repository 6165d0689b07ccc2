package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/report/prtest"
	"github.com/secctx/secctx/waiver"
)

// TestWaiverFlags: the drift of the fixture (readOnlyRootFilesystem, low)
// fails verify until a waiver accepts it; the waived finding keeps its
// values and says where its waiver came from, and exit codes ignore it.
func TestWaiverFlags(t *testing.T) {
	t.Parallel()
	drift := fixtureSpec(t, "false")
	file := writeFile(t, "waivers.yaml", "waivers:\n- id: readOnlyRootFilesystem\n  reason: the app writes its cache\n  workload: Pod/fx\n  container: app\n")
	other := writeFile(t, "other.yaml", "waivers:\n- {id: readOnlyRootFilesystem, reason: r, workload: Pod/other}\n")
	annotated := writeFile(t, "annotated.yaml", strings.Replace(mustRead(t, drift), "metadata: {name: fx}",
		"metadata:\n  name: fx\n  annotations:\n    secctx.io/waive: \"readOnlyRootFilesystem: accepted in place\"", 1))
	for _, tc := range []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		source waiver.Source
		reason string
	}{
		{"no waiver", []string{"--spec", drift}, nil, exitDrift, "", ""},
		{"--skip", []string{"--spec", drift, "--skip", "readOnlyRootFilesystem"}, nil, exitOK, waiver.SourceFlag, "--skip readOnlyRootFilesystem"},
		{"--skip another check", []string{"--spec", drift, "--skip", "seccompProfile,k8s-sysctl-unsafe"}, nil, exitDrift, "", ""},
		{"--waivers", []string{"--spec", drift, "--waivers", file}, nil, exitOK, waiver.SourceFile, "the app writes its cache"},
		{"$SECCTX_WAIVERS", []string{"--spec", drift}, map[string]string{"SECCTX_WAIVERS": file}, exitOK, waiver.SourceFile, "the app writes its cache"},
		{"--waivers for another workload", []string{"--spec", drift, "--waivers", other}, nil, exitDrift, "", ""},
		{"the annotation", []string{"--spec", annotated}, nil, exitOK, waiver.SourceAnnotation, "accepted in place"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"verify", "-o", "json", "--proc", fixtureProc}, tc.args...)
			code, stdout, stderr := runCLI(t, tc.env, "", args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			var r report.Report
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatal(err)
			}
			var got *report.Finding
			for i, f := range r.Findings {
				if f.Check == "readOnlyRootFilesystem" {
					got = &r.Findings[i]
				}
			}
			if got == nil {
				t.Fatal("no readOnlyRootFilesystem finding")
			}
			if tc.source == "" {
				if got.Waived != nil || got.Status != report.StatusDrift {
					t.Errorf("finding %+v, want an unwaived drift", got)
				}
				return
			}
			if got.Status != report.StatusSkipped || got.Waived == nil || got.Waived.Source != tc.source || got.Waived.Reason != tc.reason ||
				got.Waived.Status != report.StatusDrift || got.Waived.Severity != report.SeverityLow || got.Observed == "" || got.Expected == "" {
				t.Errorf("finding %+v waived %+v, want skipped, waived by %s (%q), its values kept", got, got.Waived, tc.source, tc.reason)
			}
			if r.Summary.Drift != 0 || r.Summary.Waived != 1 {
				t.Errorf("summary %+v", r.Summary)
			}
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOpenReportOutput: verify -o openreport, and watch with --report-api
// openreports.io/v1alpha1, write a Report the OpenReports CRD accepts.
func TestOpenReportOutput(t *testing.T) {
	t.Parallel()
	v := prtest.LoadOpenReports(t)
	code, stdout, stderr := runCLI(t, nil, "", "verify", "-o", "openreport", "--proc", fixtureProc, "--spec", fixtureSpec(t, "false"), "--fail-on", "none")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if err := v.Validate([]byte(stdout)); err != nil {
		t.Errorf("schema: %v\n%s", err, stdout)
	}
	var pr report.PolicyReport
	if err := json.Unmarshal([]byte(stdout), &pr); err != nil {
		t.Fatal(err)
	}
	if pr.APIVersion != "openreports.io/v1alpha1" || pr.Kind != "Report" || pr.Source != "secctx" || pr.Summary.Fail != 1 {
		t.Errorf("report %s %s source %q summary %+v", pr.APIVersion, pr.Kind, pr.Source, pr.Summary)
	}

	bin := secctxBinary(t)
	path := filepath.Join(t.TempDir(), "secctx.json")
	cmd := watchCmd(bin, "--spec", writeFile(t, "pod.yaml", twoContainers), "--proc", fixtureProc, "--target", "app=self",
		"--interval", "20ms", "--cycles", "2", "--policyreport-file", path, "--report-api", "openreports.io/v1alpha1")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("watch: %v\n%s", err, errb.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(b); err != nil {
		t.Errorf("watch: schema: %v\n%s", err, b)
	}
}

// TestJUnitOutput: verify -o junit and lint -o junit are well-formed JUnit
// XML whose failures follow --fail-on.
func TestJUnitOutput(t *testing.T) {
	t.Parallel()
	type doc struct {
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	parse := func(s string) doc {
		var d doc
		dec := xml.NewDecoder(strings.NewReader(s))
		dec.Strict = true
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("not XML: %v\n%s", err, s)
		}
		return d
	}
	drift := fixtureSpec(t, "false")
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		failures int
		suite    string
	}{
		{"verify", []string{"verify", "-o", "junit", "--proc", fixtureProc, "--spec", drift}, exitDrift, 1, "Pod/fx/app"},
		{"verify --fail-on high", []string{"verify", "-o", "junit", "--proc", fixtureProc, "--spec", drift, "--fail-on", "high"}, exitOK, 0, "Pod/fx/app"},
		{"verify waived", []string{"verify", "-o", "junit", "--proc", fixtureProc, "--spec", drift, "--skip", "readOnlyRootFilesystem"}, exitOK, 0, "Pod/fx/app"},
		// The deploy manifest waives its own findings.
		{"lint", []string{"lint", "-o", "junit", "../../deploy/eci/pod.yaml"}, exitOK, 0, "../../deploy/eci/pod.yaml"},
		{"lint --skip", []string{"lint", "-o", "junit", "--skip", "k8s-nonroot-capabilities", "../../deploy/examples/security-context-demo.yaml"}, exitOK, 0, "../../deploy/examples/security-context-demo.yaml"},
	} {
		code, stdout, stderr := runCLI(t, nil, "", tc.args...)
		if code != tc.code {
			t.Fatalf("%s: exit %d, want %d: %s", tc.name, code, tc.code, stderr)
		}
		d := parse(stdout)
		if d.Failures != tc.failures || len(d.Suites) != 1 || d.Suites[0].Name != tc.suite {
			t.Errorf("%s: %d failures in %+v, want %d in %s", tc.name, d.Failures, d.Suites, tc.failures, tc.suite)
		}
		if tc.name == "verify waived" && d.Skipped == 0 {
			t.Errorf("%s: the waived finding is not skipped", tc.name)
		}
	}
}

// TestWatchWaivers: watch applies --skip: the initial line counts the
// waived drift and reports none.
func TestWatchWaivers(t *testing.T) {
	t.Parallel()
	bin := secctxBinary(t)
	for _, tc := range []struct {
		name          string
		args          []string
		drift, waived int
	}{
		{"no waiver", nil, 1, 0},
		{"--skip", []string{"--skip", "readOnlyRootFilesystem"}, 0, 1},
	} {
		cmd := watchCmd(bin, append([]string{"--spec", fixtureSpec(t, "false"), "--proc", fixtureProc, "--cycles", "1"}, tc.args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: watch: %v\n%s", tc.name, err, errb.String())
		}
		var line struct {
			Drift   int            `json:"drift"`
			Summary report.Summary `json:"summary"`
		}
		if err := json.Unmarshal(bytes.SplitN(out.Bytes(), []byte("\n"), 2)[0], &line); err != nil {
			t.Fatalf("%s: %v\n%s", tc.name, err, out.String())
		}
		if line.Drift != tc.drift || line.Summary.Waived != tc.waived {
			t.Errorf("%s: drift %d waived %d, want %d %d:\n%s", tc.name, line.Drift, line.Summary.Waived, tc.drift, tc.waived, out.String())
		}
	}
}
