package probe

import (
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
		{"comm with spaces", statusWith([]string{"Name"}, "Name:\tmy app "),
			with(func(s *Process) { s.Comm = "my app " }), nil},
		{"not a status file", "hello\nworld: 1\n", Process{},
			map[Item]string{ItemStatus: ReasonMalformed, ItemCaps: ReasonMalformed, ItemIDs: ReasonMalformed,
				ItemGroups: ReasonMalformed, ItemNoNewPrivs: ReasonMalformed, ItemSeccomp: ReasonMalformed}},
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
	} {
		var st Pod
		NewFS(tc.root).readLastCap(&st)
		re := st.Unread.Missing(ItemLastCap)
		if st.LastCap != tc.want || (re == nil) != (tc.reason == "") || (re != nil && re.Reason != tc.reason) {
			t.Errorf("%s: LastCap = %d, unread %v; want %d, %q", tc.root, st.LastCap, re, tc.want, tc.reason)
		}
	}
}
