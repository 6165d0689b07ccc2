package watch

import (
	"encoding/json"
	"slices"
	"unicode/utf8"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/report"
)

// A change line is what a log pipeline receives: container runtimes split
// a log line at 16 KiB (containerd's default, CRI-O's too), and a split line
// is no longer JSON. So a line never carries the report (which grows with
// the processes and findings; /report and `secctx verify -o json` serve it
// whole) but what changed, a summary and bounded lists, each with its
// total: whatever the number of processes, findings and changes, and
// whatever the names the manifest and the processes give, a line stays
// within MaxLineBytes. schema/watch-line.schema.json describes it.

// Line bounds.
const (
	// MaxLineBytes bounds a whole line, newline included: below the 16 KiB
	// at which runtimes split log lines, with room for a log agent's
	// prefix.
	MaxLineBytes = 12 << 10
	// maxListed is how many processes a line names, at the top and per
	// change or drift; the count says how many there are.
	maxListed = 5
	// listBudget bounds the JSON of the changes and of the drifts, each.
	listBudget = 4 << 10
	// maxString bounds a string taken from the manifest or a process (a
	// container name, a subject, a command, a spec source).
	maxString = 128
	// maxValue bounds the JSON of an observed or previous value; a longer
	// one is cut and marked truncated.
	maxValue = 160
)

// ProcessList names at most a few processes and says how many there are.
type ProcessList struct {
	Count int              `json:"count"`
	First []report.Process `json:"first"`
}

// listOf bounds a process list.
func listOf(ps []report.Process) ProcessList {
	n := min(len(ps), maxListed)
	l := ProcessList{Count: len(ps), First: make([]report.Process, n)}
	for i := range n {
		l.First[i] = report.Process{PID: ps[i].PID, Comm: clip(ps[i].Comm)}
	}
	return l
}

// Change is one entry of a change line.
type Change struct {
	// Kind is "drift" (new), "resolved", "changed" (a value moved) or
	// "unknown" (a check became unreadable).
	Kind     string          `json:"kind"`
	Check    check.ID        `json:"check"`
	Subject  string          `json:"subject,omitempty"`
	Severity report.Severity `json:"severity,omitempty"`
	// Scope is "container" or "pod" for state the processes share.
	Scope string `json:"scope,omitempty"`
	// Processes are those the change holds for; absent for pod state.
	Processes *ProcessList `json:"processes,omitempty"`
	Observed  any          `json:"observed,omitempty"`
	Previous  any          `json:"previous,omitempty"`
	// Truncated is true when observed or previous was cut to fit the line.
	Truncated bool `json:"truncated,omitempty"`
}

// Drift is an active drift as a line lists it: the finding's expected and
// observed values, each cut to maxValue bytes (Truncated says so).
type Drift struct {
	Check     check.ID        `json:"check"`
	Subject   string          `json:"subject,omitempty"`
	Severity  report.Severity `json:"severity"`
	Scope     string          `json:"scope,omitempty"`
	Processes *ProcessList    `json:"processes,omitempty"`
	Expected  string          `json:"expected"`
	Observed  string          `json:"observed"`
	Truncated bool            `json:"truncated,omitempty"`
}

// bounded returns the change with its strings and values cut to fit a line.
func (c Change) bounded() Change {
	c.Subject = clip(c.Subject)
	var cut bool
	c.Observed, cut = boundValue(c.Observed)
	c.Truncated = c.Truncated || cut
	c.Previous, cut = boundValue(c.Previous)
	c.Truncated = c.Truncated || cut
	return c
}

// boundValue returns v, or when its JSON is longer than maxValue, the start
// of that JSON as a string.
func boundValue(v any) (any, bool) {
	if v == nil {
		return nil, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, true
	}
	if len(b) <= maxValue {
		return v, false
	}
	return clipTo(string(b), maxValue), true
}

// clip cuts s to maxString bytes at a rune boundary, marking the cut.
func clip(s string) string { return clipTo(s, maxString) }

func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// encodeBounded writes the JSON array of items, as many as fit in budget
// bytes, and returns how many were left out.
func encodeBounded[T any](items []T, budget int) (json.RawMessage, int) {
	out := []byte{'['}
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			continue
		}
		if len(out)+len(b)+2 > budget {
			return append(out, ']'), len(items) - i
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	return append(out, ']'), 0
}

// driftsOf lists the active drifts of a report, worst first.
func driftsOf(r *report.Report) []Drift {
	var out []Drift
	for _, f := range r.Findings {
		if f.Status != report.StatusDrift {
			continue
		}
		d := Drift{Check: f.Check, Subject: clip(f.Subject), Severity: f.Severity, Scope: f.Scope,
			Expected: clipTo(f.Expected, maxValue), Observed: clipTo(f.Observed, maxValue)}
		d.Truncated = d.Expected != f.Expected || d.Observed != f.Observed
		d.Processes = processesOf(f, r)
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b Drift) int { return b.Severity.Rank() - a.Severity.Rank() })
	return out
}

// processesOf is the bounded list of the processes a finding holds for:
// those it names, else (it holds for all) the report's; none for pod state.
func processesOf(f report.Finding, r *report.Report) *ProcessList {
	if f.Scope == "pod" {
		return nil
	}
	ps := f.Processes
	if ps == nil {
		ps = r.Target.Processes
	}
	if len(ps) == 0 {
		return nil
	}
	l := listOf(ps)
	return &l
}

// summaryJSON is the report's summary as a line carries it.
func summaryJSON(s report.Summary) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}
