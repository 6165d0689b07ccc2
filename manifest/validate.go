package manifest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/sysctl"
)

// MaxSysctls bounds the sysctls of a pod: each is a file read and a
// finding every cycle, so their number bounds the work and memory of a
// cycle. A pod sets a handful.
const MaxSysctls = 512

const maxID = 2147483647

// validate rejects what the Kubernetes API server (or the CRI runtime, for
// capability names) would reject, so that an expectation is never derived
// from a manifest that could not have produced a running container. The
// rules run in order, pod first, then each container; the first error is
// the one reported.
func validate(w *Workload, path string) *Error {
	v := &validation{w: w, hostUsers: w.Spec.HostUsers == nil || *w.Spec.HostUsers}
	for _, rule := range podRules {
		if err := rule(v, path); err != nil {
			return err
		}
	}
	v.names = map[string]bool{}
	for _, l := range w.Spec.ContainerLists() {
		for i := range l.Items {
			cf := fmt.Sprintf("%s.%s[%d]", path, l.Field, i)
			for _, rule := range containerRules {
				if err := rule(v, &l.Items[i], cf); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// validation is the state the rules share: the workload, whether the pod
// uses the host's user namespace, and the container names seen so far.
type validation struct {
	w         *Workload
	hostUsers bool
	names     map[string]bool
}

// bad is a validation error of field.
func bad(field, format string, args ...interface{}) *Error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// podRules validate the pod spec; path is the spec's.
var podRules = []func(v *validation, path string) *Error{
	validateHostUsers,
	podSC(func(_ *validation, psc *PodSecurityContext, f string) *Error {
		return validateIDs(f, psc.RunAsUser, psc.RunAsGroup)
	}),
	podSC(validateGroups),
	podSC(validateSysctls),
	podSC(func(_ *validation, psc *PodSecurityContext, f string) *Error {
		return validateProfiles(f, psc.SeccompProfile, psc.AppArmorProfile)
	}),
}

// containerRules validate one container; f is its field path.
var containerRules = []func(v *validation, c *Container, f string) *Error{
	validateContainerName,
	func(_ *validation, c *Container, f string) *Error {
		return validateResources(f+".resources", c.Resources)
	},
	containerSC(func(_ *validation, sc *SecurityContext, f string) *Error {
		return validateIDs(f, sc.RunAsUser, sc.RunAsGroup)
	}),
	containerSC(validateCapabilities),
	containerSC(validateNoEscalation),
	containerSC(validateProcMount),
	containerSC(func(_ *validation, sc *SecurityContext, f string) *Error {
		return validateProfiles(f, sc.SeccompProfile, sc.AppArmorProfile)
	}),
}

// podSC runs a rule on the pod's securityContext, when it has one.
func podSC(rule func(*validation, *PodSecurityContext, string) *Error) func(*validation, string) *Error {
	return func(v *validation, path string) *Error {
		if psc := v.w.Spec.SecurityContext; psc != nil {
			return rule(v, psc, path+".securityContext")
		}
		return nil
	}
}

// containerSC runs a rule on a container's securityContext, when it has
// one.
func containerSC(rule func(*validation, *SecurityContext, string) *Error) func(*validation, *Container, string) *Error {
	return func(v *validation, c *Container, f string) *Error {
		if c.SecurityContext != nil {
			return rule(v, c.SecurityContext, f+".securityContext")
		}
		return nil
	}
}

// validateHostUsers: a user namespace cannot go with the host's PID or IPC
// namespace (ValidatePodSpec's hostUsers rule).
func validateHostUsers(v *validation, path string) *Error {
	if !v.hostUsers && (v.w.Spec.HostPID || v.w.Spec.HostIPC) {
		return bad(path+".hostUsers", "hostUsers: false is not allowed with hostPID or hostIPC")
	}
	return nil
}

// validateGroups: fsGroup and supplementalGroups are ids, and the policy
// is Merge or Strict.
func validateGroups(_ *validation, psc *PodSecurityContext, f string) *Error {
	if psc.FSGroup != nil && (*psc.FSGroup < 0 || *psc.FSGroup > maxID) {
		return bad(f+".fsGroup", "must be between 0 and %d", maxID)
	}
	for i, g := range psc.SupplementalGroups {
		if g < 0 || g > maxID {
			return bad(fmt.Sprintf("%s.supplementalGroups[%d]", f, i), "must be between 0 and %d", maxID)
		}
	}
	if p := psc.SupplementalGroupsPolicy; p != nil && *p != SupplementalGroupsPolicyMerge && *p != SupplementalGroupsPolicyStrict {
		return bad(f+".supplementalGroupsPolicy", "unsupported value %q: want Merge or Strict", *p)
	}
	return nil
}

// validateSysctls: at most MaxSysctls, each a valid name once, and none in
// a namespace the pod shares with the host.
func validateSysctls(v *validation, psc *PodSecurityContext, f string) *Error {
	if len(psc.Sysctls) > MaxSysctls {
		return bad(f+".sysctls", "%d sysctls, more than the %d secctx reads (each is read from /proc/sys and reported every cycle)", len(psc.Sysctls), MaxSysctls)
	}
	seen := map[string]bool{}
	for i, s := range psc.Sysctls {
		sf := fmt.Sprintf("%s.sysctls[%d].name", f, i)
		if !ValidSysctlName(s.Name) {
			return bad(sf, "invalid sysctl name %q", s.Name)
		}
		n := sysctl.NormalizeName(s.Name)
		if seen[n] {
			return bad(sf, "duplicate sysctl %q", s.Name)
		}
		seen[n] = true
		// The kubelet refuses namespaced sysctls in a namespace the pod
		// shares with the host (SysctlForbidden): the pod never runs.
		if v.w.Spec.HostNetwork && strings.HasPrefix(n, "net.") {
			return bad(sf, "sysctl %q is not allowed with hostNetwork: true (the kubelet refuses the pod)", s.Name)
		}
		if v.w.Spec.HostIPC && isIPCSysctl(n) {
			return bad(sf, "sysctl %q is not allowed with hostIPC: true (the kubelet refuses the pod)", s.Name)
		}
	}
	return nil
}

// validateProfiles validates the seccomp and AppArmor profiles of a
// securityContext at f.
func validateProfiles(f string, seccomp *SeccompProfile, apparmor *AppArmorProfile) *Error {
	if seccomp != nil {
		if err := validateProfile(f+".seccompProfile", seccomp.fields()); err != nil {
			return err
		}
	}
	if apparmor != nil {
		return validateProfile(f+".appArmorProfile", apparmor.fields())
	}
	return nil
}

// validateContainerName: a DNS-1123 label, unique across the pod's
// containers of every kind.
func validateContainerName(v *validation, c *Container, cf string) *Error {
	switch {
	case c.Name == "":
		return bad(cf+".name", "required")
	case !dns1123Label(c.Name):
		return bad(cf+".name", "invalid container name %q: want a DNS-1123 label (lower-case letters, digits and '-', at most 63)", c.Name)
	case v.names[c.Name]:
		return bad(cf+".name", "duplicate container name %q", c.Name)
	}
	v.names[c.Name] = true
	return nil
}

// validateCapabilities: every name added or dropped is a capability the
// runtime knows (or ALL).
func validateCapabilities(_ *validation, sc *SecurityContext, f string) *Error {
	if sc.Capabilities == nil {
		return nil
	}
	for _, l := range []struct {
		field string
		names []string
	}{{"add", sc.Capabilities.Add}, {"drop", sc.Capabilities.Drop}} {
		for j, n := range l.names {
			if IsAll(n) {
				continue
			}
			if _, err := caps.Value(n); err != nil {
				return bad(fmt.Sprintf("%s.capabilities.%s[%d]", f, l.field, j), "unknown capability %q", n)
			}
		}
	}
	return nil
}

// validateNoEscalation: allowPrivilegeEscalation false goes with neither
// privileged nor CAP_SYS_ADMIN (ValidateSecurityContext).
func validateNoEscalation(_ *validation, sc *SecurityContext, f string) *Error {
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		return nil
	}
	if sc.Privileged != nil && *sc.Privileged {
		return bad(f+".allowPrivilegeEscalation", "cannot set allowPrivilegeEscalation to false and privileged to true")
	}
	if sc.Capabilities != nil {
		for _, n := range sc.Capabilities.Add {
			if n == "CAP_SYS_ADMIN" {
				return bad(f+".allowPrivilegeEscalation", "cannot set allowPrivilegeEscalation to false and capabilities.add CAP_SYS_ADMIN")
			}
		}
	}
	return nil
}

// validateProcMount: Default, or Unmasked in a user namespace.
func validateProcMount(v *validation, sc *SecurityContext, f string) *Error {
	pm := sc.ProcMount
	if pm == nil {
		return nil
	}
	switch *pm {
	case DefaultProcMount:
	case UnmaskedProcMount:
		if v.hostUsers {
			return bad(f+".procMount", "Unmasked requires hostUsers: false")
		}
	default:
		return bad(f+".procMount", "unsupported value %q: want Default or Unmasked", *pm)
	}
	return nil
}

// validateResources refuses a quantity the API server cannot parse.
func validateResources(f string, r ResourceRequirements) *Error {
	for _, l := range []struct {
		field string
		list  map[string]Quantity
	}{{"limits", r.Limits}, {"requests", r.Requests}} {
		names := make([]string, 0, len(l.list))
		for name := range l.list {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if _, err := l.list[name].Value(); err != nil {
				return &Error{Field: keyField(f+"."+l.field, name), Msg: err.Error()}
			}
		}
	}
	return nil
}

// keyField is the path of a map entry: "limits.memory", or
// "annotations[example.com/key]" for a key that holds a dot, a slash or a
// bracket.
func keyField(path, key string) string {
	if strings.ContainsAny(key, "./[]") {
		return path + "[" + key + "]"
	}
	return path + "." + key
}

func validateIDs(f string, uid, gid *int64) *Error {
	for _, id := range []struct {
		name string
		v    *int64
	}{{"runAsUser", uid}, {"runAsGroup", gid}} {
		if id.v != nil && (*id.v < 0 || *id.v > maxID) {
			return &Error{Field: f + "." + id.name, Msg: fmt.Sprintf("must be between 0 and %d", maxID)}
		}
	}
	return nil
}

// profileFields are what validateProfile checks of a seccompProfile or an
// appArmorProfile: its type, its localhostProfile, whether the type is one
// without a file (other) or the one with a file (localhost), and whether
// the file is a path below the kubelet's seccomp directory.
type profileFields struct {
	typ                    string
	local                  *string
	other, localhost, path bool
}

// fields of a seccompProfile.
func (p *SeccompProfile) fields() profileFields {
	return profileFields{typ: string(p.Type), local: p.LocalhostProfile, path: true,
		other:     p.Type == SeccompProfileTypeRuntimeDefault || p.Type == SeccompProfileTypeUnconfined,
		localhost: p.Type == SeccompProfileTypeLocalhost}
}

// fields of an appArmorProfile.
func (p *AppArmorProfile) fields() profileFields {
	return profileFields{typ: string(p.Type), local: p.LocalhostProfile,
		other:     p.Type == AppArmorProfileTypeRuntimeDefault || p.Type == AppArmorProfileTypeUnconfined,
		localhost: p.Type == AppArmorProfileTypeLocalhost}
}

// validateProfile checks a seccompProfile or appArmorProfile: a known
// type, and a localhostProfile exactly when the type is Localhost.
func validateProfile(f string, p profileFields) *Error {
	switch {
	case p.other:
		if p.local != nil {
			return &Error{Field: f + ".localhostProfile", Msg: "may only be set when type is Localhost"}
		}
	case p.localhost:
		if p.local == nil || strings.TrimSpace(*p.local) == "" {
			return &Error{Field: f + ".localhostProfile", Msg: "required when type is Localhost"}
		}
		if p.path && !isLocalDescendingPath(*p.local) {
			return &Error{Field: f + ".localhostProfile", Msg: fmt.Sprintf("%q must be a relative path below the kubelet's seccomp directory, without '..'", *p.local)}
		}
	case p.typ == "":
		return &Error{Field: f + ".type", Msg: "required"}
	default:
		return &Error{Field: f + ".type", Msg: fmt.Sprintf("unsupported value %q: want RuntimeDefault, Localhost or Unconfined", p.typ)}
	}
	return nil
}

// The name syntaxes are matched by hand, not by regular expressions: a
// one-shot verify would compile them at every start, which cost more than
// the rest of the validation. manifest's tests hold each to the
// regular expression of the Kubernetes validation it follows.

// dns1123Label reports whether name is a DNS-1123 label, the syntax of a
// container name: `^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`
// (k8s.io/apimachinery/pkg/util/validation.IsDNS1123Label).
func dns1123Label(name string) bool {
	return len(name) <= 63 && labelLike(name, func(c byte) bool { return c == '-' })
}

// labelLike reports whether s is a non-empty run of [a-z0-9] and inner
// characters (inner) that starts and ends with [a-z0-9].
func labelLike(s string, inner func(byte) bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || i == len(s)-1 || !inner(c)) {
			return false
		}
	}
	return true
}

// ValidSysctlName reports whether name has the Kubernetes sysctl name
// syntax (dot or slash form).
// Its segments, split at '.' or '/', each match
// `[a-z0-9]([-_a-z0-9]*[a-z0-9])?` (k8s.io/kubernetes/pkg/apis/core/
// validation.IsValidSysctlName).
func ValidSysctlName(name string) bool {
	if len(name) > 253 {
		return false
	}
	inner := func(c byte) bool { return c == '-' || c == '_' }
	for {
		i := strings.IndexAny(name, "./")
		if i < 0 {
			return labelLike(name, inner)
		}
		if !labelLike(name[:i], inner) {
			return false
		}
		name = name[i+1:]
	}
}

// NamespacedSysctl reports whether a sysctl (dot form) belongs to a
// namespace a container has of its own, IPC or network, by the kubelet's
// names and prefixes (component-helpers node/util/sysctl).
func NamespacedSysctl(name string) bool { return isIPCSysctl(name) || strings.HasPrefix(name, "net.") }

// isIPCSysctl reports whether a sysctl belongs to the IPC namespace.
func isIPCSysctl(name string) bool {
	return name == "kernel.sem" || strings.HasPrefix(name, "kernel.shm") || strings.HasPrefix(name, "kernel.msg") || strings.HasPrefix(name, "fs.mqueue.")
}

// isLocalDescendingPath is the API's rule for a Localhost seccomp profile: a
// relative path with no ".." element.
func isLocalDescendingPath(p string) bool {
	if strings.HasPrefix(p, "/") {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return false
		}
	}
	return true
}

// IsAll reports whether a capability name is "ALL"; runtimes compare it
// without regard to case.
func IsAll(name string) bool { return strings.EqualFold(name, "ALL") }
