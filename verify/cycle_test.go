package verify

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/report"
)

var cycleTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fixtureTree lays out a proc root whose processes pids are copies of the
// process of probe/testdata/containerd-nonroot (uid 1000, gid 3000, groups
// 3000 and 4000, no capabilities, seccomp filtering), each with its pid in
// its status; "self" is the first of them.
func fixtureTree(t *testing.T, pids ...int) string {
	t.Helper()
	src := "../probe/testdata/containerd-nonroot"
	root := t.TempDir()
	copyTree(t, filepath.Join(src, "sys"), filepath.Join(root, "sys"))
	for _, pid := range pids {
		dir := filepath.Join(root, strconv.Itoa(pid))
		copyTree(t, filepath.Join(src, "self"), dir)
		editStatus(t, root, pid, func(s string) string {
			return strings.NewReplacer("Pid:\t7\n", "Pid:\t"+strconv.Itoa(pid)+"\n", "Tgid:\t7\n", "Tgid:\t"+strconv.Itoa(pid)+"\n").Replace(s)
		})
	}
	if err := os.Symlink(strconv.Itoa(pids[0]), filepath.Join(root, "self")); err != nil {
		t.Fatal(err)
	}
	return root
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// editStatus rewrites the status file of pid.
func editStatus(t *testing.T, root string, pid int, edit func(string) string) {
	t.Helper()
	p := filepath.Join(root, strconv.Itoa(pid), "status")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(edit(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
}

func setStatus(line, value string) func(string) string {
	return func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, line+":") {
				l = line + ":\t" + value
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
}

func pidsOf(ps []report.Process) string {
	var s []string
	for _, p := range ps {
		s = append(s, strconv.Itoa(p.PID)+":"+p.Comm)
	}
	return strings.Join(s, ",")
}

// TestVerifyIsTheCycleOfOnePID: verifying one process gives the report
// that comparing its whole state at once gives (report.New), and the
// container report of that one pid holds the same findings.
func TestVerifyIsTheCycleOfOnePID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		pid   int
		setup func(t *testing.T, root string)
	}{
		{"self", 0, func(*testing.T, string) {}},
		{"another pid", 42, func(*testing.T, string) {}},
		{"drifting uid and an unread label", 42, func(t *testing.T, root string) {
			editStatus(t, root, 42, setStatus("Uid", "0\t0\t0\t0"))
			if err := os.Remove(filepath.Join(root, "42", "attr", "current")); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := fixtureTree(t, 42)
			tc.setup(t, root)
			v := newVerifier(t, root)
			v.Now = func() time.Time { return cycleTime }
			got, err := v.Verify(tc.pid)
			if err != nil {
				t.Fatal(err)
			}
			st := v.Observe(tc.pid)
			exp, err := v.Expected(st)
			if err != nil {
				t.Fatal(err)
			}
			want := report.New(exp, st, v.source, cycleTime)
			if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
				t.Errorf("Verify(%d) =\n%s\nwant the whole state's comparison\n%s", tc.pid, g, w)
			}
			cr, err := v.VerifyContainer(Processes{PIDs: []int{tc.pid}}, Cycle{Pod: v.fs.ObservePod(v.Request()), PodFindings: true, Time: cycleTime})
			if err != nil {
				t.Fatal(err)
			}
			if len(cr.Findings) != len(got.Findings) {
				t.Fatalf("%d findings in the container report, %d in the process's", len(cr.Findings), len(got.Findings))
			}
			for i := range cr.Findings {
				f := cr.Findings[i]
				f.PID, f.Comm = got.Findings[i].PID, got.Findings[i].Comm
				if g, w := mustJSON(t, f), mustJSON(t, got.Findings[i]); g != w {
					t.Errorf("finding %d: container report %s, process report %s", i, g, w)
				}
			}
			if pidsOf(cr.Target.Processes) != "42:app" {
				t.Errorf("container report lists %q", pidsOf(cr.Target.Processes))
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestObserveContainer: which processes a cycle keeps, and the process the
// container items are read through.
func TestObserveContainer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string)
		ps    Processes
		want  string // pid:comm of the processes kept
		// container says how the container items were read: "read",
		// "unread" (reasons recorded) or "" (not read: no process left).
		container string
	}{
		{"every process", func(*testing.T, string) {}, Processes{PIDs: []int{10, 11, 12}, Listed: true}, "10:app,11:app,12:app", "read"},
		{"a listed process gone since", func(t *testing.T, root string) {
			rm(t, root, "11")
		}, Processes{PIDs: []int{10, 11, 12}, Listed: true}, "10:app,12:app", "read"},
		{"a listed zombie", func(t *testing.T, root string) {
			editStatus(t, root, 11, setStatus("State", "Z (zombie)"))
			editStatus(t, root, 11, setStatus("Threads", "1"))
		}, Processes{PIDs: []int{10, 11, 12}, Listed: true}, "10:app,12:app", "read"},
		{"a named process gone is kept, to be reported", func(t *testing.T, root string) {
			rm(t, root, "11")
		}, Processes{PIDs: []int{11}}, "11:", "unread"},
		{"the runtime's init process", func(t *testing.T, root string) {
			editStatus(t, root, 10, setStatus("Name", "runc:[2:INIT]"))
		}, Processes{PIDs: []int{10, 11, 12}, Listed: true}, "11:app,12:app", "read"},
		{"the first lost its root: the next one answers", func(t *testing.T, root string) {
			rm(t, root, "10/root")
		}, Processes{PIDs: []int{10, 11, 12}, Listed: true}, "11:app,12:app", "read"},
		{"every one lost its root", func(t *testing.T, root string) {
			for _, p := range []string{"10", "11", "12"} {
				rm(t, root, p+"/root")
			}
		}, Processes{PIDs: []int{10, 11, 12}, Listed: true}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := fixtureTree(t, 10, 11, 12)
			tc.setup(t, root)
			v := newVerifier(t, root)
			o := v.ObserveContainer(tc.ps)
			var got []report.Process
			for _, p := range o.Processes {
				got = append(got, report.Process{PID: p.PID, Comm: p.Comm})
			}
			if pidsOf(got) != tc.want {
				t.Errorf("processes %q, want %q", pidsOf(got), tc.want)
			}
			read := ""
			switch {
			case len(o.Container.Unread) > 0:
				read = "unread"
			case len(o.Container.Passwd) > 0:
				read = "read"
			}
			if read != tc.container {
				t.Errorf("container items %q, want %q (unread %v)", read, tc.container, o.Container.Unread)
			}
		})
	}
}

func rm(t *testing.T, root, rel string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(root, rel)); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyContainerSharesStates: processes in equal states are compared
// once and listed together; one in a state of its own has its findings;
// container findings hold for the container's processes; pod findings are
// in the report only when the cycle asks.
func TestVerifyContainerSharesStates(t *testing.T) {
	t.Parallel()
	root := fixtureTree(t, 10, 11, 12)
	editStatus(t, root, 12, setStatus("Uid", "0\t0\t0\t0"))
	v := newVerifier(t, root)
	pod := v.fs.ObservePod(v.Request())
	for _, withPod := range []bool{true, false} {
		r, err := v.VerifyContainer(Processes{PIDs: []int{10, 11, 12}, Listed: true}, Cycle{Pod: pod, PodFindings: withPod, Time: cycleTime})
		if err != nil {
			t.Fatal(err)
		}
		if pidsOf(r.Target.Processes) != "10:app,11:app,12:app" {
			t.Fatalf("processes %q", pidsOf(r.Target.Processes))
		}
		var uids []string
		sysctls := 0
		for _, f := range r.Findings {
			switch {
			case f.Check == "runAsUser":
				uids = append(uids, string(f.Status)+"@"+pidsOf(f.Processes))
			case f.Scope == "container" && len(f.Processes) != 0:
				t.Errorf("container finding %s lists %q, want every process (none listed)", f.Check, pidsOf(f.Processes))
			case f.Scope == "pod":
				sysctls++
			}
		}
		if got := strings.Join(uids, " "); got != "ok@10:app,11:app drift@12:app" {
			t.Errorf("runAsUser findings %q", got)
		}
		if (sysctls > 0) != withPod {
			t.Errorf("%d pod findings with PodFindings %v", sysctls, withPod)
		}
	}
}

// TestVerifyRefusesTheRuntimesInit: a named process that is still the
// runtime's init is not verified.
func TestVerifyRefusesTheRuntimesInit(t *testing.T) {
	t.Parallel()
	root := fixtureTree(t, 10)
	editStatus(t, root, 10, setStatus("Name", "runc:[2:INIT]"))
	_, err := newVerifier(t, root).Verify(10)
	if _, ok := err.(*NotFoundError); !ok {
		t.Fatalf("err = %v, want *NotFoundError", err)
	}
}

// TestRequestFor: a cycle reads the expectation's sysctls, and its
// masked, read-only, node-dependent and unmasked paths.
func TestRequestFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		exp     expect.Expected
		sysctls string
		paths   string
	}{
		{"nothing", expect.Expected{}, "", ""},
		{"every kind", expect.Expected{
			Sysctls:         []expect.ExpectedSysctl{{Name: "net.core.somaxconn", Value: "1024"}, {Name: "kernel.shm_rmid_forced", Value: "1"}},
			MaskedPaths:     []string{"/proc/kcore"},
			ReadonlyPaths:   []string{"/proc/sys"},
			NodeMaskedPaths: []expect.NodePath{{Path: "/sys/devices/system/cpu/cpu*/thermal_throttle"}},
			UnmaskedPaths:   []string{"/proc/acpi"},
		}, "net.core.somaxconn,kernel.shm_rmid_forced", "/proc/kcore,/proc/sys,/sys/devices/system/cpu/cpu*/thermal_throttle,/proc/acpi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := requestFor(&tc.exp)
			if got := strings.Join(req.Sysctls, ","); got != tc.sysctls {
				t.Errorf("sysctls %q, want %q", got, tc.sysctls)
			}
			if got := strings.Join(req.Paths, ","); got != tc.paths {
				t.Errorf("paths %q, want %q", got, tc.paths)
			}
		})
	}
}
