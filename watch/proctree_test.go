package watch_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/probe"
)

// A fake proc tree: what probe.FS reads of a pod whose processes share a PID
// namespace (shareProcessNamespace: true), laid out in a temporary directory
// so that a test can change any process between two watcher cycles.

// containerdCaps is the bounding set containerd gives a container without
// capabilities.add/drop (CapBnd 00000000a80425fb).
var containerdCaps = caps.MustFromNames("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW",
	"SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE")

// The image files every fake container has unless a process says otherwise
// (the accounts of probe/testdata/containerd-nonroot).
const (
	imagePasswd = "root:x:0:0:root:/root:/bin/sh\n" +
		"app:x:1000:3000:App user:/home/app:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
	imageGroup = "root:x:0:root\n" +
		"app:x:3000:\n" +
		"extra:x:4000:app,other\n" +
		"nogroup:x:65534:\n"
	identityMap   = "         0          0 4294967295\n"
	appArmorLabel = "cri-containerd.apparmor.d (enforce)\n"
)

// runcMountinfo is the mount table of a containerd/runc container with a
// read-only root and the kubelet's masked and read-only /proc paths.
var runcMountinfo = mustRead("testdata/mountinfo-runc")

func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// fakeProc is one process of a fake proc tree.
type fakeProc struct {
	PID, PPID int
	Comm      string
	// Cmdline is written NUL-separated; empty marks a kernel thread.
	Cmdline []string
	// Cgroup is the cgroup v2 path, written as "0::<Cgroup>".
	Cgroup                                 string
	UID, GID                               probe.IDs
	Groups                                 []int64
	CapInh, CapPrm, CapEff, CapBnd, CapAmb caps.Set
	NoNewPrivs                             bool
	Seccomp, SeccompFilters                int
	// LSM is the label of attr/current; "" writes no attr directory.
	LSM string
	// Passwd and Group are root/etc/passwd and root/etc/group; "-" leaves
	// the file out (a distroless image).
	Passwd, Group string
	// Mountinfo, UIDMap and GIDMap default to runcMountinfo and the identity
	// map.
	Mountinfo, UIDMap, GIDMap string
	// State is the status State line; "" is "S (sleeping)".
	State string
	// Unreadable lists files of the pid directory (e.g. "root/etc/passwd")
	// made directories, so that reading them fails with EISDIR even as root.
	Unreadable []string
}

func allIDs(v int64) probe.IDs { return probe.IDs{Real: v, Effective: v, Saved: v, FS: v} }

// appProc returns a process of container ctr as containerd starts it for
// the test pod: uid 1000, gid 3000, groups 3000 and 4000, the default
// bounding set and nothing raised, no_new_privs, no seccomp filter.
func appProc(pid int, comm, ctr string) fakeProc {
	return fakeProc{
		PID: pid, PPID: 1, Comm: comm,
		Cmdline: []string{"/usr/bin/" + comm, "--config", "/etc/" + comm + ".conf"},
		Cgroup:  "/kubepods/pod1/" + ctr,
		UID:     allIDs(1000), GID: allIDs(3000), Groups: []int64{3000, 4000},
		CapBnd:     containerdCaps,
		NoNewPrivs: true,
		LSM:        appArmorLabel,
	}
}

// pauseProc is the sandbox's pause process (pid 1 with a shared PID
// namespace).
func pauseProc() fakeProc {
	p := appProc(1, "pause", "sandbox")
	p.PPID = 0
	p.Cmdline = []string{"/pause"}
	p.UID, p.GID, p.Groups = allIDs(65535), allIDs(65535), []int64{}
	return p
}

// kernelThread is a kernel thread, visible when the PID namespace is the
// host's: no command line, the root cgroup.
func kernelThread(pid int, comm string) fakeProc {
	return fakeProc{PID: pid, PPID: 2, Comm: comm, Cgroup: "/", UID: allIDs(0), GID: allIDs(0), Groups: []int64{},
		CapPrm: caps.Full(40), CapEff: caps.Full(40), CapBnd: caps.Full(40), Passwd: "-", Group: "-"}
}

// procTree is a fake proc filesystem in a temporary directory.
type procTree struct {
	tb    testing.TB
	root  string
	procs map[int]fakeProc
}

// newProcTree makes a tree whose self link points at self's pid, with
// cap_last_cap 40 and the sysctls containerd sets in a pod.
func newProcTree(tb testing.TB, self fakeProc) *procTree {
	tb.Helper()
	pt := &procTree{tb: tb, root: tb.TempDir(), procs: map[int]fakeProc{}}
	pt.writeSys("sys/kernel/cap_last_cap", "40\n")
	pt.setSysctl("net.ipv4.ip_unprivileged_port_start", "0")
	pt.setSysctl("net.ipv4.ping_group_range", "0\t2147483647")
	pt.add(self)
	if err := os.Symlink(strconv.Itoa(self.PID), filepath.Join(pt.root, "self")); err != nil {
		tb.Fatal(err)
	}
	return pt
}

// FS is the probe.FS reading the tree.
func (pt *procTree) FS() probe.FS { return probe.NewFS(pt.root) }

func (pt *procTree) writeSys(rel, content string) {
	pt.tb.Helper()
	p := filepath.Join(pt.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		pt.tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		pt.tb.Fatal(err)
	}
}

// setSysctl writes a sysctl (dot form) under sys/.
func (pt *procTree) setSysctl(name, value string) {
	pt.tb.Helper()
	pt.writeSys(probe.SysctlPath(name), value+"\n")
}

// add writes processes (replacing any with the same pid).
func (pt *procTree) add(ps ...fakeProc) {
	pt.tb.Helper()
	for _, p := range ps {
		pt.write(p)
	}
}

// update changes a process and rewrites its files, as a process that calls
// setuid or capset after its start would change what /proc shows.
func (pt *procTree) update(pid int, change func(p *fakeProc)) {
	pt.tb.Helper()
	p, ok := pt.procs[pid]
	if !ok {
		pt.tb.Fatalf("no fake process %d", pid)
	}
	change(&p)
	pt.write(p)
}

// remove makes a process exit.
func (pt *procTree) remove(pid int) {
	pt.tb.Helper()
	delete(pt.procs, pid)
	if err := os.RemoveAll(filepath.Join(pt.root, strconv.Itoa(pid))); err != nil {
		pt.tb.Fatal(err)
	}
}

func hexSet(s caps.Set) string { return fmt.Sprintf("%016x", uint64(s)) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// status renders /proc/PID/status the way Linux 6.x prints it.
func (p fakeProc) status() string {
	var groups strings.Builder
	for _, g := range p.Groups {
		groups.WriteString(strconv.FormatInt(g, 10))
		groups.WriteByte(' ')
	}
	ids := func(i probe.IDs) string { return fmt.Sprintf("%d\t%d\t%d\t%d", i.Real, i.Effective, i.Saved, i.FS) }
	kthread := 0
	if len(p.Cmdline) == 0 {
		kthread = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		p.Comm, or(p.State, "S (sleeping)"), p.PID, p.PID, p.PPID)
	fmt.Fprintf(&b, "Uid:\t%s\nGid:\t%s\nFDSize:\t64\nGroups:\t%s\n", ids(p.UID), ids(p.GID), groups.String())
	fmt.Fprintf(&b, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\nKthread:\t%d\n", p.PID, p.PID, p.PID, p.PID, kthread)
	b.WriteString("VmPeak:\t  712340 kB\nVmSize:\t  712340 kB\nThreads:\t1\nSigQ:\t0/63432\n" +
		"SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n" +
		"SigIgn:\t0000000000000000\nSigCgt:\tfffffffd7fc1feff\n")
	fmt.Fprintf(&b, "CapInh:\t%s\nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s\nCapAmb:\t%s\n",
		hexSet(p.CapInh), hexSet(p.CapPrm), hexSet(p.CapEff), hexSet(p.CapBnd), hexSet(p.CapAmb))
	fmt.Fprintf(&b, "NoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n", b2i(p.NoNewPrivs), p.Seccomp, p.SeccompFilters)
	b.WriteString("Speculation_Store_Bypass:\tthread force mitigated\nSpeculationIndirectBranch:\tconditional force disabled\n" +
		"Cpus_allowed:\tf\nCpus_allowed_list:\t0-3\nMems_allowed:\t00000001\nMems_allowed_list:\t0\n" +
		"voluntary_ctxt_switches:\t52\nnonvoluntary_ctxt_switches:\t3\n")
	return b.String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// write lays out the pid directory of p from scratch.
func (pt *procTree) write(p fakeProc) {
	pt.tb.Helper()
	if p.PID <= 0 {
		pt.tb.Fatalf("fake process needs a positive pid, got %d", p.PID)
	}
	dir := filepath.Join(pt.root, strconv.Itoa(p.PID))
	if err := os.RemoveAll(dir); err != nil {
		pt.tb.Fatal(err)
	}
	files := map[string]string{
		"status":    p.status(),
		"comm":      p.Comm + "\n",
		"cmdline":   strings.Join(p.Cmdline, "\x00"),
		"cgroup":    "0::" + p.Cgroup + "\n",
		"mountinfo": or(p.Mountinfo, runcMountinfo),
		"uid_map":   or(p.UIDMap, identityMap),
		"gid_map":   or(p.GIDMap, identityMap),
	}
	if len(p.Cmdline) > 0 {
		files["cmdline"] += "\x00"
	}
	if p.LSM != "" {
		files["attr/current"] = p.LSM
		files["attr/apparmor/current"] = p.LSM
	}
	if len(p.Cmdline) > 0 {
		// What the default masked paths resolve to in the container's root,
		// as in probe/testdata/containerd-nonroot: some exist, some do not.
		for _, rel := range []string{"root/proc/kcore", "root/proc/keys", "root/proc/acpi/.keep",
			"root/proc/sys/kernel/.keep", "root/sys/firmware/.keep"} {
			files[rel] = ""
		}
	}
	if p.Passwd != "-" {
		files["root/etc/passwd"] = or(p.Passwd, imagePasswd)
	}
	if p.Group != "-" {
		files["root/etc/group"] = or(p.Group, imageGroup)
	}
	for _, rel := range p.Unreadable {
		delete(files, rel)
	}
	for rel, content := range files {
		f := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			pt.tb.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			pt.tb.Fatal(err)
		}
	}
	for _, rel := range p.Unreadable {
		if err := os.MkdirAll(filepath.Join(dir, rel), 0o755); err != nil {
			pt.tb.Fatal(err)
		}
	}
	pt.procs[p.PID] = p
}
