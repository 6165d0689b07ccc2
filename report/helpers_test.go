package report

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/sysctl"
)

// Builders for the values the checks compare. They are written out here,
// not taken from the resolver, so that a change in package expect cannot
// hide a change in package report.

// The runtimes' default capability sets (their profiles in expect/profile.go).
var (
	containerdCaps = caps.MustFromNames("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW",
		"SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE")
	podmanCaps = caps.MustFromNames("CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
		"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT")
	netAdmin = caps.MustFromNames("NET_ADMIN")
	sysAdmin = caps.MustFromNames("SYS_ADMIN")
)

// Kubelet default masked and read-only paths.
var (
	defaultMasked = []string{"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"}
	defaultReadonly = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

const (
	testPID      = 4242
	testComm     = "app"
	lastCap      = 40
	pingRange    = "net.ipv4.ping_group_range"
	unprivPorts  = "net.ipv4.ip_unprivileged_port_start"
	ctrdAppArmor = "cri-containerd.apparmor.d"
)

func ptr[T any](v T) *T { return &v }

func ids(v int64) probe.IDs { return probe.IDs{Real: v, Effective: v, Saved: v, FS: v} }

var identityMap = probe.IDMap{{Inside: 0, Outside: 0, Length: 4294967295}}

// expNonRoot is what the resolver gives for a typical containerd pod:
// runAsUser/runAsGroup 1000, runAsNonRoot, no capability changes, the
// kubelet's Unconfined seccomp, the runtime's AppArmor default and the two
// sysctls containerd injects.
func expNonRoot() *expect.Expected {
	return &expect.Expected{
		Profile: "containerd", Workload: "Deployment/web", Namespace: "shop", Container: "app", ContainerKind: "container",
		UID: ptr(int64(1000)), GID: ptr(int64(1000)), GIDSource: expect.GIDFromRunAsGroup, RunAsNonRoot: true,
		AllowedGroups: []int64{1000}, GroupsPolicy: "Merge",
		Capabilities: containerdCaps,
		ProcMount:    "Default",
		MaskedPaths:  append([]string(nil), defaultMasked...), ReadonlyPaths: append([]string(nil), defaultReadonly...),
		Seccomp:  expect.Seccomp{Type: "Unconfined", Mode: 0, Source: expect.Source{Kind: expect.FromRuntime}},
		AppArmor: expect.AppArmor{Type: "RuntimeDefault", Profile: ctrdAppArmor, Source: expect.Source{Kind: expect.FromRuntime}},
		Sysctls: []expect.ExpectedSysctl{
			{Name: unprivPorts, Value: "0", Source: expect.Source{Kind: expect.FromRuntime}},
			{Name: pingRange, Value: "0 2147483647", Source: expect.Source{Kind: expect.FromRuntime}},
		},
		HostUsers:   true,
		AmbientRule: "containerd clears the ambient set of every container (kubernetes#56374)",
		Rules: []string{"container securityContext merged over pod securityContext", "uid 1000 from runAsUser",
			"gid 1000 from runAsGroup", "runAsNonRoot: the process must not run as uid 0",
			"containerd default capabilities: " + containerdCaps.String(),
			"no_new_privs off: allowPrivilegeEscalation is not explicitly false",
			"seccomp Unconfined from runtime default: Seccomp mode 0"},
	}
}

// obsNonRoot is what the probe reads from the process of expNonRoot when the
// platform did its job: empty permitted and effective sets (execve as a
// non-root user), every default path masked or read-only.
func obsNonRoot() *probe.State {
	paths := map[string]probe.PathState{}
	for _, p := range defaultMasked {
		paths[p] = probe.PathState{Exists: true, Masked: true, ReadOnly: true}
	}
	for _, p := range defaultReadonly {
		paths[p] = probe.PathState{Exists: true, ReadOnly: true}
	}
	return &probe.State{
		Process: probe.Process{PID: testPID, Comm: testComm,
			Status: probe.Status{Caps: probe.Capabilities{Bounding: containerdCaps},
				UID: ids(1000), GID: ids(1000), LSM: probe.ClassifyLabel(ctrdAppArmor + " (enforce)")},
			Groups: []int64{1000}},
		Container: probe.Container{Mounts: probe.Mounts{Paths: paths}, UIDMap: identityMap, GIDMap: identityMap},
		Pod: probe.Pod{LastCap: lastCap,
			Sysctls: map[string]string{unprivPorts: "0", pingRange: sysctl.NormalizeValue("0\t2147483647")}},
	}
}

// rootCaps sets every raised set of a uid-0 process: after execve as root,
// CapPrm = CapEff = CapBnd and CapInh = CapAmb = 0.
func rootCaps(s *probe.State, set caps.Set) {
	s.UID, s.GID = ids(0), ids(0)
	s.Groups = []int64{0}
	s.Caps = probe.Capabilities{Bounding: set, Permitted: set, Effective: set}
}

// privileged turns e into the expectation of a privileged container.
func privileged(e *expect.Expected) {
	e.UID, e.GID, e.RunAsNonRoot = ptr(int64(0)), ptr(int64(0)), false
	e.AllowedGroups = []int64{0}
	e.Privileged, e.AllCapabilities = true, true
	e.Capabilities = caps.Full(lastCap)
	e.UnmaskedPaths = append(append([]string(nil), defaultMasked...), defaultReadonly...)
	e.MaskedPaths, e.ReadonlyPaths = []string{}, []string{}
	e.Seccomp = expect.Seccomp{Type: "Unconfined", Mode: 0, Source: expect.Source{Kind: expect.FromPrivileged}}
	e.AppArmor = expect.AppArmor{Type: "Unconfined", Profile: "unconfined", Source: expect.Source{Kind: expect.FromPrivileged}}
}

// privilegedState is what a privileged container's root process shows.
func privilegedState(s *probe.State, bounding caps.Set) {
	rootCaps(s, bounding)
	for p := range s.Mounts.Paths {
		s.Mounts.Paths[p] = probe.PathState{Exists: true}
	}
	s.Seccomp = 0
	s.LSM = probe.ClassifyLabel("unconfined")
}

// unmaskAll shows every default path as a privileged or Unmasked container
// sees it: present, neither masked nor read-only.
func unmaskAll(s *probe.State) {
	for p := range s.Mounts.Paths {
		s.Mounts.Paths[p] = probe.PathState{Exists: true}
	}
}

// unread marks item unread and clears the value it stands for, as the probe
// does ("an item present here has a zero value").
func unread(s *probe.State, item probe.Item, why *probe.ReadError) {
	// The item belongs to the part of the state it is read at.
	part := &s.Container.Unread
	switch {
	case item == probe.ItemLastCap || strings.HasPrefix(string(item), "sysctl:"):
		part = &s.Pod.Unread
	case slices.Contains([]probe.Item{probe.ItemStatus, probe.ItemCaps, probe.ItemIDs, probe.ItemGroups,
		probe.ItemNoNewPrivs, probe.ItemSeccomp, probe.ItemLSM}, item):
		part = &s.Process.Unread
	}
	if *part == nil {
		*part = probe.Unread{}
	}
	(*part)[item] = why
	switch item {
	case probe.ItemCaps:
		s.Caps = probe.Capabilities{}
	case probe.ItemIDs:
		s.UID, s.GID = probe.IDs{}, probe.IDs{}
	case probe.ItemGroups:
		s.Groups = nil
	case probe.ItemLastCap:
		s.LastCap = 0
	case probe.ItemNoNewPrivs:
		s.NoNewPrivs = false
	case probe.ItemSeccomp:
		s.Seccomp = 0
	case probe.ItemLSM:
		s.LSM = probe.LSM{}
	case probe.ItemMounts:
		s.Mounts = probe.Mounts{}
	case probe.ItemUIDMap:
		s.UIDMap = nil
	}
	if name, ok := strings.CutPrefix(string(item), "sysctl:"); ok {
		delete(s.Sysctls, name)
	}
	if p, ok := strings.CutPrefix(string(item), "path:"); ok {
		s.Mounts.Paths[p] = probe.PathState{}
	}
}

func denied(path string) *probe.ReadError {
	return &probe.ReadError{Path: path, Reason: "permission denied", Detail: "open " + path + ": permission denied"}
}

// want is the part of a finding a table asserts.
type want struct {
	status   Status
	severity Severity
	subject  string
}

func (w want) String() string { return fmt.Sprintf("%s/%s/%q", w.status, w.severity, w.subject) }

func ok(subject string) want      { return want{StatusOK, SeverityInfo, subject} }
func skipped(subject string) want { return want{StatusSkipped, SeverityInfo, subject} }
func unknown(subject string) want { return want{StatusUnknown, SeverityInfo, subject} }
func drift(sev Severity, subject string) want {
	return want{StatusDrift, sev, subject}
}

// byCheck groups findings by check id, keeping their order.
func byCheck(fs []Finding) map[string][]Finding {
	m := map[string][]Finding{}
	for _, f := range fs {
		m[string(f.Check)] = append(m[string(f.Check)], f)
	}
	return m
}

func summary(fs []Finding) []want {
	out := make([]want, len(fs))
	for i, f := range fs {
		out[i] = want{f.Status, f.Severity, f.Subject}
	}
	return out
}

// assertFindings compares the findings of one check with w.
func assertFindings(t *testing.T, check string, got []Finding, w []want) {
	t.Helper()
	g := summary(got)
	if fmt.Sprint(g) != fmt.Sprint(w) {
		t.Errorf("%s: got %v, want %v", check, g, w)
		for _, f := range got {
			t.Logf("  %s %s: %s (hint %q)", f.Status, f.Severity, f.Message, f.Hint)
		}
	}
}

// mustHold fails a regression test whose condition no longer holds.
func mustHold(t *testing.T, holds bool, desc string) {
	t.Helper()
	if !holds {
		t.Errorf("regression: %s", desc)
	}
}
