package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/secctx/secctx/manifest"
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

// Blocking lists the controls that keep the pod from the next level.
func (ps *PodSecurity) Blocking() []string {
	next := LevelRestricted
	if ps.Level == LevelPrivileged {
		next = LevelBaseline
	}
	var out []string
	seen := map[string]bool{}
	for _, v := range ps.Violations {
		if v.Level == next && !seen[v.Control] && ps.Level != LevelRestricted {
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

func (e *pssEval) add(control string, lvl Level, c *ctr, field, format string, args ...any) {
	v := Violation{Control: control, Level: lvl, Field: e.p.specField(field), Message: fmt.Sprintf(format, args...)}
	if strings.HasPrefix(field, "metadata:") { // an annotation
		v.Field = e.p.annotationField(strings.TrimPrefix(field, "metadata:"))
	}
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

// pssContainers are the containers the standards visit (all of them).
func (e *pssEval) containers() []*ctr { return e.p.ctrs }

// userNamespace reports whether the pod asks for its own user namespace,
// which relaxes some controls from 1.35 on.
func (e *pssEval) userNamespace() bool {
	hu := e.p.w.Spec.HostUsers
	return hu != nil && !*hu
}

func (e *pssEval) windows() bool { os := e.p.w.Spec.OS; return os != nil && os.Name == "windows" }

var pssBaselineCaps = []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}

// pssSysctls returns the safe sysctls of version 1.v; names are compared
// as written (a slash-form name is not safe).
func pssSysctls(v int) []string {
	s := []string{"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"}
	if v >= 27 {
		s = append(s, "net.ipv4.ip_local_reserved_ports")
	}
	if v >= 29 {
		s = append(s, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes")
	}
	if v >= 32 {
		s = append(s, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem")
	}
	if v >= 37 {
		s = append(s, "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat")
	}
	return s
}

func (e *pssEval) baseline() {
	p := e.p
	psc := p.psc
	const B = LevelBaseline
	// HostProcess.
	if w := psc.WindowsOptions; w != nil && w.HostProcess != nil && *w.HostProcess {
		e.add(ControlHostProcess, B, nil, "securityContext.windowsOptions.hostProcess", "Windows HostProcess must not be set.")
	}
	for _, c := range e.containers() {
		if w := c.sc.WindowsOptions; w != nil && w.HostProcess != nil && *w.HostProcess {
			e.add(ControlHostProcess, B, c, c.path("securityContext.windowsOptions.hostProcess"), "Windows HostProcess must not be set.")
		}
	}
	// Host Namespaces.
	for _, ns := range []struct {
		on   bool
		name string
	}{{p.w.Spec.HostNetwork, "hostNetwork"}, {p.w.Spec.HostPID, "hostPID"}, {p.w.Spec.HostIPC, "hostIPC"}} {
		if ns.on {
			e.add(ControlHostNamespaces, B, nil, ns.name, "%s: true shares a host namespace.", ns.name)
		}
	}
	for _, c := range e.containers() {
		// Privileged Containers.
		if c.sc.Privileged != nil && *c.sc.Privileged {
			e.add(ControlPrivileged, B, c, c.path("securityContext.privileged"), "privileged must not be true.")
		}
		// Capabilities (baseline): exact names from the default set.
		for i, n := range capEntries(c, "add") {
			if !containsString(pssBaselineCaps, n) {
				e.add(ControlCapabilities, B, c, c.path(fmt.Sprintf("securityContext.capabilities.add[%d]", i)),
					"%s is not among the capabilities baseline allows to add.", n)
			}
		}
	}
	// HostPath Volumes.
	for i, vol := range p.w.Spec.Volumes {
		if vol.HostPath != nil {
			e.add(ControlHostPathVolumes, B, nil, fmt.Sprintf("volumes[%d].hostPath", i), "volume %q is a hostPath volume.", vol.Name)
		}
	}
	for _, c := range e.containers() {
		// Host Ports.
		for i, port := range c.c.Ports {
			if port.HostPort != 0 {
				e.add(ControlHostPorts, B, c, c.path(fmt.Sprintf("ports[%d].hostPort", i)), "hostPort %d must be 0 or unset.", port.HostPort)
			}
		}
		// Host Probes / Lifecycle Hooks (1.34+).
		if e.v >= 34 {
			e.hostProbes(c)
		}
	}
	// AppArmor.
	if a := psc.AppArmorProfile; a != nil && !pssAppArmorType(a.Type) {
		e.add(ControlAppArmor, B, nil, "securityContext.appArmorProfile.type", "AppArmor profile type %s is not allowed.", a.Type)
	}
	for _, c := range e.containers() {
		if a := c.sc.AppArmorProfile; a != nil && !pssAppArmorType(a.Type) {
			e.add(ControlAppArmor, B, c, c.path("securityContext.appArmorProfile.type"), "AppArmor profile type %s is not allowed.", a.Type)
		}
	}
	for _, k := range sortedKeys(p.w.Annotations) {
		const prefix = "container.apparmor.security.beta.kubernetes.io/"
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		v := p.w.Annotations[k]
		if v == "" || v == "runtime/default" || strings.HasPrefix(v, "localhost/") {
			continue
		}
		var c *ctr
		for _, x := range e.containers() {
			if x.c.Name == strings.TrimPrefix(k, prefix) {
				c = x
			}
		}
		e.add(ControlAppArmor, B, c, "metadata:"+k, "AppArmor annotation value %q is not allowed.", v)
	}
	// SELinux.
	e.seLinux(nil, psc.SELinuxOptions, "securityContext.seLinuxOptions")
	for _, c := range e.containers() {
		e.seLinux(c, c.sc.SELinuxOptions, c.path("securityContext.seLinuxOptions"))
	}
	// /proc Mount Type (baseline: relaxed for user-namespaced pods from 1.35).
	if !(e.v >= 35 && e.userNamespace()) {
		e.procMount(B)
	}
	// Seccomp (baseline): Unconfined is not allowed where declared.
	if s := psc.SeccompProfile; s != nil && !pssSeccompType(s.Type) {
		e.add(ControlSeccomp, B, nil, "securityContext.seccompProfile.type", "seccomp profile type %s is not allowed.", s.Type)
	}
	for _, c := range e.containers() {
		if s := c.sc.SeccompProfile; s != nil && !pssSeccompType(s.Type) {
			e.add(ControlSeccomp, B, c, c.path("securityContext.seccompProfile.type"), "seccomp profile type %s is not allowed.", s.Type)
		}
	}
	// Sysctls.
	safe := pssSysctls(e.v)
	for i, s := range psc.Sysctls {
		if !containsString(safe, s.Name) {
			e.add(ControlSysctls, B, nil, fmt.Sprintf("securityContext.sysctls[%d].name", i), "sysctl %s is not in the safe set.", s.Name)
		}
	}
}

// hostProbes: the host of a probe's or lifecycle handler's httpGet or
// tcpSocket must be unset.
func (e *pssEval) hostProbes(c *ctr) {
	for _, h := range c.c.Handlers() {
		for _, a := range []struct {
			field  string
			action *manifest.HostAction
		}{{"httpGet", h.HTTPGet}, {"tcpSocket", h.TCPSocket}} {
			if a.action != nil && a.action.Host != "" {
				e.add(ControlHostProbes, LevelBaseline, c, c.path(h.Path+"."+a.field+".host"), "host %q must be unset.", a.action.Host)
			}
		}
	}
}

func (e *pssEval) procMount(lvl Level) {
	for _, c := range e.containers() {
		if pm := c.sc.ProcMount; pm != nil && *pm != "Default" {
			e.add(ControlProcMount, lvl, c, c.path("securityContext.procMount"), "procMount %s is not allowed.", *pm)
		}
	}
}

func (e *pssEval) seLinux(c *ctr, o *manifest.SELinuxOptions, field string) {
	if o == nil {
		return
	}
	allowed := []string{"", "container_t", "container_init_t", "container_kvm_t"}
	if e.v >= 31 {
		allowed = append(allowed, "container_engine_t")
	}
	if !containsString(allowed, o.Type) {
		e.add(ControlSELinux, LevelBaseline, c, field+".type", "SELinux type %s is not allowed.", o.Type)
	}
	if o.User != "" {
		e.add(ControlSELinux, LevelBaseline, c, field+".user", "an SELinux user must not be set.")
	}
	if o.Role != "" {
		e.add(ControlSELinux, LevelBaseline, c, field+".role", "an SELinux role must not be set.")
	}
}

func pssAppArmorType(t string) bool { return t == "RuntimeDefault" || t == "Localhost" }
func pssSeccompType(t string) bool  { return t == "RuntimeDefault" || t == "Localhost" }

// pssRestrictedVolumes are the volume sources restricted allows.
var pssRestrictedVolumes = []string{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
	"persistentVolumeClaim", "projected", "secret"}

func (e *pssEval) restricted() {
	p := e.p
	psc := p.psc
	const R = LevelRestricted
	// Volume Types.
	for i, vol := range p.w.Spec.Volumes {
		if src := vol.Source(); !containsString(pssRestrictedVolumes, src) {
			if src == "" {
				src = "(none)"
			}
			e.add(ControlVolumeTypes, R, nil, fmt.Sprintf("volumes[%d]", i), "volume %q has the restricted type %s.", vol.Name, src)
		}
	}
	windows := e.windows()
	relax := e.v >= 35 && e.userNamespace()
	// Privilege Escalation.
	if !windows {
		for _, c := range e.containers() {
			if ape := c.sc.AllowPrivilegeEscalation; ape == nil || *ape {
				e.add(ControlPrivilegeEscalate, R, c, c.path("securityContext.allowPrivilegeEscalation"), "allowPrivilegeEscalation must be false.")
			}
		}
	}
	// Running as Non-root.
	if !relax {
		podNonRoot := false
		if r := psc.RunAsNonRoot; r != nil {
			if !*r {
				e.add(ControlRunAsNonRoot, R, nil, "securityContext.runAsNonRoot", "runAsNonRoot must not be false.")
			} else {
				podNonRoot = true
			}
		}
		for _, c := range e.containers() {
			switch r := c.sc.RunAsNonRoot; {
			case r != nil && !*r:
				e.add(ControlRunAsNonRoot, R, c, c.path("securityContext.runAsNonRoot"), "runAsNonRoot must not be false.")
			case r == nil && !podNonRoot:
				e.add(ControlRunAsNonRoot, R, c, c.path("securityContext.runAsNonRoot"), "the pod or the container must set runAsNonRoot: true.")
			}
		}
	}
	// Running as Non-root user.
	if !relax {
		if u := psc.RunAsUser; u != nil && *u == 0 {
			e.add(ControlRunAsNonRootUser, R, nil, "securityContext.runAsUser", "runAsUser must not be 0.")
		}
		for _, c := range e.containers() {
			if u := c.sc.RunAsUser; u != nil && *u == 0 {
				e.add(ControlRunAsNonRootUser, R, c, c.path("securityContext.runAsUser"), "runAsUser must not be 0.")
			}
		}
	}
	// Seccomp (restricted): declared at pod level or in every container.
	if !windows {
		podSet := psc.SeccompProfile != nil && pssSeccompType(psc.SeccompProfile.Type)
		for _, c := range e.containers() {
			if c.sc.SeccompProfile == nil && !podSet {
				e.add(ControlSeccomp, R, c, c.path("securityContext.seccompProfile"), "the pod or the container must set seccompProfile.type to RuntimeDefault or Localhost.")
			}
		}
	}
	// Capabilities (restricted).
	if !windows {
		for _, c := range e.containers() {
			if !containsString(capEntries(c, "drop"), "ALL") {
				e.add(ControlCapabilities, R, c, c.path("securityContext.capabilities.drop"), `capabilities.drop must include "ALL".`)
			}
			for i, n := range capEntries(c, "add") {
				if n != "NET_BIND_SERVICE" && containsString(pssBaselineCaps, n) {
					e.add(ControlCapabilities, R, c, c.path(fmt.Sprintf("securityContext.capabilities.add[%d]", i)),
						"only NET_BIND_SERVICE may be added, not %s.", n)
				}
			}
		}
	}
	// /proc Mount Type (restricted, 1.35+: not relaxed for user namespaces).
	if e.v >= 35 && e.userNamespace() {
		e.procMount(R)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
