package probe

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/secctx/secctx/caps"
)

// statusLines is a complete status file of a non-root containerd container;
// tests drop or replace lines of it.
var statusLines = []string{
	"Name:\tapp",
	"Umask:\t0022",
	"Pid:\t7",
	"Uid:\t1000\t1000\t1000\t1000",
	"Gid:\t3000\t3000\t3000\t3000",
	"Groups:\t3000 4000 ",
	"CapInh:\t0000000000000000",
	"CapPrm:\t0000000000000000",
	"CapEff:\t0000000000000000",
	"CapBnd:\t00000000a80425fb",
	"CapAmb:\t0000000000000000",
	"NoNewPrivs:\t1",
	"Seccomp:\t2",
	"Seccomp_filters:\t1",
	"Speculation_Store_Bypass:\tthread force mitigated",
}

// statusWith returns statusLines with the lines whose key is in drop
// removed and the given lines appended (a later line overrides an earlier).
func statusWith(drop []string, add ...string) string {
	var b strings.Builder
outer:
	for _, l := range statusLines {
		for _, d := range drop {
			if strings.HasPrefix(l, d+":") {
				continue outer
			}
		}
		b.WriteString(l + "\n")
	}
	for _, l := range add {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// wholeStatus is the unread reasons of a status file that cannot be read
// as a whole: every item of the file, for reason, and then more.
func wholeStatus(reason string, more map[Item]string) map[Item]string {
	m := map[Item]string{}
	for _, it := range statusItems {
		m[it] = reason
	}
	for it, r := range more {
		m[it] = r
	}
	return m
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	full := Process{
		PID:  7,
		Comm: "app",
		Status: Status{
			Caps: Capabilities{Bounding: caps.Set(0xa80425fb)},
			UID:  IDs{1000, 1000, 1000, 1000}, GID: IDs{3000, 3000, 3000, 3000},
			NoNewPrivs: true, Seccomp: 2, SeccompFilters: 1,
		},
		Groups: []int64{3000, 4000},
	}
	with := func(f func(*Process)) Process { s := full; f(&s); return s }
	const p = "/proc/self/status"

	for _, tc := range []struct {
		name   string
		in     string
		want   Process
		unread map[Item]string // item -> reason
	}{
		{"complete", statusWith(nil), full, nil},
		{"no supplementary groups", statusWith([]string{"Groups"}, "Groups:\t"),
			with(func(s *Process) { s.Groups = []int64{} }), nil},
		{"kernel < 4.10", statusWith([]string{"NoNewPrivs"}),
			with(func(s *Process) { s.NoNewPrivs = false }),
			map[Item]string{ItemNoNewPrivs: ReasonNotSupported}},
		{"kernel < 4.3: no CapAmb", statusWith([]string{"CapAmb"}),
			with(func(s *Process) { s.Caps = Capabilities{} }),
			map[Item]string{ItemCaps: ReasonNotSupported}},
		{"no CONFIG_SECCOMP", statusWith([]string{"Seccomp", "Seccomp_filters"}),
			with(func(s *Process) { s.Seccomp, s.SeccompFilters = 0, 0 }),
			map[Item]string{ItemSeccomp: ReasonNotSupported}},
		{"kernel < 5.9: no Seccomp_filters", statusWith([]string{"Seccomp_filters"}),
			with(func(s *Process) { s.SeccompFilters = 0 }), nil},
		{"bad cap mask", statusWith([]string{"CapEff"}, "CapEff:\t00000000zz"),
			with(func(s *Process) { s.Caps = Capabilities{} }),
			map[Item]string{ItemCaps: ReasonMalformed}},
		{"no CapEff", statusWith([]string{"CapEff"}),
			with(func(s *Process) { s.Caps = Capabilities{} }),
			map[Item]string{ItemCaps: ReasonMalformed}},
		{"three uids", statusWith([]string{"Uid"}, "Uid:\t1000\t1000\t1000"),
			with(func(s *Process) { s.UID, s.GID = IDs{}, IDs{} }),
			map[Item]string{ItemIDs: ReasonMalformed}},
		{"five gids", statusWith([]string{"Gid"}, "Gid:\t1 1 1 1 1"),
			with(func(s *Process) { s.UID, s.GID = IDs{}, IDs{} }),
			map[Item]string{ItemIDs: ReasonMalformed}},
		{"no Gid", statusWith([]string{"Gid"}),
			with(func(s *Process) { s.UID, s.GID = IDs{}, IDs{} }),
			map[Item]string{ItemIDs: ReasonMalformed}},
		{"bad group", statusWith([]string{"Groups"}, "Groups:\t3000 x"),
			with(func(s *Process) { s.Groups = nil }),
			map[Item]string{ItemGroups: ReasonMalformed}},
		{"no Groups", statusWith([]string{"Groups"}),
			with(func(s *Process) { s.Groups = nil }),
			map[Item]string{ItemGroups: ReasonMalformed}},
		{"NoNewPrivs 2", statusWith([]string{"NoNewPrivs"}, "NoNewPrivs:\t2"),
			with(func(s *Process) { s.NoNewPrivs = false }),
			map[Item]string{ItemNoNewPrivs: ReasonMalformed}},
		{"Seccomp 3", statusWith([]string{"Seccomp"}, "Seccomp:\t3"),
			with(func(s *Process) { s.Seccomp, s.SeccompFilters = 0, 0 }),
			map[Item]string{ItemSeccomp: ReasonMalformed}},
		// Impossible values: what no kernel prints together is unread
		// with the reason, never compared.
		{"duplicated CapEff", statusWith(nil, "CapEff:\t000001ffffffffff"),
			with(func(s *Process) { s.Caps = Capabilities{} }),
			map[Item]string{ItemCaps: ReasonMalformed}},
		{"duplicated Uid", statusWith(nil, "Uid:\t0\t0\t0\t0"),
			with(func(s *Process) { s.UID, s.GID = IDs{}, IDs{} }),
			map[Item]string{ItemIDs: ReasonMalformed}},
		{"duplicated Groups", statusWith(nil, "Groups:\t0"),
			with(func(s *Process) { s.Groups = nil }),
			map[Item]string{ItemGroups: ReasonMalformed}},
		{"duplicated NoNewPrivs", statusWith(nil, "NoNewPrivs:\t0"),
			with(func(s *Process) { s.NoNewPrivs = false }),
			map[Item]string{ItemNoNewPrivs: ReasonMalformed}},
		{"duplicated Seccomp", statusWith(nil, "Seccomp:\t0"),
			with(func(s *Process) { s.Seccomp, s.SeccompFilters = 0, 0 }),
			map[Item]string{ItemSeccomp: ReasonMalformed}},
		{"CapEff outside CapPrm", statusWith([]string{"CapEff"}, "CapEff:\t0000000000000400"),
			with(func(s *Process) { s.Caps = Capabilities{} }),
			map[Item]string{ItemCaps: ReasonMalformed}},
		{"CapAmb outside CapPrm and CapInh", statusWith([]string{"CapAmb"}, "CapAmb:\t0000000000000400"),
			with(func(s *Process) { s.Caps = Capabilities{} }),
			map[Item]string{ItemCaps: ReasonMalformed}},
		{"uid (uid_t)-1", statusWith([]string{"Uid"}, "Uid:\t1000\t4294967295\t1000\t1000"),
			with(func(s *Process) { s.UID, s.GID = IDs{}, IDs{} }),
			map[Item]string{ItemIDs: ReasonMalformed}},
		{"filter mode without a filter", statusWith([]string{"Seccomp_filters"}, "Seccomp_filters:\t0"),
			with(func(s *Process) { s.Seccomp, s.SeccompFilters = 0, 0 }),
			map[Item]string{ItemSeccomp: ReasonMalformed}},
		{"filters without filter mode", statusWith([]string{"Seccomp"}, "Seccomp:\t0"),
			with(func(s *Process) { s.Seccomp, s.SeccompFilters = 0, 0 }),
			map[Item]string{ItemSeccomp: ReasonMalformed}},
		{"zombie", statusWith(nil, "State:\tZ (zombie)", "Threads:\t1"),
			Process{PID: 7, Comm: "app"},
			wholeStatus(ReasonAbsent, nil)},
		{"zombie leader with live threads", statusWith(nil, "State:\tZ (zombie)", "Threads:\t3"), full, nil},
		{"comm with spaces", statusWith([]string{"Name"}, "Name:\tmy app "),
			with(func(s *Process) { s.Comm = "my app " }), nil},
		{"not a status file", "hello\nworld: 1\n", Process{},
			wholeStatus(ReasonMalformed, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st Process
			parseStatus(&st, p, tc.in)
			got := st
			got.Unread = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("state\n got %+v\nwant %+v", got, tc.want)
			}
			reasons := map[Item]string{}
			for k, re := range st.Unread {
				reasons[k] = re.Reason
				if re.Path != p {
					t.Errorf("Unread[%s].Path = %q", k, re.Path)
				}
			}
			if len(tc.unread) == 0 && len(reasons) == 0 {
				return
			}
			if !reflect.DeepEqual(reasons, tc.unread) {
				t.Errorf("unread = %v; want %v", reasons, tc.unread)
			}
		})
	}
}

func TestParseStatusDetails(t *testing.T) {
	t.Parallel()
	var st Process
	parseStatus(&st, "status", statusWith([]string{"NoNewPrivs", "CapAmb"}))
	if d := st.Unread.Missing(ItemNoNewPrivs).Detail; d != "kernel < 4.10 prints no NoNewPrivs" {
		t.Errorf("NoNewPrivs detail = %q", d)
	}
	if d := st.Unread.Missing(ItemCaps).Detail; !strings.Contains(d, "CapAmb") {
		t.Errorf("caps detail = %q", d)
	}
}

func TestReadLastCap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		root   string
		want   int
		reason string
	}{
		{"testdata/containerd-nonroot", 40, ""},
		{"testdata/old-kernel", 37, ""},
		{"testdata/broken", 0, ReasonMalformed},
		{"testdata/no-such-root", 0, ReasonAbsent},
		{"0", 0, ReasonMalformed},
		{"34", 0, ReasonMalformed},
		{"35", 35, ""},
		{"63", 63, ""},
		{"64", 0, ReasonMalformed},
		{"-1", 0, ReasonMalformed},
		{"4294967336", 0, ReasonMalformed},
	} {
		if !strings.Contains(tc.root, "/") {
			// A value: a tree with only cap_last_cap.
			root := t.TempDir()
			if err := os.MkdirAll(root+"/sys/kernel", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(root+"/sys/kernel/cap_last_cap", []byte(tc.root+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			tc.root = root
		}
		var st Pod
		NewFS(tc.root).readLastCap(&st)
		re := st.Unread.Missing(ItemLastCap)
		if st.LastCap != tc.want || (re == nil) != (tc.reason == "") || (re != nil && re.Reason != tc.reason) {
			t.Errorf("%s: LastCap = %d, unread %v; want %d, %q", tc.root, st.LastCap, re, tc.want, tc.reason)
		}
	}
}

// TestCheckConsistency: a capability mask with a bit beyond cap_last_cap
// cannot come from the kernel that printed cap_last_cap: the masks are
// unread, never compared.
func TestCheckConsistency(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		bnd     caps.Set
		lastCap int
		lastBad bool // cap_last_cap itself unread
		unread  bool
	}{
		{"within", caps.Full(40), 40, false, false},
		{"bit 41 with cap_last_cap 40", caps.Full(41), 40, false, true},
		{"bit 38 with cap_last_cap 37", caps.Full(38), 37, false, true},
		{"cap_last_cap unread: nothing to compare with", caps.Full(63), 0, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &State{Process: Process{Status: Status{Caps: Capabilities{Bounding: tc.bnd}}}, Pod: Pod{LastCap: tc.lastCap}}
			if tc.lastBad {
				st.Pod.Unread.set(ItemLastCap, malformed("cap_last_cap", "x"))
			}
			NewFS("testdata/x").CheckConsistency(7, st)
			re := st.Missing(ItemCaps)
			if (re != nil) != tc.unread {
				t.Fatalf("caps unread = %v, want %v", re, tc.unread)
			}
			if re != nil && (re.Reason != ReasonMalformed || !strings.Contains(re.Detail, "beyond cap_last_cap") || st.Caps != (Capabilities{})) {
				t.Errorf("unread %+v, caps %+v", re, st.Caps)
			}
		})
	}
}
