package e2e

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// Images, the same as the kubelet tier's. busyboxImage is shaped like the
// busybox image critest and the containerd golden tests use (root is in
// wheel); appImage is the "predefined group" image of the
// SupplementalGroupsPolicy tests (uid 1000 is a member of gid 50000).
var (
	busyboxImage = image{ImageFiles: e2eutil.BusyboxFiles}
	appImage     = image{ImageFiles: e2eutil.AppFiles}
)

// scenario is a pod whose containerd config must verify without drift.
type scenario struct {
	name  string
	pod   pod
	image image
	// mustOK lists checks that must report ok (not skipped): the scenario
	// exists to exercise them.
	mustOK []string
	// infoDrift lists checks allowed to report drift of severity info
	// (e.g. a privileged container lacking what this machine cannot grant).
	infoDrift []string
	// observed pins what some findings must have observed, as JSON.
	observed map[string]string
	// also runs extra assertions on the report.
	also func(t *testing.T, r *result)
	// node is the node configuration, when not containerd 2's defaults.
	node *nodeConf
}

// config is what containerd produces for the scenario on its node.
func (sc scenario) config() runtimeConfig {
	n := containerd2
	if sc.node != nil {
		n = *sc.node
	}
	return containerdConfigOn(sc.pod, sc.image, host, n)
}

var allCapChecks = []string{
	"capabilities.bounding", "capabilities.effective", "capabilities.permitted",
	"capabilities.inheritable", "capabilities.ambient",
}

// scenarios are the no-drift configurations, in the order of the brief.
var scenarios = []scenario{
	{
		name:  "a-defaults-root",
		pod:   pod{Name: "defaults"},
		image: busyboxImage,
		mustOK: e2eutil.With(allCapChecks, "runAsGroup", "supplementalGroups", "privileged", "allowPrivilegeEscalation",
			"readOnlyRootFilesystem", "procMount", "seccompProfile", "sysctls", "hostUsers", "unknownField"),
		observed: map[string]string{
			"capabilities.bounding":    `"[AUDIT_WRITE,CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,MKNOD,NET_BIND_SERVICE,NET_RAW,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT]"`,
			"capabilities.effective":   `"[AUDIT_WRITE,CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,MKNOD,NET_BIND_SERVICE,NET_RAW,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT]"`,
			"capabilities.inheritable": `"[]"`,
			"capabilities.ambient":     `"[]"`,
			// No runAsUser: the image's uid (0) with its /etc/passwd gid
			// and, under Merge, root's membership of wheel.
			"runAsGroup":         `"0"`,
			"supplementalGroups": `"[0,10]"`,
		},
	},
	{
		name: "b-security-context-demo",
		pod: pod{
			Name: "security-context-demo",
			SC: &podSecurityContext{RunAsUser: i64(1000), RunAsGroup: i64(3000), FSGroup: i64(2000),
				SupplementalGroups: []int64{4000}},
			Container: &securityContext{AllowPrivilegeEscalation: bl(false)},
		},
		image: busyboxImage,
		mustOK: e2eutil.With(allCapChecks, "runAsUser", "runAsGroup", "supplementalGroups", "fsGroup",
			"allowPrivilegeEscalation", "privileged", "procMount", "sysctls", "hostUsers"),
		observed: map[string]string{
			"supplementalGroups":     `"[2000,3000,4000]"`,
			"capabilities.effective": `"[]"`,
			"capabilities.permitted": `"[]"`,
		},
	},
	{
		name: "c-restricted",
		pod: pod{
			Name: "restricted",
			Container: &securityContext{
				RunAsNonRoot: bl(true), RunAsUser: i64(65534),
				Capabilities:             &capabilities{Drop: []string{"ALL"}, Add: []string{"NET_BIND_SERVICE"}},
				ReadOnlyRootFilesystem:   bl(true),
				SeccompProfile:           &profileRef{Type: "RuntimeDefault"},
				AllowPrivilegeEscalation: bl(false),
			},
		},
		image: busyboxImage,
		mustOK: e2eutil.With(allCapChecks, "runAsNonRoot", "runAsUser", "runAsGroup", "supplementalGroups",
			"readOnlyRootFilesystem", "seccompProfile", "allowPrivilegeEscalation", "procMount"),
		observed: map[string]string{
			"capabilities.bounding":  `"[NET_BIND_SERVICE]"`,
			"capabilities.effective": `"[]"`,
			"supplementalGroups":     `"[65534]"`,
		},
	},
	{
		name: "d-root-drop-all-add-net-bind-service",
		pod: pod{
			Name: "root-nbs",
			Container: &securityContext{
				Capabilities: &capabilities{Drop: []string{"ALL"}, Add: []string{"NET_BIND_SERVICE"}},
			},
		},
		image:  busyboxImage,
		mustOK: e2eutil.With(allCapChecks, "runAsGroup"),
		observed: map[string]string{
			"capabilities.bounding":  `"[NET_BIND_SERVICE]"`,
			"capabilities.effective": `"[NET_BIND_SERVICE]"`,
			"capabilities.permitted": `"[NET_BIND_SERVICE]"`,
			"capabilities.ambient":   `"[]"`,
		},
	},
	{
		name:      "e-privileged",
		pod:       pod{Name: "privileged", Container: &securityContext{Privileged: bl(true)}},
		image:     busyboxImage,
		mustOK:    []string{"privileged", "procMount", "seccompProfile", "capabilities.effective", "capabilities.permitted"},
		infoDrift: []string{"capabilities.bounding"}, // this machine lacks CAP_SYS_RESOURCE
	},
	{
		name: "f-sysctls",
		pod: pod{
			Name: "sysctls",
			SC: &podSecurityContext{Sysctls: []sysctl{
				{Name: "kernel.shm_rmid_forced", Value: "1"},
				{Name: "net.core.somaxconn", Value: "1024"},
				// Slash form, and a multi-value sysctl: the kernel prints
				// "32768\t60999".
				{Name: "net/ipv4/ip_local_port_range", Value: "32768 60999"},
			}},
		},
		image:  busyboxImage,
		mustOK: []string{"sysctls"},
		also: func(t *testing.T, r *result) {
			wantSysctlSubjects(t, r, "kernel.shm_rmid_forced", "net.core.somaxconn", "net.ipv4.ip_local_port_range",
				sysctlUnprivilegedPorts, sysctlPingGroupRange)
		},
	},
	{
		name:   "g1-host-users-false",
		pod:    pod{Name: "userns", HostUsers: bl(false)},
		image:  busyboxImage,
		mustOK: e2eutil.With(allCapChecks, "hostUsers", "procMount", "sysctls", "privileged"),
		also: func(t *testing.T, r *result) {
			// ping_group_range is not injected under a user namespace.
			wantSysctlSubjects(t, r, sysctlUnprivilegedPorts)
		},
	},
	{
		name: "g2-host-users-false-proc-mount-unmasked",
		pod: pod{Name: "userns-unmasked", HostUsers: bl(false),
			Container: &securityContext{ProcMount: str("Unmasked")}},
		image:  busyboxImage,
		mustOK: e2eutil.With(allCapChecks, "hostUsers", "procMount", "privileged"),
	},
	{
		name: "h-merge-groups",
		pod: pod{Name: "merge-groups",
			SC: &podSecurityContext{RunAsUser: i64(1000), SupplementalGroups: []int64{60000}}},
		image:    appImage,
		mustOK:   []string{"runAsUser", "runAsGroup", "supplementalGroups"},
		observed: map[string]string{"supplementalGroups": `"[1000,50000,60000]"`},
	},
	{
		name:     "i-uid-without-passwd-entry",
		pod:      pod{Name: "uid-1234", SC: &podSecurityContext{RunAsUser: i64(1234)}},
		image:    busyboxImage,
		mustOK:   []string{"runAsUser", "runAsGroup", "supplementalGroups"},
		observed: map[string]string{"supplementalGroups": `"[0]"`},
	},
	{
		name: "j-nonroot-add-net-admin",
		pod: pod{Name: "nonroot-net-admin",
			SC:        &podSecurityContext{RunAsUser: i64(1000)},
			Container: &securityContext{Capabilities: &capabilities{Add: []string{"NET_ADMIN"}}}},
		image:  busyboxImage,
		mustOK: e2eutil.With(allCapChecks, "runAsUser", "runAsGroup"),
		observed: map[string]string{
			"capabilities.bounding":  `"[AUDIT_WRITE,CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,MKNOD,NET_ADMIN,NET_BIND_SERVICE,NET_RAW,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT]"`,
			"capabilities.effective": `"[]"`,
			"capabilities.permitted": `"[]"`,
			"capabilities.ambient":   `"[]"`,
		},
	},
	// Beyond the brief's list: precedence and policy rules worth a real run.
	{
		// critest/k8s e2e: pod runAsUser 1001, container 1002 → uid=1002
		// gid=0 (1002 is not in the image's passwd).
		name: "k-container-runAsUser-over-pod",
		pod: pod{Name: "ctr-over-pod",
			SC:        &podSecurityContext{RunAsUser: i64(1001)},
			Container: &securityContext{RunAsUser: i64(1002)}},
		image:    busyboxImage,
		mustOK:   []string{"runAsUser", "runAsGroup", "supplementalGroups"},
		observed: map[string]string{"runAsUser": `"1002"`, "runAsGroup": `"0"`, "supplementalGroups": `"[0]"`},
	},
	{
		// add ALL for root: every capability the runtime holds.
		name: "l-root-add-all",
		pod: pod{Name: "add-all",
			Container: &securityContext{Capabilities: &capabilities{Add: []string{"ALL"}}}},
		image:     busyboxImage,
		mustOK:    []string{"capabilities.effective", "capabilities.permitted", "privileged", "procMount"},
		infoDrift: []string{"capabilities.bounding"}, // this machine lacks CAP_SYS_RESOURCE
	},
	{
		name: "m-seccomp-localhost",
		pod: pod{Name: "seccomp-localhost",
			SC: &podSecurityContext{SeccompProfile: &profileRef{Type: "Localhost", LocalhostProfile: str("profiles/audit.json")}}},
		image:    busyboxImage,
		mustOK:   []string{"seccompProfile"},
		observed: map[string]string{"seccompProfile": `"filter"`},
	},
	{
		// The container's Unconfined beats the pod's RuntimeDefault.
		name: "n-seccomp-container-unconfined-over-pod",
		pod: pod{Name: "seccomp-unconfined",
			SC:        &podSecurityContext{SeccompProfile: &profileRef{Type: "RuntimeDefault"}},
			Container: &securityContext{SeccompProfile: &profileRef{Type: "Unconfined"}}},
		image:    busyboxImage,
		mustOK:   []string{"seccompProfile"},
		observed: map[string]string{"seccompProfile": `"disabled"`},
	},
	{
		// SupplementalGroupsPolicy Strict: the image's gid 50000 is not added.
		name: "o-strict-groups",
		pod: pod{Name: "strict-groups",
			SC: &podSecurityContext{RunAsUser: i64(1000), SupplementalGroups: []int64{60000},
				SupplementalGroupsPolicy: str("Strict")}},
		image:    appImage,
		mustOK:   []string{"runAsGroup", "supplementalGroups"},
		observed: map[string]string{"supplementalGroups": `"[1000,60000]"`},
	},
	{
		// add ALL, drop CHOWN: every capability the runtime holds but
		// CHOWN (containerd: allCaps = cap.Current(), then the drop). Here
		// the runtime itself lacks SYS_RESOURCE, so the container does too.
		name: "p-root-add-all-drop-chown",
		pod: pod{Name: "add-all-drop-chown",
			Container: &securityContext{Capabilities: &capabilities{Add: []string{"ALL"}, Drop: []string{"CHOWN"}}}},
		image:     busyboxImage,
		mustOK:    []string{"capabilities.effective", "capabilities.permitted", "privileged"},
		infoDrift: []string{"capabilities.bounding"}, // this machine lacks CAP_SYS_RESOURCE
	},
	{
		// hostNetwork: no network namespace, so containerd injects no
		// sysctls and none are expected.
		name:   "q-host-network",
		pod:    pod{Name: "host-network", HostNetwork: true},
		image:  busyboxImage,
		mustOK: e2eutil.With(allCapChecks, "privileged", "procMount", "hostUsers"),
		also: func(t *testing.T, r *result) {
			for _, f := range r.findings("sysctls") {
				if f.Status != "skipped" {
					t.Errorf("sysctls: %s %s, want skipped (nothing declared or injected): %s", f.Subject, f.Status, f.Message)
				}
			}
		},
	},
	{
		// The image's USER is 1000:2000: the runtime keeps the uid only and
		// takes the gid (1000, not 2000) and the Merge groups from
		// /etc/passwd and /etc/group, so runAsGroup and supplementalGroups
		// are checked although nothing is declared.
		name:     "r-image-user-uid-gid",
		pod:      pod{Name: "image-user"},
		image:    withUser(appImage, "1000:2000"),
		mustOK:   []string{"runAsGroup", "supplementalGroups"},
		observed: map[string]string{"runAsGroup": `"1000"`, "supplementalGroups": `"[1000,50000]"`},
		also: func(t *testing.T, r *result) {
			for _, f := range r.findings("runAsUser") {
				if f.Status != "skipped" {
					t.Errorf("runAsUser %s, want skipped (the image's USER decides): %s", f.Status, f.Message)
				}
			}
		},
	},
	{
		// runAsGroup without runAsUser: the image's uid (0), the declared
		// gid, and the groups /etc/group lists root in (wheel).
		name: "u-run-as-group-only",
		pod: pod{Name: "run-as-group-only",
			Container: &securityContext{RunAsGroup: i64(2000)}},
		image:    busyboxImage,
		mustOK:   []string{"runAsGroup", "supplementalGroups"},
		observed: map[string]string{"runAsGroup": `"2000"`, "supplementalGroups": `"[10,2000]"`},
	},
	{
		// containerd 1.6 and 1.7 with their stock settings set neither
		// sysctl: the kernel's values are a legitimate outcome, and the
		// findings say which one was seen.
		name:   "s-containerd-1.6-stock",
		pod:    pod{Name: "containerd-1.6"},
		image:  busyboxImage,
		node:   &nodeConf{},
		mustOK: []string{"sysctls"},
		also: func(t *testing.T, r *result) {
			wantOutcomes(t, r, "sysctls", map[string]string{sysctlUnprivilegedPorts: "1024", sysctlPingGroupRange: "1 0"})
		},
	},
	{
		// The kubelet's seccompDefault on: the runtime's filter for a
		// container that declares no profile.
		name:     "t-seccomp-default-on",
		pod:      pod{Name: "seccomp-default"},
		image:    busyboxImage,
		node:     &nodeConf{Unprivileged: true, SeccompDefault: true},
		mustOK:   []string{"seccompProfile"},
		observed: map[string]string{"seccompProfile": `"filter"`},
		also: func(t *testing.T, r *result) {
			wantOutcomes(t, r, "seccompProfile", map[string]string{"": "filter"})
		},
	},
}

// withUser returns img with the image config's USER set.
func withUser(img image, user string) image {
	img.User = user
	return img
}

// wantOutcomes asserts that the findings of a check (by subject) say which
// legitimate outcome they saw.
func wantOutcomes(t *testing.T, r *result, check string, seen map[string]string) {
	t.Helper()
	for _, f := range r.findings(check) {
		want, ok := seen[f.Subject]
		if !ok {
			continue
		}
		delete(seen, f.Subject)
		if f.Outcomes == nil || f.Outcomes.Seen == nil || f.Outcomes.Seen.Value != want || f.Outcomes.Seen.When == "" {
			t.Errorf("%s %s: outcomes %+v, want %q seen with its node configuration", check, f.Subject, f.Outcomes, want)
		}
		if f.Observed != want || !strings.Contains(f.Expected, " | ") {
			t.Errorf("%s %s: expected %q observed %q, want the outcomes and %q", check, f.Subject, f.Expected, f.Observed, want)
		}
	}
	for subject := range seen {
		t.Errorf("%s: no finding for %q", check, subject)
	}
}

func scenarioByName(t *testing.T, name string) scenario {
	t.Helper()
	for _, s := range scenarios {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no scenario %q", name)
	return scenario{}
}

// TestNoDrift: configs that are what containerd produces verify cleanly.
func TestNoDrift(t *testing.T) {
	requireE2E(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			rc := sc.config()
			r := verify(t, sc.pod, sc.image, rc)
			var problems []string
			if r.Exit != 0 {
				problems = append(problems, fmt.Sprintf("exit code %d, want 0", r.Exit))
			}
			for _, f := range r.Report.Findings {
				switch {
				case f.Status == "drift" && f.Severity == "info" && slices.Contains(sc.infoDrift, f.Check):
					t.Logf("accepted info drift: %s %s: %s", f.Check, f.Subject, f.Message)
				case f.Status == "drift":
					problems = append(problems, fmt.Sprintf("drift %s %s (%s): %s", f.Check, f.Subject, f.Severity, f.Message))
				case f.Status == "unknown":
					problems = append(problems, fmt.Sprintf("unknown %s %s: %s", f.Check, f.Subject, f.Message))
				}
			}
			for _, id := range sc.mustOK {
				fs := r.findings(id)
				if len(fs) == 0 {
					problems = append(problems, fmt.Sprintf("%s: no finding", id))
				}
				for _, f := range fs {
					if f.Status != "ok" {
						problems = append(problems, fmt.Sprintf("%s %s: status %s, want ok (the scenario exercises it)", id, f.Subject, f.Status))
					}
				}
			}
			problems = append(problems, observedProblems(r, sc.observed)...)
			if len(problems) > 0 {
				t.Errorf("%s: want no drift:\n  %s\n%s", sc.name, strings.Join(problems, "\n  "), r.dump())
				diagnose(t, r)
			}
			if sc.also != nil {
				sc.also(t, r)
			}
		})
	}
}

// driftCase changes one thing in a no-drift scenario.
type driftCase struct {
	name string
	base string
	// manifest edits the manifest secctx is given (the config is still
	// derived from the base manifest): for mechanisms this machine cannot
	// produce, or for what the kubelet would have refused.
	manifest func(p *pod)
	// config edits the runtime config containerd would have produced.
	config func(rc *runtimeConfig)
	want   []string
	// subjects, if set, are the exact subjects of the drift findings.
	subjects []string
	// args are more arguments of secctx verify (what the user knows of
	// the node).
	args []string
}

// setup returns the base scenario, and the manifest and runtime config
// with the case's edits.
func (dc driftCase) setup(t *testing.T) (scenario, pod, runtimeConfig) {
	t.Helper()
	base := scenarioByName(t, dc.base)
	rc := base.config()
	manifest := base.pod.clone()
	if dc.manifest != nil {
		dc.manifest(&manifest)
	}
	if dc.config != nil {
		dc.config(&rc)
	}
	return base, manifest, rc
}

var driftCases = []driftCase{
	{
		name: "runAsUser", base: "b-security-context-demo",
		config: func(rc *runtimeConfig) { rc.UID = 1001 },
		want:   []string{"runAsUser"},
	},
	{
		name: "runAsGroup", base: "b-security-context-demo",
		config: func(rc *runtimeConfig) { rc.GID = 3001 },
		want:   []string{"runAsGroup"},
	},
	{
		// The kubelet refuses to start a root container under runAsNonRoot;
		// a config that runs uid 0 anyway must be caught.
		name: "runAsNonRoot", base: "a-defaults-root",
		manifest: func(p *pod) { p.SC = &podSecurityContext{RunAsNonRoot: bl(true)} },
		want:     []string{"runAsNonRoot"},
	},
	{
		name: "supplementalGroups-missing", base: "b-security-context-demo",
		config: func(rc *runtimeConfig) { rc.AdditionalGids = []uint32{2000, 3000} },
		want:   []string{"supplementalGroups"},
	},
	{
		name: "supplementalGroups-undeclared", base: "b-security-context-demo",
		config: func(rc *runtimeConfig) { rc.AdditionalGids = []uint32{2000, 3000, 4000, 5555} },
		want:   []string{"supplementalGroups"},
	},
	{
		name: "fsGroup", base: "b-security-context-demo",
		config: func(rc *runtimeConfig) { rc.AdditionalGids = []uint32{3000, 4000} },
		want:   []string{"fsGroup"},
	},
	{
		name: "capabilities.bounding", base: "b-security-context-demo",
		config: func(rc *runtimeConfig) { rc.Bounding = withCap(rc.Bounding, "CAP_SYS_ADMIN") },
		want:   []string{"capabilities.bounding"},
	},
	{
		name: "capabilities.effective+permitted", base: "d-root-drop-all-add-net-bind-service",
		config: func(rc *runtimeConfig) {
			rc.Bounding = withCap(rc.Bounding, "CAP_NET_ADMIN")
			rc.Effective = withCap(rc.Effective, "CAP_NET_ADMIN")
			rc.Permitted = withCap(rc.Permitted, "CAP_NET_ADMIN")
		},
		want: []string{"capabilities.bounding", "capabilities.effective", "capabilities.permitted"},
	},
	{
		// containerd before 1.5.11/1.6.2 (CVE-2022-24769).
		name: "capabilities.inheritable", base: "b-security-context-demo",
		config: func(rc *runtimeConfig) { rc.Inheritable = append([]string(nil), containerdDefaultCaps...) },
		want:   []string{"capabilities.inheritable"},
	},
	{
		// NET_ADMIN in all five sets for uid 1000: the ambient capability
		// survives execve and is raised into permitted and effective
		// (P' = ambient), inheritable and bounding keep it.
		name: "capabilities.ambient", base: "b-security-context-demo",
		config: func(rc *runtimeConfig) {
			rc.Bounding = withCap(rc.Bounding, "CAP_NET_ADMIN")
			rc.Effective = withCap(rc.Effective, "CAP_NET_ADMIN")
			rc.Permitted = withCap(rc.Permitted, "CAP_NET_ADMIN")
			rc.Inheritable = withCap(rc.Inheritable, "CAP_NET_ADMIN")
			rc.Ambient = withCap(rc.Ambient, "CAP_NET_ADMIN")
		},
		want: allCapChecks,
	},
	{
		// Runs like a privileged container: every capability, no masked or
		// read-only paths, no seccomp, writable /sys.
		name: "privileged-undeclared", base: "a-defaults-root",
		config: func(rc *runtimeConfig) {
			p := pod{Name: "x", Container: &securityContext{Privileged: bl(true)}}
			*rc = containerdConfig(p, busyboxImage, host)
		},
		want: []string{"privileged", "capabilities.bounding", "capabilities.effective", "capabilities.permitted", "procMount"},
	},
	{
		// Declared privileged, but the runtime applied the defaults.
		name: "privileged-not-granted", base: "e-privileged",
		config: func(rc *runtimeConfig) {
			*rc = containerdConfig(pod{Name: "x"}, busyboxImage, host)
		},
		want: []string{"privileged", "capabilities.bounding", "procMount"},
	},
	{
		name: "allowPrivilegeEscalation", base: "b-security-context-demo",
		config: func(rc *runtimeConfig) { rc.NoNewPrivs = false },
		want:   []string{"allowPrivilegeEscalation"},
	},
	{
		name: "readOnlyRootFilesystem", base: "c-restricted",
		config: func(rc *runtimeConfig) { rc.ReadonlyRoot = false },
		want:   []string{"readOnlyRootFilesystem"},
	},
	{
		name: "procMount", base: "a-defaults-root",
		config: func(rc *runtimeConfig) {
			rc.MaskedPaths = remove(rc.MaskedPaths, "/proc/timer_list")
			rc.ReadonlyPaths = remove(rc.ReadonlyPaths, "/proc/sys")
		},
		want:     []string{"procMount"},
		subjects: []string{"/proc/sys", "/proc/timer_list"},
	},
	{
		name: "seccompProfile", base: "c-restricted",
		config: func(rc *runtimeConfig) { rc.Seccomp = false },
		want:   []string{"seccompProfile"},
	},
	{
		name: "sysctls", base: "f-sysctls",
		config: func(rc *runtimeConfig) {
			s := map[string]string{}
			for k, v := range rc.Sysctls {
				if k != "net.core.somaxconn" {
					s[k] = v
				}
			}
			rc.Sysctls = s
		},
		want:     []string{"sysctls"},
		subjects: []string{"net.core.somaxconn"},
	},
	{
		name: "hostUsers", base: "g1-host-users-false",
		config: func(rc *runtimeConfig) { rc.UserNS = false },
		want:   []string{"hostUsers"},
	},
	{
		// No AppArmor on this machine: the declared profile cannot be in
		// force. (containerd itself would refuse such a pod here.)
		name: "appArmorProfile", base: "a-defaults-root",
		manifest: func(p *pod) {
			p.Container = &securityContext{AppArmorProfile: &profileRef{Type: "Localhost", LocalhostProfile: str("k8s-apparmor-example-deny-write")}}
		},
		want: []string{"appArmorProfile"},
	},
	{
		// No SELinux on this machine: containerd ignores seLinuxOptions.
		name: "seLinuxOptions", base: "a-defaults-root",
		manifest: func(p *pod) { p.SC = &podSecurityContext{SELinuxOptions: &seLinuxOptions{Level: "s0:c123,c456"}} },
		want:     []string{"seLinuxOptions"},
	},
	// Beyond the brief's list.
	{
		// add ALL ignored by the runtime: the container got the 14
		// defaults. A capability the spec grants is missing from the
		// bounding set, which must fail verification.
		name: "capabilities-add-ALL-ignored", base: "l-root-add-all",
		config: func(rc *runtimeConfig) { *rc = containerdConfig(pod{Name: "x"}, busyboxImage, host) },
		want:   []string{"capabilities.bounding"},
	},
	{
		// A runtime that merges the image's groups despite Strict
		// (containerd < 2.0; kubernetes#112879).
		name: "supplementalGroupsPolicy-Strict-ignored", base: "o-strict-groups",
		config: func(rc *runtimeConfig) { rc.AdditionalGids = []uint32{1000, 50000, 60000} },
		want:   []string{"supplementalGroups"},
	},
	{
		// A runtime that kept the group of the image's USER 1000:2000
		// (as podman does): not what the CRI runtimes do.
		name: "runAsGroup-image-USER-group-kept", base: "r-image-user-uid-gid",
		config: func(rc *runtimeConfig) { rc.GID = 2000 },
		want:   []string{"runAsGroup"},
	},
	{
		// A root process that raised an allowed capability into its
		// inheritable and ambient sets: containerd starts every container
		// with both empty (WithoutAmbientCaps).
		name: "capabilities.ambient-raised-by-root", base: "d-root-drop-all-add-net-bind-service",
		config: func(rc *runtimeConfig) {
			rc.Inheritable = withCap(rc.Inheritable, "CAP_NET_BIND_SERVICE")
			rc.Ambient = withCap(rc.Ambient, "CAP_NET_BIND_SERVICE")
		},
		want: []string{"capabilities.ambient", "capabilities.inheritable"},
	},
	{
		// Neither containerd 2's value nor the kernel's.
		name: "sysctls-injected-other-value", base: "a-defaults-root",
		config:   func(rc *runtimeConfig) { rc.Sysctls[sysctlUnprivilegedPorts] = "100" },
		want:     []string{"sysctls"},
		subjects: []string{sysctlUnprivilegedPorts},
	},
	{
		// The user says the kubelet's seccompDefault is off: the filter the
		// container runs under is no longer a legitimate outcome.
		name: "seccompProfile-given-off", base: "t-seccomp-default-on",
		args: []string{"--seccomp-default=false"},
		want: []string{"seccompProfile"},
	},
	{
		// The user says it is on: a container without a filter drifts.
		name: "seccompProfile-given-on", base: "a-defaults-root",
		args: []string{"--seccomp-default=true"},
		want: []string{"seccompProfile"},
	},
}

// TestDrift: one change to a no-drift config gives exactly the expected
// drift.
func TestDrift(t *testing.T) {
	requireE2E(t)
	for _, dc := range driftCases {
		t.Run(dc.name, func(t *testing.T) {
			base, manifest, rc := dc.setup(t)
			r := verify(t, manifest, base.image, rc, dc.args...)
			for _, f := range r.Report.Findings {
				if f.Status == "drift" {
					t.Logf("drift %s %s (%s): expected %v, observed %v: %s", f.Check, f.Subject, f.Severity, e2eutil.JSONText(f.Expected), e2eutil.JSONText(f.Observed), f.Message)
				}
			}
			want := append([]string(nil), dc.want...)
			sort.Strings(want)
			got := r.driftSet()
			var problems []string
			if r.Exit != 1 {
				problems = append(problems, fmt.Sprintf("exit code %d, want 1", r.Exit))
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				problems = append(problems, fmt.Sprintf("drift in %v, want exactly %v", got, want))
			}
			if dc.subjects != nil {
				var subj []string
				for _, f := range r.Report.Findings {
					if f.Status == "drift" {
						subj = append(subj, f.Subject)
					}
				}
				sort.Strings(subj)
				if strings.Join(subj, ",") != strings.Join(dc.subjects, ",") {
					problems = append(problems, fmt.Sprintf("drift subjects %q, want %q", subj, dc.subjects))
				}
			}
			for _, f := range r.Report.Findings {
				if f.Status == "unknown" {
					problems = append(problems, fmt.Sprintf("unknown %s %s: %s", f.Check, f.Subject, f.Message))
				}
			}
			if len(problems) > 0 {
				t.Errorf("%s: %s\n%s", dc.name, strings.Join(problems, "\n  "), r.dump())
				diagnose(t, r)
			}
		})
	}
}

// observedProblems compares findings' observed values with want (check id
// → JSON); a check with several findings must match in each.
func observedProblems(r *result, want map[string]string) []string {
	var problems []string
	for _, id := range slices.Sorted(maps.Keys(want)) {
		p, err := e2eutil.ObservedMismatches(id, want[id], r.findings(id))
		if err != nil {
			problems = append(problems, fmt.Sprintf("bad expectation for %s: %v", id, err))
		}
		problems = append(problems, p...)
	}
	return problems
}

// wantSysctlSubjects asserts the sysctls findings cover exactly names, all
// ok.
func wantSysctlSubjects(t *testing.T, r *result, names ...string) {
	t.Helper()
	var got []string
	for _, f := range r.findings("sysctls") {
		got = append(got, f.Subject)
		if f.Status != "ok" {
			t.Errorf("sysctl %s: status %s: %s", f.Subject, f.Status, f.Message)
		}
	}
	sort.Strings(got)
	want := append([]string(nil), names...)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("sysctls findings for %v, want %v\n%s", got, want, r.dump())
	}
}
