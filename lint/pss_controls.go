package lint

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/secctx/secctx/manifest"
)

// The controls of the Pod Security Standards, each as the page states it
// and k8s.io/pod-security-admission/policy checks it, in the library's
// order.

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
	e.hostProcess()
	e.hostNamespaces()
	for _, c := range e.containers() {
		// Privileged Containers.
		if c.sc.Privileged != nil && *c.sc.Privileged {
			e.add(ControlPrivileged, LevelBaseline, c, c.path("securityContext.privileged"), "privileged must not be true.")
		}
		// Capabilities (baseline): exact names from the default set.
		for i, n := range capEntries(c, "add") {
			if !slices.Contains(pssBaselineCaps, n) {
				e.add(ControlCapabilities, LevelBaseline, c, c.path(fmt.Sprintf("securityContext.capabilities.add[%d]", i)),
					"%s is not among the capabilities baseline allows to add.", n)
			}
		}
	}
	e.hostPathsPortsProbes()
	e.appArmor()
	// SELinux.
	e.seLinux(nil, e.p.psc.SELinuxOptions, "securityContext.seLinuxOptions")
	for _, c := range e.containers() {
		e.seLinux(c, c.sc.SELinuxOptions, c.path("securityContext.seLinuxOptions"))
	}
	// /proc Mount Type (baseline: relaxed for user-namespaced pods from 1.35).
	if !(e.v >= 35 && e.userNamespace()) {
		e.procMount(LevelBaseline)
	}
	// Seccomp (baseline): Unconfined is not allowed where declared.
	seccomp := func(c *ctr, s *manifest.SeccompProfile, field string) {
		if s != nil && !pssSeccompType(s.Type) {
			e.add(ControlSeccomp, LevelBaseline, c, field+".type", "seccomp profile type %s is not allowed.", s.Type)
		}
	}
	seccomp(nil, e.p.psc.SeccompProfile, "securityContext.seccompProfile")
	for _, c := range e.containers() {
		seccomp(c, c.sc.SeccompProfile, c.path("securityContext.seccompProfile"))
	}
	// Sysctls.
	safe := pssSysctls(e.v)
	for i, s := range e.p.psc.Sysctls {
		if !slices.Contains(safe, s.Name) {
			e.add(ControlSysctls, LevelBaseline, nil, fmt.Sprintf("securityContext.sysctls[%d].name", i), "sysctl %s is not in the safe set.", s.Name)
		}
	}
}

// hostProcess: Windows HostProcess must not be set, in the pod or a
// container.
func (e *pssEval) hostProcess() {
	set := func(w *manifest.WindowsOptions) bool { return w != nil && w.HostProcess != nil && *w.HostProcess }
	if set(e.p.psc.WindowsOptions) {
		e.add(ControlHostProcess, LevelBaseline, nil, "securityContext.windowsOptions.hostProcess", "Windows HostProcess must not be set.")
	}
	for _, c := range e.containers() {
		if set(c.sc.WindowsOptions) {
			e.add(ControlHostProcess, LevelBaseline, c, c.path("securityContext.windowsOptions.hostProcess"), "Windows HostProcess must not be set.")
		}
	}
}

// hostNamespaces: no host network, PID or IPC namespace.
func (e *pssEval) hostNamespaces() {
	spec := &e.p.w.Spec
	for _, ns := range []struct {
		on   bool
		name string
	}{{spec.HostNetwork, "hostNetwork"}, {spec.HostPID, "hostPID"}, {spec.HostIPC, "hostIPC"}} {
		if ns.on {
			e.add(ControlHostNamespaces, LevelBaseline, nil, ns.name, "%s: true shares a host namespace.", ns.name)
		}
	}
}

// hostPathsPortsProbes: no hostPath volume, no host port, and (1.34+) no
// host in a probe or lifecycle handler.
func (e *pssEval) hostPathsPortsProbes() {
	for i, vol := range e.p.w.Spec.Volumes {
		if vol.HostPath != nil {
			e.add(ControlHostPathVolumes, LevelBaseline, nil, fmt.Sprintf("volumes[%d].hostPath", i), "volume %q is a hostPath volume.", vol.Name)
		}
	}
	for _, c := range e.containers() {
		for i, port := range c.c.Ports {
			if port.HostPort != 0 {
				e.add(ControlHostPorts, LevelBaseline, c, c.path(fmt.Sprintf("ports[%d].hostPort", i)), "hostPort %d must be 0 or unset.", port.HostPort)
			}
		}
		if e.v < 34 {
			continue
		}
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
}

// appArmor: the profile, where declared, is RuntimeDefault or Localhost;
// so is a legacy annotation's.
func (e *pssEval) appArmor() {
	profile := func(c *ctr, a *manifest.AppArmorProfile, field string) {
		if a != nil && !pssAppArmorType(a.Type) {
			e.add(ControlAppArmor, LevelBaseline, c, field+".type", "AppArmor profile type %s is not allowed.", a.Type)
		}
	}
	profile(nil, e.p.psc.AppArmorProfile, "securityContext.appArmorProfile")
	for _, c := range e.containers() {
		profile(c, c.sc.AppArmorProfile, c.path("securityContext.appArmorProfile"))
	}
	const prefix = "container.apparmor.security.beta.kubernetes.io/"
	for _, k := range sortedKeys(e.p.w.Annotations) {
		v := e.p.w.Annotations[k]
		if !strings.HasPrefix(k, prefix) || v == "" || v == "runtime/default" || strings.HasPrefix(v, "localhost/") {
			continue
		}
		var c *ctr
		for _, x := range e.containers() {
			if x.c.Name == strings.TrimPrefix(k, prefix) {
				c = x
			}
		}
		e.addAt(ControlAppArmor, LevelBaseline, c, e.p.annotationField(k), "AppArmor annotation value %q is not allowed.", v)
	}
}

func (e *pssEval) procMount(lvl Level) {
	for _, c := range e.containers() {
		if pm := c.sc.ProcMount; pm != nil && *pm != manifest.DefaultProcMount {
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
	if !slices.Contains(allowed, o.Type) {
		e.add(ControlSELinux, LevelBaseline, c, field+".type", "SELinux type %s is not allowed.", o.Type)
	}
	if o.User != "" {
		e.add(ControlSELinux, LevelBaseline, c, field+".user", "an SELinux user must not be set.")
	}
	if o.Role != "" {
		e.add(ControlSELinux, LevelBaseline, c, field+".role", "an SELinux role must not be set.")
	}
}

func pssAppArmorType(t manifest.AppArmorProfileType) bool {
	return t == manifest.AppArmorProfileTypeRuntimeDefault || t == manifest.AppArmorProfileTypeLocalhost
}

func pssSeccompType(t manifest.SeccompProfileType) bool {
	return t == manifest.SeccompProfileTypeRuntimeDefault || t == manifest.SeccompProfileTypeLocalhost
}

// pssRestrictedVolumes are the volume sources restricted allows.
var pssRestrictedVolumes = []string{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
	"persistentVolumeClaim", "projected", "secret"}

func (e *pssEval) restricted() {
	const R = LevelRestricted
	// Volume Types.
	for i, vol := range e.p.w.Spec.Volumes {
		if src := vol.Source(); !slices.Contains(pssRestrictedVolumes, src) {
			if src == "" {
				src = "(none)"
			}
			e.add(ControlVolumeTypes, R, nil, fmt.Sprintf("volumes[%d]", i), "volume %q has the restricted type %s.", vol.Name, src)
		}
	}
	windows := e.windows()
	// Privilege Escalation.
	for _, c := range e.containers() {
		if ape := c.sc.AllowPrivilegeEscalation; !windows && (ape == nil || *ape) {
			e.add(ControlPrivilegeEscalate, R, c, c.path("securityContext.allowPrivilegeEscalation"), "allowPrivilegeEscalation must be false.")
		}
	}
	// Running as Non-root and Running as Non-root user (relaxed for
	// user-namespaced pods from 1.35).
	if !(e.v >= 35 && e.userNamespace()) {
		e.runAsNonRoot()
	}
	if !windows {
		e.restrictedSeccompCaps()
	}
	// /proc Mount Type (restricted, 1.35+: not relaxed for user namespaces).
	if e.v >= 35 && e.userNamespace() {
		e.procMount(R)
	}
}

// runAsNonRoot: runAsNonRoot true for every container, from the pod or its
// own, never false; runAsUser never 0.
func (e *pssEval) runAsNonRoot() {
	const R = LevelRestricted
	psc := e.p.psc
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
	if u := psc.RunAsUser; u != nil && *u == 0 {
		e.add(ControlRunAsNonRootUser, R, nil, "securityContext.runAsUser", "runAsUser must not be 0.")
	}
	for _, c := range e.containers() {
		if u := c.sc.RunAsUser; u != nil && *u == 0 {
			e.add(ControlRunAsNonRootUser, R, c, c.path("securityContext.runAsUser"), "runAsUser must not be 0.")
		}
	}
}

// restrictedSeccompCaps: a seccomp profile declared at pod level or in
// every container; capabilities.drop holds ALL, and only NET_BIND_SERVICE
// is added.
func (e *pssEval) restrictedSeccompCaps() {
	const R = LevelRestricted
	podSet := e.p.psc.SeccompProfile != nil && pssSeccompType(e.p.psc.SeccompProfile.Type)
	for _, c := range e.containers() {
		if c.sc.SeccompProfile == nil && !podSet {
			e.add(ControlSeccomp, R, c, c.path("securityContext.seccompProfile"), "the pod or the container must set seccompProfile.type to RuntimeDefault or Localhost.")
		}
	}
	for _, c := range e.containers() {
		if !slices.Contains(capEntries(c, "drop"), "ALL") {
			e.add(ControlCapabilities, R, c, c.path("securityContext.capabilities.drop"), `capabilities.drop must include "ALL".`)
		}
		for i, n := range capEntries(c, "add") {
			if n != "NET_BIND_SERVICE" && slices.Contains(pssBaselineCaps, n) {
				e.add(ControlCapabilities, R, c, c.path(fmt.Sprintf("securityContext.capabilities.add[%d]", i)),
					"only NET_BIND_SERVICE may be added, not %s.", n)
			}
		}
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
