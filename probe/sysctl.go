package probe

import (
	"strings"

	"github.com/secctx/secctx/sysctl"
)

// SysctlPath returns the path of a sysctl relative to the proc root, e.g.
// "sys/net/ipv4/ip_forward". A '/' inside a dot-form component stands for a
// '.' in the file name (a VLAN interface "eth0.100"). It returns "" for a
// name with an empty, "." or ".." component, which cannot name a sysctl and
// must not escape /proc/sys.
func SysctlPath(name string) string {
	dot := sysctl.NormalizeName(name)
	var b strings.Builder
	b.Grow(len("sys/") + len(dot))
	b.WriteString("sys")
	for _, c := range strings.Split(dot, ".") {
		c = strings.ReplaceAll(c, "/", ".")
		if c == "" || c == "." || c == ".." {
			return ""
		}
		b.WriteByte('/')
		b.WriteString(c)
	}
	return b.String()
}

// readSysctls reads each requested sysctl into st.Sysctls, keyed by its dot
// form, with its value normalised by sysctl.NormalizeValue.
func (fs FS) readSysctls(names []string, st *Pod) {
	for _, name := range names {
		dot := sysctl.NormalizeName(name)
		rel := SysctlPath(name)
		if rel == "" {
			st.Unread.set(SysctlItem(dot), malformed(name, "not a sysctl name"))
			continue
		}
		b, re := fs.readSys(rel)
		if re != nil {
			st.Unread.set(SysctlItem(dot), re)
			continue
		}
		if st.Sysctls == nil {
			st.Sysctls = make(map[string]string, len(names))
		}
		st.Sysctls[dot] = sysctl.NormalizeValue(b)
	}
}
