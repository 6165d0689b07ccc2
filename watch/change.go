package watch

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/report"
)

// change is a Change before it is bounded for the line: it holds the
// finding's whole process list.
type change struct {
	Change
	procs []report.Process
	// all is true when the finding holds for every process of the report.
	all bool
}

// findingKey identifies a finding's meaning apart from which processes hold
// it, so process churn alone does not count as a change.
func findingKey(f report.Finding) string {
	return string(f.Check) + "\x00" + f.Subject + "\x00" + string(f.Status) + "\x00" + f.Observed
}

// diff compares a container's findings with the last cycle's: a drift or
// unknown that appears is reported as such, one that no longer holds as
// "resolved", and any other value that moved as "changed".
func diff(prev, cur map[string]report.Finding) []change {
	if sameKeys(prev, cur) {
		return nil // the steady state: nothing appeared, nothing went
	}
	type subject struct {
		check   check.ID
		subject string
	}
	bad := func(m map[string]report.Finding) map[subject]bool {
		out := map[subject]bool{}
		for _, f := range m {
			if f.Status == report.StatusDrift || f.Status == report.StatusUnknown {
				out[subject{f.Check, f.Subject}] = true
			}
		}
		return out
	}
	prevBad, curBad := bad(prev), bad(cur)
	index := func(m map[string]report.Finding) map[subject][]report.Finding {
		out := map[subject][]report.Finding{}
		for _, f := range m {
			s := subject{f.Check, f.Subject}
			out[s] = append(out[s], f)
		}
		return out
	}
	prevBy, curBy := index(prev), index(cur)
	var out []change
	for k, f := range cur {
		if _, ok := prev[k]; ok {
			continue
		}
		s := subject{f.Check, f.Subject}
		c := change{Change: Change{Check: f.Check, Subject: f.Subject, Severity: f.Severity, Scope: f.Scope, Observed: f.Observed},
			procs: f.Processes, all: f.Processes == nil}
		switch f.Status {
		case report.StatusDrift:
			c.Kind = "drift"
		case report.StatusUnknown:
			c.Kind = "unknown"
		default:
			if prevBad[s] && !curBad[s] {
				continue // reported below as resolved
			}
			c.Kind = "changed"
		}
		if p, ok := counterpart(prevBy[s], f); ok {
			c.Previous = p.Observed
		}
		out = append(out, c)
	}
	resolved := map[subject]bool{}
	for _, f := range prev {
		s := subject{f.Check, f.Subject}
		if (f.Status != report.StatusDrift && f.Status != report.StatusUnknown) || curBad[s] || resolved[s] {
			continue
		}
		resolved[s] = true
		c := change{Change: Change{Kind: "resolved", Check: f.Check, Subject: f.Subject, Scope: f.Scope, Previous: f.Observed},
			procs: f.Processes}
		if n, ok := counterpart(curBy[s], f); ok {
			c.Observed = n.Observed
		}
		out = append(out, c)
	}
	// What matters most first: a line that cannot hold every change keeps
	// the new drifts, worst first.
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if kindRank[a.Kind] != kindRank[b.Kind] {
			return kindRank[a.Kind] < kindRank[b.Kind]
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Check != b.Check || a.Subject != b.Subject {
			return string(a.Check)+"\x00"+a.Subject < string(b.Check)+"\x00"+b.Subject
		}
		return firstPID(a.procs) < firstPID(b.procs)
	})
	return out
}

// sameKeys reports whether a and b hold the same keys.
func sameKeys(a, b map[string]report.Finding) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			return false
		}
	}
	return true
}

// counterpart is the finding of the other cycle that f is the new (or old)
// state of: the only one of the same check and subject, or the one about
// the same processes; none when several findings of other processes hold
// (another process's value is not f's previous one).
func counterpart(cands []report.Finding, f report.Finding) (report.Finding, bool) {
	if len(cands) == 1 {
		return cands[0], true
	}
	pids := map[int]bool{}
	for _, p := range f.Processes {
		pids[p.PID] = true
	}
	if f.PID != 0 {
		pids[f.PID] = true
	}
	for _, c := range cands {
		if pids[c.PID] {
			return c, true
		}
		for _, p := range c.Processes {
			if pids[p.PID] {
				return c, true
			}
		}
	}
	return report.Finding{}, false
}

// firstPID is the pid of the first process of a list, 0 for none.
func firstPID(ps []report.Process) int {
	if len(ps) == 0 {
		return 0
	}
	return ps[0].PID
}

// kindRank orders the kinds of change in a line.
var kindRank = map[string]int{"drift": 0, "unknown": 1, "resolved": 2, "changed": 3}

// emit writes the line of a container: its first line, a change line when
// the meaning of its findings changed, a heartbeat when due.
func (w *Watcher) emit(container string, r *report.Report, beat, first bool) {
	cur := make(map[string]report.Finding, len(r.Findings))
	for _, f := range r.Findings {
		cur[findingKey(f)] = f
	}
	changes := diff(w.last[container], cur)
	w.last[container] = cur
	event := ""
	switch {
	case first:
		event = "initial"
	case len(changes) > 0:
		event = "change"
	case beat:
		event = "heartbeat"
	default:
		return // unchanged: nothing between heartbeats
	}
	e := lineHead(w.cfg.Out, event, container, r, r.Target.Processes)
	if event == "change" {
		out := make([]Change, len(changes))
		for i, c := range changes {
			if c.Scope != "pod" {
				ps := c.procs
				if c.all {
					// A finding that holds for every process lists none;
					// the change names them.
					ps = r.Target.Processes
				}
				if len(ps) > 0 {
					l := listOf(ps)
					c.Processes = &l
				}
			}
			out[i] = c.bounded()
		}
		raw, omitted := encodeBounded(out, listBudget)
		e = e.RawJSON("changes", raw)
		if omitted > 0 {
			e = e.Int("changesOmitted", omitted)
		}
	}
	lineDrifts(e, r).Msg(message(event, clip(container), r, changes))
}

// lineHead starts a line of container's report r: its level (warn for
// drift, but on a heartbeat), the event, the container, workload and spec,
// the bounded list of the processes verified and the summary.
func lineHead(out zerolog.Logger, event, container string, r *report.Report, procs []report.Process) *zerolog.Event {
	lvl := zerolog.InfoLevel
	if r.Summary.Drift > 0 && event != "heartbeat" {
		lvl = zerolog.WarnLevel
	}
	top, _ := json.Marshal(listOf(procs).First)
	return out.WithLevel(lvl).Str("event", event).Str("container", clip(container)).
		Str("workload", clip(r.Target.Workload)).Str("spec", clip(r.Spec.Source)).
		Int("processes", len(procs)).RawJSON("firstProcesses", top).
		Int("drift", r.Summary.Drift).RawJSON("summary", summaryJSON(r.Summary))
}

// lineDrifts adds the drifts in force, as many as fit, and how many did not.
func lineDrifts(e *zerolog.Event, r *report.Report) *zerolog.Event {
	raw, omitted := encodeBounded(driftsOf(r), listBudget)
	e = e.RawJSON("drifts", raw)
	if omitted > 0 {
		e = e.Int("driftsOmitted", omitted)
	}
	return e
}

// LineTimeFormat is the time of a line: RFC 3339 with milliseconds.
const LineTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// WriteLine writes report r as one line of the sidecar's format (event
// "verified"): the summary and the drifts in force with their expected and
// observed values, bounded to MaxLineBytes whatever the report holds, for a
// log pipeline that receives `secctx verify -o line` or `secctx exec`'s
// refusal. schema/watch-line.schema.json describes it.
func WriteLine(w io.Writer, r *report.Report) error {
	var err error
	out := zerolog.New(writerFunc(func(p []byte) (int, error) {
		n, werr := w.Write(p)
		if werr != nil && err == nil {
			err = werr
		}
		return n, werr
	}))
	procs := r.Target.Processes
	if len(procs) == 0 && r.Target.PID > 0 {
		// One process verified: the report names it in its target only,
		// and so does the line (not in each drift).
		procs = []report.Process{{PID: r.Target.PID, Comm: r.Target.Comm}}
	}
	e := lineHead(out, "verified", r.Target.Container, r, procs).Str("time", time.Now().UTC().Format(LineTimeFormat))
	lineDrifts(e, r).Msg(fmt.Sprintf("container %s: verified, %d drift", clip(r.Target.Container), r.Summary.Drift))
	return err
}

// writerFunc is an io.Writer from a function.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func message(event, container string, r *report.Report, changes []change) string {
	switch event {
	case "initial":
		return fmt.Sprintf("container %s: first verification, %d drift", container, r.Summary.Drift)
	case "heartbeat":
		return fmt.Sprintf("container %s: unchanged, %d drift", container, r.Summary.Drift)
	}
	counts := map[string]int{}
	for _, c := range changes {
		counts[c.Kind]++
	}
	var parts []string
	for _, k := range []string{"drift", "resolved", "changed", "unknown"} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	return fmt.Sprintf("container %s: state changed: %s", container, strings.Join(parts, ", "))
}
