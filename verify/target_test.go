package verify

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	appID     = strings.Repeat("a1", 32)
	sidecarID = strings.Repeat("5c", 32)
)

func TestParseSelector(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Selector
		err  string
	}{
		{"self", Selector{Kind: SelectSelf}, ""},
		{"pid:9", Selector{Kind: SelectPID, PID: 9}, ""},
		{"container-id:" + appID, Selector{Kind: SelectContainerID, Value: appID}, ""},
		{"container-id:containerd://" + appID, Selector{Kind: SelectContainerID, Value: appID}, ""},
		{"container-id:cri-o://" + appID, Selector{Kind: SelectContainerID, Value: appID}, ""},
		{"container-id:" + appID[:12], Selector{}, "64 lowercase hexadecimal digits"},
		{"container-id:" + strings.ToUpper(appID), Selector{}, "lowercase"},
		{"container-id:" + appID + "/x", Selector{}, "hexadecimal"},
		{"container-id:containerd://", Selector{}, "hexadecimal"},
		{"container-id", Selector{}, "hexadecimal"},
		{"self:1", Selector{}, "takes no value"},
		{"pid:0", Selector{}, "positive pid"},
		{"comm:", Selector{}, "needs a value"},
		{"pod", Selector{}, "container-id:ID"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSelector(tc.in)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("err %v, want %q", err, tc.err)
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case got != tc.want:
				t.Errorf("%+v, want %+v", got, tc.want)
			}
			if tc.err == "" && got.Kind == SelectContainerID && got.String() != "container-id:"+appID {
				t.Errorf("String() = %q", got.String())
			}
		})
	}
}

func TestCgroupHoldsID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, cgroup string
		want         bool
	}{
		{"cgroupfs", "0::/kubepods/burstable/pod1/" + appID + "\n", true},
		{"systemd, containerd", "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + appID + ".scope\n", true},
		{"systemd, CRI-O", "0::/kubepods.slice/kubepods-pod1.slice/crio-" + appID + ".scope\n", true},
		{"systemd, Docker", "0::/system.slice/docker-" + appID + ".scope\n", true},
		{"CRI-O's conmon", "0::/kubepods.slice/kubepods-pod1.slice/crio-conmon-" + appID + ".scope\n", false},
		{"within a cgroup namespace", "0::/../" + appID + "\n", true},
		{"a sub-cgroup of the container's", "0::/kubepods/pod1/" + appID + "/init\n", true},
		{"cgroup v1", "12:memory:/kubepods/pod1/" + appID + "\n11:cpu,cpuacct:/kubepods/pod1/" + appID + "\n1:name=systemd:/kubepods/pod1/" + appID + "\n", true},
		{"another container", "0::/kubepods/pod1/" + sidecarID + "\n", false},
		{"the id inside a longer name", "0::/kubepods/pod1/x" + appID + "\n", false},
		{"the id as the pod's uid", "0::/kubepods/pod" + appID + "/" + sidecarID + "\n", false},
		{"the root", "0::/\n", false},
		{"garbage", appID, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := cgroupHoldsID(tc.cgroup, appID); got != tc.want {
				t.Errorf("cgroupHoldsID(%q) = %v, want %v", tc.cgroup, got, tc.want)
			}
		})
	}
}

func TestSiblingCgroup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		own, other string
		want       bool
	}{
		{"/kubepods/pod1/s", "/kubepods/pod1/a", true},
		{"/kubepods/pod1/s", "/kubepods/pod1/a/sub", true},
		{"/kubepods/pod1/s", "/kubepods/pod1/s", false},
		{"/kubepods/pod1/s", "/kubepods/pod2/a", false},
		{"/kubepods/pod1/s", "/kubepods/pod1", false},
		{"/kubepods/pod1/s", "/init.scope", false},
		{"/", "/../a", true},
		{"/", "/../../../init.scope", false},
		{"/", "/", false},
		{"/", "/sub", false},
		{"", "/a", false},
	} {
		if got := siblingCgroup(tc.own, tc.other); got != tc.want {
			t.Errorf("siblingCgroup(%q, %q) = %v, want %v", tc.own, tc.other, got, tc.want)
		}
	}
}

// proc gives a process of a fixture tree its comm, command line, cgroup
// and parent.
type proc struct {
	pid, ppid    int
	comm, cgroup string
	kernelThread bool
}

// procTree lays out procs on the fixture process (see fixtureTree); the
// first is self.
func procTree(t *testing.T, procs ...proc) string {
	t.Helper()
	var pids []int
	for _, p := range procs {
		pids = append(pids, p.pid)
	}
	root := fixtureTree(t, pids...)
	for _, p := range procs {
		dir := filepath.Join(root, strconv.Itoa(p.pid))
		cmdline := "/usr/bin/" + p.comm + "\x00"
		if p.kernelThread {
			cmdline = ""
		}
		for name, content := range map[string]string{"comm": p.comm + "\n", "cmdline": cmdline, "cgroup": "0::" + p.cgroup + "\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		editStatus(t, root, p.pid, setStatus("PPid", strconv.Itoa(p.ppid)))
		editStatus(t, root, p.pid, setStatus("Name", p.comm))
	}
	return root
}

// TestVerifySelected: what a one-shot verify takes for the container's
// processes, in the node's PID namespace, in a pod sharing one, and run by
// an exec inside the container.
func TestVerifySelected(t *testing.T) {
	t.Parallel()
	app := func(pid, ppid int) proc {
		return proc{pid: pid, ppid: ppid, comm: "app", cgroup: "/kubepods/pod1/" + appID}
	}
	init := proc{pid: 1, comm: "systemd", cgroup: "/init.scope"}
	kthreadd := proc{pid: 2, comm: "kthreadd", cgroup: "/", kernelThread: true}
	debugger := proc{pid: 9, ppid: 0, comm: "secctx", cgroup: "/kubepods/pod1/" + sidecarID}
	byID := Selector{Kind: SelectContainerID, Value: appID}
	for _, tc := range []struct {
		name  string
		procs []proc // the first is secctx
		sel   Selector
		want  string // pid:comm of the report, or the NotFoundError's text
	}{
		{"hostPID: by id", []proc{debugger, init, kthreadd, app(300, 0), app(301, 300)}, byID, "300:app,301:app"},
		{"hostPID: pid 1 is the node's init", []proc{debugger, init, kthreadd, app(300, 0)}, Selector{Kind: SelectPID, PID: 1}, "pid 1 is not the container's process: it is the node's init"},
		{"hostPID: the container is not running", []proc{debugger, init, kthreadd}, byID, "not running"},
		{"shared PID namespace: by id, not the pause", []proc{debugger, {pid: 1, comm: "pause", cgroup: "/kubepods/pod1/sandbox"}, app(7, 0)}, byID, "7:app"},
		{"own PID namespace: pid 1 is the container's", []proc{debugger, app(1, 0)}, Selector{Kind: SelectPID, PID: 1}, "1:app"},
		{"a PID namespace of its own", []proc{{pid: 1, comm: "secctx", cgroup: "/kubepods/pod1/" + sidecarID}}, byID, "this PID namespace is not the container's"},
		// --exec: secctx (40) and the shell that runs it (39) are in the
		// container's cgroup, started by the runtime's exec (PPid 0).
		{"exec into the container", []proc{{pid: 40, ppid: 39, comm: "secctx", cgroup: "/kubepods/pod1/" + appID}, app(1, 0), app(12, 1), {pid: 39, comm: "sh", cgroup: "/kubepods/pod1/" + appID}}, byID, "1:app,12:app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := procTree(t, tc.procs...)
			v := newVerifier(t, root)
			v.Now = func() time.Time { return cycleTime }
			r, err := v.VerifySelected(NewListing(v.fs), tc.sel)
			var nf *NotFoundError
			switch {
			case errors.As(err, &nf):
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %q, want %q", err, tc.want)
				}
			case err != nil:
				t.Fatal(err)
			default:
				got := pidsOf(r.Target.Processes)
				if got == "" {
					got = strconv.Itoa(r.Target.PID) + ":" + r.Target.Comm
				}
				if got != tc.want {
					t.Errorf("verified %q, want %q", got, tc.want)
				}
				if len(r.Target.Processes) > 0 {
					return
				}
				// One process found: its report is the one-pid report.
				one, err := v.Verify(r.Target.PID)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := mustJSON(t, r), mustJSON(t, one); g != w {
					t.Errorf("report of the one process found:\n%s\nwant Verify(%d)'s:\n%s", g, r.Target.PID, w)
				}
			}
		})
	}
}
