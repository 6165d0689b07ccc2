package watch_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/watch"

	"github.com/secctx/secctx/schema/schematest"
)

func setUID(uid int64) func(*fakeProc) {
	return func(p *fakeProc) { p.UID = allIDs(uid) }
}

// TestChangeDetection: after the initial line, a cycle writes a line only
// when the meaning of the findings changed, and says what changed.
func TestChangeDetection(t *testing.T) {
	netBind := caps.MustFromNames("NET_BIND_SERVICE")
	type step struct {
		name   string
		change func(pt *procTree)
		// want is describeAll of the changes of the one "change" line the
		// step must write; nil: the step writes nothing.
		want []string
	}
	for _, tc := range []struct {
		name    string
		workers int // nginx processes, pids 20...
		steps   []step
	}{
		{"unchanged", 3, []step{
			{"second cycle", nil, nil},
			{"third cycle", nil, nil},
		}},
		{"setuid after start, then back", 3, []step{
			{"setuid 1001", func(pt *procTree) { pt.update(21, setUID(1001)) },
				[]string{"drift runAsUser high 21:nginx"}},
			{"still 1001", nil, nil},
			{"setuid 1000", func(pt *procTree) { pt.update(21, setUID(1000)) },
				[]string{"resolved runAsUser 21:nginx"}},
		}},
		{"setuid of the only process", 1, []step{
			// The drift holds for every process, so the report lists none;
			// the change names them.
			{"setuid 1001", func(pt *procTree) { pt.update(20, setUID(1001)) },
				[]string{"drift runAsUser high 20:nginx"}},
			// Only "resolved": the ok value is the one before the drift.
			{"setuid 1000", func(pt *procTree) { pt.update(20, setUID(1000)) },
				[]string{"resolved runAsUser"}},
		}},
		{"setuid to root", 2, []step{
			// A uid-0 process lacking the granted capabilities drifts in
			// its effective and permitted sets too (at a severity package
			// report decides, not checked here).
			{"setuid 0", func(pt *procTree) { pt.update(21, setUID(0)) },
				[]string{
					"drift capabilities.effective * 21:nginx",
					"drift capabilities.permitted * 21:nginx",
					"drift runAsUser critical 21:nginx",
				}},
		}},
		{"drift moves to another value", 2, []step{
			{"setuid 1001", func(pt *procTree) { pt.update(21, setUID(1001)) },
				[]string{"drift runAsUser high 21:nginx"}},
			{"setuid 1002", func(pt *procTree) { pt.update(21, setUID(1002)) },
				[]string{"drift runAsUser high 21:nginx"}}, // the old value is not "resolved": runAsUser still drifts
		}},
		{"capability raised within the allowed set", 3, []step{
			{"capset NET_BIND_SERVICE", func(pt *procTree) {
				pt.update(22, func(p *fakeProc) { p.CapPrm, p.CapEff = netBind, netBind })
			}, []string{
				"changed capabilities.effective 22:nginx",
				"changed capabilities.permitted 22:nginx",
			}},
			{"unchanged", nil, nil},
		}},
		{"seccomp turned on after start", 3, []step{
			{"seccomp filter", func(pt *procTree) {
				pt.update(21, func(p *fakeProc) { p.Seccomp, p.SeccompFilters = 2, 1 })
			}, []string{"drift seccompProfile low 21:nginx"}},
		}},
		{"no_new_privs dropped", 2, []step{
			{"nnp 0", func(pt *procTree) {
				pt.update(20, func(p *fakeProc) { p.NoNewPrivs = false })
			}, []string{"drift allowPrivilegeEscalation/no_new_privs high 20:nginx"}},
		}},
		{"pod sysctl changed", 2, []step{
			// 1024, the kernel's value, is what containerd 1.x leaves: a
			// legitimate outcome, so the change is to a value no runtime sets.
			{"port start 1000", func(pt *procTree) { pt.setSysctl("net.ipv4.ip_unprivileged_port_start", "1000") },
				[]string{"drift sysctls/net.ipv4.ip_unprivileged_port_start low"}}, // pod state: no processes
			{"port start 0", func(pt *procTree) { pt.setSysctl("net.ipv4.ip_unprivileged_port_start", "0") },
				[]string{"resolved sysctls/net.ipv4.ip_unprivileged_port_start"}},
		}},
		{"a check becomes unreadable, then readable again", 3, []step{
			{"LSM label unreadable", func(pt *procTree) {
				pt.update(20, func(p *fakeProc) { p.Unreadable = []string{"attr/apparmor/current"} })
			}, []string{"unknown appArmorProfile 20:nginx", "unknown seLinuxOptions 20:nginx"}},
			{"still unreadable", nil, nil},
			// The unknown announced above is over: that is a change too,
			// whatever its kind.
			{"LSM label readable", func(pt *procTree) {
				pt.update(20, func(p *fakeProc) { p.Unreadable = nil })
			}, []string{"* appArmorProfile **", "* seLinuxOptions **"}},
		}},
		{"the only process's check becomes unreadable, then readable again", 1, []step{
			{"LSM label unreadable", func(pt *procTree) {
				pt.update(20, func(p *fakeProc) { p.Unreadable = []string{"attr/apparmor/current"} })
			}, []string{"unknown appArmorProfile 20:nginx", "unknown seLinuxOptions 20:nginx"}},
			{"LSM label readable", func(pt *procTree) {
				pt.update(20, func(p *fakeProc) { p.Unreadable = nil })
			}, []string{"* appArmorProfile **", "* seLinuxOptions **"}},
		}},
		{"process churn", 3, []step{
			{"a new identical worker", func(pt *procTree) { pt.add(appProc(23, "nginx", "app")) }, nil},
			{"a worker exits", func(pt *procTree) { pt.remove(21) }, nil},
			{"workers replaced", func(pt *procTree) {
				pt.remove(20)
				pt.remove(22)
				pt.add(appProc(40, "nginx", "app"), appProc(41, "nginx", "app"))
			}, nil},
		}},
		{"the drifting process exits", 3, []step{
			{"setuid 1001", func(pt *procTree) { pt.update(22, setUID(1001)) },
				[]string{"drift runAsUser high 22:nginx"}},
			{"it exits", func(pt *procTree) { pt.remove(22) },
				[]string{"resolved runAsUser 22:nginx"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt := appPod(t, tc.workers)
			h := newHarness(t, pt, staticSpec(podYAML))
			first := h.initial("app")
			if first[0].Drift != 0 || first[0].Report.Summary.Drift != 0 {
				t.Fatalf("the fake pod should start without drift:\n%s", first[0].raw)
			}
			for _, st := range tc.steps {
				h.advance(time.Minute)
				if st.change != nil {
					st.change(pt)
				}
				lines := h.cycle()
				if st.want == nil {
					if len(lines) != 0 {
						t.Fatalf("%s: wrote %d lines, want none:\n%s", st.name, len(lines), rawLines(lines))
					}
					continue
				}
				if len(lines) != 1 {
					t.Fatalf("%s: wrote %d lines, want one change line:\n%s", st.name, len(lines), rawLines(lines))
				}
				l := lines[0]
				if l.Event != "change" || l.Container != "app" {
					t.Errorf("%s: event %q container %q, want change for app", st.name, l.Event, l.Container)
				}
				if got := describeAll(l.Changes); !matchAll(got, st.want) {
					t.Errorf("%s: changes\n  got  %q\n  want %q", st.name, got, st.want)
				}
				wantLevel := "info"
				if l.Report.Summary.Drift > 0 {
					wantLevel = "warn"
				}
				if l.Level != wantLevel {
					t.Errorf("%s: level %q with %d drift, want %q", st.name, l.Level, l.Report.Summary.Drift, wantLevel)
				}
				if l.Drift != l.Report.Summary.Drift {
					t.Errorf("%s: drift field %d, report summary %d", st.name, l.Drift, l.Report.Summary.Drift)
				}
			}
		})
	}
}

// matchAll compares described changes: each want entry matches one got
// entry; a "*" word matches any one word, a final "**" any rest.
func matchAll(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && matchWords(strings.Fields(g), strings.Fields(w)) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func matchWords(g, w []string) bool {
	for j, ww := range w {
		if ww == "**" && j == len(w)-1 {
			return true
		}
		if j >= len(g) || (ww != "*" && ww != g[j]) {
			return false
		}
	}
	return len(g) == len(w)
}

// TestChangeCarriesPrevious: a "changed" entry gives the value before and
// after.
func TestChangeCarriesPrevious(t *testing.T) {
	pt := appPod(t, 1)
	h := newHarness(t, pt, staticSpec(podYAML))
	h.initial("app")
	// The kernel keeps the effective set within the permitted one.
	pt.update(20, func(p *fakeProc) {
		p.CapPrm, p.CapEff = caps.MustFromNames("NET_BIND_SERVICE"), caps.MustFromNames("NET_BIND_SERVICE")
	})
	lines := h.cycle()
	if len(lines) != 1 || len(lines[0].Changes) != 2 {
		t.Fatalf("want one change line with two changes:\n%s", rawLines(lines))
	}
	c := lines[0].Changes[0]
	if c.Kind != "changed" || c.Check != "capabilities.effective" {
		t.Fatalf("change %+v", c)
	}
	if !reflect.DeepEqual(c.Observed, "[NET_BIND_SERVICE]") || !reflect.DeepEqual(c.Previous, "[]") {
		t.Errorf("observed %#v previous %#v, want [NET_BIND_SERVICE] and []", c.Observed, c.Previous)
	}
}

// TestHeartbeat: nothing between heartbeats while the state holds, then the
// full report once the heartbeat interval has passed.
func TestHeartbeat(t *testing.T) {
	pt := appPod(t, 2)
	pt.update(21, setUID(1001)) // a standing drift must not make lines either
	h := newHarness(t, pt, staticSpec(podYAML))
	h.initial("app")
	for m := 1; m <= 59; m++ {
		h.advance(time.Minute)
		if lines := h.cycle(); len(lines) != 0 {
			t.Fatalf("minute %d: wrote %d lines before the heartbeat is due:\n%s", m, len(lines), rawLines(lines))
		}
	}
	h.advance(time.Minute)
	lines := h.cycle()
	if len(lines) != 1 {
		t.Fatalf("at one hour: wrote %d lines, want one heartbeat", len(lines))
	}
	l := lines[0]
	if l.Event != "heartbeat" || l.Container != "app" || l.Level != "info" || l.keys["changes"] {
		t.Errorf("heartbeat line: event %q container %q level %q changes %v", l.Event, l.Container, l.Level, l.keys["changes"])
	}
	if l.Report.APIVersion != report.APIVersion || len(l.Report.Findings) < 19 || !l.Report.Time.Equal(h.now) {
		t.Errorf("heartbeat report: apiVersion %q, %d findings, time %v (want %v)", l.Report.APIVersion, len(l.Report.Findings), l.Report.Time, h.now)
	}
	if l.Drift != 1 || len(findings(&l.Report, "runAsUser")) != 2 {
		t.Errorf("heartbeat report lost the standing drift: drift %d", l.Drift)
	}
	// The next one is an hour after this one, not after the start.
	for m := 1; m <= 59; m++ {
		h.advance(time.Minute)
		if lines := h.cycle(); len(lines) != 0 {
			t.Fatalf("minute %d after the heartbeat: %d lines", m, len(lines))
		}
	}
	h.advance(time.Minute)
	if lines := h.cycle(); len(lines) != 1 || lines[0].Event != "heartbeat" {
		t.Fatalf("second heartbeat: %s", rawLines(lines))
	}
	// A long pause (a suspended node) gives one heartbeat, not a burst.
	h.advance(5 * time.Hour)
	if lines := h.cycle(); len(lines) != 1 || lines[0].Event != "heartbeat" {
		t.Fatalf("after 5h: %s", rawLines(lines))
	}
	h.advance(time.Minute)
	if lines := h.cycle(); len(lines) != 0 {
		t.Fatalf("a minute after the late heartbeat: %s", rawLines(lines))
	}
}

// TestLineFormat: every line is one JSON object carrying level, time,
// event, container, the summary and the active drifts, never the report;
// only change lines carry changes.
func TestLineFormat(t *testing.T) {
	pt := appPod(t, 2)
	h := newHarness(t, pt, staticSpec(twoContainerYAML), "app=comm:nginx", "side=self")
	var all []outLine
	all = append(all, h.initial("app", "side")...)
	h.advance(time.Minute)
	pt.update(20, setUID(0))
	all = append(all, h.cycle()...)
	h.advance(time.Hour)
	all = append(all, h.cycle()...)
	events := map[string]int{}
	for _, l := range all {
		events[l.Event]++
		for _, k := range []string{"level", "time", "event", "container", "workload", "spec", "processes",
			"firstProcesses", "drift", "summary", "drifts", "message"} {
			if !l.keys[k] {
				t.Errorf("%s line lacks %q:\n%s", l.Event, k, l.raw)
			}
		}
		if l.keys["report"] {
			t.Errorf("%s line carries the report", l.Event)
		}
		if l.keys["changes"] != (l.Event == "change") {
			t.Errorf("%s line: changes present %v", l.Event, l.keys["changes"])
		}
		if _, err := time.Parse(time.RFC3339, l.Time); err != nil {
			t.Errorf("time %q: %v", l.Time, err)
		}
		r := l.Report
		if l.Workload != "Pod/web" || l.Spec != "test" || l.Summary != r.Summary || l.Drift != r.Summary.Drift {
			t.Errorf("%s line: workload %q spec %q summary %+v, report %+v", l.Event, l.Workload, l.Spec, l.Summary, r.Summary)
		}
		if l.Processes != len(r.Target.Processes) || pidList(l.FirstProcesses) != pidList(r.Target.Processes) {
			t.Errorf("processes %d %s, report lists %s", l.Processes, pidList(l.FirstProcesses), pidList(r.Target.Processes))
		}
		if len(l.Drifts) != r.Summary.Drift {
			t.Errorf("%s line lists %d drifts, report has %d", l.Event, len(l.Drifts), r.Summary.Drift)
		}
		if !strings.Contains(l.Message, "container "+l.Container) {
			t.Errorf("message %q does not name the container", l.Message)
		}
	}
	if events["initial"] != 2 || events["change"] != 1 || events["heartbeat"] != 2 || len(all) != 5 {
		t.Errorf("events %v, want 2 initial, 1 change (app), 2 heartbeats", events)
	}
}

// writeSpec writes the spec file and makes sure its stat identity changes
// even where file timestamps are coarse (the watcher compares inode, size
// and mtime, and a same-size rewrite within one clock tick keeps all three).
func writeSpec(t *testing.T, path, content string) {
	t.Helper()
	var before syscall.Stat_t
	had := syscall.Stat(path, &before) == nil
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	var after syscall.Stat_t
	if err := syscall.Stat(path, &after); err != nil {
		t.Fatal(err)
	}
	if had && before.Ino == after.Ino && before.Size == after.Size && before.Mtim == after.Mtim {
		mt := time.Unix(after.Mtim.Sec, after.Mtim.Nsec).Add(time.Second)
		if err := os.Chtimes(path, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
}

func expectedUID(t *testing.T, r *report.Report) string {
	t.Helper()
	fs := findings(r, "runAsUser")
	if len(fs) == 0 {
		t.Fatal("no runAsUser finding")
	}
	return fs[0].Expected
}

// TestSpecReloadFile: an edited spec file is used from the next cycle.
func TestSpecReloadFile(t *testing.T) {
	pt := appPod(t, 2)
	path := filepath.Join(t.TempDir(), "pod.yaml")
	writeSpec(t, path, podYAML)
	h := newHarness(t, pt, fileSpec(path))
	first := h.initial("app")
	if got := expectedUID(t, &first[0].Report); got != "1000" {
		t.Fatalf("expected uid %v, want 1000", got)
	}
	if first[0].Report.Spec.Source != "file:"+path {
		t.Errorf("spec source %q", first[0].Report.Spec.Source)
	}
	writeSpec(t, path, strings.Replace(podYAML, "runAsUser: 1000", "runAsUser: 2000", 1))
	h.advance(time.Minute)
	lines := h.cycle()
	if len(lines) != 1 || lines[0].Event != "change" {
		t.Fatalf("after the edit: want one change line, got\n%s", rawLines(lines))
	}
	if got := expectedUID(t, &lines[0].Report); got != "2000" {
		t.Errorf("after the edit the report expects uid %v, want 2000", got)
	}
	if got := describeAll(lines[0].Changes); !slices.Equal(got, []string{"drift runAsUser high 20:nginx,21:nginx"}) {
		t.Errorf("changes %q", got)
	}
	if !strings.Contains(h.log.String(), "spec reloaded") || strings.Contains(h.log.String(), `"level":"error"`) {
		t.Errorf("log: %s", h.log.String())
	}
	if st := h.w.Snapshot(); st.SpecErrors != 0 {
		t.Errorf("SpecErrors = %d", st.SpecErrors)
	}
	// Unchanged file: no reload, no line.
	logLen := h.log.Len()
	h.advance(time.Minute)
	if lines := h.cycle(); len(lines) != 0 || h.log.Len() != logLen {
		t.Errorf("unchanged file: %d lines, log grew by %q", len(lines), h.log.String()[logLen:])
	}
}

// TestSpecReloadConfigMap: a ConfigMap volume updates by pointing its
// ..data symlink at a new timestamped directory in one rename.
func TestSpecReloadConfigMap(t *testing.T) {
	pt := appPod(t, 2)
	dir := t.TempDir()
	mustWrite := func(rel, content string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite("..2026_a/pod.yaml", podYAML)
	if err := os.Symlink("..2026_a", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..data/pod.yaml", filepath.Join(dir, "pod.yaml")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "pod.yaml")
	h := newHarness(t, pt, fileSpec(path))
	first := h.initial("app")
	if got := expectedUID(t, &first[0].Report); got != "1000" {
		t.Fatalf("expected uid %v, want 1000", got)
	}
	// The kubelet's atomic writer: new directory, temporary symlink,
	// rename over ..data, remove the old directory.
	swap := func(gen, content string) {
		t.Helper()
		mustWrite(gen+"/pod.yaml", content)
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(gen, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	swap("..2026_b", strings.Replace(podYAML, "runAsUser: 1000", "runAsUser: 2000", 1))
	if err := os.RemoveAll(filepath.Join(dir, "..2026_a")); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Minute)
	lines := h.cycle()
	if len(lines) != 1 {
		t.Fatalf("after the swap: want one change line, got\n%s", rawLines(lines))
	}
	if got := expectedUID(t, &lines[0].Report); got != "2000" {
		t.Errorf("after the swap the report expects uid %v, want 2000", got)
	}
	// Same content in a new generation: reloaded, nothing to report.
	swap("..2026_c", strings.Replace(podYAML, "runAsUser: 1000", "runAsUser: 2000", 1))
	h.advance(time.Minute)
	if lines := h.cycle(); len(lines) != 0 {
		t.Errorf("same spec in a new generation: %s", rawLines(lines))
	}
	// And back.
	swap("..2026_d", podYAML)
	h.advance(time.Minute)
	lines = h.cycle()
	if len(lines) != 1 || expectedUID(t, &lines[0].Report) != "1000" ||
		!slices.Equal(describeAll(lines[0].Changes), []string{"resolved runAsUser"}) {
		t.Errorf("swap back: %d lines, changes %q, want one line with only \"resolved runAsUser\"", len(lines), describeAll(lines[0].Changes))
	}
	if st := h.w.Snapshot(); st.SpecErrors != 0 {
		t.Errorf("SpecErrors = %d; log %s", st.SpecErrors, h.log.String())
	}
}

// TestSpecReloadBad: a bad new spec logs one error naming the file, writes
// one spec_error line, counts in SpecErrors and leaves the last good spec in
// force (its reports say why the file is not used); a good one later is
// applied, with a spec_recovered line.
func TestSpecReloadBad(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, path string)
		want  string // in the error line
	}{
		{"malformed yaml", func(t *testing.T, p string) { writeSpec(t, p, "kind: Pod\n  bad: [") }, "malformed YAML"},
		{"unknown field", func(t *testing.T, p string) {
			writeSpec(t, p, strings.Replace(podYAML, "runAsUser", "runAsUsr", 1))
		}, "runAsUsr"},
		{"container gone", func(t *testing.T, p string) {
			writeSpec(t, p, strings.Replace(podYAML, "name: app", "name: web", 1))
		}, `no container "app"`},
		{"empty file", func(t *testing.T, p string) { writeSpec(t, p, "") }, ""},
		{"file removed", func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}, "cannot read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt := appPod(t, 2)
			path := filepath.Join(t.TempDir(), "pod.yaml")
			writeSpec(t, path, twoContainerYAML)
			h := newHarness(t, pt, fileSpec(path), "app=others")
			h.initial("app")
			tc.spoil(t, path)
			h.advance(time.Minute)
			lines := h.cycle()
			if len(lines) != 1 || lines[0].Event != "spec_error" || !lines[0].LastGood || !strings.Contains(lines[0].Error, tc.want) ||
				lines[0].Spec != "file:"+path {
				t.Errorf("a rejected spec: want one spec_error line (lastGood, naming %q), got:\n%s", tc.want, rawLines(lines))
			}
			logLines := strings.Split(strings.TrimSpace(h.log.String()), "\n")
			if len(logLines) != 1 {
				t.Fatalf("want one error line, got %d:\n%s", len(logLines), h.log.String())
			}
			var e struct{ Level, Spec, Message string }
			if err := json.Unmarshal([]byte(logLines[0]), &e); err != nil {
				t.Fatalf("error line is not JSON: %v", err)
			}
			if e.Level != "error" || !strings.Contains(e.Spec+" "+e.Message, path) || !strings.Contains(e.Message, tc.want) {
				t.Errorf("error line %q, want level error naming %s and %q", logLines[0], path, tc.want)
			}
			st := h.w.Snapshot()
			if st.SpecErrors != 1 || st.SpecError == "" || !st.SpecLoaded {
				t.Errorf("SpecErrors = %d, SpecError %q, SpecLoaded %v; want 1, the error, true", st.SpecErrors, st.SpecError, st.SpecLoaded)
			}
			r := st.Reports[0]
			if got := expectedUID(t, r); got != "1000" {
				t.Errorf("with the bad spec the report expects uid %v, want the last good 1000", got)
			}
			if r.Spec.Error != st.SpecError {
				t.Errorf("report spec.error %q, want %q", r.Spec.Error, st.SpecError)
			}
			schematest.ReportValue(t, r)
			// The bad spec stays: read again every cycle, but nothing more
			// is written, logged or counted before the heartbeat.
			for i := 0; i < 3; i++ {
				h.advance(time.Minute)
				if lines := h.cycle(); len(lines) != 0 {
					t.Errorf("the same bad spec wrote again:\n%s", rawLines(lines))
				}
			}
			if got := strings.Count(strings.TrimSpace(h.log.String()), "\n") + 1; got != 1 {
				t.Errorf("the same bad spec was logged %d times:\n%s", got, h.log.String())
			}
			if st := h.w.Snapshot(); st.SpecErrors != 1 {
				t.Errorf("SpecErrors = %d after more cycles, want 1", st.SpecErrors)
			}
			// A good spec is applied.
			writeSpec(t, path, strings.Replace(twoContainerYAML, "runAsUser: 1000", "runAsUser: 2000", 1))
			h.advance(time.Minute)
			lines = h.cycle()
			if len(lines) != 2 || lines[0].Event != "spec_recovered" || lines[1].Event != "change" || expectedUID(t, &lines[1].Report) != "2000" {
				t.Fatalf("good spec after a bad one not applied:\n%s", rawLines(lines))
			}
			if !strings.Contains(h.log.String(), "spec reloaded") {
				t.Errorf("no reload message: %s", h.log.String())
			}
			st = h.w.Snapshot()
			if st.SpecErrors != 1 || st.SpecError != "" || st.Reports[0].Spec.Error != "" {
				t.Errorf("SpecErrors = %d, SpecError %q, report spec.error %q; want 1 and none", st.SpecErrors, st.SpecError, st.Reports[0].Spec.Error)
			}
		})
	}
}

// TestTargetTwice: a container targeted twice is a usage error.
func TestTargetTwice(t *testing.T) {
	pt := appPod(t, 1)
	_, err := watch.New(watch.Config{Pipeline: pipeline(pt, staticSpec(podYAML)), Targets: mustTargets(t, "app=others", "app=self")})
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a container targeted twice: %v", err)
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want watch.Target
		err  string // substring of the error; "" for success
	}{
		{"self", watch.Target{Selector: watch.Selector{Kind: "self"}}, ""},
		{"others", watch.Target{Selector: watch.Selector{Kind: "others"}}, ""},
		{"pid:42", watch.Target{Selector: watch.Selector{Kind: "pid", PID: 42}}, ""},
		{"comm:nginx", watch.Target{Selector: watch.Selector{Kind: "comm", Value: "nginx"}}, ""},
		{"comm:php-fpm: pool", watch.Target{Selector: watch.Selector{Kind: "comm", Value: "php-fpm: pool"}}, ""},
		{"exe:/usr/sbin/nginx", watch.Target{Selector: watch.Selector{Kind: "exe", Value: "/usr/sbin/nginx"}}, ""},
		{"app=self", watch.Target{Container: "app", Selector: watch.Selector{Kind: "self"}}, ""},
		{"app=pid:7", watch.Target{Container: "app", Selector: watch.Selector{Kind: "pid", PID: 7}}, ""},
		{"web-1=comm:nginx", watch.Target{Container: "web-1", Selector: watch.Selector{Kind: "comm", Value: "nginx"}}, ""},
		{"side=others", watch.Target{Container: "side", Selector: watch.Selector{Kind: "others"}}, ""},
		{"app=exe:/opt/app=1/bin/server", watch.Target{Container: "app", Selector: watch.Selector{Kind: "exe", Value: "/opt/app=1/bin/server"}}, ""},
		// An '=' inside a selector's value does not make a container name
		// (container names are DNS labels: no ':').
		{"exe:/opt/app=1/bin/server", watch.Target{Selector: watch.Selector{Kind: "exe", Value: "/opt/app=1/bin/server"}}, ""},
		{"comm:a=b", watch.Target{Selector: watch.Selector{Kind: "comm", Value: "a=b"}}, ""},
		{"", watch.Target{}, "want self"},
		{"bogus", watch.Target{}, "want self"},
		{"Self", watch.Target{}, "want self"},
		{"=self", watch.Target{}, "empty container name"},
		{"app=", watch.Target{}, "want self"},
		{"self:1", watch.Target{}, "takes no value"},
		{"others:x", watch.Target{}, "takes no value"},
		{"pid", watch.Target{}, "positive pid"},
		{"pid:", watch.Target{}, "positive pid"},
		{"pid:0", watch.Target{}, "positive pid"},
		{"pid:-3", watch.Target{}, "positive pid"},
		{"pid:abc", watch.Target{}, "positive pid"},
		{"comm", watch.Target{}, "needs a value"},
		{"comm:", watch.Target{}, "needs a value"},
		{"exe:", watch.Target{}, "needs a value"},
		{"app=bogus:1", watch.Target{}, "want self"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := watch.ParseTarget(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseTarget(%q) = %+v, %v; want error with %q", tc.in, got, err, tc.err)
				}
				if !strings.Contains(err.Error(), "target") {
					t.Errorf("error %q does not say it is about --target", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseTarget(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			// String gives back what parses to the same target.
			again, err := watch.ParseTarget(got.String())
			if err != nil || again != got {
				t.Errorf("String() %q parses to %+v, %v", got.String(), again, err)
			}
		})
	}
}

// selectorPod: secctx (7) and a shell (8) in secctx's container, the pause
// (1) and catatonit (3) processes, a kernel thread (2), nginx workers 20 and
// 21 and php-fpm 30 in "app", and a zombie-like process without command
// line (31) and runc's init process of a starting container (32) in "app".
func selectorPod(t *testing.T) *procTree {
	pt := newProcTree(t, appProc(7, "secctx", "secctx"))
	catatonit := pauseProc()
	catatonit.PID, catatonit.Comm, catatonit.Cmdline, catatonit.Cgroup = 3, "catatonit", []string{"/catatonit", "-P"}, "/kubepods/pod1/infra"
	shell := appProc(8, "sh", "secctx")
	php := appProc(30, "php-fpm", "app")
	php.Cmdline = []string{"/usr/sbin/php-fpm", "-F"}
	zombie := appProc(31, "defunct", "app")
	zombie.Cmdline = nil
	// A container still being started: runc's init process, before execve.
	starting := appProc(32, "runc:[2:INIT]", "app")
	starting.Cmdline = []string{"runc", "init"}
	pt.add(pauseProc(), kernelThread(2, "kthreadd"), catatonit, shell,
		appProc(20, "nginx", "app"), appProc(21, "nginx", "app"), php, zombie, starting)
	return pt
}

func TestSelectors(t *testing.T) {
	for _, tc := range []struct {
		target string
		want   string // pid:comm of Target.Processes
	}{
		{"others", "20:nginx,21:nginx,30:php-fpm"},
		{"comm:nginx", "20:nginx,21:nginx"},
		{"comm:php-fpm", "30:php-fpm"},
		{"comm:secctx", ""}, // never secctx itself
		{"comm:nothing", ""},
		{"exe:/usr/sbin/php-fpm", "30:php-fpm"},
		{"exe:/usr/bin/nginx", "20:nginx,21:nginx"},
		{"pid:21", "21:nginx"},
		{"pid:32", ""}, // runc init: not the container's process yet
		{"self", "7:secctx"},
		{"app=comm:nginx", "20:nginx,21:nginx"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			h := newHarness(t, selectorPod(t), staticSpec(podYAML), tc.target)
			reports := h.w.Cycle()
			if len(reports) != 1 {
				t.Fatalf("%d reports", len(reports))
			}
			r := reports[0]
			if got := pidList(r.Target.Processes); got != tc.want {
				t.Errorf("processes %q, want %q", got, tc.want)
			}
			if tc.want != "" && (r.Target.PID != r.Target.Processes[0].PID || r.Target.Comm != r.Target.Processes[0].Comm) {
				t.Errorf("target pid %d comm %q, want the first process", r.Target.PID, r.Target.Comm)
			}
			if r.Target.Container != "app" {
				t.Errorf("container %q", r.Target.Container)
			}
		})
	}
}

// TestTwoContainers: --target app=comm:nginx --target side=self gives a
// report per container; pod-scope findings appear once, in the first.
func TestTwoContainers(t *testing.T) {
	pt := newProcTree(t, appProc(7, "secctx", "side"))
	pt.add(pauseProc(), appProc(20, "nginx", "app"), appProc(21, "nginx", "app"))
	h := newHarness(t, pt, staticSpec(twoContainerYAML), "app=comm:nginx", "side=self")
	lines := h.initial("app", "side")
	reports := h.w.Snapshot().Reports
	if len(reports) != 2 {
		t.Fatalf("%d reports", len(reports))
	}
	for i, want := range []struct{ container, procs string }{{"app", "20:nginx,21:nginx"}, {"side", "7:secctx"}} {
		r := reports[i]
		if r.Target.Container != want.container || pidList(r.Target.Processes) != want.procs {
			t.Errorf("report %d: container %q processes %q, want %q %q", i, r.Target.Container, pidList(r.Target.Processes), want.container, want.procs)
		}
		if lines[i].Container != want.container || pidList(lines[i].Report.Target.Processes) != want.procs {
			t.Errorf("line %d: container %q", i, lines[i].Container)
		}
		pod, container := 0, 0
		for _, f := range r.Findings {
			switch f.Scope {
			case "pod":
				pod++
				if f.Check != "sysctls" {
					t.Errorf("pod-scope finding %s", f.Check)
				}
			case "container":
				container++
			}
		}
		if i == 0 && pod != 2 {
			t.Errorf("first report: %d pod-scope findings, want the 2 sysctls", pod)
		}
		if i == 1 && pod != 0 {
			t.Errorf("second report repeats %d pod-scope findings", pod)
		}
		if container != 4 {
			t.Errorf("report %d: %d container-scope findings, want 4 (readOnlyRootFilesystem, procMount, hostUsers, unknownField)", i, container)
		}
		if r.Summary.Drift != 0 {
			t.Errorf("report %d: %d drift", i, r.Summary.Drift)
		}
	}
	// A pod sysctl drift shows once, on the first container's line.
	pt.setSysctl("net.ipv4.ip_unprivileged_port_start", "1000")
	h.advance(time.Minute)
	lines = h.cycle()
	if len(lines) != 1 || lines[0].Container != "app" {
		t.Fatalf("sysctl drift: want one line for app:\n%s", rawLines(lines))
	}
	// A drift of the sidecar itself is reported on its own line.
	pt.update(7, setUID(1001))
	h.advance(time.Minute)
	lines = h.cycle()
	if len(lines) != 1 || lines[0].Container != "side" ||
		!slices.Equal(describeAll(lines[0].Changes), []string{"drift runAsUser high 7:secctx"}) {
		t.Fatalf("sidecar drift: want one line for side:\n%s", rawLines(lines))
	}
}

// TestMergeWorkers: identical workers share their findings; one that
// differs gets a finding naming only it.
func TestMergeWorkers(t *testing.T) {
	pt := appPod(t, 3)
	h := newHarness(t, pt, staticSpec(podYAML))
	r := h.w.Cycle()[0]
	if got := pidList(r.Target.Processes); got != "20:nginx,21:nginx,22:nginx" {
		t.Fatalf("processes %q", got)
	}
	if len(r.Findings) != len(report.Checks)+1 { // sysctls has two subjects
		t.Errorf("%d findings for 3 identical workers, want %d (one per check and subject)", len(r.Findings), len(report.Checks)+1)
	}
	for _, f := range r.Findings {
		if f.Processes != nil {
			t.Errorf("%s lists processes %s although it holds for all", f.Check, pidList(f.Processes))
		}
	}
	odd := appProc(23, "nginx", "app")
	odd.UID = allIDs(1001)
	pt.add(odd)
	r = h.w.Cycle()[0]
	ru := findings(r, "runAsUser")
	if len(ru) != 2 {
		t.Fatalf("%d runAsUser findings, want 2", len(ru))
	}
	for _, f := range ru {
		switch f.Status {
		case report.StatusOK:
			if pidList(f.Processes) != "20:nginx,21:nginx,22:nginx" {
				t.Errorf("ok finding lists %q", pidList(f.Processes))
			}
		case report.StatusDrift:
			if pidList(f.Processes) != "23:nginx" || f.PID != 23 || f.Observed != "1001" {
				t.Errorf("drift finding lists %q pid %d observed %v, want only 23", pidList(f.Processes), f.PID, f.Observed)
			}
		default:
			t.Errorf("runAsUser %s", f.Status)
		}
	}
	for _, f := range r.Findings {
		if f.Check != "runAsUser" && f.Processes != nil {
			t.Errorf("%s lists %s", f.Check, pidList(f.Processes))
		}
	}
}

// TestUnreadable: what cannot be read is never drift: a check that needs
// it is unknown or skipped with the reason.
func TestUnreadable(t *testing.T) {
	noGroupYAML := strings.Replace(podYAML, "    runAsGroup: 3000\n", "", 1)
	for _, tc := range []struct {
		name       string
		yaml       string
		target     string
		unreadable []string
		// want maps a check to the status it must have and a substring of
		// its message.
		want map[string][2]string
	}{
		{"passwd", noGroupYAML, "others", []string{"root/etc/passwd"}, map[string][2]string{
			"runAsGroup": {"skipped", "/etc/passwd could not be read"},
		}},
		{"passwd and group", noGroupYAML, "others", []string{"root/etc/passwd", "root/etc/group"}, map[string][2]string{
			"runAsGroup": {"skipped", "/etc/passwd could not be read"},
		}},
		{"passwd with runAsGroup", podYAML, "others", []string{"root/etc/passwd"}, map[string][2]string{
			"runAsGroup": {"ok", ""},
		}},
		{"LSM label", podYAML, "others", []string{"attr/apparmor/current"}, map[string][2]string{
			"appArmorProfile": {"unknown", "unreadable"},
			"seLinuxOptions":  {"unknown", "unreadable"},
		}},
		{"mountinfo", podYAML, "others", []string{"mountinfo"}, map[string][2]string{
			"readOnlyRootFilesystem": {"unknown", "mountinfo"},
			"procMount":              {"unknown", "mountinfo"},
			"privileged":             {"unknown", "mountinfo"},
		}},
		{"uid_map", podYAML, "others", []string{"uid_map"}, map[string][2]string{
			"hostUsers": {"unknown", "uid_map"},
		}},
		{"status of a pid target", podYAML, "pid:20", []string{"status"}, map[string][2]string{
			"runAsUser":              {"unknown", "status"},
			"capabilities.effective": {"unknown", "status"},
			"seccompProfile":         {"unknown", "status"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt := newProcTree(t, appProc(7, "secctx", "secctx"))
			p := appProc(20, "nginx", "app")
			p.Unreadable = tc.unreadable
			pt.add(pauseProc(), p)
			h := newHarness(t, pt, staticSpec(tc.yaml), tc.target)
			lines := h.initial("app")
			r := &lines[0].Report
			if len(r.Target.Processes) != 1 || r.Target.Processes[0].PID != 20 {
				t.Fatalf("processes %q", pidList(r.Target.Processes))
			}
			for _, f := range r.Drifts() {
				t.Errorf("drift from an unreadable item: %s %s: %s", f.Check, f.Subject, f.Message)
			}
			for check, want := range tc.want {
				fs := findings(r, check)
				if len(fs) != 1 {
					t.Errorf("%s: %d findings", check, len(fs))
					continue
				}
				if string(fs[0].Status) != want[0] || !strings.Contains(fs[0].Message, want[1]) {
					t.Errorf("%s: %s %q, want %s with %q", check, fs[0].Status, fs[0].Message, want[0], want[1])
				}
			}
		})
	}
}

// TestUnreadableProcessSkipped: with a selector that lists processes, one
// whose status cannot be read (it exited meanwhile) is left out rather than
// reported as unknown; the others are verified.
func TestUnreadableProcessSkipped(t *testing.T) {
	pt := appPod(t, 3)
	pt.update(21, func(p *fakeProc) { p.Unreadable = []string{"status"} })
	h := newHarness(t, pt, staticSpec(podYAML))
	lines := h.initial("app")
	r := &lines[0].Report
	if got := pidList(r.Target.Processes); got != "20:nginx,22:nginx" {
		t.Errorf("processes %q, want 21 left out", got)
	}
	if r.Summary.Drift != 0 || r.Summary.Unknown != 0 {
		t.Errorf("summary %+v", r.Summary)
	}
}

// TestSnapshot: the status the HTTP side reads follows the cycles.
func TestSnapshot(t *testing.T) {
	pt := appPod(t, 2)
	h := newHarness(t, pt, staticSpec(podYAML))
	if st := h.w.Snapshot(); st.Ready() || st.Cycles != 0 || st.Reports != nil {
		t.Fatalf("before the first cycle: %+v", st)
	}
	for i := 1; i <= 3; i++ {
		reports := h.w.Cycle()
		st := h.w.Snapshot()
		if !st.Ready() || st.Cycles != i || !st.Last.Equal(h.now) || st.Duration <= 0 || st.Alive.IsZero() {
			t.Errorf("after cycle %d: ready %v cycles %d last %v duration %v", i, st.Ready(), st.Cycles, st.Last, st.Duration)
		}
		if len(st.Reports) != 1 || st.Reports[0] != reports[0] {
			t.Errorf("snapshot reports are not the cycle's")
		}
		h.advance(time.Minute)
	}
}

// TestDefaultSpecTwoTargets: with the embedded default spec every target
// resolves to its one container; two targets must still be told apart,
// and an unchanged pod must not write change lines.
func TestDefaultSpecTwoTargets(t *testing.T) {
	pt := newProcTree(t, appProc(7, "secctx", "side"))
	pt.add(pauseProc(), appProc(20, "nginx", "app"))
	pt.update(20, setUID(0)) // app drifts from restricted (runAsNonRoot), the sidecar does not
	h := newHarness(t, pt, defaultSpec(), "app=comm:nginx", "side=self")
	lines := h.cycle()
	if len(lines) != 2 {
		t.Fatalf("first cycle: %d lines, want 2 initial", len(lines))
	}
	for i := 0; i < 3; i++ {
		h.advance(time.Minute)
		if lines := h.cycle(); len(lines) != 0 {
			var ev []string
			for _, l := range lines {
				ev = append(ev, l.Event+" "+l.Container+" "+strings.Join(describeAll(l.Changes), "; "))
			}
			t.Fatalf("cycle %d of an unchanged pod wrote %d lines:\n%s", i+2, len(lines), strings.Join(ev, "\n"))
		}
	}
	// The metrics must not hold two series with the same labels.
	seen := map[string]bool{}
	for _, line := range strings.Split(watch.Exposition(h.w.Snapshot(), "v1"), "\n") {
		if strings.HasPrefix(line, "secctx_processes{") {
			series := line[:strings.LastIndexByte(line, ' ')]
			if seen[series] {
				t.Errorf("duplicate series %s", series)
			}
			seen[series] = true
		}
	}
}

// TestDefaultSpecTarget: with the embedded default spec (no spec given),
// target container names do not have to exist in it.
func TestDefaultSpecTarget(t *testing.T) {
	pt := appPod(t, 1)
	w, err := watch.New(watch.Config{Pipeline: pipeline(pt, defaultSpec()), Targets: mustTargets(t, "app=others")})
	if err != nil {
		t.Fatal(err)
	}
	r := w.Cycle()[0]
	if !r.Spec.Default || pidList(r.Target.Processes) != "20:nginx" {
		t.Errorf("default spec report: %+v %q", r.Spec, pidList(r.Target.Processes))
	}
}

// TestPodFindingsStayWithTheFirstTarget: while the first target has no
// process yet (the app is still starting), the pod-wide sysctls are still
// reported in its report, never in the next target's, so they do not move
// between reports from one cycle to the next.
func TestPodFindingsStayWithTheFirstTarget(t *testing.T) {
	pt := newProcTree(t, appProc(7, "secctx", "side"))
	pt.add(pauseProc())
	h := newHarness(t, pt, staticSpec(twoContainerYAML), "app=comm:nginx", "side=self")
	for cycle := 0; cycle < 2; cycle++ {
		reports := h.w.Cycle()
		if len(reports) != 2 || len(reports[0].Target.Processes) != cycle {
			t.Fatalf("cycle %d: want an app report with %d processes, got %d reports", cycle, cycle, len(reports))
		}
		for i, r := range reports {
			pod := 0
			for _, f := range r.Findings {
				if f.Scope == "pod" {
					pod++
				}
			}
			if want := map[int]int{0: 2, 1: 0}[i]; pod != want {
				t.Errorf("cycle %d, report %s: %d pod-scope findings, want %d", cycle, r.Target.Container, pod, want)
			}
		}
		pt.add(appProc(20, "nginx", "app")) // the app starts
	}
}
