package verify

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
)

// One cycle verifies the processes of a container in three scopes, each
// read and compared as often as it varies: every process's own items (its
// status and LSM label) for each process, compared once per distinct state
// (probe.Process.Key); the container's items (mounts, paths, id maps, the
// image's users) once, through the first of its processes still alive,
// their findings laid on that container's processes only; the pod's items
// (cap_last_cap, sysctls) once per pod by the caller, their findings in
// one report of the pod (Cycle.PodFindings).

// Processes names the processes of one container (one cgroup) that a
// cycle verifies.
type Processes struct {
	// PIDs are the processes, in the order the report lists them; 0 is
	// the calling process.
	PIDs []int
	// Listed says the pids come from a listing of the proc root, not from
	// the user: one that is gone since (it exited, or is a zombie) is
	// dropped from the cycle, neither unknown nor a change. A named
	// process (--pid, self) is reported even when it cannot be read.
	Listed bool
}

// Cycle is what the containers of one pod share in a verification cycle.
type Cycle struct {
	// Pod holds the pod items, read once for every container of the pod
	// (probe.FS.ObservePod, with Verifier.Request's sysctls).
	Pod probe.Pod
	// PodFindings says this report carries the findings of the pod items;
	// the pod is reported once, in the first container's report, whether
	// or not that container has a process yet.
	PodFindings bool
	// Time is the time of the report.
	Time time.Time
	// ProcessReport makes the report of a container with one process that
	// process's report, as a one-shot verify prints it (Target.PID, every
	// finding naming it); else the report lists its processes, one or
	// many, as a sidecar's metrics count them.
	ProcessReport bool
}

// Observation is what a cycle read of one container: the live processes'
// own items, and the items they share, read once through the first of
// them alive.
type Observation struct {
	// Processes are the processes verified: those listed but gone, and
	// runtime init processes (Starting), are left out.
	Processes []probe.Process
	// Container holds the container items.
	Container probe.Container
	// through is the pid each process was read through (0 for the calling
	// process, which a fixture or foreign proc root knows as "self" only).
	through []int
}

// Starting reports whether comm is a container runtime's init process
// (runc's "runc:[2:INIT]"): until it calls execve the process is the
// runtime's, still applying the security state (seccomp comes last), so
// verifying it would report drift that is not there.
func Starting(comm string) bool { return strings.HasPrefix(comm, "runc:[") }

// ObserveContainer reads the processes of one container: each process's own
// items, then the container's through the first process still alive; when
// that one is gone meanwhile they are read again through the next.
func (v *Verifier) ObserveContainer(ps Processes) *Observation {
	fs := v.fs
	o := &Observation{Processes: make([]probe.Process, 0, len(ps.PIDs)), through: make([]int, 0, len(ps.PIDs))}
	for _, pid := range ps.PIDs {
		proc := fs.ObserveProcess(pid)
		if ps.Listed && (proc.Unread[probe.ItemStatus] != nil || (len(proc.Unread) > 0 && !fs.Alive(pid))) {
			continue // exited since it was listed
		}
		if Starting(proc.Comm) {
			continue // not the container's process yet; the next cycle sees it
		}
		o.Processes = append(o.Processes, proc)
		o.through = append(o.through, pid)
	}
	for len(o.Processes) > 0 {
		pid := o.through[0]
		c := fs.ObserveContainer(pid, v.request)
		// Asked even when every read succeeded: an exiting process loses
		// its root first, and paths looked up through it then read as
		// absent without an error.
		if !ps.Listed || fs.Alive(pid) {
			o.Container = c
			break
		}
		o.Processes, o.through = o.Processes[1:], o.through[1:] // gone meanwhile: the next one answers
	}
	return o
}

// Scope filters of the three comparisons.
var (
	processScope   = func(s report.Scope) bool { return s == report.ScopeProcess }
	containerScope = func(s report.Scope) bool { return s == report.ScopeContainer }
	podScope       = func(s report.Scope) bool { return s == report.ScopePod }
)

// compared is one container's part of a report: its expectation (resolved
// with its image's users), its processes, and its findings, each naming
// the processes it holds for.
type compared struct {
	exp      *expect.Expected
	procs    []report.Process
	findings []report.Finding
}

// compare resolves the container's expectation through its first process
// and compares: the container checks once, the process checks once per
// distinct state, shared by the processes in it. An observation without a
// process compares nothing (exp is nil).
func (v *Verifier) compare(o *Observation, pod probe.Pod) (compared, error) {
	var out compared
	if len(o.Processes) == 0 {
		return out, nil
	}
	out.procs = make([]report.Process, len(o.Processes))
	// same is the comparison of a state, and the processes in it, which
	// its findings are laid on once all are known. The first state's
	// findings are out.findings[first:] (one process: no copy), the
	// others' their own until the end.
	type same struct {
		findings []report.Finding
		procs    []report.Process
	}
	var states []*same
	byKey := map[probe.ProcessKey]*same{}
	// Room for one process's findings, and the pod's (see Verify).
	out.findings = make([]report.Finding, 0, len(report.Checks)+16)
	first := 0 // out.findings[:first] are the container's
	for i := range o.Processes {
		st := &probe.State{Process: o.Processes[i], Container: o.Container, Pod: pod}
		v.fs.CheckConsistency(o.through[i], st)
		if out.exp == nil {
			exp, err := v.Expected(st)
			if err != nil {
				return compared{}, err
			}
			out.exp = exp
			out.findings = report.AppendScope(out.findings, exp, st, containerScope)
			first = len(out.findings)
		}
		out.procs[i] = report.Process{PID: st.PID, Comm: st.Comm}
		key, keyed := st.Process.Key()
		s := byKey[key]
		if !keyed || s == nil {
			s = &same{}
			if len(states) == 0 {
				out.findings = report.AppendScope(out.findings, out.exp, st, processScope)
			} else {
				s.findings = report.AppendScope(make([]report.Finding, 0, processChecks+4), out.exp, st, processScope)
			}
			if keyed {
				byKey[key] = s
			}
			states = append(states, s)
		}
		s.procs = append(s.procs, out.procs[i])
	}
	for i := range out.findings {
		out.findings[i].Processes = out.procs
		if i >= first {
			out.findings[i].Processes = states[0].procs
		}
	}
	n := len(out.findings)
	for _, s := range states[1:] {
		n += len(s.findings)
	}
	out.findings = slices.Grow(out.findings, n-len(out.findings))
	for _, s := range states[1:] {
		for _, f := range s.findings {
			f.Processes = s.procs
			out.findings = append(out.findings, f)
		}
	}
	return out, nil
}

// processChecks is the number of per-process checks, for the room a
// state's comparison needs.
var processChecks = func() int {
	n := 0
	for _, c := range report.Checks {
		if c.Scope == report.ScopeProcess {
			n++
		}
	}
	return n
}()

// VerifyContainer verifies the processes of one container, with the pod
// items of its cycle, and reports them as one report listing every
// process (a finding that does not hold for all names its processes). A
// container without a live process yields a report without processes,
// holding the pod findings if the cycle asks for them.
func (v *Verifier) VerifyContainer(ps Processes, c Cycle) (*report.Report, error) {
	return v.VerifyContainers([]Processes{ps}, c)
}

// VerifyContainers is VerifyContainer for processes of several containers
// held to the one container of the spec (a sidecar's "every other
// process"), in one report: each container is observed and compared on its
// own, and its container findings hold for its processes only. A container
// whose expectation cannot be resolved is left out of the report and named
// in the error; the report, never nil, holds the others.
func (v *Verifier) VerifyContainers(groups []Processes, c Cycle) (*report.Report, error) {
	var (
		exp      *expect.Expected
		procs    []report.Process
		findings []report.Finding
		errs     []error
	)
	for _, ps := range groups {
		got, err := v.compare(v.ObserveContainer(ps), c.Pod)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if got.exp == nil {
			continue
		}
		exp = got.exp
		procs = append(procs, got.procs...)
		if findings == nil {
			findings = got.findings // the usual one container: no copy
		} else {
			findings = append(findings, got.findings...)
		}
	}
	if exp == nil {
		var err error
		if exp, err = v.Expected(&probe.State{Pod: c.Pod}); err != nil {
			// New resolved the spec without the pod's facts: so does this.
			errs = append(errs, err)
			if exp, err = v.Expected(nil); err != nil {
				exp = v.pre
			}
		}
	}
	if c.PodFindings {
		findings = report.AppendScope(findings, exp, &probe.State{Pod: c.Pod}, podScope)
	}
	if c.ProcessReport && len(procs) == 1 {
		return report.NewProcess(exp, procs[0], findings, v.source, c.Time), errors.Join(errs...)
	}
	return report.NewMerged(exp, procs, findings, v.source, c.Time), errors.Join(errs...)
}

// Verify verifies one process, pid (0: the calling process): the cycle of
// its container with that process alone and the pod items read for it,
// reported as that process's report (every finding names it). A process
// whose status cannot be read is a BlindError; a runtime's init process,
// and pid 1 in the node's PID namespace (the node's init, not a
// container's), are a NotFoundError.
func (v *Verifier) Verify(pid int) (*report.Report, error) {
	named := Selector{Kind: SelectSelf}
	if pid != 0 {
		named = Selector{Kind: SelectPID, PID: pid}
	}
	if pid == 1 && v.fs.HostPIDNamespace() {
		return nil, &NotFoundError{Selector: named, Why: "it is the node's init: this PID namespace is the node's (hostPID), name the container with --target container-id:ID"}
	}
	pod := v.fs.ObservePod(v.request)
	o := v.ObserveContainer(Processes{PIDs: []int{pid}})
	if len(o.Processes) == 0 {
		return nil, &NotFoundError{Selector: named, Why: "it is the container runtime's init process, not yet the container's own"}
	}
	if o.Processes[0].Unread[probe.ItemStatus] != nil {
		return nil, &BlindError{PID: pid, Why: o.Processes[0].Unread[probe.ItemStatus]}
	}
	got, err := v.compare(o, pod)
	if err != nil {
		return nil, err
	}
	findings := report.AppendScope(got.findings, got.exp, &probe.State{Pod: pod}, podScope)
	return report.NewProcess(got.exp, got.procs[0], findings, v.source, v.Now()), nil
}
