package report

import "github.com/secctx/secctx/waiver"

// Waived is what a waived finding would have been, and why it is accepted.
// The finding itself keeps its expected and observed values and its
// message, and is skipped, with severity info: it counts neither as drift
// nor for --fail-on.
type Waived struct {
	// Status and Severity are the finding's own, before the waiver.
	Status   Status   `json:"status"`
	Severity Severity `json:"severity"`
	// Reason is the waiver's reason, Source where it was given.
	Reason string        `json:"reason"`
	Source waiver.Source `json:"source"`
}

// String is the waiver as reports show it: "waived: REASON (SOURCE)".
func (w *Waived) String() string {
	return (&waiver.Mark{Reason: w.Reason, Source: w.Source}).String()
}

// Waive applies the waivers of a container (of workload "Kind/name") to
// its findings, in place: each finding a waiver names becomes skipped and
// carries the waiver. Summarize counts it as skipped and waived.
func Waive(fs []Finding, ws waiver.Set, workload, container string) {
	if len(ws) == 0 {
		return
	}
	for i := range fs {
		f := &fs[i]
		if f.Waived != nil {
			continue
		}
		w, ok := ws.Match(string(f.Check), workload, container)
		if !ok || w.Check == "" {
			continue
		}
		f.Waived = &Waived{Status: f.Status, Severity: f.Severity, Reason: w.Reason, Source: w.Source}
		f.Status, f.Severity = StatusSkipped, SeverityInfo
	}
}
