package report

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
)

// Merge folds the findings of several processes of one container into one
// list (a finding names its process by PID and Comm, or, when the caller
// has grouped processes already, by Processes): findings that agree in
// everything but the process become one finding listing every process, so
// a thousand identical workers make one line, and a process whose state
// differs stands out with its pid and command.
func Merge(findings []Finding) []Finding {
	out := make([]Finding, 0, len(Checks))
	index := make(map[string]int, len(Checks))
	var key strings.Builder
	for _, f := range findings {
		key.Reset()
		writeKey(&key, f)
		k := key.String()
		i, seen := index[k]
		procs := f.Processes
		if !seen {
			index[k] = len(out)
			f.Processes = nil
			out = append(out, f)
			i = len(out) - 1
		}
		switch {
		case f.Scope != "" && len(procs) == 0: // shared by every process
		case len(procs) > 0: // already grouped by the caller (a container's processes, for its findings)
			if !seen {
				// Own the slice: the caller's may be shared.
				out[i].Processes = append(make([]Process, 0, len(procs)), procs...)
				out[i].PID, out[i].Comm = procs[0].PID, procs[0].Comm
			} else {
				out[i].Processes = append(out[i].Processes, procs...)
			}
		case f.PID != 0:
			out[i].Processes = append(out[i].Processes, Process{PID: f.PID, Comm: f.Comm})
		}
	}
	// Keep registry order, as a single-process report has it.
	sort.SliceStable(out, func(i, j int) bool { return checkOrder[out[i].Check] < checkOrder[out[j].Check] })
	return out
}

// checkOrder maps a check id to its place in the registry.
var checkOrder = func() map[check.ID]int {
	m := make(map[check.ID]int, len(Checks))
	for i, c := range Checks {
		m[c.ID] = i
	}
	return m
}()

// writeKey identifies a finding apart from its process.
func writeKey(b *strings.Builder, f Finding) {
	for _, s := range []string{string(f.Check), f.Subject, string(f.Status), string(f.Severity), f.Message, f.Scope,
		f.Expected, f.Observed, f.Hint} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	enc := json.NewEncoder(b)
	_ = enc.Encode(f.Outcomes)
	_ = enc.Encode(f.IDs)
	_ = enc.Encode(f.Groups)
	_ = enc.Encode(f.Capabilities)
}

// NewMerged assembles the report of a container verified through several
// processes from their findings (see Merge).
func NewMerged(exp *expect.Expected, procs []Process, findings []Finding, src SpecRef, now time.Time) *Report {
	r := &Report{
		APIVersion: APIVersion,
		Kind:       Kind,
		Time:       now.UTC(),
		Target: Target{Container: exp.Container, ContainerKind: exp.ContainerKind,
			Workload: exp.Workload, Namespace: exp.Namespace, Processes: procs},
		Profile:  exp.Profile,
		Spec:     src,
		Findings: Merge(findings),
	}
	// A finding that holds for every process does not repeat the list
	// Target.Processes already gives.
	for i := range r.Findings {
		if len(r.Findings[i].Processes) == len(procs) {
			r.Findings[i].Processes = nil
		}
	}
	if len(procs) > 0 {
		r.Target.PID, r.Target.Comm = procs[0].PID, procs[0].Comm
	}
	Waive(r.Findings, exp.Waivers, exp.Workload, exp.Container)
	r.Summary = Summarize(r.Findings)
	return r
}

// NewProcess assembles the report of one process from the findings of its
// comparisons, in any order: every finding holds for that process and
// names it, and the findings come in registry order.
func NewProcess(exp *expect.Expected, p Process, findings []Finding, src SpecRef, now time.Time) *Report {
	r := &Report{
		APIVersion: APIVersion,
		Kind:       Kind,
		Time:       now.UTC(),
		Target: Target{PID: p.PID, Comm: p.Comm, Container: exp.Container, ContainerKind: exp.ContainerKind,
			Workload: exp.Workload, Namespace: exp.Namespace},
		Profile:  exp.Profile,
		Spec:     src,
		Findings: findings,
	}
	for i := range findings {
		findings[i].PID, findings[i].Comm, findings[i].Processes = p.PID, p.Comm, nil
	}
	sort.SliceStable(findings, func(i, j int) bool { return checkOrder[findings[i].Check] < checkOrder[findings[j].Check] })
	Waive(r.Findings, exp.Waivers, exp.Workload, exp.Container)
	r.Summary = Summarize(r.Findings)
	return r
}
