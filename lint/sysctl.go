package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/sysctl"
)

// The kubelet admits a pod's sysctls only if each is on its allowlist:
// the safe sysctls, plus the patterns of --allowed-unsafe-sysctls, which
// must name namespaced sysctls (the kubelet refuses to start otherwise).
// Sources: kubelet v1.33 pkg/kubelet/sysctl (SafeSysctlAllowlist,
// NewAllowlist, (*patternAllowlist).Admit) and component-helpers
// node/util/sysctl (GetNamespace, as manifest.NamespacedSysctl).

// kubeletSafeSysctls is SafeSysctlAllowlist of kubelet v1.33, for a kernel
// recent enough for all of them (the last seven need 3.16 to 4.15).
var kubeletSafeSysctls = []string{
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_rmem",
	"net.ipv4.tcp_wmem",
}

// SysctlPattern is one entry of the kubelet's --allowed-unsafe-sysctls: a
// sysctl name, or a prefix ending in "*".
type SysctlPattern struct {
	text   string
	prefix bool
	name   string // the name, or the prefix before "*"
}

// String returns the pattern as given.
func (s SysctlPattern) String() string { return s.text }

// sysctlPatternRE is the kubelet's pattern syntax (IsValidSysctlPattern).
var sysctlPatternRE = regexp.MustCompile(`^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*([a-z0-9][-_a-z0-9]*)?[a-z0-9*]$`)

// ParseSysctlPatterns parses a comma-separated --allowed-unsafe-sysctls
// value, refusing what the kubelet refuses at start: a malformed pattern,
// or one that names sysctls not known to be namespaced.
func ParseSysctlPatterns(list string) ([]SysctlPattern, error) {
	var out []SysctlPattern
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if len(s) > 253 || !sysctlPatternRE.MatchString(s) {
			return nil, fmt.Errorf("sysctl pattern %q: want a sysctl name, or a prefix ending in *", s)
		}
		p := SysctlPattern{text: s, name: sysctl.NormalizeName(s)}
		if i := strings.IndexByte(p.name, '*'); i >= 0 {
			p.name, p.prefix = p.name[:i], true
		}
		if !manifest.NamespacedSysctl(p.name) {
			return nil, fmt.Errorf("sysctl pattern %q: the kubelet refuses it, the sysctls are not known to be namespaced", s)
		}
		out = append(out, p)
	}
	return out, nil
}

// kubeletAdmits reports whether the kubelet's allowlist admits the sysctl
// (its hostNetwork and hostIPC checks are the decoder's).
func kubeletAdmits(name string, allowed []SysctlPattern) bool {
	n := sysctl.NormalizeName(name)
	if slices.Contains(kubeletSafeSysctls, n) {
		return true
	}
	for _, p := range allowed {
		if (p.prefix && strings.HasPrefix(n, p.name)) || (!p.prefix && n == p.name) {
			return true
		}
	}
	return false
}
