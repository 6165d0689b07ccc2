// Package watch runs secctx as a sidecar: it verifies the processes of one
// or more containers on an interval, logs a JSON line when their state
// changes (and a heartbeat), reloads the spec when its file changes, and
// serves health, the last report and Prometheus metrics.
package watch

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/verify"
)

// Selector kinds.
const (
	SelectSelf   = "self"   // secctx itself
	SelectPID    = "pid"    // one process by pid
	SelectComm   = "comm"   // processes whose command name matches
	SelectExe    = "exe"    // processes whose executable path matches
	SelectOthers = "others" // every process outside secctx's own container
)

// infraCommands are the pause processes of a pod's sandbox (the kubelet's
// pause, podman's catatonit), which belong to no container of the spec.
var infraCommands = map[string]bool{"pause": true, "catatonit": true}

// Selector picks the processes of a container.
type Selector struct {
	Kind  string
	Value string // comm or exe
	PID   int
}

// String renders the selector as --target spells it.
func (s Selector) String() string {
	switch s.Kind {
	case SelectPID:
		return fmt.Sprintf("pid:%d", s.PID)
	case SelectComm, SelectExe:
		return s.Kind + ":" + s.Value
	}
	return s.Kind
}

// Target is a container of the spec and how to find its processes.
type Target struct {
	// Container is the container name in the spec; "" for the default.
	Container string
	Selector  Selector
}

// String renders the target as --target spells it.
func (t Target) String() string {
	if t.Container == "" {
		return t.Selector.String()
	}
	return t.Container + "=" + t.Selector.String()
}

// ParseTarget parses "SELECTOR" or "CONTAINER=SELECTOR", where SELECTOR is
// self, pid:N, comm:NAME, exe:PATH or others.
func ParseTarget(s string) (Target, error) {
	var t Target
	sel := s
	// CONTAINER=SELECTOR: an "=" before any ":" (a container name has no
	// ":", a selector value such as exe:/opt/a=1/bin may hold "=").
	if eq, colon := strings.IndexByte(s, '='), strings.IndexByte(s, ':'); eq >= 0 && (colon < 0 || eq < colon) {
		if eq == 0 {
			return t, fmt.Errorf("target %q: empty container name", s)
		}
		t.Container, sel = s[:eq], s[eq+1:]
	}
	kind, val, hasVal := strings.Cut(sel, ":")
	switch kind {
	case SelectSelf, SelectOthers:
		if hasVal {
			return t, fmt.Errorf("target %q: %s takes no value", s, kind)
		}
	case SelectPID:
		pid, err := strconv.Atoi(val)
		if err != nil || pid <= 0 {
			return t, fmt.Errorf("target %q: pid:N needs a positive pid", s)
		}
		t.Selector.PID = pid
	case SelectComm, SelectExe:
		if val == "" {
			return t, fmt.Errorf("target %q: %s:VALUE needs a value", s, kind)
		}
		t.Selector.Value = val
	default:
		return t, fmt.Errorf("target %q: want self, pid:N, comm:NAME, exe:PATH or others", s)
	}
	t.Selector.Kind = kind
	return t, nil
}

// processes is what a cycle knows of the visible processes; it lists and
// reads each only once, however many targets ask.
type processes struct {
	fs      probe.FS
	self    int
	selfCg  string
	pids    []int
	listed  bool
	listErr error
	cgroups map[int]string
	comms   map[int]string
}

func newProcesses(fs probe.FS) *processes {
	return &processes{fs: fs, cgroups: map[int]string{}, comms: map[int]string{}}
}

// list reads the visible pids, and secctx's own pid and cgroup, once per
// cycle and only for selectors that scan processes.
func (p *processes) list() ([]int, error) {
	if !p.listed {
		p.pids, p.listErr = p.fs.PIDs()
		p.self, _ = p.fs.SelfPID()
		p.selfCg, _ = p.fs.Cgroup(0)
		p.listed = true
	}
	return p.pids, p.listErr
}

// cgroup returns pid's cgroup, or "" when unreadable (the process is gone).
func (p *processes) cgroup(pid int) string {
	cg, ok := p.cgroups[pid]
	if !ok {
		cg, _ = p.fs.Cgroup(pid)
		p.cgroups[pid] = cg
	}
	return cg
}

func (p *processes) comm(pid int) string {
	c, ok := p.comms[pid]
	if !ok {
		b, _ := p.fs.Comm(pid)
		c = b
		p.comms[pid] = c
	}
	return c
}

// selectPIDs returns the pids a selector picks; 0 stands for secctx itself.
func (p *processes) selectPIDs(s Selector) ([]int, error) {
	switch s.Kind {
	case SelectSelf:
		return []int{0}, nil
	case SelectPID:
		return []int{s.PID}, nil
	}
	all, err := p.list()
	if err != nil {
		return nil, err
	}
	var out []int
	for _, pid := range all {
		if pid == p.self {
			continue
		}
		switch s.Kind {
		case SelectComm:
			if p.comm(pid) == s.Value {
				out = append(out, pid)
			}
		case SelectExe:
			if exe, err := p.fs.Exe(pid); err == nil && exe == s.Value {
				out = append(out, pid)
			}
		case SelectOthers:
			cg := p.cgroup(pid)
			if cg != "" && cg != p.selfCg && !infraCommands[p.comm(pid)] && !verify.Starting(p.comm(pid)) && !p.fs.IsKernelThread(pid) {
				out = append(out, pid)
			}
		}
	}
	return out, nil
}
