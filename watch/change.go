package watch

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/report"
)

// Change is one entry of a change line.
type Change struct {
	// Kind is "drift" (new), "resolved", "changed" (a value moved) or
	// "unknown" (a check became unreadable).
	Kind      string           `json:"kind"`
	Check     check.ID         `json:"check"`
	Subject   string           `json:"subject,omitempty"`
	Severity  report.Severity  `json:"severity,omitempty"`
	Processes []report.Process `json:"processes,omitempty"`
	Observed  any              `json:"observed,omitempty"`
	Previous  any              `json:"previous,omitempty"`
}

// findingKey identifies a finding's meaning apart from which processes hold
// it, so process churn alone does not count as a change.
func findingKey(f report.Finding) string {
	obs, _ := json.Marshal(f.Observed)
	return string(f.Check) + "\x00" + f.Subject + "\x00" + string(f.Status) + "\x00" + string(obs)
}

// diff compares a container's findings with the last cycle's: a drift or
// unknown that appears is reported as such, one that no longer holds as
// "resolved", and any other value that moved as "changed".
func diff(prev, cur map[string]report.Finding) []Change {
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
	var out []Change
	for k, f := range cur {
		if _, ok := prev[k]; ok {
			continue
		}
		s := subject{f.Check, f.Subject}
		c := Change{Check: f.Check, Subject: f.Subject, Severity: f.Severity, Processes: f.Processes, Observed: f.Observed}
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
		for _, p := range prev {
			if p.Check == f.Check && p.Subject == f.Subject {
				c.Previous = p.Observed
				break
			}
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
		c := Change{Kind: "resolved", Check: f.Check, Subject: f.Subject, Previous: f.Observed, Processes: f.Processes}
		for _, n := range cur {
			if n.Check == f.Check && n.Subject == f.Subject {
				c.Observed = n.Observed
				break
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return string(out[i].Check)+out[i].Subject < string(out[j].Check)+out[j].Subject
	})
	return out
}

// emit writes the change line of a container (and its heartbeat when due).
func (w *Watcher) emit(container string, r *report.Report, beat, first bool) {
	cur := make(map[string]report.Finding, len(r.Findings))
	for _, f := range r.Findings {
		cur[findingKey(f)] = f
	}
	changes := diff(w.last[container], cur)
	for i := range changes {
		// A finding that holds for every process lists none; a change
		// names them all.
		if changes[i].Processes == nil && changes[i].Kind != "resolved" {
			changes[i].Processes = r.Target.Processes
		}
	}
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
	lvl := zerolog.InfoLevel
	if r.Summary.Drift > 0 && event != "heartbeat" {
		lvl = zerolog.WarnLevel
	}
	e := w.cfg.Out.WithLevel(lvl).Str("event", event).Str("container", container).
		Int("processes", len(r.Target.Processes)).Int("drift", r.Summary.Drift)
	if event == "change" {
		e = e.Interface("changes", changes)
	}
	e.Interface("report", r).Msg(message(event, container, r, changes))
}

func message(event, container string, r *report.Report, changes []Change) string {
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
