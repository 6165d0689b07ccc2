package kubelet

import (
	"sort"
	"strconv"
	"strings"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// expect is what must happen to one manifest on one node configuration.
type expect struct {
	// Refused: the kubelet or containerd never runs the pod; the refusal
	// (reason and a part of its message) must be seen.
	Refused *refusal
	// MustOK lists checks that must report ok (not skipped) in every
	// container's report: the manifest exists to exercise them.
	MustOK []string
	// InfoDrift lists checks allowed to drift at severity info (a
	// privileged or add-ALL container lacking what this machine's runtime
	// cannot grant, CAP_SYS_RESOURCE).
	InfoDrift []string
	// WantDrift lists checks that must drift: a field this machine cannot
	// honour (no SELinux), so the drift is the truth.
	WantDrift []string
	// Observed pins what findings observed, as JSON: key "check" for every
	// container, or "container:check".
	Observed map[string]string
	// Sysctls, if set, are the exact subjects of the sysctls findings.
	Sysctls []string
	// Identity, if set, is the process user containerd configured, from
	// the container's runtime spec ("uid=U gid=G groups=[...]"): what the
	// kubelet and containerd make of the image's USER and /etc/passwd,
	// stated independently of secctx's report.
	Identity string
}

// refusal is a pod the node does not run.
type refusal struct {
	// Reason: the pod's status reason (admission), a container's waiting
	// reason, or a word of the kubelet's log line (CreatePodSandboxError,
	// "Could not process manifest file").
	Reason string
	// Message is a part of the status message or log line.
	Message string
}

// kcase is one manifest of the tier.
type kcase struct {
	// File is the manifest, relative to testdata/.
	File string
	// Workload is KIND/NAME for a workload manifest: its pod template runs
	// as the static pod and secctx gets the manifest with --workload.
	Workload string
	// RuncScenario is the runc tier's scenario (package e2e) with the same
	// pod and image files: the real OCI config is captured as its golden.
	RuncScenario string
	// RuntimeDrift marks a pod of testdata/runtime: an app that changes its
	// state after start, watched by a secctx sidecar. The change must be
	// reported as drift, naming the app's process, under at least one of
	// these checks.
	RuntimeDrift []string
	expect       func(nodeConfig) expect
}

// Capability sets used in pins.
var (
	allCapChecks = []string{
		"capabilities.bounding", "capabilities.effective", "capabilities.permitted",
		"capabilities.inheritable", "capabilities.ambient",
	}
	// containerdDefaultCaps are containerd's 14 default capabilities.
	containerdDefaultCaps = []string{
		"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
		"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
	}
	// Injected by containerd with enable_unprivileged_ports / _icmp.
	sysctlUnprivilegedPorts = "net.ipv4.ip_unprivileged_port_start"
	sysctlPingGroupRange    = "net.ipv4.ping_group_range"
)

// capsJSON is base plus add minus drop in the report's rendering, as JSON:
// a string holding the sorted names in brackets.
func capsJSON(base []string, add []string, drop ...string) string {
	set := map[string]bool{}
	for _, c := range base {
		set[c] = true
	}
	for _, c := range add {
		set[c] = true
	}
	for _, c := range drop {
		delete(set, c)
	}
	var out []string
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return strconv.Quote("[" + strings.Join(out, ",") + "]")
}

func always(e expect) func(nodeConfig) expect { return func(nodeConfig) expect { return e } }

// on22 runs e on containerd 2.2 and expects r on containerd 1.6.
func on22(e expect, r refusal) func(nodeConfig) expect {
	return func(nc nodeConfig) expect {
		if nc.Containerd == "2.2" {
			return e
		}
		return expect{Refused: &r}
	}
}

// injected are the sysctls containerd may set in a pod's own network
// namespace (none with hostNetwork; ping_group_range not in a pod user
// namespace): secctx expects them, as the value containerd 2 sets or the
// kernel's, on every node configuration, and the outcome it saw is held to
// the configuration's (nodeTruth).
func injected(nc nodeConfig, userns bool) []string {
	if userns {
		return []string{sysctlUnprivilegedPorts}
	}
	return []string{sysctlUnprivilegedPorts, sysctlPingGroupRange}
}

var (
	refusedStrict = refusal{Reason: "SupplementalGroupsPolicyNotSupported", Message: "SupplementalGroupsPolicy=Strict is not supported"}
	refusedUserns = refusal{Reason: "CreatePodSandboxError", Message: "runtime does not support user namespaces"}
)

var cases = []kcase{
	// The Kubernetes docs' "Configure a Security Context" pods.
	{
		File: "pods/security-context-demo.yaml", RuncScenario: "b-security-context-demo",
		expect: always(expect{
			MustOK: e2eutil.With(allCapChecks, "runAsUser", "runAsGroup", "supplementalGroups", "fsGroup",
				"allowPrivilegeEscalation", "privileged", "procMount", "seccompProfile", "readOnlyRootFilesystem", "hostUsers"),
			Observed: map[string]string{
				"runAsUser": `"1000"`, "runAsGroup": `"3000"`, "supplementalGroups": `"[2000,3000,4000]"`,
				"capabilities.effective": `"[]"`, "capabilities.permitted": `"[]"`,
			},
		}),
	},
	{
		File: "pods/security-context-demo-2.yaml",
		expect: always(expect{
			MustOK:   e2eutil.With(allCapChecks, "runAsUser", "runAsGroup", "allowPrivilegeEscalation"),
			Observed: map[string]string{"runAsUser": `"2000"`, "runAsGroup": `"0"`, "supplementalGroups": `"[0]"`},
		}),
	},
	{
		File: "pods/security-context-demo-3.yaml", RuncScenario: "a-defaults-root",
		expect: always(expect{
			MustOK: e2eutil.With(allCapChecks, "runAsGroup", "supplementalGroups", "privileged", "allowPrivilegeEscalation",
				"readOnlyRootFilesystem", "procMount", "seccompProfile", "sysctls", "hostUsers"),
			Observed: map[string]string{
				"capabilities.bounding":    capsJSON(containerdDefaultCaps, nil),
				"capabilities.effective":   capsJSON(containerdDefaultCaps, nil),
				"capabilities.inheritable": `"[]"`,
				"capabilities.ambient":     `"[]"`,
				// no runAsUser: the image's uid 0, its /etc/passwd gid and,
				// under Merge, root's membership of wheel
				"runAsGroup": `"0"`, "supplementalGroups": `"[0,10]"`,
			},
			// root is listed in wheel in the image's /etc/group (Merge)
			Identity: "uid=0 gid=0 groups=[0 10]",
		}),
	},
	{
		File: "pods/security-context-demo-4.yaml",
		expect: always(expect{
			MustOK: allCapChecks,
			Observed: map[string]string{
				"capabilities.bounding":  capsJSON(containerdDefaultCaps, []string{"NET_ADMIN", "SYS_TIME"}),
				"capabilities.effective": capsJSON(containerdDefaultCaps, []string{"NET_ADMIN", "SYS_TIME"}),
			},
		}),
	},
	{
		File: "pods/security-context-demo-5.yaml",
		expect: always(expect{
			MustOK:   []string{"runAsUser", "runAsGroup", "supplementalGroups", "allowPrivilegeEscalation"},
			Observed: map[string]string{"runAsGroup": `"3000"`, "supplementalGroups": `"[3000,4000,50000]"`},
		}),
	},
	{
		File: "pods/security-context-demo-6.yaml",
		expect: on22(expect{
			MustOK:   []string{"runAsUser", "runAsGroup", "supplementalGroups", "allowPrivilegeEscalation"},
			Observed: map[string]string{"runAsGroup": `"3000"`, "supplementalGroups": `"[3000,4000]"`},
		}, refusedStrict),
	},
	// Pod Security Standards.
	{
		File: "pods/pss-restricted.yaml", RuncScenario: "c-restricted",
		expect: always(expect{
			MustOK: e2eutil.With(allCapChecks, "runAsNonRoot", "runAsUser", "runAsGroup", "supplementalGroups",
				"readOnlyRootFilesystem", "seccompProfile", "allowPrivilegeEscalation", "procMount"),
			Observed: map[string]string{
				"capabilities.bounding":  `"[NET_BIND_SERVICE]"`,
				"capabilities.effective": `"[]"`,
				"supplementalGroups":     `"[65534]"`,
				"seccompProfile":         `"filter"`,
			},
		}),
	},
	// Capabilities.
	{
		File: "pods/root-drop-all-add-nbs.yaml", RuncScenario: "d-root-drop-all-add-net-bind-service",
		expect: always(expect{
			MustOK: allCapChecks,
			Observed: map[string]string{
				"capabilities.bounding":  `"[NET_BIND_SERVICE]"`,
				"capabilities.effective": `"[NET_BIND_SERVICE]"`,
				"capabilities.permitted": `"[NET_BIND_SERVICE]"`,
				"capabilities.ambient":   `"[]"`,
			},
		}),
	},
	{
		File: "pods/privileged.yaml", RuncScenario: "e-privileged",
		expect: always(expect{
			MustOK:    []string{"privileged", "procMount", "seccompProfile", "capabilities.effective", "capabilities.permitted"},
			InfoDrift: []string{"capabilities.bounding"},
		}),
	},
	{
		File: "pods/nonroot-add-net-admin.yaml", RuncScenario: "j-nonroot-add-net-admin",
		expect: always(expect{
			MustOK: e2eutil.With(allCapChecks, "runAsUser", "runAsGroup"),
			Observed: map[string]string{
				"capabilities.bounding":  capsJSON(containerdDefaultCaps, []string{"NET_ADMIN"}),
				"capabilities.effective": `"[]"`,
				"capabilities.permitted": `"[]"`,
				"capabilities.ambient":   `"[]"`,
			},
		}),
	},
	{
		// containerd makes CAP_SYS_TIME and CAP_NET_RAW CAP_CAP_..., which
		// runc ignores: the runtime's defaults stay, which is drift.
		File: "pods/cap-prefix.yaml",
		expect: always(expect{
			MustOK:    []string{"capabilities.inheritable", "capabilities.ambient"},
			WantDrift: []string{"capabilities.bounding", "capabilities.effective", "capabilities.permitted"},
			Observed: map[string]string{
				"capabilities.bounding":  capsJSON(containerdDefaultCaps, nil),
				"capabilities.effective": capsJSON(containerdDefaultCaps, nil),
			},
		}),
	},
	{
		File: "pods/root-add-all.yaml", RuncScenario: "l-root-add-all",
		expect: always(expect{
			MustOK:    []string{"capabilities.effective", "capabilities.permitted", "privileged", "procMount"},
			InfoDrift: []string{"capabilities.bounding"},
		}),
	},
	{
		File: "pods/root-add-all-drop-chown.yaml", RuncScenario: "p-root-add-all-drop-chown",
		expect: always(expect{
			MustOK:    []string{"capabilities.effective", "capabilities.permitted", "privileged"},
			InfoDrift: []string{"capabilities.bounding"},
		}),
	},
	// Users and groups.
	{
		File: "pods/container-over-pod.yaml", RuncScenario: "k-container-runAsUser-over-pod",
		expect: always(expect{
			MustOK:   []string{"runAsUser", "runAsGroup", "supplementalGroups"},
			Observed: map[string]string{"runAsUser": `"1002"`, "runAsGroup": `"0"`, "supplementalGroups": `"[0]"`},
		}),
	},
	{
		File: "pods/overrides-two-containers.yaml",
		expect: always(expect{
			MustOK: []string{"runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "allowPrivilegeEscalation", "readOnlyRootFilesystem"},
			Observed: map[string]string{
				"init:runAsUser": `"1003"`, "init:runAsGroup": `"2001"`,
				"inherits:runAsUser": `"1001"`, "inherits:runAsGroup": `"2001"`, "inherits:seccompProfile": `"filter"`,
				"overrides:runAsUser": `"1002"`, "overrides:runAsGroup": `"2002"`, "overrides:seccompProfile": `"disabled"`,
				"overrides:capabilities.bounding": capsJSON(containerdDefaultCaps, nil, "NET_RAW"),
			},
		}),
	},
	{
		File: "pods/uid-without-passwd-entry.yaml", RuncScenario: "i-uid-without-passwd-entry",
		expect: always(expect{
			MustOK:   []string{"runAsUser", "runAsGroup", "supplementalGroups"},
			Observed: map[string]string{"runAsGroup": `"0"`, "supplementalGroups": `"[0]"`},
		}),
	},
	{
		File: "pods/run-as-group-container-only.yaml",
		expect: always(expect{
			MustOK:   []string{"runAsGroup", "supplementalGroups"},
			Observed: map[string]string{"runAsGroup": `"2000"`, "supplementalGroups": `"[10,2000]"`},
			Identity: "uid=0 gid=2000 groups=[10 2000]",
		}),
	},
	{
		File: "pods/image-user.yaml",
		expect: always(expect{
			// USER 999:999 without a passwd entry: gid 0, not 999.
			MustOK:   e2eutil.With(allCapChecks, "runAsGroup", "supplementalGroups", "seccompProfile", "procMount"),
			Observed: map[string]string{"runAsGroup": `"0"`, "supplementalGroups": `"[0]"`},
			Identity: "uid=999 gid=0 groups=[0]",
		}),
	},
	{
		File: "pods/image-user-passwd-gid.yaml",
		expect: always(expect{
			// USER 1000:999: the gid of uid 1000 in /etc/passwd, and its
			// membership of 50000.
			MustOK:   []string{"runAsNonRoot", "runAsGroup", "supplementalGroups"},
			Observed: map[string]string{"runAsGroup": `"1000"`, "supplementalGroups": `"[1000,50000]"`},
			Identity: "uid=1000 gid=1000 groups=[1000 50000]",
		}),
	},
	{
		File: "pods/merge-groups.yaml", RuncScenario: "h-merge-groups",
		expect: always(expect{
			MustOK:   []string{"runAsUser", "runAsGroup", "supplementalGroups"},
			Observed: map[string]string{"supplementalGroups": `"[1000,50000,60000]"`},
		}),
	},
	{
		File: "pods/strict-groups.yaml", RuncScenario: "o-strict-groups",
		expect: on22(expect{
			MustOK:   []string{"runAsGroup", "supplementalGroups"},
			Observed: map[string]string{"supplementalGroups": `"[1000,60000]"`},
		}, refusedStrict),
	},
	{
		File: "pods/fsgroup-image-groups.yaml",
		expect: always(expect{
			MustOK:   []string{"runAsUser", "runAsGroup", "supplementalGroups", "fsGroup"},
			Observed: map[string]string{"supplementalGroups": `"[1000,2000,4000,4001,50000]"`},
		}),
	},
	// Seccomp.
	{
		File: "pods/seccomp-runtime-default.yaml",
		expect: always(expect{
			MustOK: []string{"seccompProfile"}, Observed: map[string]string{"seccompProfile": `"filter"`},
		}),
	},
	{
		File: "pods/seccomp-localhost.yaml", RuncScenario: "m-seccomp-localhost",
		expect: always(expect{
			MustOK: []string{"seccompProfile"}, Observed: map[string]string{"seccompProfile": `"filter"`},
		}),
	},
	{
		File: "pods/seccomp-unconfined.yaml",
		expect: always(expect{
			MustOK: []string{"seccompProfile"}, Observed: map[string]string{"seccompProfile": `"disabled"`},
		}),
	},
	{
		File: "pods/seccomp-container-unconfined-over-pod.yaml", RuncScenario: "n-seccomp-container-unconfined-over-pod",
		expect: always(expect{
			MustOK: []string{"seccompProfile"}, Observed: map[string]string{"seccompProfile": `"disabled"`},
		}),
	},
	// Filesystem, sysctls, namespaces, LSMs.
	{
		File:   "pods/readonly-root.yaml",
		expect: always(expect{MustOK: []string{"readOnlyRootFilesystem", "procMount"}}),
	},
	{
		File: "pods/sysctls.yaml", RuncScenario: "f-sysctls",
		expect: func(nc nodeConfig) expect {
			return expect{
				MustOK: []string{"sysctls"},
				Sysctls: e2eutil.With(injected(nc, false), "kernel.shm_rmid_forced", "net.core.somaxconn",
					"net.ipv4.ip_local_port_range"),
			}
		},
	},
	{
		File: "pods/host-network.yaml", RuncScenario: "q-host-network",
		expect: always(expect{
			MustOK:  e2eutil.With(allCapChecks, "privileged", "procMount", "hostUsers"),
			Sysctls: []string{},
		}),
	},
	{
		File:   "pods/selinux-options.yaml",
		expect: always(expect{WantDrift: []string{"seLinuxOptions"}}),
	},
	{
		File: "pods/host-users-false.yaml", RuncScenario: "g1-host-users-false",
		expect: func(nc nodeConfig) expect {
			if nc.Containerd != "2.2" {
				return expect{Refused: &refusedUserns}
			}
			return expect{
				MustOK:  e2eutil.With(allCapChecks, "hostUsers", "procMount", "privileged"),
				Sysctls: injected(nc, true),
			}
		},
	},
	{
		File: "pods/host-users-false-proc-unmasked.yaml", RuncScenario: "g2-host-users-false-proc-mount-unmasked",
		expect: on22(expect{MustOK: e2eutil.With(allCapChecks, "hostUsers", "procMount", "privileged")}, refusedUserns),
	},
	// Workload kinds: the pod template as a static pod.
	{
		File: "workloads/deployment.yaml", Workload: "Deployment/web",
		expect: always(expect{
			MustOK: e2eutil.With(allCapChecks, "runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "supplementalGroups",
				"seccompProfile", "allowPrivilegeEscalation", "readOnlyRootFilesystem"),
			Observed: map[string]string{"supplementalGroups": `"[1000,50000]"`, "capabilities.bounding": `"[]"`},
		}),
	},
	{
		File: "workloads/job.yaml", Workload: "Job/migrate",
		expect: always(expect{
			MustOK: allCapChecks,
			Observed: map[string]string{
				"capabilities.bounding": capsJSON(containerdDefaultCaps, []string{"SYS_PTRACE"}, "NET_RAW", "MKNOD"),
			},
		}),
	},
	{
		File: "workloads/cronjob.yaml", Workload: "CronJob/report",
		expect: func(nc nodeConfig) expect {
			return expect{
				MustOK:   []string{"runAsUser", "runAsGroup", "supplementalGroups", "readOnlyRootFilesystem", "sysctls"},
				Observed: map[string]string{"runAsUser": `"4242"`, "supplementalGroups": `"[0,5000]"`},
				Sysctls:  e2eutil.With(injected(nc, false), "net.ipv4.tcp_keepalive_time"),
			}
		},
	},
	// What never runs.
	{
		File:   "pods/unsafe-sysctl-forbidden.yaml",
		expect: always(expect{Refused: &refusal{Reason: "SysctlForbidden", Message: `forbidden sysctl: "kernel.msgmax" not allowlisted`}}),
	},
	{
		File:   "pods/run-as-group-pod-only.yaml",
		expect: always(expect{Refused: &refusal{Reason: "CreatePodSandboxError", Message: `is specified without user`}}),
	},
	{
		File:   "pods/run-as-non-root-root-image.yaml",
		expect: always(expect{Refused: &refusal{Reason: "CreateContainerConfigError", Message: "container has runAsNonRoot and image will run as root"}}),
	},
	{
		File:   "pods/run-as-non-root-uid-0.yaml",
		expect: always(expect{Refused: &refusal{Reason: "CreateContainerConfigError", Message: "container's runAsUser breaks non-root policy"}}),
	},
	{
		File:   "pods/proc-unmasked-without-userns.yaml",
		expect: always(expect{Refused: &refusal{Reason: "Could not process manifest file", Message: "hostUsers"}}),
	},
	{
		File:   "pods/apparmor-localhost.yaml",
		expect: always(expect{Refused: &refusal{Reason: "AppArmor", Message: "AppArmor is not enabled on the host"}}),
	},
	// Drift that happens at run time, seen by a sidecar.
	{
		File: "runtime/setuid.yaml", RuntimeDrift: []string{"runAsUser"},
		expect: always(expect{MustOK: []string{"runAsUser"}}),
	},
	{
		File: "runtime/drop-cap.yaml", RuntimeDrift: []string{"capabilities.bounding", "capabilities.effective", "capabilities.permitted"},
		expect: always(expect{MustOK: []string{"capabilities.bounding", "capabilities.effective", "capabilities.permitted"}}),
	},
	{
		File: "runtime/ambient-cap.yaml", RuntimeDrift: []string{"capabilities.inheritable", "capabilities.ambient"},
		expect: always(expect{MustOK: []string{"capabilities.inheritable", "capabilities.ambient"}}),
	},
	{
		File: "runtime/no-new-privs.yaml", RuntimeDrift: []string{"allowPrivilegeEscalation"},
		expect: always(expect{MustOK: []string{"allowPrivilegeEscalation"}}),
	},
	{
		File: "runtime/seccomp-filter.yaml", RuntimeDrift: []string{"seccompProfile"},
		expect: always(expect{MustOK: []string{"seccompProfile", "allowPrivilegeEscalation"}}),
	},
}
