package probe

import (
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/sysctl"
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
		if st.Unread.Missing(ItemNoNewPrivs) != nil && st.NoNewPrivs {
			t.Error("noNewPrivs unread but true")
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
		if sysctl.NormalizeName(sysctl.NormalizeName(name)) != sysctl.NormalizeName(name) {
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

// FuzzMountinfo: a mount table of any content never panics the reader,
// and what it derives holds together: a path that is masked has a mount
// exactly there, and every volume is a mount point of the table.
func FuzzMountinfo(f *testing.F) {
	for _, s := range []string{
		"1 0 0:1 / / ro,relatime - overlay overlay rw\n2 1 0:2 / /proc rw - proc proc rw\n",
		"3 1 0:3 /null /proc/kcore rw - devtmpfs udev rw\n4 1 0:4 / /proc/acpi ro - tmpfs tmpfs ro\n",
		"5 1 0:5 / /data\\040dir rw shared:1 master:2 - ext4 /dev/sda1 rw\n",
		"garbage\n",
	} {
		f.Add(s)
	}
	paths := []string{"/proc/kcore", "/proc/acpi", "/proc/sys", "/data dir"}
	f.Fuzz(func(t *testing.T, s string) {
		infos, err := mountinfo.GetMountsFromReader(strings.NewReader(s), nil)
		if err != nil {
			return
		}
		ms := buildMounts(infos, paths)
		points := map[string]bool{}
		for _, m := range infos {
			points[m.Mountpoint] = true
		}
		for p, st := range ms.Paths {
			if st.Masked && !points[p] {
				t.Fatalf("%s masked without a mount there", p)
			}
		}
		for _, v := range ms.Volumes {
			if !points[v.Path] || v.Path == "/" || isKernelMount(v.Path) {
				t.Fatalf("volume %+v", v)
			}
		}
	})
}

// FuzzCapMask: a capability mask line of any content parses to a set
// that prints back as the same mask, or is refused; parseStatus keeps
// masks it refuses out of the state.
func FuzzCapMask(f *testing.F) {
	for _, s := range []string{"00000000a80425fb", "000001ffffffffff", "ffffffffffffffff", "zz", "", " 1 ", "10000000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := caps.ParseHex(s)
		if err == nil {
			back, err := caps.ParseHex(set.Hex())
			if err != nil || back != set {
				t.Fatalf("ParseHex(%q) = %s, which parses back to %s, %v", s, set.Hex(), back.Hex(), err)
			}
		}
		if strings.ContainsAny(s, "\n") {
			return
		}
		var st Process
		parseStatus(&st, "status", statusWith([]string{"CapEff"}, "CapEff:\t"+s))
		if st.Unread.Missing(ItemCaps) == nil && st.Caps.Effective.Minus(st.Caps.Permitted) != 0 {
			t.Fatalf("CapEff %q outside CapPrm accepted", s)
		}
	})
}
