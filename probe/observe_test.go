package probe

import (
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/secctx/secctx/caps"

	"github.com/secctx/secctx/userdb"
)

// runcMaskedPaths are the paths runc masks by default, plus ones it makes
// read-only: what a verify run asks about.
var runcMaskedPaths = []string{
	"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
	"/proc/scsi", "/sys/firmware", "/proc/sys", "/proc/sysrq-trigger",
}

func TestObserveContainerdNonRoot(t *testing.T) {
	t.Parallel()
	req := Request{
		Sysctls: []string{
			"net.ipv4.ping_group_range",
			"net/ipv4/conf/eth0.100/forwarding",
			"net.ipv4.ip_unprivileged_port_start",
			"kernel.msgmax",
		},
		Paths: runcMaskedPaths,
	}
	want := &State{
		Process: Process{
			PID:  7,
			Comm: "app",
			Status: Status{
				Caps: Capabilities{
					Bounding: caps.MustFromNames("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
						"SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"),
				},
				UID:            IDs{1000, 1000, 1000, 1000},
				GID:            IDs{3000, 3000, 3000, 3000},
				NoNewPrivs:     true,
				Seccomp:        2,
				SeccompFilters: 1,
				LSM: LSM{Name: "apparmor", Label: "cri-containerd.apparmor.d (enforce)",
					Profile: "cri-containerd.apparmor.d", Mode: "enforce"},
			},
			Groups: []int64{3000, 4000},
		},
		Container: Container{
			Mounts: Mounts{
				RootReadOnly: true,
				Paths: map[string]PathState{
					"/proc/acpi":          {Exists: true, Masked: true, ReadOnly: true},
					"/proc/kcore":         {Exists: true, Masked: true},
					"/proc/keys":          {Exists: true, Masked: true},
					"/proc/timer_list":    {Masked: true},
					"/proc/sched_debug":   {},
					"/proc/scsi":          {Masked: true, ReadOnly: true},
					"/sys/firmware":       {Exists: true, Masked: true, ReadOnly: true},
					"/proc/sys":           {Exists: true, ReadOnly: true},
					"/proc/sysrq-trigger": {ReadOnly: true},
				},
				Volumes: []Volume{
					{"/cache", "ext4", false},
					{"/etc/hostname", "ext4", true},
					{"/etc/hosts", "ext4", false},
					{"/etc/resolv.conf", "ext4", true},
					{"/my data", "nfs4", true},
					{"/var/run/secrets/kubernetes.io/serviceaccount", "tmpfs", true},
				},
			},
			UIDMap: IDMap{{0, 0, 4294967295}},
			GIDMap: IDMap{{0, 0, 4294967295}},
			Passwd: []userdb.Account{{Name: "root", UID: 0, GID: 0}, {Name: "app", UID: 1000, GID: 3000}, {Name: "nobody", UID: 65534, GID: 65534}},
			Group: []userdb.GroupEntry{
				{Name: "root", GID: 0, Members: []string{"root"}},
				{Name: "app", GID: 3000, Members: nil},
				{Name: "extra", GID: 4000, Members: []string{"app", "other"}},
				{Name: "wheel", GID: 10, Members: []string{"root", "app"}},
				{Name: "nogroup", GID: 65534, Members: nil},
			},
		},
		Pod: Pod{
			LastCap: 40,
			Sysctls: map[string]string{
				"net.ipv4.ping_group_range":           "0 2147483647",
				"net.ipv4.conf.eth0/100.forwarding":   "1",
				"net.ipv4.ip_unprivileged_port_start": "0",
			},
			Unread: Unread{
				SysctlItem("kernel.msgmax"): {
					Path:   "testdata/containerd-nonroot/sys/kernel/msgmax",
					Reason: ReasonAbsent, Detail: "no such file or directory",
				},
			},
		},
	}
	fsys := NewFS("testdata/containerd-nonroot")
	got := fsys.Observe(0, req)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Observe(0)\n got %+v\nwant %+v", got, want)
		for k, v := range got.AllUnread() {
			t.Logf("unread %s: %v", k, v)
		}
	}
	if got.Blind() {
		t.Error("Blind() = true")
	}

	// The same process by pid: 4242 is a link to self in the fixture.
	byPid := fsys.Observe(4242, req)
	want.PID = 4242
	want.Pod.Unread = byPid.Pod.Unread
	if !reflect.DeepEqual(byPid, want) {
		t.Errorf("Observe(4242)\n got %+v\nwant %+v", byPid, want)
	}
}

// reasons flattens the state's unread maps to item -> reason.
func reasons(st *State) map[Item]string {
	m := map[Item]string{}
	for k, re := range st.AllUnread() {
		m[k] = re.Reason
	}
	return m
}

func TestObserveFixtures(t *testing.T) {
	t.Parallel()
	// A missing pid directory: every item read in it is absent.
	pidGone := map[Item]string{}
	for _, it := range Items() {
		if part, _ := it.Part(); part != PartPod {
			pidGone[it] = ReasonAbsent
		}
	}

	for _, tc := range []struct {
		name   string
		root   string
		pid    int
		req    Request
		blind  bool
		unread map[Item]string
		check  func(t *testing.T, st *State)
	}{
		{
			name: "old kernel: no CapAmb, no NoNewPrivs",
			root: "testdata/old-kernel",
			req:  Request{Paths: []string{"/proc/kcore", "/proc/timer_list", "/proc/sys/net"}},
			unread: map[Item]string{
				ItemCaps: ReasonNotSupported, ItemNoNewPrivs: ReasonNotSupported,
				ItemPasswd: ReasonAbsent, ItemGroupFile: ReasonAbsent,
			},
			check: func(t *testing.T, st *State) {
				if st.Caps != (Capabilities{}) || st.NoNewPrivs {
					t.Errorf("unread items not zero: %+v %v", st.Caps, st.NoNewPrivs)
				}
				if st.Seccomp != 2 || st.LastCap != 37 || !st.UID.All(0) || len(st.Groups) != 0 || st.Groups == nil {
					t.Errorf("seccomp %d lastcap %d uid %+v groups %#v", st.Seccomp, st.LastCap, st.UID, st.Groups)
				}
				wantPaths := map[string]PathState{
					"/proc/kcore":      {Exists: true, Masked: true},
					"/proc/timer_list": {Masked: true},
					"/proc/sys/net":    {ReadOnly: true},
				}
				if !reflect.DeepEqual(st.Mounts.Paths, wantPaths) {
					t.Errorf("paths = %+v", st.Mounts.Paths)
				}
				if !reflect.DeepEqual(st.Mounts.Volumes, []Volume{{"/data", "ext4", false}}) || st.Mounts.RootReadOnly {
					t.Errorf("mounts = %+v", st.Mounts)
				}
				if st.LSM.Profile != "unconfined" {
					t.Errorf("lsm = %+v", st.LSM)
				}
			},
		},
		{
			name:   "SELinux in a user namespace, image without /etc files",
			root:   "testdata/selinux-userns",
			req:    Request{Sysctls: []string{"kernel.shm_rmid_forced"}},
			unread: map[Item]string{ItemPasswd: ReasonAbsent, ItemGroupFile: ReasonAbsent, SysctlItem("kernel.shm_rmid_forced"): ReasonAbsent},
			check: func(t *testing.T, st *State) {
				if st.LSM != (LSM{Name: "selinux", Label: "system_u:system_r:container_t:s0:c4,c5"}) {
					t.Errorf("lsm = %+v", st.LSM)
				}
				if !reflect.DeepEqual(st.UIDMap, IDMap{{0, 1000, 65536}}) || st.UIDMap.IsIdentity() {
					t.Errorf("uid map = %+v", st.UIDMap)
				}
				if !reflect.DeepEqual(st.GIDMap, IDMap{{0, 1000, 65536}, {65536, 200000, 1}}) {
					t.Errorf("gid map = %+v", st.GIDMap)
				}
				if st.Caps.Effective != 0x5fb || !reflect.DeepEqual(st.Groups, []int64{0}) || st.PID != 12 {
					t.Errorf("caps %v groups %v pid %d", st.Caps.Effective, st.Groups, st.PID)
				}
				if st.Mounts.RootReadOnly || len(st.Mounts.Volumes) != 2 {
					t.Errorf("mounts = %+v", st.Mounts)
				}
			},
		},
		{
			name:  "broken files",
			root:  "testdata/broken",
			req:   Request{Sysctls: []string{"net..bad"}, Paths: []string{"/proc/kcore"}},
			blind: true,
			unread: wholeStatus(ReasonUnreadable, map[Item]string{
				ItemLastCap: ReasonMalformed, ItemLSM: ReasonUnreadable, ItemMounts: ReasonMalformed,
				ItemUIDMap: ReasonMalformed, ItemGIDMap: ReasonMalformed,
				ItemPasswd: ReasonUnreadable, ItemGroupFile: ReasonAbsent,
				SysctlItem("net..bad"): ReasonMalformed,
			}),
			check: func(t *testing.T, st *State) {
				if st.Mounts.Paths != nil || st.UIDMap != nil || st.LastCap != 0 {
					t.Errorf("unread items not zero: %+v", st)
				}
			},
		},
		{
			name:   "process gone",
			root:   "testdata/gone",
			blind:  true,
			unread: pidGone,
			check: func(t *testing.T, st *State) {
				if d := st.Missing(ItemStatus).Detail; d != "process gone or hidden by hidepid" {
					t.Errorf("detail = %q", d)
				}
				if st.LastCap != 40 {
					t.Errorf("LastCap = %d", st.LastCap)
				}
			},
		},
		{
			name:   "pid hidden",
			root:   "testdata/containerd-nonroot",
			pid:    31337,
			blind:  true,
			unread: pidGone,
			check: func(t *testing.T, st *State) {
				if re := st.Missing(ItemMounts); re.Path != "testdata/containerd-nonroot/31337/mountinfo" || re.Detail != detailPidGone {
					t.Errorf("mounts unread = %+v", re)
				}
				if st.PID != 31337 {
					t.Errorf("PID = %d", st.PID)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := NewFS(tc.root).Observe(tc.pid, tc.req)
			if st.Blind() != tc.blind {
				t.Errorf("Blind() = %v; want %v", st.Blind(), tc.blind)
			}
			if got := reasons(st); !reflect.DeepEqual(got, tc.unread) {
				t.Errorf("unread\n got %v\nwant %v", got, tc.unread)
			}
			if tc.check != nil {
				tc.check(t, st)
			}
		})
	}
}

// TestObserveHostFixture reads the status and mount table captured from a
// real (non-containerised, root) process.
func TestObserveHostFixture(t *testing.T) {
	t.Parallel()
	st := NewFS("testdata/host").Observe(0, Request{Paths: []string{"/proc/kcore"}})
	if got := reasons(st); len(got) != 0 {
		t.Fatalf("unread = %v", got)
	}
	// Captured in a sandbox that drops CAP_SYS_RESOURCE (bit 24).
	all := caps.Full(40).Remove(24)
	if st.Comm != "cat" || !st.UID.All(0) || st.Caps.Effective != all || st.Caps.Bounding != all ||
		st.NoNewPrivs || st.Seccomp != 0 || !st.UIDMap.IsIdentity() || st.Mounts.RootReadOnly || len(st.Mounts.Volumes) != 0 {
		t.Errorf("state = %+v", st)
	}
	if ps := st.Mounts.Paths["/proc/kcore"]; ps.Masked || ps.ReadOnly {
		t.Errorf("/proc/kcore = %+v", ps)
	}
	if a, ok := userdb.LookupUID(st.Passwd, 0); !ok || a.Name != "root" {
		t.Errorf("userdb.LookupUID(0) = %+v, %v", a, ok)
	}
}

// TestObserveRealSelf observes this test process through the real /proc.
func TestObserveRealSelf(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc:", err)
	}
	req := Request{
		Sysctls: []string{"kernel.pid_max", "kernel/ngroups_max", "net.ipv4.ping_group_range"},
		Paths:   append([]string{"/proc", "/no/such/path"}, runcMaskedPaths...),
	}
	st := NewFS(DefaultProcRoot).Observe(0, req)
	for k, re := range st.AllUnread() {
		t.Errorf("unread %s: %v", k, re)
	}
	if st.Blind() {
		t.Fatal("Blind")
	}
	if st.PID != os.Getpid() || st.Comm == "" {
		t.Errorf("PID %d comm %q; want %d", st.PID, st.Comm, os.Getpid())
	}
	if st.UID.Real != int64(os.Getuid()) || st.UID.Effective != int64(os.Geteuid()) ||
		st.GID.Real != int64(os.Getgid()) || st.GID.Effective != int64(os.Getegid()) {
		t.Errorf("uid %+v gid %+v", st.UID, st.GID)
	}
	groups, _ := os.Getgroups()
	want := make([]int64, 0, len(groups))
	for _, g := range groups {
		want = append(want, int64(g))
	}
	slices.Sort(want)
	if !slices.Equal(st.Groups, want) {
		t.Errorf("groups %v; want %v", st.Groups, want)
	}
	if st.LastCap < 36 || st.Caps.Bounding.Minus(caps.Full(st.LastCap)) != 0 {
		t.Errorf("LastCap %d bounding %s", st.LastCap, st.Caps.Bounding.Hex())
	}
	if st.Sysctls["kernel.ngroups_max"] != "65536" || st.Sysctls["kernel.pid_max"] == "" {
		t.Errorf("sysctls = %v", st.Sysctls)
	}
	if !st.Mounts.Paths["/proc"].Exists || st.Mounts.Paths["/no/such/path"].Exists {
		t.Errorf("paths = %+v", st.Mounts.Paths)
	}
}

func TestBlindNil(t *testing.T) {
	t.Parallel()
	var st *State
	if !st.Blind() {
		t.Error("nil state is not blind")
	}
}

// BenchmarkObserveSelf is one full observation of this process, the work a
// watch-loop iteration does.
func BenchmarkObserveSelf(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("no /proc")
	}
	req := Request{
		Sysctls: []string{"net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "kernel.shm_rmid_forced"},
		Paths:   runcMaskedPaths,
	}
	fsys := NewFS("")
	b.ReportAllocs()
	for b.Loop() {
		fsys.Observe(0, req)
	}
}

// BenchmarkParse measures the parsing alone, on fixture content held in
// memory, without the system calls.
func BenchmarkParse(b *testing.B) {
	dir := "testdata/containerd-nonroot/self/"
	read := func(name string) string {
		d, err := os.ReadFile(dir + name)
		if err != nil {
			b.Fatal(err)
		}
		return string(d)
	}
	status, mi, uidMap := read("status"), read("mountinfo"), read("uid_map")
	passwd, group := read("root/etc/passwd"), read("root/etc/group")
	b.ReportAllocs()
	for b.Loop() {
		var st State
		parseStatus(&st.Process, "status", status)
		infos, err := mountinfoFromString(mi)
		if err != nil {
			b.Fatal(err)
		}
		st.Mounts = buildMounts(infos, runcMaskedPaths)
		st.UIDMap, _ = ParseIDMap(uidMap)
		st.Passwd = userdb.ParsePasswd(passwd)
		st.Group = userdb.ParseGroup(group)
		st.LSM = ClassifyLabel("cri-containerd.apparmor.d (enforce)")
	}
}
