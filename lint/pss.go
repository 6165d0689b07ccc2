package lint

import (
	"fmt"
)

// The Pod Security Standards (kubernetes.io "Pod Security Standards"),
// written out for the binary; the tests prove them against
// k8s.io/pod-security-admission/policy, version by version.

// Level is a Pod Security Standards level.
type Level string

// Levels, least to most restrictive.
const (
	LevelPrivileged Level = "privileged"
	LevelBaseline   Level = "baseline"
	LevelRestricted Level = "restricted"
)

// LatestPSSVersion is the newest Pod Security Standards version (1.x)
// this build evaluates; MinPSSVersion the oldest.
const (
	LatestPSSVersion = 37
	MinPSSVersion    = 25
)

// The controls, by their names on the Pod Security Standards page.
const (
	ControlHostProcess       = "HostProcess"
	ControlHostNamespaces    = "Host Namespaces"
	ControlPrivileged        = "Privileged Containers"
	ControlCapabilities      = "Capabilities"
	ControlHostPathVolumes   = "HostPath Volumes"
	ControlHostPorts         = "Host Ports"
	ControlHostProbes        = "Host Probes / Lifecycle Hooks"
	ControlAppArmor          = "AppArmor"
	ControlSELinux           = "SELinux"
	ControlProcMount         = "/proc Mount Type"
	ControlSeccomp           = "Seccomp"
	ControlSysctls           = "Sysctls"
	ControlVolumeTypes       = "Volume Types"
	ControlPrivilegeEscalate = "Privilege Escalation"
	ControlRunAsNonRoot      = "Running as Non-root"
	ControlRunAsNonRootUser  = "Running as Non-root user"
)

// Violation is one field that keeps a pod or container from a level.
type Violation struct {
	Control string `json:"control"`
	// Level is the level the violation keeps the pod from: baseline (so
	// the pod is privileged) or restricted (so it is at most baseline).
	Level Level `json:"level"`
	// Container is "" for a pod-level field.
	Container string `json:"container,omitempty"`
	Field     string `json:"field"`
	Line      int    `json:"line,omitempty"`
	Message   string `json:"message"`
}

// PodSecurity is a workload's evaluation.
type PodSecurity struct {
	// Version is the Pod Security Standards version evaluated ("1.37").
	Version string `json:"version"`
	// Level is the highest level the pod meets.
	Level      Level       `json:"level"`
	Violations []Violation `json:"violations"`
}

// containerLevel is the highest level a container meets: what its own
// fields and the pod-level ones allow.
func (ps *PodSecurity) containerLevel(name string) Level {
	lvl := LevelRestricted
	for _, v := range ps.Violations {
		if v.Container != "" && v.Container != name {
			continue
		}
		switch v.Level {
		case LevelBaseline:
			return LevelPrivileged
		case LevelRestricted:
			lvl = LevelBaseline
		}
	}
	return lvl
}

// nextLevel is the level above the one the pod meets (restricted for a
// restricted pod, which has nothing above it).
func (ps *PodSecurity) nextLevel() Level {
	if ps.Level == LevelPrivileged {
		return LevelBaseline
	}
	return LevelRestricted
}

// Blocking lists the controls that keep the pod from the next level.
func (ps *PodSecurity) Blocking() []string {
	if ps.Level == LevelRestricted {
		return nil
	}
	next := ps.nextLevel()
	var out []string
	seen := map[string]bool{}
	for _, v := range ps.Violations {
		if v.Level == next && !seen[v.Control] {
			seen[v.Control] = true
			out = append(out, v.Control)
		}
	}
	return out
}

// pssEval collects violations.
type pssEval struct {
	p   *pod
	v   int // version minor
	out []Violation
}

// add records a violation at field, a path relative to the pod spec.
func (e *pssEval) add(control string, lvl Level, c *ctr, field, format string, args ...any) {
	e.addAt(control, lvl, c, e.p.specField(field), format, args...)
}

// addAt is add with field a path in the document (an annotation's, say).
func (e *pssEval) addAt(control string, lvl Level, c *ctr, field, format string, args ...any) {
	v := Violation{Control: control, Level: lvl, Field: field, Message: fmt.Sprintf(format, args...)}
	if c != nil {
		v.Container = c.c.Name
	}
	v.Line, _ = e.p.ix.position(e.p.w.Doc, v.Field)
	e.out = append(e.out, v)
}

// evaluatePSS evaluates the pod at version 1.v.
func evaluatePSS(p *pod, v int) *PodSecurity {
	e := &pssEval{p: p, v: v}
	e.baseline()
	e.restricted()
	ps := &PodSecurity{Version: fmt.Sprintf("1.%d", v), Level: LevelRestricted, Violations: e.out}
	if ps.Violations == nil {
		ps.Violations = []Violation{}
	}
	for _, x := range e.out {
		if x.Level == LevelBaseline {
			ps.Level = LevelPrivileged
			break
		}
		ps.Level = LevelBaseline
	}
	return ps
}

// containers are the containers the standards visit (all of them).
func (e *pssEval) containers() []*ctr { return e.p.ctrs }

// userNamespace reports whether the pod asks for its own user namespace,
// which relaxes some controls from 1.35 on.
func (e *pssEval) userNamespace() bool {
	hu := e.p.w.Spec.HostUsers
	return hu != nil && !*hu
}

func (e *pssEval) windows() bool { os := e.p.w.Spec.OS; return os != nil && os.Name == "windows" }
