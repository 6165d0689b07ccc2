package watch_test

import (
	"strings"
	"testing"

	"github.com/secctx/secctx/report"
)

// The ids of the test pod's containers, as the runtime gives them.
var (
	appID     = strings.Repeat("a1", 32)
	sidecarID = strings.Repeat("5c", 32)
	otherID   = strings.Repeat("0f", 32)
)

// cgroupLayout is where a cgroup driver puts the node's init, a node
// daemon, another pod's container and the test pod's containers, as
// /proc/PID/cgroup shows them to secctx.
type cgroupLayout struct {
	name                  string
	init, daemon, foreign string
	ctr                   func(id string) string
}

var cgroupLayouts = []cgroupLayout{
	{"cgroupfs", "/init.scope", "/system.slice/containerd.service", "/kubepods/besteffort/pod2/" + otherID,
		func(id string) string { return "/kubepods/burstable/pod1/" + id }},
	{"systemd, containerd", "/init.scope", "/system.slice/containerd.service",
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod2.slice/cri-containerd-" + otherID + ".scope",
		func(id string) string {
			return "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-" + id + ".scope"
		}},
	{"systemd, CRI-O", "/init.scope", "/system.slice/crio.service",
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod2.slice/crio-" + otherID + ".scope",
		func(id string) string {
			return "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/crio-" + id + ".scope"
		}},
	// Within secctx's own cgroup namespace (cgroup v2's default), paths
	// are relative to secctx's cgroup.
	{"cgroup namespace", "/../../../init.scope", "/../../../system.slice/containerd.service", "/../../../besteffort/pod2/" + otherID,
		func(id string) string {
			if id == sidecarID {
				return "/"
			}
			return "/../" + id
		}},
}

// hostPIDPod is a pod with hostPID: true on layout: the node's init (1),
// kthreadd (2), a node daemon (50) and another pod's process (60) are
// visible beside the pod's sandbox (70), secctx in its sidecar (7) and the
// app's two processes (20, 21).
func hostPIDPod(t *testing.T, l cgroupLayout) *procTree {
	self := appProc(7, "secctx", "")
	self.Cgroup = l.ctr(sidecarID)
	pt := newProcTree(t, self)
	initProc := kernelThread(1, "systemd")
	initProc.PPID, initProc.Cmdline, initProc.Cgroup = 0, []string{"/sbin/init"}, l.init
	kthreadd := kernelThread(2, "kthreadd")
	kthreadd.PPID = 0
	daemon := kernelThread(50, "containerd")
	daemon.PPID, daemon.Cmdline, daemon.Cgroup = 1, []string{"/usr/bin/containerd"}, l.daemon
	foreign := appProc(60, "nginx", "")
	foreign.Cgroup = l.foreign
	sandbox := pauseProc()
	sandbox.PID, sandbox.Cgroup = 70, l.ctr("sandbox")
	pt.add(initProc, kthreadd, daemon, foreign, sandbox)
	for _, pid := range []int{20, 21} {
		p := appProc(pid, "nginx", "")
		p.Cgroup = l.ctr(appID)
		pt.add(p)
	}
	return pt
}

// TestHostPIDTargets: in the node's PID namespace every way of choosing
// the app finds the app's own processes, never the node's init or
// another pod's; and with the app's container id in a pod sharing one PID
// namespace, the pause process is not taken for the app.
func TestHostPIDTargets(t *testing.T) {
	for _, l := range cgroupLayouts {
		for _, tc := range []struct {
			target string
			want   string
		}{
			{"others", "20:nginx,21:nginx"},
			{"container-id:" + appID, "20:nginx,21:nginx"},
			{"container-id:containerd://" + appID, "20:nginx,21:nginx"},
			{"container-id:" + otherID, "60:nginx"},
			{"container-id:" + strings.Repeat("e", 64), ""},
			{"comm:nginx", "20:nginx,21:nginx,60:nginx"}, // a name is no container: the user's choice
		} {
			t.Run(l.name+"/"+tc.target, func(t *testing.T) {
				h := newHarness(t, hostPIDPod(t, l), staticSpec(podYAML), tc.target)
				r := h.w.Cycle()[0]
				if got := pidList(r.Target.Processes); got != tc.want {
					t.Errorf("processes %q, want %q", got, tc.want)
				}
				assertNoDrift(t, r, tc.want)
			})
		}
	}
}

// assertNoDrift fails on drift in a report of the app's processes, which
// are as the spec declares.
func assertNoDrift(t *testing.T, r *report.Report, procs string) {
	t.Helper()
	if procs == "" || strings.Contains(procs, "60:") {
		return
	}
	for _, f := range r.Findings {
		if f.Status == report.StatusDrift {
			t.Errorf("drift %s %s: %s", f.Check, f.Subject, f.Message)
		}
	}
}

// TestSharedPIDNamespaceByID: with shareProcessNamespace the pause process
// is pid 1; the app's container id selects the app.
func TestSharedPIDNamespaceByID(t *testing.T) {
	pt := newProcTree(t, appProc(7, "secctx", sidecarID))
	pt.add(pauseProc(), appProc(20, "nginx", appID), appProc(21, "nginx", appID))
	h := newHarness(t, pt, staticSpec(podYAML), "container-id:cri-o://"+appID)
	r := h.w.Cycle()[0]
	if got := pidList(r.Target.Processes); got != "20:nginx,21:nginx" {
		t.Errorf("processes %q, want the app's", got)
	}
	assertNoDrift(t, r, "20")
}
