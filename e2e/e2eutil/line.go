package e2eutil

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/secctx/secctx/schema/schematest"
)

// LineDrift is a drift as a line (schema/watch-line.schema.json) lists it.
type LineDrift struct {
	Check     string `json:"check"`
	Subject   string `json:"subject"`
	Severity  string `json:"severity"`
	Expected  string `json:"expected"`
	Observed  string `json:"observed"`
	Truncated bool   `json:"truncated"`
}

// VerifiedLine is the one line of `secctx verify -o line`, and of `secctx
// exec` on drift: a summary and the drifts in force, never the report.
type VerifiedLine struct {
	Event          string      `json:"event"`
	Container      string      `json:"container"`
	Processes      int         `json:"processes"`
	FirstProcesses []Process   `json:"firstProcesses"`
	Drift          int         `json:"drift"`
	Drifts         []LineDrift `json:"drifts"`
	DriftsOmitted  int         `json:"driftsOmitted"`
}

// DecodeVerifiedLine decodes out, which must be exactly one line, valid
// against schema/watch-line.schema.json, of event "verified".
func DecodeVerifiedLine(out string) (*VerifiedLine, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 1 || !strings.HasSuffix(out, "\n") {
		return nil, fmt.Errorf("%d lines, want one whole line: %q", len(lines), out)
	}
	if err := schematest.CheckWatchLine([]byte(lines[0])); err != nil {
		return nil, fmt.Errorf("the line breaks schema/watch-line.schema.json: %v", err)
	}
	var l VerifiedLine
	if err := json.Unmarshal([]byte(lines[0]), &l); err != nil {
		return nil, err
	}
	if l.Event != "verified" {
		return nil, fmt.Errorf("event %q, want verified", l.Event)
	}
	return &l, nil
}

// DriftChecks returns the checks the line's drifts are of, sorted, each
// once.
func (l *VerifiedLine) DriftChecks() []string {
	out := []string{}
	for _, d := range l.Drifts {
		if !slices.Contains(out, d.Check) {
			out = append(out, d.Check)
		}
	}
	sort.Strings(out)
	return out
}

// DriftsOf returns the line's drifts of one check.
func (l *VerifiedLine) DriftsOf(check string) []LineDrift {
	var out []LineDrift
	for _, d := range l.Drifts {
		if d.Check == check {
			out = append(out, d)
		}
	}
	return out
}
