package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
)

// APIVersion and Kind identify the report format.
const (
	APIVersion = "secctx/v1"
	Kind       = "VerificationReport"
)

// Target says what was verified.
type Target struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm,omitempty"`
	// Processes lists every process verified, when there are several.
	Processes     []Process              `json:"processes,omitempty"`
	Container     string                 `json:"container"`
	ContainerKind manifest.ContainerKind `json:"containerKind,omitempty"`
	Workload      string                 `json:"workload"`
	Namespace     string                 `json:"namespace,omitempty"`
	// Containerised says whether the process looks like it runs in a
	// container (nil: not looked at); ContainerSigns are the signs looked
	// at (see probe.ContainerSigns).
	Containerised  *bool                 `json:"containerised,omitempty"`
	ContainerSigns []probe.ContainerSign `json:"containerSigns,omitempty"`
}

// SetContainment records whether the process looks containerised.
func (t *Target) SetContainment(c probe.Containment) {
	t.Containerised = &c.Containerised
	t.ContainerSigns = c.Signs
}

// SpecRef says where the expected spec came from.
type SpecRef struct {
	Source string `json:"source"`
	// Default is true when no spec was given and the embedded Pod Security
	// Standards restricted profile was used.
	Default bool `json:"default"`
	// Error is set by the sidecar when the spec file no longer loads: why,
	// while this report holds the processes to the last good spec.
	Error string `json:"error,omitempty"`
}

// Summary counts findings by status and names the highest drift severity.
type Summary struct {
	OK      int `json:"ok"`
	Drift   int `json:"drift"`
	Unknown int `json:"unknown"`
	Skipped int `json:"skipped"`
	// Waived counts the skipped findings a waiver accepted.
	Waived int `json:"waived,omitempty"`
	// HighestSeverity is the severity of the worst drift, or "" with none.
	HighestSeverity Severity `json:"highestSeverity,omitempty"`
}

// Report is the VerificationReport document.
type Report struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Time       time.Time `json:"time"`
	Target     Target    `json:"target"`
	Profile    string    `json:"profile"`
	Spec       SpecRef   `json:"spec"`
	Summary    Summary   `json:"summary"`
	Findings   []Finding `json:"findings"`
}

// Compare runs every check of the registry.
func Compare(exp *expect.Expected, obs *probe.State) []Finding {
	return CompareScope(exp, obs, func(Scope) bool { return true })
}

// CompareScope runs the checks whose scope include accepts; findings of
// shared scopes say so.
func CompareScope(exp *expect.Expected, obs *probe.State, include func(Scope) bool) []Finding {
	return AppendScope(make([]Finding, 0, len(Checks)+8), exp, obs, include)
}

// AppendScope is CompareScope appending to out, for a caller that compares
// one state in several parts into one list.
func AppendScope(out []Finding, exp *expect.Expected, obs *probe.State, include func(Scope) bool) []Finding {
	for i := range Checks {
		ck := &Checks[i]
		if !include(ck.Scope) {
			continue
		}
		c := &comparison{exp: exp, obs: obs, check: ck}
		if why := firstMissing(obs, ck.Reads); why != nil {
			out = append(out, c.unknown("", "", why))
			continue
		}
		out = append(out, ck.run(c)...)
	}
	return out
}

func firstMissing(obs *probe.State, items []probe.Item) *probe.ReadError {
	for _, it := range items {
		if why := obs.Missing(it); why != nil {
			return why
		}
	}
	return nil
}

// New assembles the report of one process from its whole state, every
// check compared at once.
func New(exp *expect.Expected, obs *probe.State, src SpecRef, now time.Time) *Report {
	return NewProcess(exp, Process{PID: obs.PID, Comm: obs.Comm}, Compare(exp, obs), src, now)
}

// Summarize counts findings.
func Summarize(fs []Finding) Summary {
	var s Summary
	for _, f := range fs {
		switch f.Status {
		case StatusOK:
			s.OK++
		case StatusDrift:
			s.Drift++
			if s.HighestSeverity == "" || f.Severity.Rank() > s.HighestSeverity.Rank() {
				s.HighestSeverity = f.Severity
			}
		case StatusUnknown:
			s.Unknown++
		case StatusSkipped:
			s.Skipped++
			if f.Waived != nil {
				s.Waived++
			}
		}
	}
	return s
}

// Failing reports whether any drift is at or above failOn.
func (r *Report) Failing(failOn Severity) bool {
	return r.Summary.Drift > 0 && r.Summary.HighestSeverity.Rank() >= failOn.Rank()
}

// Drifts returns the drift findings.
func (r *Report) Drifts() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Status == StatusDrift {
			out = append(out, f)
		}
	}
	return out
}

// WriteJSON writes the report as one JSON object followed by a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
