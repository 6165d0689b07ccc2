package verify

import (
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
)

// infraCommands are the pause processes of a pod's sandbox (the kubelet's
// pause, podman's catatonit), which belong to no container of the spec.
var infraCommands = map[string]bool{"pause": true, "catatonit": true}

// Listing is what a cycle knows of the visible processes: it lists and
// reads each only once, however many selectors ask.
type Listing struct {
	fs      probe.FS
	self    int
	selfCg  string
	pids    []int
	listed  bool
	listErr error
	// hostPID and mine are read when a selector first needs them.
	hostPID *bool
	mine    map[int]bool
	cgroups map[int]string
	comms   map[int]string
}

// NewListing starts the listing of one cycle.
func NewListing(fs probe.FS) *Listing {
	return &Listing{fs: fs, cgroups: map[int]string{}, comms: map[int]string{}}
}

// list reads the visible pids, and secctx's own pid and cgroup, once per
// cycle and only for selectors that scan processes.
func (l *Listing) list() ([]int, error) {
	if !l.listed {
		l.pids, l.listErr = l.fs.PIDs()
		l.self, _ = l.fs.SelfPID()
		l.selfCg, _ = l.fs.Cgroup(0)
		l.listed = true
	}
	return l.pids, l.listErr
}

// ancestry is secctx and the processes it descends from in this PID
// namespace: run by a runtime's exec (kubectl exec, the plugin's --exec)
// they are in the container's cgroup without being the container's.
func (l *Listing) ancestry() map[int]bool {
	if l.mine != nil {
		return l.mine
	}
	mine := map[int]bool{}
	l.mine = mine
	for pid := l.self; pid > 0 && !mine[pid] && len(mine) < 64; {
		mine[pid] = true
		next, re := l.fs.Parent(pid)
		if re != nil {
			break
		}
		pid = next
	}
	return mine
}

// cgroup returns pid's cgroup, or "" when unreadable (the process is gone).
func (l *Listing) cgroup(pid int) string { return cached(l.cgroups, pid, l.fs.Cgroup) }

// comm returns pid's command name, or "" when unreadable.
func (l *Listing) comm(pid int) string { return cached(l.comms, pid, l.fs.Comm) }

// cached returns what read gives for pid, read once per listing.
func cached[E error](m map[int]string, pid int, read func(int) (string, E)) string {
	v, ok := m[pid]
	if !ok {
		v, _ = read(pid)
		m[pid] = v
	}
	return v
}

// Select returns the processes s picks, one Processes per container
// (cgroup), in the order of their first pid; 0 stands for secctx itself.
// A selector that finds nothing returns no container.
func (l *Listing) Select(s Selector) ([]Processes, error) {
	pids, err := l.selectPIDs(s)
	var groups []Processes
	index := map[string]int{}
	for _, pid := range pids {
		cg := l.cgroup(pid)
		i, ok := index[cg]
		if !ok {
			i = len(groups)
			index[cg] = i
			groups = append(groups, Processes{Listed: !s.Named()})
		}
		groups[i].PIDs = append(groups[i].PIDs, pid)
	}
	return groups, err
}

// HostPID reports whether the listing shows the node's PID namespace.
func (l *Listing) HostPID() bool {
	if l.hostPID == nil {
		h := l.fs.HostPIDNamespace()
		l.hostPID = &h
	}
	return *l.hostPID
}

// selectPIDs returns the pids a selector picks.
func (l *Listing) selectPIDs(s Selector) ([]int, error) {
	switch s.Kind {
	case SelectSelf:
		return []int{0}, nil
	case SelectPID:
		return []int{s.PID}, nil
	}
	all, err := l.list()
	if err != nil {
		return nil, err
	}
	var out []int
	for _, pid := range all {
		if pid == l.self {
			continue
		}
		switch s.Kind {
		case SelectComm:
			if l.comm(pid) == s.Value {
				out = append(out, pid)
			}
		case SelectExe:
			if exe, err := l.fs.Exe(pid); err == nil && exe == s.Value {
				out = append(out, pid)
			}
		case SelectOthers:
			if l.other(pid) {
				out = append(out, pid)
			}
		case SelectContainerID:
			if !l.ancestry()[pid] && cgroupHoldsID(l.cgroup(pid), s.Value) {
				out = append(out, pid)
			}
		}
	}
	return out, nil
}

// other reports whether pid is a process of another container of the pod:
// outside secctx's cgroup, not the sandbox's pause nor a runtime's init nor
// a kernel thread. In the node's PID namespace (hostPID) every process of
// the node is visible: only those in a sibling of secctx's cgroup, the
// pod's other containers, are.
func (l *Listing) other(pid int) bool {
	cg := l.cgroup(pid)
	if cg == "" || cg == l.selfCg || infraCommands[l.comm(pid)] || Starting(l.comm(pid)) || l.fs.IsKernelThread(pid) {
		return false
	}
	return !l.HostPID() || siblingCgroup(cgroupPath(l.selfCg), cgroupPath(cg))
}

// VerifySelected verifies what s selects, for a command run once: a named
// process (self, pid:N) as Verify does, processes the listing finds as
// the containers' cycle, with the pod items read for them (one process
// found: that process's report, as Verify's). Finding no
// process is a NotFoundError that says why, never a report about another
// process.
func (v *Verifier) VerifySelected(l *Listing, s Selector) (*report.Report, error) {
	if s.Named() {
		return v.Verify(s.PID)
	}
	groups, err := l.Select(s)
	if err != nil {
		return nil, &NotFoundError{Selector: s, Why: "cannot list the processes: " + err.Error()}
	}
	if len(groups) == 0 {
		return nil, &NotFoundError{Selector: s, Why: v.notFound(l, s)}
	}
	r, err := v.VerifyContainers(groups, Cycle{Pod: v.fs.ObservePod(v.request), PodFindings: true, Time: v.Now(), ProcessReport: true})
	if err != nil {
		return nil, err
	}
	if len(r.Target.Processes) == 0 && r.Target.PID == 0 {
		return nil, &NotFoundError{Selector: s, Why: "its processes exited while they were read"}
	}
	return r, nil
}

// notFound says why s found no process.
func (v *Verifier) notFound(l *Listing, s Selector) string {
	switch {
	case s.Kind != SelectContainerID:
		return "no visible process matches"
	case l.HostPID():
		return "no process of this node is in its cgroup: the container is not running"
	}
	return "no visible process is in its cgroup: this PID namespace is not the container's (the runtime gave secctx a PID namespace of its own, or ignored targetContainerName)"
}
