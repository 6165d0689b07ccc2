package report

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
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

// registered returns the registry's entry for id.
func registered(id check.ID) *Check {
	for i := range Checks {
		if Checks[i].ID == id {
			return &Checks[i]
		}
	}
	return nil
}

// reached records, per check, the drift severities and the typed values
// the check tables reach, so that TestMain can hold the registry's
// Severities and Values to the cases.
var reached = struct {
	sync.Mutex
	severities map[check.ID]map[Severity]bool
	values     map[check.ID]Values
}{severities: map[check.ID]map[Severity]bool{}, values: map[check.ID]Values{}}

// holdToRegistry fails t for a finding whose drift severity or typed
// values its check does not declare, and records what the findings reach.
func holdToRegistry(t *testing.T, fs []Finding) {
	t.Helper()
	reached.Lock()
	defer reached.Unlock()
	for i := range fs {
		f := &fs[i]
		c := registered(f.Check)
		if c == nil {
			t.Errorf("finding of %q, which is not a registered check", f.Check)
			continue
		}
		if extra := f.Carried() &^ c.Values; extra != 0 {
			t.Errorf("%s %s finding carries typed values %b its check does not declare (%b)", f.Check, f.Status, extra, c.Values)
		}
		reached.values[f.Check] |= f.Carried()
		if f.Status != StatusDrift {
			continue
		}
		if !slices.Contains(c.Severities, f.Severity) {
			t.Errorf("%s drift of severity %s, which its Severities %q lack", f.Check, f.Severity, c.Severities)
		}
		if reached.severities[f.Check] == nil {
			reached.severities[f.Check] = map[Severity]bool{}
		}
		reached.severities[f.Check][f.Severity] = true
	}
}

// TestMain runs the tests and, when all of them ran, holds the registry
// to them: every severity a check declares is the severity of some drift
// of its cases, and every typed value it declares is carried by some
// finding.
func TestMain(m *testing.M) {
	code := m.Run()
	if code != 0 || flag.Lookup("test.run").Value.String() != "" || flag.Lookup("test.skip").Value.String() != "" {
		os.Exit(code)
	}
	for _, c := range Checks {
		for _, sev := range c.Severities {
			if !reached.severities[c.ID][sev] {
				fmt.Fprintf(os.Stderr, "FAIL: %s declares severity %s, which no case reaches\n", c.ID, sev)
				code = 1
			}
		}
		if missing := c.Values &^ reached.values[c.ID]; missing != 0 {
			fmt.Fprintf(os.Stderr, "FAIL: %s declares typed values %b, which no finding carries\n", c.ID, missing)
			code = 1
		}
	}
	os.Exit(code)
}

// compareHeld is Compare, with the findings held to the registry.
func compareHeld(t *testing.T, e *expect.Expected, o *probe.State) []Finding {
	t.Helper()
	fs := Compare(e, o)
	holdToRegistry(t, fs)
	return fs
}
