package probe

import (
	"strings"
	"testing"

	"github.com/secctx/secctx/userdb"
)

// FuzzParseStatus checks that parseStatus never panics and keeps the
// promise of Unread: an unread item is zero.
func FuzzParseStatus(f *testing.F) {
	f.Add(statusWith(nil))
	f.Add(statusWith([]string{"CapAmb", "NoNewPrivs"}))
	f.Add("Uid:\t1\t2\nGroups:\t1 x\n")
	f.Fuzz(func(t *testing.T, s string) {
		var st Process
		parseStatus(&st, "status", s)
		if st.Unread.Missing(ItemCaps) != nil && st.Caps != (Capabilities{}) {
			t.Errorf("caps unread but %+v", st.Caps)
		}
		if st.Unread.Missing(ItemIDs) != nil && (st.UID != IDs{} || st.GID != IDs{}) {
			t.Errorf("ids unread but %+v %+v", st.UID, st.GID)
		}
		if st.Unread.Missing(ItemGroups) != nil && st.Groups != nil {
			t.Errorf("groups unread but %v", st.Groups)
		}
		if st.Unread.Missing(ItemSeccomp) != nil && (st.Seccomp != 0 || st.SeccompFilters != 0) {
			t.Errorf("seccomp unread but %d", st.Seccomp)
		}
	})
}

// FuzzSysctlPath checks that no sysctl name leads out of /proc/sys.
func FuzzSysctlPath(f *testing.F) {
	for _, s := range []string{"net.ipv4.ip_forward", "net/ipv4/conf/eth0.100/forwarding", "../x", "a/../../b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		p := SysctlPath(name)
		if p == "" {
			return
		}
		for _, c := range strings.Split(p, "/") {
			if c == "" || c == "." || c == ".." {
				t.Errorf("SysctlPath(%q) = %q", name, p)
			}
		}
		if NormalizeSysctlName(NormalizeSysctlName(name)) != NormalizeSysctlName(name) {
			t.Errorf("NormalizeSysctlName not idempotent on %q", name)
		}
	})
}

// FuzzParsers runs the small parsers on arbitrary text; they must not panic.
func FuzzParsers(f *testing.F) {
	f.Add("0 0 4294967295\n")
	f.Add("root:x:0:0:root:/root:/bin/sh\n")
	f.Add("wheel:x:10:root,app\n")
	f.Add("x (enforce)")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseIDMap(s)
		userdb.ParsePasswd(s)
		userdb.ParseGroup(s)
		l := ClassifyLabel(s)
		if l.Name == LSMAppArmor && l.Profile == "" {
			t.Errorf("ClassifyLabel(%q) = %+v", s, l)
		}
	})
}
