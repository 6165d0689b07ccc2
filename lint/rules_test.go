package lint

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/secctx/secctx/expect"
)

// podYAML makes a Pod manifest: podSC is the pod's securityContext body,
// ctrSC the container's, extra more pod spec fields (each block indented
// by two spaces).
func podYAML(podSC, ctrSC, extra string) string { return podYAMLc(podSC, ctrSC, "", extra) }

// podYAMLc is podYAML with more container fields (ctrExtra).
func podYAMLc(podSC, ctrSC, ctrExtra, extra string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n")
	if podSC != "" {
		b.WriteString("  securityContext:\n" + indent(podSC, "    "))
	}
	b.WriteString("  containers:\n  - name: app\n    image: busybox\n")
	if ctrSC != "" {
		b.WriteString("    securityContext:\n" + indent(ctrSC, "      "))
	}
	if ctrExtra != "" {
		b.WriteString(indent(ctrExtra, "    "))
	}
	if extra != "" {
		b.WriteString(indent(extra, "  "))
	}
	return b.String()
}

func indent(s, pad string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(pad + l + "\n")
	}
	return b.String()
}

// lintOne lints one stream under a profile.
func lintOne(t *testing.T, profile, manifest string, opts Options) *Result {
	t.Helper()
	return lintInputs(t, profile, []Input{{Name: "m.yaml", Data: []byte(manifest)}}, opts)
}

// lintInputs lints streams under a profile.
func lintInputs(t *testing.T, profile string, ins []Input, opts Options) *Result {
	t.Helper()
	prof, err := expect.LookupProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	opts.Profile = prof
	res, err := Run(ins, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func findingsOf(res *Result, rule string) []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// ruleCase is a case of a rule: a manifest that trips it under a profile,
// and one that does not.
type ruleCase struct {
	rule, name, profile string
	trip, pass          string
	field               string // the tripping finding's field
	effect              Effect // when it differs from the rule's
	verify              Prediction
	check               string
	opts                Options
}

// ruleCases are the cases of every rule.
func ruleCases(t *testing.T) []ruleCase {
	unsafeOK, err := ParseSysctlPatterns("net.core.*")
	if err != nil {
		t.Fatal(err)
	}
	return []ruleCase{
		{rule: "k8s-invalid", profile: "containerd",
			trip: podYAML("", "runAsUser: -1", ""), pass: podYAML("", "runAsUser: 1", ""),
			field: "spec.containers[0].securityContext.runAsUser", check: "runAsUser"},
		{rule: "k8s-sysctl-unsafe", profile: "containerd",
			trip:  podYAML("sysctls:\n- {name: net.core.somaxconn, value: '1024'}", "", ""),
			pass:  podYAML("sysctls:\n- {name: net.ipv4.ip_local_port_range, value: '1024 65000'}", "", ""),
			field: "spec.securityContext.sysctls[0].name"},
		{rule: "k8s-sysctl-unsafe", name: "not namespaced", profile: "crio",
			trip: podYAML("sysctls:\n- {name: vm.swappiness, value: '10'}", "", ""), pass: podYAML("", "", ""),
			field: "spec.securityContext.sysctls[0].name"},
		{rule: "k8s-sysctl-unsafe", name: "allow-listed", profile: "containerd", opts: Options{AllowedUnsafeSysctls: unsafeOK},
			trip:  podYAML("sysctls:\n- {name: kernel.msgmax, value: '65536'}", "", ""),
			pass:  podYAML("sysctls:\n- {name: net.core.somaxconn, value: '1024'}", "", ""),
			field: "spec.securityContext.sysctls[0].name"},
		{rule: "k8s-strict-groups-unsupported", profile: "containerd",
			trip: podYAML("supplementalGroupsPolicy: Strict", "", ""), pass: podYAML("supplementalGroupsPolicy: Merge", "", ""),
			field: "spec.securityContext.supplementalGroupsPolicy"},
		{rule: "k8s-strict-groups-unsupported", name: "docker refuses", profile: "docker",
			trip: podYAML("supplementalGroupsPolicy: Strict", "", ""), pass: podYAML("", "", ""),
			field: "spec.securityContext.supplementalGroupsPolicy", effect: Refused, verify: PredictNotRun},
		{rule: "k8s-containerd-pod-group-without-user", profile: "containerd",
			trip: podYAML("runAsGroup: 3000", "runAsUser: 1000", ""), pass: podYAML("runAsUser: 1000\nrunAsGroup: 3000", "", ""),
			field: "spec.securityContext.runAsGroup"},
		{rule: "k8s-containerd-pod-group-without-user", name: "container level runs", profile: "containerd",
			trip: podYAML("runAsGroup: 3000", "", ""), pass: podYAML("", "runAsGroup: 3000", ""),
			field: "spec.securityContext.runAsGroup"},
		{rule: "k8s-runasnonroot-uid-0", profile: "containerd",
			trip: podYAML("runAsNonRoot: true", "runAsUser: 0", ""), pass: podYAML("runAsNonRoot: true", "runAsUser: 1000", ""),
			field: "spec.containers[0].securityContext.runAsUser"},
		{rule: "k8s-runasnonroot-image-user", profile: "eci",
			trip: podYAML("", "runAsNonRoot: true", ""), pass: podYAML("", "runAsNonRoot: true\nrunAsUser: 1000", ""),
			field: "spec.containers[0].securityContext.runAsNonRoot"},
		{rule: "k8s-nonroot-capabilities", profile: "containerd",
			trip: podYAML("runAsUser: 1000", "capabilities: {add: [NET_ADMIN]}", ""), pass: podYAML("runAsUser: 0", "capabilities: {add: [NET_ADMIN]}", ""),
			field: "spec.containers[0].securityContext.capabilities.add"},
		{rule: "k8s-nonroot-capabilities", name: "runAsNonRoot", profile: "docker",
			trip: podYAML("runAsNonRoot: true", "capabilities: {add: [NET_BIND_SERVICE]}", ""), pass: podYAML("", "capabilities: {add: [NET_BIND_SERVICE]}", ""),
			field: "spec.containers[0].securityContext.capabilities.add"},
		{rule: "k8s-containerd-cap-prefix", profile: "containerd",
			trip: podYAML("", "capabilities: {drop: [CAP_NET_RAW]}", ""), pass: podYAML("", "capabilities: {drop: [NET_RAW]}", ""),
			field: "spec.containers[0].securityContext.capabilities.drop[0]"},
		{rule: "k8s-docker-add-beats-drop", profile: "docker",
			trip: podYAML("", "capabilities: {add: [NET_ADMIN], drop: [net_admin]}", ""), pass: podYAML("", "capabilities: {add: [NET_ADMIN]}", ""),
			field: "spec.containers[0].securityContext.capabilities.add[0]"},
		{rule: "k8s-docker-add-beats-drop", name: "all", profile: "docker",
			trip: podYAML("", "capabilities: {add: [ALL], drop: [ALL]}", ""), pass: podYAML("", "capabilities: {drop: [ALL]}", ""),
			field: "spec.containers[0].securityContext.capabilities"},
		{rule: "k8s-apparmor-node", profile: "containerd",
			trip: podYAML("", "appArmorProfile: {type: Localhost, localhostProfile: p}", ""), pass: podYAML("", "appArmorProfile: {type: Unconfined}", ""),
			field: "spec.containers[0].securityContext.appArmorProfile"},
		{rule: "k8s-selinux-node", profile: "crio",
			trip: podYAML("seLinuxOptions: {level: 's0:c1,c2'}", "", ""), pass: podYAML("", "", ""),
			field: "spec.securityContext.seLinuxOptions"},
		{rule: "k8s-hostusers-runtime", profile: "containerd",
			trip: podYAML("", "", "hostUsers: false"), pass: podYAML("", "", "hostUsers: true"),
			field: "spec.hostUsers"},
		{rule: "eci-capability-not-addable", profile: "eci",
			trip: podYAML("", "capabilities: {add: [NET_ADMIN, SYS_ADMIN]}", ""), pass: podYAML("", "capabilities: {add: [NET_ADMIN, SYS_PTRACE]}", ""),
			field: "spec.containers[0].securityContext.capabilities.add[1]"},
		{rule: "eci-sys-rawio-ticket", profile: "eci",
			trip: podYAML("", "capabilities: {add: [SYS_RAWIO]}", ""), pass: podYAML("", "capabilities: {add: [MKNOD]}", ""),
			field: "spec.containers[0].securityContext.capabilities.add[0]"},
		{rule: "eci-privileged-ticket", profile: "eci",
			trip: podYAML("", "privileged: true", ""), pass: podYAML("", "privileged: false", ""),
			field: "spec.containers[0].securityContext.privileged"},
		{rule: "eci-sysctl-unsupported", profile: "eci",
			trip:  podYAML("sysctls:\n- {name: net.ipv4.tcp_syncookies, value: '1'}", "", ""),
			pass:  podYAML("sysctls:\n- {name: net.core.somaxconn, value: '1024'}\n- {name: kernel.msgmax, value: '65536'}", "", ""),
			field: "spec.securityContext.sysctls[0].name"},
		{rule: "eci-sysctl-unsupported", name: "not namespaced", profile: "eci",
			trip:  podYAML("sysctls:\n- {name: kernel.pid_max, value: '65535'}", "", ""),
			pass:  podYAML("sysctls:\n- {name: fs.mqueue.msg_max, value: '10'}\n- {name: kernel.sem, value: '250 32000 32 128'}", "", ""),
			field: "spec.securityContext.sysctls[0].name"},
		{rule: "eci-sysctl-unlisted", profile: "eci",
			trip:  podYAML("sysctls:\n- {name: kernel.shm_rmid_forced, value: '1'}", "", ""),
			pass:  podYAML("sysctls:\n- {name: kernel.shmmax, value: '68719476736'}", "", ""),
			field: "spec.securityContext.sysctls[0].name"},
		{rule: "eci-min-free-kbytes", profile: "eci",
			trip:  podYAMLc("sysctls:\n- {name: vm.min_free_kbytes, value: '300000'}", "", "resources: {limits: {memory: 1Gi}}", ""),
			pass:  podYAMLc("sysctls:\n- {name: vm.min_free_kbytes, value: '200000'}", "", "resources: {limits: {memory: 1Gi}}", ""),
			field: "spec.securityContext.sysctls[0].value"},
		{rule: "eci-min-free-kbytes-no-memory", profile: "eci",
			trip:  podYAML("sysctls:\n- {name: vm.min_free_kbytes, value: '65536'}", "", ""),
			pass:  podYAMLc("sysctls:\n- {name: vm.min_free_kbytes, value: '65536'}", "", "resources: {requests: {memory: 512Mi}}", ""),
			field: "spec.securityContext.sysctls[0].value"},
		{rule: "eci-host-sysctls-malformed", profile: "eci",
			trip:  withAnnotation(podYAML("", "", ""), `k8s.aliyun.com/eci-host-sysctls: '{"name": "kernel.pid_max"}'`),
			pass:  withAnnotation(podYAML("", "", ""), `k8s.aliyun.com/eci-host-sysctls: '[{"name": "kernel.pid_max", "value": "65535"}]'`),
			field: "metadata.annotations[k8s.aliyun.com/eci-host-sysctls]"},
		{rule: "eci-host-sysctl-excluded", profile: "eci",
			trip:  withAnnotation(podYAML("", "", ""), `k8s.aliyun.com/eci-host-sysctls: '[{"name": "net.ipv4.tcp_syncookies", "value": "0"}]'`),
			pass:  withAnnotation(podYAML("", "", ""), `k8s.aliyun.com/eci-host-sysctls: '[{"name": "net.ipv4.tcp_fin_timeout", "value": "30"}]'`),
			field: "metadata.annotations[k8s.aliyun.com/eci-host-sysctls]"},
		{rule: "eci-host-sysctls-ticket", profile: "eci",
			trip: withAnnotation(podYAML("", "", ""), `k8s.aliyun.com/eci-host-sysctls: '[{"name": "kernel.pid_max", "value": "65535"}]'`),
			pass: podYAML("", "", ""), field: "metadata.annotations[k8s.aliyun.com/eci-host-sysctls]"},
		{rule: "eci-readonly-rootfs-fixed", profile: "eci",
			trip: podYAML("", "readOnlyRootFilesystem: false", ""), pass: podYAML("", "readOnlyRootFilesystem: true", ""),
			field: "spec.containers[0].securityContext.readOnlyRootFilesystem"},
		{rule: "eci-procmount-fixed", profile: "eci",
			trip: podYAML("", "procMount: Unmasked\nreadOnlyRootFilesystem: true", "hostUsers: false"), pass: podYAML("", "procMount: Default", "hostUsers: false"),
			field: "spec.containers[0].securityContext.procMount"},
		{rule: "eci-pod-field-unsupported", profile: "eci",
			trip: podYAML("fsGroup: 2000", "", ""), pass: podYAML("runAsUser: 1000", "", ""),
			field: "spec.securityContext.fsGroup", check: "fsGroup", verify: PredictDrift},
		{rule: "eci-pod-field-unsupported", name: "overridden everywhere", profile: "eci",
			trip: podYAML("runAsGroup: 3000", "", ""), pass: podYAML("runAsGroup: 3000", "runAsGroup: 4000", ""),
			field: "spec.securityContext.runAsGroup", check: "runAsGroup", verify: PredictDrift},
		{rule: "eci-field-undocumented", profile: "eci",
			trip: podYAML("", "allowPrivilegeEscalation: false", ""), pass: podYAML("", "runAsGroup: 10", ""),
			field: "spec.containers[0].securityContext.allowPrivilegeEscalation", check: "allowPrivilegeEscalation"},
		{rule: "eci-init-container-field", profile: "eci",
			trip:  podYAML("", "", "initContainers:\n- name: init\n  securityContext: {runAsGroup: 3000}"),
			pass:  podYAML("", "", "initContainers:\n- name: init\n  securityContext: {runAsUser: 3000}"),
			field: "spec.initContainers[0].securityContext.runAsGroup", check: "runAsGroup", verify: PredictDrift},
		{rule: "podman-fsgroup-ignored", profile: "podman",
			trip: podYAML("fsGroup: 2000", "", ""), pass: podYAML("supplementalGroups: [2000]", "", ""),
			field: "spec.securityContext.fsGroup"},
		{rule: "podman-sysctls-ignored", profile: "podman",
			trip: podYAML("sysctls:\n- {name: net.core.somaxconn, value: '1024'}", "", ""), pass: podYAML("", "", ""),
			field: "spec.securityContext.sysctls[0]"},
		{rule: "podman-strict-groups-ignored", profile: "podman",
			trip: podYAML("supplementalGroupsPolicy: Strict", "", ""), pass: podYAML("supplementalGroupsPolicy: Merge", "", ""),
			field: "spec.securityContext.supplementalGroupsPolicy"},
		{rule: "podman-runasnonroot-ignored", profile: "podman",
			trip: podYAML("runAsNonRoot: true", "", ""), pass: podYAML("runAsNonRoot: false", "", ""),
			field: "spec.securityContext.runAsNonRoot"},
		{rule: "podman-seccomp-field-ignored", profile: "podman",
			trip: podYAML("", "seccompProfile: {type: Unconfined}", ""), pass: podYAML("", "seccompProfile: {type: RuntimeDefault}", ""),
			field: "spec.containers[0].securityContext.seccompProfile", verify: PredictDrift},
		{rule: "podman-seccomp-field-ignored", name: "localhost", profile: "podman",
			trip: podYAML("seccompProfile: {type: Localhost, localhostProfile: p.json}", "", ""), pass: podYAML("", "", ""),
			field: "spec.securityContext.seccompProfile", verify: PredictNoDrift},
		{rule: "podman-apparmor-ignored", profile: "podman",
			trip: podYAML("", "appArmorProfile: {type: RuntimeDefault}", ""), pass: podYAML("", "", ""),
			field: "spec.containers[0].securityContext.appArmorProfile"},
		{rule: "podman-procmount-ignored", profile: "podman",
			trip: podYAML("", "procMount: Unmasked", "hostUsers: false"), pass: podYAML("", "procMount: Default", ""),
			field: "spec.containers[0].securityContext.procMount"},
		{rule: "podman-capability-conflict", profile: "podman",
			trip: podYAML("", "capabilities: {add: [CHOWN], drop: [CHOWN]}", ""), pass: podYAML("", "capabilities: {add: [CHOWN], drop: [KILL]}", ""),
			field: "spec.containers[0].securityContext.capabilities.add[0]"},
		{rule: "podman-lone-runasgroup", profile: "podman",
			trip: podYAML("runAsGroup: 3000", "", ""), pass: podYAML("runAsGroup: 3000", "runAsUser: 1000", ""),
			field: "spec.securityContext.runAsGroup"},
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, c := range ruleCases(t) {
		covered[c.rule] = true
		name := c.rule
		if c.name != "" {
			name += "/" + c.name
		}
		t.Run(name, func(t *testing.T) {
			r := ruleByID(c.rule)
			res := lintOne(t, c.profile, c.trip, c.opts)
			fs := findingsOf(res, c.rule)
			if len(fs) != 1 {
				t.Fatalf("trip manifest: %d findings of %s, want 1: %+v\n%s", len(fs), c.rule, res.Findings, c.trip)
			}
			f := fs[0]
			if f.Field != c.field {
				t.Errorf("field %q, want %q", f.Field, c.field)
			}
			effect, verify, check := r.Effect, r.Verify, string(r.Check)
			if c.effect != "" {
				effect = c.effect
			}
			if c.verify != "" {
				verify = c.verify
			}
			if c.check != "" {
				check = c.check
			}
			if f.Effect != effect || f.Verify != verify || string(f.Check) != check {
				t.Errorf("effect/verify/check = %s/%s/%s, want %s/%s/%s", f.Effect, f.Verify, f.Check, effect, verify, check)
			}
			if f.Line == 0 {
				t.Errorf("finding has no line: %+v", f)
			}
			if f.Message == "" || f.Source == "" || f.Severity == "" {
				t.Errorf("finding lacks message, source or severity: %+v", f)
			}
			for _, other := range expect.Profiles() {
				if !r.applies(other) && len(findingsOf(lintOne(t, other.Name, c.trip, c.opts), c.rule)) != 0 {
					t.Errorf("rule fires under profile %s, which it does not apply to", other.Name)
				}
			}
			if fs := findingsOf(lintOne(t, c.profile, c.pass, c.opts), c.rule); len(fs) != 0 {
				t.Errorf("pass manifest: %d findings of %s: %+v\n%s", len(fs), c.rule, fs, c.pass)
			}
		})
	}
	var missing []string
	for _, r := range rules {
		if !covered[r.ID] {
			missing = append(missing, r.ID)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("rules without a case: %v", missing)
	}
}

func withAnnotation(manifest, annotation string) string {
	return strings.Replace(manifest, "metadata:\n  name: p\n", fmt.Sprintf("metadata:\n  name: p\n  annotations:\n    %s\n", annotation), 1)
}

// TestParseSysctlPatterns: the kubelet accepts patterns of namespaced
// sysctls only, IPC by the kernel.shm, kernel.msg and fs.mqueue. prefixes
// and kernel.sem, network by net.
func TestParseSysctlPatterns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		list string
		ok   bool
	}{
		{"", true},
		{"net.core.somaxconn, kernel.msg*", true},
		{"kernel.shm_next_id", true},
		{"kernel.sem,fs.mqueue.msg_max", true},
		{"net/ipv4/ip_forward", true},
		{"kernel.sh*", false},
		{"kernel.semx", false},
		{"vm.swappiness", false},
		{"net.*.bad*", false},
		{"Net.core", false},
	} {
		_, err := ParseSysctlPatterns(tc.list)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err = %v, want ok %v", tc.list, err, tc.ok)
		}
	}
}
