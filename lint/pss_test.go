package lint

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	sigsyaml "sigs.k8s.io/yaml"
)

// The Pod Security Standards are written out for the binary (pss.go); this
// fidelity test evaluates a corpus of pods with both that code and the
// upstream library k8s.io/pod-security-admission/policy (test-only), at
// several versions, and requires the same level and the same failing
// controls at each level.

// upstreamControl maps the library's forbidden reasons to the controls'
// names on the Pod Security Standards page.
var upstreamControl = map[string]string{
	"host namespaces":                   ControlHostNamespaces,
	"privileged":                        ControlPrivileged,
	"non-default capabilities":          ControlCapabilities,
	"unrestricted capabilities":         ControlCapabilities,
	"hostPath volumes":                  ControlHostPathVolumes,
	"hostPort":                          ControlHostPorts,
	"probe or lifecycle host":           ControlHostProbes,
	"forbidden AppArmor profile":        ControlAppArmor,
	"forbidden AppArmor profiles":       ControlAppArmor,
	"seLinuxOptions":                    ControlSELinux,
	"procMount":                         ControlProcMount,
	"seccompProfile":                    ControlSeccomp,
	"forbidden sysctls":                 ControlSysctls,
	"hostProcess":                       ControlHostProcess,
	"restricted volume types":           ControlVolumeTypes,
	"allowPrivilegeEscalation != false": ControlPrivilegeEscalate,
	"runAsNonRoot != true":              ControlRunAsNonRoot,
	"runAsUser=0":                       ControlRunAsNonRootUser,
}

// restrictedCtr is a container that meets restricted on its own.
const restrictedCtr = "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL]}\nrunAsNonRoot: true\nseccompProfile: {type: RuntimeDefault}"

// pssCorpus are pods chosen to pass and fail every control, alone and
// together, including the version-dependent ones.
var pssCorpus = map[string]string{
	"empty":                        podYAML("", "", ""),
	"restricted":                   podYAML("", restrictedCtr, ""),
	"restricted-pod-wide":          podYAML("runAsNonRoot: true\nseccompProfile: {type: RuntimeDefault}", "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}", ""),
	"restricted-localhost-seccomp": podYAML("runAsNonRoot: true\nseccompProfile: {type: Localhost, localhostProfile: p.json}", "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL]}", ""),
	"host-network":                 podYAML("", restrictedCtr, "hostNetwork: true"),
	"host-pid-ipc":                 podYAML("", restrictedCtr, "hostPID: true\nhostIPC: true"),
	"privileged":                   podYAML("", "privileged: true", ""),
	"privileged-false":             podYAML("", restrictedCtr+"\nprivileged: false", ""),
	"cap-baseline-add":             podYAML("", "capabilities: {add: [CHOWN, SETUID]}", ""),
	"cap-net-admin":                podYAML("", "capabilities: {add: [NET_ADMIN]}", ""),
	"cap-net-raw":                  podYAML("", "capabilities: {add: [NET_RAW]}", ""),
	"cap-lowercase":                podYAML("", "capabilities: {add: [chown]}", ""),
	"cap-prefixed":                 podYAML("", "capabilities: {add: [CAP_CHOWN]}", ""),
	"cap-drop-all-lower":           podYAML("", "allowPrivilegeEscalation: false\ncapabilities: {drop: [all]}\nrunAsNonRoot: true\nseccompProfile: {type: RuntimeDefault}", ""),
	"cap-restricted-add":           podYAML("", "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL], add: [CHOWN]}\nrunAsNonRoot: true\nseccompProfile: {type: RuntimeDefault}", ""),
	"hostpath":                     podYAML("", restrictedCtr, "volumes:\n- name: h\n  hostPath: {path: /etc}"),
	"volume-nfs":                   podYAML("", restrictedCtr, "volumes:\n- name: nf\n  nfs: {server: s, path: /x}"),
	"volume-allowed":               podYAML("", restrictedCtr, "volumes:\n- {name: a, emptyDir: {}}\n- {name: b, configMap: {name: c}}\n- {name: c, secret: {secretName: s}}\n- {name: d, persistentVolumeClaim: {claimName: c}}\n- {name: e, projected: {sources: []}}\n- {name: f, downwardAPI: {items: []}}\n- name: g\n  ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}}\n- {name: h, csi: {driver: d}}\n- {name: i, image: {reference: busybox}}"),
	"volume-none":                  podYAML("", restrictedCtr, "volumes:\n- {name: x}"),
	"host-port":                    podYAMLc("", restrictedCtr, "ports:\n- {containerPort: 80, hostPort: 8080}", ""),
	"host-port-zero":               podYAMLc("", restrictedCtr, "ports:\n- {containerPort: 80, hostPort: 0}", ""),
	"probe-host":                   podYAMLc("", restrictedCtr, "livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}", ""),
	"lifecycle-host":               podYAMLc("", restrictedCtr, "lifecycle: {preStop: {tcpSocket: {host: example.com, port: 80}}}", ""),
	"apparmor-unconfined":          podYAML("appArmorProfile: {type: Unconfined}", restrictedCtr, ""),
	"apparmor-ctr-unconfined":      podYAML("", restrictedCtr+"\nappArmorProfile: {type: Unconfined}", ""),
	"apparmor-localhost":           podYAML("", restrictedCtr+"\nappArmorProfile: {type: Localhost, localhostProfile: p}", ""),
	"apparmor-annotation":          withAnnotation(podYAML("", restrictedCtr, ""), "container.apparmor.security.beta.kubernetes.io/app: unconfined"),
	"apparmor-annotation-ok":       withAnnotation(podYAML("", restrictedCtr, ""), "container.apparmor.security.beta.kubernetes.io/app: localhost/p"),
	"selinux-type":                 podYAML("seLinuxOptions: {type: spc_t}", restrictedCtr, ""),
	"selinux-engine":               podYAML("", restrictedCtr+"\nseLinuxOptions: {type: container_engine_t}", ""),
	"selinux-user-role":            podYAML("", restrictedCtr+"\nseLinuxOptions: {user: u, role: r, level: 's0:c1'}", ""),
	"selinux-level":                podYAML("seLinuxOptions: {level: 's0:c1,c2'}", restrictedCtr, ""),
	"procmount-unmasked-userns":    podYAML("", restrictedCtr+"\nprocMount: Unmasked", "hostUsers: false"),
	"procmount-default":            podYAML("", restrictedCtr+"\nprocMount: Default", ""),
	"seccomp-unconfined-pod":       podYAML("seccompProfile: {type: Unconfined}", "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL]}\nrunAsNonRoot: true", ""),
	"seccomp-unconfined-ctr":       podYAML("seccompProfile: {type: RuntimeDefault}", "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL]}\nrunAsNonRoot: true\nseccompProfile: {type: Unconfined}", ""),
	"seccomp-missing":              podYAML("", "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL]}\nrunAsNonRoot: true", ""),
	"sysctl-safe":                  podYAML("sysctls:\n- {name: net.ipv4.ip_local_port_range, value: '1024 65000'}\n- {name: kernel.shm_rmid_forced, value: '1'}", restrictedCtr, ""),
	"sysctl-1.27":                  podYAML("sysctls:\n- {name: net.ipv4.ip_local_reserved_ports, value: '8080'}", restrictedCtr, ""),
	"sysctl-1.29":                  podYAML("sysctls:\n- {name: net.ipv4.tcp_keepalive_time, value: '600'}", restrictedCtr, ""),
	"sysctl-1.32":                  podYAML("sysctls:\n- {name: net.ipv4.tcp_rmem, value: '4096 87380 6291456'}", restrictedCtr, ""),
	"sysctl-1.37":                  podYAML("sysctls:\n- {name: net.ipv4.tcp_notsent_lowat, value: '16384'}", restrictedCtr, ""),
	"sysctl-unsafe":                podYAML("sysctls:\n- {name: net.core.somaxconn, value: '1024'}", restrictedCtr, ""),
	"sysctl-slash":                 podYAML("sysctls:\n- {name: net/ipv4/ip_local_port_range, value: '1024 65000'}", restrictedCtr, ""),
	"ape-true":                     podYAML("", "allowPrivilegeEscalation: true\ncapabilities: {drop: [ALL]}\nrunAsNonRoot: true\nseccompProfile: {type: RuntimeDefault}", ""),
	"nonroot-pod-false":            podYAML("runAsNonRoot: false", restrictedCtr, ""),
	"nonroot-ctr-false":            podYAML("runAsNonRoot: true", "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL]}\nrunAsNonRoot: false\nseccompProfile: {type: RuntimeDefault}", ""),
	"nonroot-missing-userns":       podYAML("", "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL]}\nseccompProfile: {type: RuntimeDefault}", "hostUsers: false"),
	"uid-0-pod":                    podYAML("runAsUser: 0", restrictedCtr, ""),
	"uid-0-ctr":                    podYAML("", restrictedCtr+"\nrunAsUser: 0", ""),
	"uid-0-userns":                 podYAML("", restrictedCtr+"\nrunAsUser: 0", "hostUsers: false"),
	"windows":                      podYAML("runAsNonRoot: true", "", "os: {name: windows}"),
	"windows-hostprocess":          podYAML("windowsOptions: {hostProcess: true}", "", "os: {name: windows}\nhostNetwork: true"),
	"init-and-ephemeral":           podYAML("", restrictedCtr, "initContainers:\n- name: init\n  securityContext: {privileged: true}\nephemeralContainers:\n- name: debug\n  image: busybox\n  securityContext: {capabilities: {add: [SYS_PTRACE]}}"),
	"ephemeral-only-bad":           podYAML("", restrictedCtr, "ephemeralContainers:\n- name: debug\n  image: busybox"),
}

// upstreamEval evaluates a manifest with the upstream library.
func upstreamEval(t *testing.T, eval policy.Evaluator, manifest string, v int) (Level, map[Level][]string) {
	t.Helper()
	var pod corev1.Pod
	if err := sigsyaml.Unmarshal([]byte(manifest), &pod); err != nil {
		t.Fatalf("k8s.io/api cannot decode: %v\n%s", err, manifest)
	}
	controls := map[Level][]string{}
	allowed := map[Level]bool{}
	for _, lvl := range []Level{LevelBaseline, LevelRestricted} {
		plvl, _ := psaapi.ParseLevel(string(lvl))
		res := eval.EvaluatePod(psaapi.LevelVersion{Level: plvl, Version: psaapi.MajorMinorVersion(1, v)}, &pod.ObjectMeta, &pod.Spec)
		allowed[lvl] = true
		seen := map[string]bool{}
		for _, r := range res {
			if r.Allowed {
				continue
			}
			allowed[lvl] = false
			c, ok := upstreamControl[r.ForbiddenReason]
			if !ok {
				t.Fatalf("unknown upstream reason %q", r.ForbiddenReason)
			}
			if !seen[c] {
				seen[c] = true
				controls[lvl] = append(controls[lvl], c)
			}
		}
		sort.Strings(controls[lvl])
	}
	switch {
	case !allowed[LevelBaseline]:
		return LevelPrivileged, controls
	case !allowed[LevelRestricted]:
		return LevelBaseline, controls
	}
	return LevelRestricted, controls
}

// ourControls are the controls our evaluation fails at each level, as the
// library counts them: at restricted, Volume Types replaces HostPath
// Volumes.
func ourControls(ps *PodSecurity) map[Level][]string {
	out := map[Level][]string{}
	seen := map[Level]map[string]bool{LevelBaseline: {}, LevelRestricted: {}}
	add := func(l Level, c string) {
		if !seen[l][c] {
			seen[l][c] = true
			out[l] = append(out[l], c)
		}
	}
	for _, v := range ps.Violations {
		if v.Level == LevelBaseline {
			add(LevelBaseline, v.Control)
			if v.Control != ControlHostPathVolumes {
				add(LevelRestricted, v.Control)
			}
		} else {
			add(LevelRestricted, v.Control)
		}
	}
	for _, l := range []Level{LevelBaseline, LevelRestricted} {
		sort.Strings(out[l])
	}
	return out
}

func TestPodSecurityFidelity(t *testing.T) {
	t.Parallel()
	eval, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	corpus := map[string]string{}
	for k, v := range pssCorpus {
		corpus[k] = v
	}
	// The seed manifests too.
	seeds, _ := filepath.Glob("testdata/seeds/*.yaml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		corpus["seed "+filepath.Base(s)] = string(b)
	}
	names := make([]string, 0, len(corpus))
	for n := range corpus {
		names = append(names, n)
	}
	sort.Strings(names)
	levels := map[Level]int{}
	for _, name := range names {
		manifest := corpus[name]
		for _, v := range []int{25, 27, 29, 31, 32, 33, 34, 35, 36, 37} {
			res := lintOne(t, "containerd", manifest, Options{PSSVersion: v})
			if len(res.Workloads) != 1 {
				t.Fatalf("%s: %d workloads, findings %+v", name, len(res.Workloads), res.Findings)
			}
			ps := res.Workloads[0].PodSecurity
			wantLevel, wantControls := upstreamEval(t, eval, manifest, v)
			got := ourControls(ps)
			if ps.Level != wantLevel {
				t.Errorf("%s at 1.%d: level %s, upstream %s (violations %+v)", name, v, ps.Level, wantLevel, ps.Violations)
			}
			for _, l := range []Level{LevelBaseline, LevelRestricted} {
				if strings.Join(got[l], ",") != strings.Join(wantControls[l], ",") {
					t.Errorf("%s at 1.%d: %s controls %v, upstream %v", name, v, l, got[l], wantControls[l])
				}
			}
			if v == LatestPSSVersion {
				levels[ps.Level]++
			}
		}
	}
	// The corpus exercises every level.
	for _, l := range []Level{LevelPrivileged, LevelBaseline, LevelRestricted} {
		if levels[l] == 0 {
			t.Errorf("no pod of the corpus is %s", l)
		}
	}
}

// TestPodSecurityContainerLevels: a container's level counts its own
// fields and the pod's, not its siblings'.
func TestPodSecurityContainerLevels(t *testing.T) {
	t.Parallel()
	m := podYAML("runAsNonRoot: true\nseccompProfile: {type: RuntimeDefault}",
		"allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL]}",
		"initContainers:\n- name: init\n  securityContext: {privileged: true}\n- name: base\n  image: busybox")
	res := lintOne(t, "containerd", m, Options{})
	got := map[string]Level{}
	for _, c := range res.Workloads[0].Containers {
		got[c.Name] = c.Level
	}
	want := map[string]Level{"app": LevelRestricted, "init": LevelPrivileged, "base": LevelBaseline}
	for n, l := range want {
		if got[n] != l {
			t.Errorf("container %s: level %s, want %s", n, got[n], l)
		}
	}
	if res.Workloads[0].PodSecurity.Level != LevelPrivileged {
		t.Errorf("pod level %s, want privileged", res.Workloads[0].PodSecurity.Level)
	}
	if b := res.Workloads[0].PodSecurity.Blocking(); strings.Join(b, ",") != ControlPrivileged {
		t.Errorf("blocking %v, want [%s]", b, ControlPrivileged)
	}
}
