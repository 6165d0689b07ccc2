package watch_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
)

// The hostile-input suite, proc side: what a process, an image or a
// --proc root can put where secctx reads. Nothing may block a cycle,
// nothing unreadable or impossible may become drift, and a process that
// is gone is gone.

// plant replaces a file of the fake tree (rel under the proc root) with
// something hostile: "fifo" (a FIFO no one writes), "zero" (a link to
// /dev/zero, which never ends), "huge" (a regular file of 5 MiB), or any
// other text as the file's content.
func (pt *procTree) plant(rel, what string) {
	pt.tb.Helper()
	p := filepath.Join(pt.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		pt.tb.Fatal(err)
	}
	if err := os.RemoveAll(p); err != nil {
		pt.tb.Fatal(err)
	}
	var err error
	switch what {
	case "fifo":
		err = syscall.Mkfifo(p, 0o644)
	case "zero":
		err = os.Symlink("/dev/zero", p)
	case "huge":
		err = os.WriteFile(p, []byte(strings.Repeat("x", 5<<20)), 0o644)
	default:
		err = os.WriteFile(p, []byte(what), 0o644)
	}
	if err != nil {
		pt.tb.Fatal(err)
	}
}

// cycleWithin runs one cycle, failing the test if it does not finish in
// time: a correctness bound (a read that blocks never finishes), not a
// measure of speed.
func (h *harness) cycleWithin(d time.Duration) []outLine {
	h.t.Helper()
	done := make(chan []outLine, 1)
	go func() { done <- h.cycle() }()
	select {
	case lines := <-done:
		return lines
	case <-time.After(d):
		h.t.Fatalf("a cycle did not finish within %v: a read blocked", d)
		return nil
	}
}

// readersOf maps each check that reads one of items (for the status file,
// one of the items it holds) to want, the part of the file's path its
// unknown finding names.
func readersOf(want string, items ...probe.Item) map[string]string {
	var s probe.State
	for _, it := range items {
		s.SetUnread(it, &probe.ReadError{})
	}
	out := map[string]string{}
	for _, c := range report.Checks {
		for _, it := range c.Reads {
			if s.Missing(it) != nil {
				out[string(c.ID)] = want
			}
		}
	}
	return out
}

// TestHostileProcTree: FIFOs, /dev/zero, huge files and impossible values
// where proc and image files are expected.
func TestHostileProcTree(t *testing.T) {
	withPrivileged := strings.Replace(podYAML, "      allowPrivilegeEscalation: false\n",
		"      allowPrivilegeEscalation: false\n      capabilities: {add: [ALL]}\n", 1)
	for _, tc := range []struct {
		name   string
		yaml   string
		target string
		setup  func(pt *procTree)
		procs  string // pid:comm of the report
		// unknown maps a check to a substring of its message; every other
		// check must be ok or skipped.
		unknown map[string]string
	}{
		{"status is a FIFO", podYAML, "others", func(pt *procTree) { pt.plant("20/status", "fifo") }, "21:nginx", nil},
		{"status is /dev/zero", podYAML, "others", func(pt *procTree) { pt.plant("20/status", "zero") }, "21:nginx", nil},
		{"status is huge", podYAML, "others", func(pt *procTree) { pt.plant("20/status", "huge") }, "21:nginx", nil},
		{"status of a pid target is a FIFO", podYAML, "pid:20", func(pt *procTree) { pt.plant("20/status", "fifo") }, "20:",
			readersOf("status", probe.ItemStatus)},
		{"LSM label is a FIFO", podYAML, "others", func(pt *procTree) { pt.plant("20/attr/apparmor/current", "fifo") }, "20:nginx,21:nginx",
			readersOf("20/attr/apparmor/current", probe.ItemLSM)},
		{"LSM label is huge", podYAML, "others", func(pt *procTree) { pt.plant("20/attr/apparmor/current", "huge") }, "20:nginx,21:nginx",
			readersOf("unreadable", probe.ItemLSM)},
		{"mountinfo is a FIFO", podYAML, "others", func(pt *procTree) { pt.plant("20/mountinfo", "fifo") }, "20:nginx,21:nginx",
			readersOf("mountinfo", probe.ItemMounts)},
		{"mountinfo is huge", podYAML, "others", func(pt *procTree) { pt.plant("20/mountinfo", "huge") }, "20:nginx,21:nginx",
			readersOf("mountinfo", probe.ItemMounts)},
		{"uid_map is /dev/zero", podYAML, "others", func(pt *procTree) { pt.plant("20/uid_map", "zero") }, "20:nginx,21:nginx",
			readersOf("uid_map", probe.ItemUIDMap)},
		{"the image's /etc/passwd is a FIFO", podYAML, "others", func(pt *procTree) { pt.plant("20/root/etc/passwd", "fifo") }, "20:nginx,21:nginx", nil},
		{"the image's /etc/group is /dev/zero", podYAML, "others", func(pt *procTree) { pt.plant("20/root/etc/group", "zero") }, "20:nginx,21:nginx", nil},
		{"cgroup is a FIFO", podYAML, "others", func(pt *procTree) { pt.plant("20/cgroup", "fifo") }, "21:nginx", nil},
		{"comm is a FIFO", podYAML, "comm:nginx", func(pt *procTree) { pt.plant("20/comm", "fifo") }, "21:nginx", nil},
		{"cmdline is /dev/zero", podYAML, "exe:/usr/bin/nginx", func(pt *procTree) { pt.plant("20/cmdline", "zero") }, "21:nginx", nil},
		{"cap_last_cap is a FIFO", podYAML, "others", func(pt *procTree) { pt.plant("sys/kernel/cap_last_cap", "fifo") }, "20:nginx,21:nginx",
			readersOf("cap_last_cap", probe.ItemLastCap)},
		{"a sysctl is /dev/zero", podYAML, "others", func(pt *procTree) { pt.plant("sys/net/ipv4/ip_unprivileged_port_start", "zero") }, "20:nginx,21:nginx",
			map[string]string{"sysctls": "ip_unprivileged_port_start"}},
		// Impossible values: unknown with the reason, never drift.
		{"cap_last_cap 0", withPrivileged, "others", func(pt *procTree) {
			pt.plant("sys/kernel/cap_last_cap", "0\n")
			addAll(pt, 20, 21)
		}, "20:nginx,21:nginx", readersOf("cap_last_cap", probe.ItemLastCap)},
		{"cap_last_cap 99", withPrivileged, "others", func(pt *procTree) {
			pt.plant("sys/kernel/cap_last_cap", "99\n")
			addAll(pt, 20, 21)
		}, "20:nginx,21:nginx", readersOf("cap_last_cap", probe.ItemLastCap)},
		{"a mask beyond cap_last_cap", podYAML, "others", func(pt *procTree) {
			pt.update(20, func(p *fakeProc) { p.CapBnd = caps.Full(45) })
		}, "20:nginx,21:nginx", readersOf("20/status", probe.ItemCaps)},
		{"a duplicated CapEff line", podYAML, "others", func(pt *procTree) {
			pt.plant("20/status", pt.procs[20].status()+"CapEff:\t000001ffffffffff\n")
		}, "20:nginx,21:nginx", readersOf("20/status", probe.ItemCaps)},
		{"effective outside permitted", podYAML, "others", func(pt *procTree) {
			pt.update(20, func(p *fakeProc) { p.CapEff = caps.MustFromNames("SYS_ADMIN") })
		}, "20:nginx,21:nginx", readersOf("20/status", probe.ItemCaps)},
		{"a zombie", podYAML, "others", func(pt *procTree) {
			pt.update(21, func(p *fakeProc) { p.State = "Z (zombie)" })
		}, "20:nginx", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pt := appPod(t, 2)
			tc.setup(pt)
			h := newHarness(t, pt, staticSpec(tc.yaml), tc.target)
			lines := h.cycleWithin(20 * time.Second)
			if len(lines) != 1 {
				t.Fatalf("%d lines, want the initial one", len(lines))
			}
			r := &lines[0].Report
			if got := pidList(r.Target.Processes); !strings.HasPrefix(got, tc.procs) {
				t.Errorf("processes %q, want %q", got, tc.procs)
			}
			// The process or item the hostile file belongs to is unknown
			// with the reason; the others are read as usual.
			found := map[string]bool{}
			for _, f := range r.Findings {
				want, unknown := tc.unknown[string(f.Check)]
				switch {
				case f.Status == report.StatusDrift:
					t.Errorf("drift from hostile input: %s %s: %s", f.Check, f.Subject, f.Message)
				case f.Status != report.StatusUnknown:
				case !unknown:
					t.Errorf("%s unknown: %s", f.Check, f.Message)
				case !strings.Contains(f.Message, want):
					t.Errorf("%s: unknown %q, want it to name %q", f.Check, f.Message, want)
				default:
					found[string(f.Check)] = true
				}
			}
			for c := range tc.unknown {
				if !found[c] {
					t.Errorf("no unknown %s finding", c)
				}
			}
		})
	}
}

// addAll gives processes the bounding set of a container that adds ALL on a
// kernel whose last capability is 40.
func addAll(pt *procTree, pids ...int) {
	for _, pid := range pids {
		pt.update(pid, func(p *fakeProc) { p.CapBnd = caps.Full(40) })
	}
}

// TestPodItemsSharedByEveryTarget: every target resolves with the pod's
// cap_last_cap, not only the first: a container that adds ALL, watched as
// the second target, is held to every capability the kernel has.
func TestPodItemsSharedByEveryTarget(t *testing.T) {
	spec := podYAML + `  - name: side
    image: tool
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {add: [ALL]}
`
	pt := appPod(t, 1)
	side := appProc(40, "tool", "side")
	side.CapBnd = caps.Full(40)
	pt.add(side)
	h := newHarness(t, pt, staticSpec(spec), "app=comm:nginx", "side=comm:tool")
	lines := h.initial("app", "side")
	r := &lines[1].Report
	b := findings(r, "capabilities.bounding")
	if len(b) != 1 || b[0].Status != report.StatusOK {
		t.Fatalf("second target's bounding set: %+v", b)
	}
	if lines[1].Drift != 0 {
		t.Errorf("second target: %d drift: %+v", lines[1].Drift, lines[1].Drifts)
	}
	for _, f := range r.Findings {
		if f.Scope == "pod" {
			t.Errorf("pod finding %s repeated in the second target's report", f.Check)
		}
	}
}

// TestContainerFindingsStayWithTheirContainer: with others spanning two
// containers, a container-level drift of one names that container's
// processes only.
func TestContainerFindingsStayWithTheirContainer(t *testing.T) {
	pt := appPod(t, 2) // 20, 21 in app
	pt.add(appProc(30, "job", "job"), appProc(31, "job", "job"))
	h := newHarness(t, pt, staticSpec(podYAML))
	h.initial("app")
	rw := strings.Replace(runcMountinfo, " / / ro,", " / / rw,", 1)
	for _, pid := range []int{30, 31} {
		pt.update(pid, func(p *fakeProc) { p.Mountinfo = rw })
	}
	h.advance(time.Minute)
	lines := h.cycle()
	if len(lines) != 1 {
		t.Fatalf("%d lines", len(lines))
	}
	if len(lines[0].Changes) != 1 {
		t.Fatalf("changes %q", describeAll(lines[0].Changes))
	}
	if c := lines[0].Changes[0]; c.Kind != "drift" || c.Check != "readOnlyRootFilesystem" || c.Scope != "container" ||
		c.Processes == nil || c.Processes.Count != 2 || pidList(c.Processes.First) != "30:job,31:job" {
		t.Errorf("change %q, want the drift of job's processes only", describe(c))
	}
	for _, f := range findings(&lines[0].Report, "readOnlyRootFilesystem") {
		want := "20:nginx,21:nginx"
		if f.Status == report.StatusDrift {
			want = "30:job,31:job"
		}
		if pidList(f.Processes) != want {
			t.Errorf("%s finding names %q, want %q", f.Status, pidList(f.Processes), want)
		}
	}
}

// TestGoneProcessesMakeNoLines: processes that exit, turn zombie, or come
// and go between cycles make no line when the state of the container does
// not change.
func TestGoneProcessesMakeNoLines(t *testing.T) {
	pt := appPod(t, 3)
	h := newHarness(t, pt, staticSpec(podYAML))
	h.initial("app")
	steps := []func(){
		func() { pt.update(21, func(p *fakeProc) { p.State = "Z (zombie)" }) },
		func() { pt.remove(21) },
		func() {
			pt.add(appProc(50, "nginx", "app"))
			pt.plant("50/mountinfo", "fifo")
			pt.update(50, func(p *fakeProc) { p.State = "X (dead)" })
		},
		func() { pt.remove(20) }, // the process container items were read through
		func() { pt.remove(50); pt.add(appProc(51, "nginx", "app")) },
	}
	for i, step := range steps {
		step()
		h.advance(time.Minute)
		if lines := h.cycle(); len(lines) != 0 {
			t.Fatalf("step %d wrote %d lines:\n%s", i, len(lines), rawLines(lines))
		}
	}
}

// TestLinesBounded: whatever the processes, findings and names, a line
// stays within the bound and the schema: a thousand processes each in a
// state of its own, all drifting, then all changing; names at their
// longest.
func TestLinesBounded(t *testing.T) {
	long := strings.Repeat("a", 200)
	spec := strings.Replace(podYAML, "  containers:\n", "    sysctls: [{name: net.ipv4.conf."+long+".forwarding, value: \"1\"}]\n  containers:\n", 1)
	pt := newProcTree(t, appProc(7, "secctx", "secctx"))
	pt.setSysctl("net.ipv4.conf."+long+".forwarding", "0")
	const n = 1000
	for i := 0; i < n; i++ {
		p := appProc(100+i, strings.Repeat("w", 15), "app")
		p.UID = allIDs(int64(20000 + i))
		pt.add(p)
	}
	h := newHarness(t, pt, staticSpec(spec))
	lines := h.initial("app")
	l := lines[0]
	if l.Processes != n || len(l.FirstProcesses) != 5 || l.Drift < n {
		t.Fatalf("initial: %d processes, %d named, %d drift", l.Processes, len(l.FirstProcesses), l.Drift)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(l.raw), &top); err != nil {
		t.Fatal(err)
	}
	if _, ok := top["driftsOmitted"]; !ok {
		t.Errorf("initial line lists every one of %d drifts", l.Drift)
	}
	for i := 0; i < n; i++ {
		pt.update(100+i, setUID(int64(30000+i)))
	}
	h.advance(time.Minute)
	lines = h.cycle()
	if len(lines) != 1 || lines[0].Event != "change" {
		t.Fatalf("%d lines", len(lines))
	}
	if err := json.Unmarshal([]byte(lines[0].raw), &top); err != nil {
		t.Fatal(err)
	}
	var omitted int
	if err := json.Unmarshal(top["changesOmitted"], &omitted); err != nil || omitted+len(lines[0].Changes) < n {
		t.Errorf("change line: %d changes listed, %s omitted, want at least %d in all", len(lines[0].Changes), top["changesOmitted"], n)
	}
	t.Logf("longest line: %d bytes", max(len(l.raw), len(lines[0].raw))+1)
}

// TestChangePreviousIsItsOwn: when several processes drift on one check,
// each with its own value, a change's previous value is that process's
// own, never another's.
func TestChangePreviousIsItsOwn(t *testing.T) {
	pt := appPod(t, 4)
	for i, pid := range []int{20, 21, 22, 23} {
		pt.update(pid, setUID(int64(2000+i)))
	}
	h := newHarness(t, pt, staticSpec(podYAML))
	h.initial("app")
	for round := 0; round < 5; round++ {
		pt.update(22, setUID(int64(3000+round)))
		h.advance(time.Minute)
		lines := h.cycle()
		if len(lines) != 1 || len(lines[0].Changes) != 1 {
			t.Fatalf("round %d: want one change:\n%s", round, rawLines(lines))
		}
		c := lines[0].Changes[0]
		want := "2002"
		if round > 0 {
			want = strconv.Itoa(3000 + round - 1)
		}
		if c.Kind != "drift" || pidList(c.Processes.First) != "22:nginx" || c.Observed != strconv.Itoa(3000+round) || c.Previous != want {
			t.Errorf("round %d: %s observed %v previous %v, want previous %s", round, describe(c), c.Observed, c.Previous, want)
		}
	}
}
