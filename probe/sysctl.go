package probe

import "strings"

// NormalizeSysctlName returns the dot form of a sysctl name. Kubernetes
// accepts "net.ipv4.conf.eth0/100.forwarding" and
// "net/ipv4/conf/eth0.100/forwarding" alike: when the first separator is a
// '/', the name is in slash form and every '.' and '/' swap places.
func NormalizeSysctlName(name string) string {
	i := strings.IndexAny(name, "./")
	if i < 0 || name[i] == '.' {
		return name
	}
	b := []byte(name)
	for j, c := range b {
		switch c {
		case '.':
			b[j] = '/'
		case '/':
			b[j] = '.'
		}
	}
	return string(b)
}

// SysctlPath returns the path of a sysctl relative to the proc root, e.g.
// "sys/net/ipv4/ip_forward". A '/' inside a dot-form component stands for a
// '.' in the file name (a VLAN interface "eth0.100"). It returns "" for a
// name with an empty, "." or ".." component, which cannot name a sysctl and
// must not escape /proc/sys.
func SysctlPath(name string) string {
	dot := NormalizeSysctlName(name)
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

// NormalizeSysctlValue collapses the whitespace of a sysctl value to single
// spaces: multi-value sysctls such as net.ipv4.ping_group_range print their
// fields tab-separated, while a manifest spells them with spaces.
func NormalizeSysctlValue(v string) string {
	return strings.Join(strings.Fields(v), " ")
}

// readSysctls reads each requested sysctl into st.Sysctls, keyed by its dot
// form, with its value normalised by NormalizeSysctlValue.
func (fs FS) readSysctls(names []string, st *Pod) {
	for _, name := range names {
		dot := NormalizeSysctlName(name)
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
		st.Sysctls[dot] = NormalizeSysctlValue(b)
	}
}
