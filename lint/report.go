package lint

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/secctx/secctx/report"
)

// APIVersion and Kind identify the JSON report.
const (
	APIVersion = "secctx/v1"
	Kind       = "LintReport"
)

// Report is the JSON document `secctx lint -o json` writes.
type Report struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Profile    string `json:"profile"`
	// PodSecurityVersion is the Pod Security Standards version evaluated.
	PodSecurityVersion string     `json:"podSecurityVersion"`
	Summary            Summary    `json:"summary"`
	Workloads          []Workload `json:"workloads"`
	Findings           []Finding  `json:"findings"`
}

// Summary counts the findings by effect and the workloads by level.
type Summary struct {
	// Findings and the counts by effect leave the waived findings out;
	// Waived counts them.
	Findings int `json:"findings"`
	Refused  int `json:"refused"`
	Ignored  int `json:"ignored"`
	Changed  int `json:"changed"`
	Warning  int `json:"warning"`
	Waived   int `json:"waived"`
	// HighestSeverity is the highest severity of a finding, "" with none.
	HighestSeverity report.Severity `json:"highestSeverity,omitempty"`
	Workloads       int             `json:"workloads"`
	// Levels counts the workloads by the Pod Security Standards level
	// they meet.
	Levels map[Level]int `json:"levels"`
}

// Report assembles the JSON document.
func (r *Result) Report() *Report {
	out := &Report{APIVersion: APIVersion, Kind: Kind, Profile: r.Profile, Workloads: r.Workloads, Findings: r.Findings,
		PodSecurityVersion: "1." + strconv.Itoa(r.pssVersion)}
	out.Summary.add(r.Workloads, r.Findings)
	return out
}

// add counts ws and fs.
func (s *Summary) add(ws []Workload, fs []Finding) {
	if s.Levels == nil {
		s.Levels = map[Level]int{LevelPrivileged: 0, LevelBaseline: 0, LevelRestricted: 0}
	}
	for _, f := range fs {
		if !f.counted() {
			s.Waived++
			continue
		}
		s.Findings++
		switch f.Effect {
		case Refused:
			s.Refused++
		case Ignored:
			s.Ignored++
		case Changed:
			s.Changed++
		case Warning:
			s.Warning++
		}
		if s.HighestSeverity == "" || f.Severity.Rank() > s.HighestSeverity.Rank() {
			s.HighestSeverity = f.Severity
		}
	}
	for _, w := range ws {
		s.Workloads++
		s.Levels[w.PodSecurity.Level]++
	}
}

// Failing reports whether a finding is at or above failOn.
func (r *Result) Failing(failOn report.Severity) bool {
	for i := range r.Findings {
		if r.Findings[i].failing(failOn) {
			return true
		}
	}
	return false
}

// WriteJSON writes the report as one indented JSON document.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
