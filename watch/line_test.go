package watch_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/schema/schematest"
	"github.com/secctx/secctx/watch"
)

// TestWriteLine: the one line of `verify -o line` and of `exec`'s refusal
// stays within MaxLineBytes and its schema whatever the report holds, says
// what it left out and cut, and names the one process a single-process
// report is about.
func TestWriteLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("CAP_SYS_ADMIN,", 2000)
	many := func(n int) []report.Finding {
		var fs []report.Finding
		for i := range n {
			fs = append(fs, report.Finding{Check: check.ProcMount, Subject: "/proc/" + strings.Repeat("x", 300) + strconv.Itoa(i),
				Status: report.StatusDrift, Severity: report.SeverityHigh, Scope: "container", Expected: long, Observed: long})
		}
		return fs
	}
	procs := make([]report.Process, 1000)
	for i := range procs {
		procs[i] = report.Process{PID: i + 2, Comm: strings.Repeat("p", 64)}
	}
	for _, tc := range []struct {
		name      string
		r         report.Report
		processes int
		listed    int // drifts listed, -1: some, not all
		truncated bool
	}{
		{"one process, one short drift", report.Report{
			Target:   report.Target{PID: 1, Comm: "secctx", Container: "app", Workload: "Pod/p"},
			Summary:  report.Summary{Drift: 1, HighestSeverity: report.SeverityCritical},
			Findings: []report.Finding{{Check: check.RunAsUser, Status: report.StatusDrift, Severity: report.SeverityCritical, Expected: "1001", Observed: "1000"}},
		}, 1, 1, false},
		{"1000 processes, 500 long drifts", report.Report{
			Target:   report.Target{PID: 1, Container: strings.Repeat("c", 300), Workload: "Pod/p", Processes: procs},
			Summary:  report.Summary{Drift: 500, HighestSeverity: report.SeverityHigh},
			Findings: many(500),
		}, 1000, -1, true},
		{"no drift", report.Report{Target: report.Target{PID: 7, Comm: "app", Container: "app"}, Summary: report.Summary{OK: 3}}, 1, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := watch.WriteLine(&b, &tc.r); err != nil {
				t.Fatal(err)
			}
			line := b.Bytes()
			if len(line) > watch.MaxLineBytes || bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
				t.Fatalf("%d bytes, %d newlines: want one line within %d", len(line), bytes.Count(line, []byte("\n")), watch.MaxLineBytes)
			}
			if err := schematest.CheckWatchLine(line); err != nil {
				t.Fatalf("breaks schema/watch-line.schema.json: %v", err)
			}
			var l struct {
				Event     string `json:"event"`
				Level     string `json:"level"`
				Processes int    `json:"processes"`
				Drifts    []struct {
					Truncated bool `json:"truncated"`
				} `json:"drifts"`
				DriftsOmitted int `json:"driftsOmitted"`
			}
			if err := json.Unmarshal(line, &l); err != nil {
				t.Fatal(err)
			}
			wantLevel := "info"
			if tc.r.Summary.Drift > 0 {
				wantLevel = "warn"
			}
			if l.Event != "verified" || l.Level != wantLevel || l.Processes != tc.processes {
				t.Errorf("event %q level %q processes %d; want verified, %s, %d", l.Event, l.Level, l.Processes, wantLevel, tc.processes)
			}
			switch {
			case tc.listed >= 0 && (len(l.Drifts) != tc.listed || l.DriftsOmitted != 0):
				t.Errorf("%d drifts listed, %d left out; want %d, none", len(l.Drifts), l.DriftsOmitted, tc.listed)
			case tc.listed < 0 && (len(l.Drifts) == 0 || len(l.Drifts)+l.DriftsOmitted != tc.r.Summary.Drift):
				t.Errorf("%d drifts listed + %d left out; want some listed, %d in all", len(l.Drifts), l.DriftsOmitted, tc.r.Summary.Drift)
			}
			for _, d := range l.Drifts {
				if d.Truncated != tc.truncated {
					t.Errorf("truncated %v, want %v", d.Truncated, tc.truncated)
				}
			}
		})
	}
}

// TestLineBoundAsTested: the bound the tests hold every line to is the
// one the line format keeps.
func TestLineBoundAsTested(t *testing.T) {
	if watch.MaxLineBytes != schematest.MaxLineBytes {
		t.Errorf("watch.MaxLineBytes %d, schematest.MaxLineBytes %d", watch.MaxLineBytes, schematest.MaxLineBytes)
	}
}
