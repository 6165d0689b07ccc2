package expect

import (
	"fmt"
	"sort"
	"strings"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
)

// Kubelet default masked and read-only paths (pkg/securitycontext/util.go
// defaultMaskedPaths, kubelet 1.33.4 and earlier).
var (
	kubeletMaskedPaths = []string{"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"}
	kubeletReadonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}

	// thermalThrottle is masked per CPU the node has, where the file exists.
	thermalThrottle = "/sys/devices/system/cpu/cpu*/thermal_throttle"

	// kubelet 1.33.5 added /proc/interrupts and the per-CPU
	// thermal_throttle (kubernetes#132985, backported to 1.32 and 1.31).
	kubeletNewMasked = "kubelet 1.33.5 or later (kubernetes#132985, also in the 1.32 and 1.31 backports)"
	kubeletOldMasked = "a kubelet without kubernetes#132985 (1.33.4 or earlier)"
	kubeletNodePaths = []NodePath{
		{Path: "/proc/interrupts", Masked: kubeletNewMasked, Visible: kubeletOldMasked},
		{Path: thermalThrottle, Masked: kubeletNewMasked, Visible: kubeletOldMasked},
	}
	// CRI-O 1.33 and later add containers/common's defaults and
	// /proc/interrupts when procMount is Default (server/masked_paths.go
	// appendDefaultMaskedPaths).
	crioNodePaths = []NodePath{
		{Path: "/proc/interrupts", Masked: kubeletNewMasked + ", or CRI-O 1.33 or later",
			Visible: kubeletOldMasked + " with CRI-O 1.32 or earlier"},
		{Path: thermalThrottle, Masked: kubeletNewMasked + ", or CRI-O 1.33 or later",
			Visible: kubeletOldMasked + " with CRI-O 1.32 or earlier"},
		{Path: "/sys/fs/selinux", Masked: "CRI-O 1.33 or later (appendDefaultMaskedPaths)", Visible: "CRI-O 1.32 or earlier"},
	}

	// podman's defaults (containers/common): /proc/asound is read-only
	// there, not masked. The paths common to podman 4.3 to 5.8.
	podmanMaskedPaths = []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
		"/sys/fs/selinux"}
	podmanReadonlyPaths = []string{"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
	// The rest changed with podman's version (containers/common
	// DefaultMaskedPaths: 3c7f68ff added powercap, bd824bd8 dropped
	// /sys/dev/block, 4c30da05 added interrupts and thermal_throttle).
	podmanNodePaths = []NodePath{
		{Path: "/sys/dev/block", Masked: "podman 5.3 or earlier (containers/common before 0.62)", Visible: "podman 5.4 or later"},
		{Path: "/sys/devices/virtual/powercap", Masked: "podman 5.0 or later", Visible: "podman 4.x"},
		{Path: "/proc/interrupts", Masked: "podman 5.5 or later (containers/common 0.63)", Visible: "podman 5.4 or earlier"},
		{Path: thermalThrottle, Masked: "podman 5.5 or later (containers/common 0.63)", Visible: "podman 5.4 or earlier"},
	}
)

// Sysctls the runtimes set in a pod's own network namespace.
const (
	sysctlPortStart = "net.ipv4.ip_unprivileged_port_start"
	sysctlPingRange = "net.ipv4.ping_group_range"
	// The kernel's values in a new network namespace.
	kernelPortStart = "1024"
	kernelPingRange = "1 0"
)

var (
	// containerd's enable_unprivileged_ports and enable_unprivileged_icmp
	// are off by default in 1.6 and 1.7 and on from 2.0 (containerd
	// #9348); the sandbox sets them for a pod with a network namespace of
	// its own (sandbox_run_linux.go), ICMP not in a pod user namespace.
	containerdSysctls = []RuntimeSysctl{
		{Name: sysctlPortStart, Outcomes: []Outcome[string]{
			{Value: "0", When: "containerd's enable_unprivileged_ports is on (its default from 2.0)"},
			{Value: kernelPortStart, When: "enable_unprivileged_ports is off (the default of containerd 1.6 and 1.7): the kernel's value"}}},
		{Name: sysctlPingRange, NotInUserNS: true, Outcomes: []Outcome[string]{
			{Value: "0 2147483647", When: "containerd's enable_unprivileged_icmp is on (its default from 2.0)"},
			{Value: kernelPingRange, When: "enable_unprivileged_icmp is off (the default of containerd 1.6 and 1.7): the kernel's value"}}},
	}
	// moby 20.10 and later set both in every container with a private
	// network namespace (daemon/oci_linux.go withCommonOptions).
	dockerSysctls = []RuntimeSysctl{
		{Name: sysctlPortStart, Outcomes: []Outcome[string]{{Value: "0", When: "Docker Engine 20.10 or later"}}},
		{Name: sysctlPingRange, NotInUserNS: true, Outcomes: []Outcome[string]{{Value: "0 2147483647", When: "Docker Engine 20.10 or later"}}},
	}
	// ECI is containerd-based; it documents no injection.
	eciSysctls = []RuntimeSysctl{
		{Name: sysctlPortStart, Outcomes: []Outcome[string]{
			{Value: "0", When: "ECI's containerd sets it, as containerd 2.x does by default (not documented by ECI)"},
			{Value: kernelPortStart, When: "not set: the kernel's value"}}},
		{Name: sysctlPingRange, NotInUserNS: true, Outcomes: []Outcome[string]{
			{Value: "0 2147483647", When: "ECI's containerd sets it, as containerd 2.x does by default (not documented by ECI)"},
			{Value: kernelPingRange, When: "not set: the kernel's value"}}},
	}
	// podman's built-in default_sysctls is empty; the containers.conf it
	// ships sets ping_group_range, which only the pod's infra container
	// applies (never with the host's network).
	podmanSysctls = []RuntimeSysctl{
		{Name: sysctlPingRange, Outcomes: []Outcome[string]{
			{Value: "0 0", When: "containers.conf default_sysctls as podman ships it"},
			{Value: kernelPingRange, When: "no default_sysctls in containers.conf (podman's built-in default): the kernel's value"}}},
	}
)

var (
	// The 14 capabilities of containerd and moby (oci/caps/defaults.go).
	containerdCaps = caps.MustFromNames("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW",
		"SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE")
	// CRI-O's 9 (internal/config/capabilities).
	crioCaps = caps.MustFromNames("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "SETGID", "SETUID",
		"SETPCAP", "NET_BIND_SERVICE", "KILL")
	// podman's 11 (containers/common default.go, and the containers.conf
	// podman 4 ships).
	podmanCaps = caps.MustFromNames("CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
		"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT")
)

// ECI documents which capabilities may be added; anything else is refused
// or ignored by the platform.
var eciAddableCaps = caps.MustFromNames("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER",
	"KILL", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SETFCAP",
	"SETPCAP", "SYS_CHROOT", "SYS_PTRACE", "SYS_RAWIO")

var profiles = map[string]*Profile{
	// kubelet + containerd CRI (the default).
	"containerd": {
		Name:               "containerd",
		Kubelet:            true,
		CRI:                "containerd",
		ContainerIDScheme:  "containerd",
		StrictGroupsSince:  "2.0",
		StrictGroupsBefore: "containerd 1.6 or 1.7",
		UserNamespaces:     true,
		PodGroupNeedsUser:  true,
		DefaultCaps:        containerdCaps,
		CapPrefixIgnored:   true,
		DefaultSeccomp:     manifest.SeccompProfileTypeUnconfined,
		AppArmorDefault:    "cri-containerd.apparmor.d",
		Sysctls:            containerdSysctls,
		MaskedPaths:        kubeletMaskedPaths,
		ReadonlyPaths:      kubeletReadonlyPaths,
		NodeMaskedPaths:    kubeletNodePaths,
	},
	// kubelet + CRI-O.
	"crio": {
		Name:                      "crio",
		Kubelet:                   true,
		CRI:                       "CRI-O",
		ContainerIDScheme:         "cri-o",
		StrictGroupsSince:         "1.31",
		StrictGroupsBefore:        "an older CRI-O",
		UserNamespaces:            true,
		DefaultCaps:               crioCaps,
		Ambient:                   AmbientPrivilegedAll,
		DefaultSeccomp:            manifest.SeccompProfileTypeUnconfined,
		SeccompArtifactAnnotation: "seccomp-profile.kubernetes.cri-o.io",
		PrivilegedSeccompFilter:   "CRI-O 1.33 or later with privileged_seccomp_profile set in crio.conf",
		AppArmorDefault:           "crio-default",
		PrivilegedAppArmorNone:    true,
		MaskedPaths:               kubeletMaskedPaths,
		ReadonlyPaths:             kubeletReadonlyPaths,
		NodeMaskedPaths:           crioNodePaths,
		MergeKeepsUserGroup:       true,
	},
	// kubelet + cri-dockerd + Docker Engine.
	"docker": {
		Name:                "docker",
		Kubelet:             true,
		CRI:                 "cri-dockerd",
		ContainerIDScheme:   "docker",
		DefaultCaps:         containerdCaps,
		CapConflict:         AddWins,
		DefaultSeccomp:      manifest.SeccompProfileTypeUnconfined,
		AppArmorDefault:     "docker-default",
		Sysctls:             dockerSysctls,
		MaskedPaths:         kubeletMaskedPaths,
		ReadonlyPaths:       kubeletReadonlyPaths,
		NodeMaskedPaths:     kubeletNodePaths,
		MergeKeepsUserGroup: true,
	},
	// podman kube play.
	"podman": {
		Name:                     "podman",
		Platform:                 PlatformKubePlay,
		DefaultCaps:              podmanCaps,
		Ambient:                  AmbientAddsNonRoot,
		DefaultSeccomp:           manifest.SeccompProfileTypeRuntimeDefault,
		AppArmorDefault:          "containers-default-",
		AppArmorPrefix:           true,
		MaskedPaths:              podmanMaskedPaths,
		ReadonlyPaths:            podmanReadonlyPaths,
		NodeMaskedPaths:          podmanNodePaths,
		LegacySeccompAnnotations: true,
		LoneRunAsGroup:           RootWithGroup,
		MergeOnlyWithoutGroup:    true,
		Sysctls:                  podmanSysctls,
		Hints: map[check.ID]string{
			check.FSGroup:         "podman kube play does not apply fsGroup.",
			check.RunAsNonRoot:    "podman kube play does not enforce runAsNonRoot.",
			check.AppArmorProfile: "podman kube play ignores appArmorProfile; its containers.conf profile applies.",
			check.ProcMount:       "podman kube play applies procMount since 4.7.0.",
			check.Sysctls:         "podman kube play applies pod sysctls since 4.5.0.",
		},
	},
	// Alibaba Cloud Elastic Container Instance (containerd-based).
	"eci": {
		Name:                  "eci",
		Kubelet:               true,
		Platform:              PlatformECI,
		PodAnnotation:         "k8s.aliyun.com/eci-instance-id",
		VirtualNodeProvider:   "alibabacloud",
		DefaultCaps:           containerdCaps,
		CapPrefixIgnored:      true,
		DefaultSeccomp:        manifest.SeccompProfileTypeUnconfined,
		Sysctls:               eciSysctls,
		MaskedPaths:           kubeletMaskedPaths,
		ReadonlyPaths:         kubeletReadonlyPaths,
		NodeMaskedPaths:       kubeletNodePaths,
		RootReadOnlyWhen:      "ECI documents the root filesystem as always read-only",
		HostSysctlsAnnotation: "k8s.aliyun.com/eci-host-sysctls",
		Hints: map[check.ID]string{
			check.RunAsGroup:               "ECI documents runAsGroup for app containers only: not at pod level and not for init containers.",
			check.RunAsNonRoot:             "ECI documents runAsNonRoot for app containers only: not at pod level and not for init containers.",
			check.SupplementalGroups:       "ECI documents only sysctls and runAsUser at pod level; supplementalGroups is not listed as supported.",
			check.FSGroup:                  "ECI documents only sysctls and runAsUser at pod level; fsGroup is not listed as supported.",
			check.ProcMount:                "ECI fixes procMount at Default; it cannot be changed.",
			check.ReadOnlyRootFilesystem:   "ECI lists readOnlyRootFilesystem as not configurable (documented default: true, root filesystem always read-only).",
			check.Privileged:               "Privileged containers on ECI are in internal preview and need an approved ticket.",
			check.CapabilitiesBounding:     "ECI lets capabilities.add grant only " + eciAddableCaps.String() + "; SYS_RAWIO needs an approved ticket.",
			check.AllowPrivilegeEscalation: "ECI does not document support for allowPrivilegeEscalation.",
			check.SeccompProfile:           "ECI does not document support for seccompProfile; its default is not documented either.",
			check.AppArmorProfile:          "ECI does not document support for appArmorProfile.",
			check.SELinuxOptions:           "ECI does not document support for seLinuxOptions.",
			check.HostUsers:                "ECI does not document support for hostUsers (user namespaces).",
			check.Sysctls:                  "ECI applies only namespaced sysctls (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.* except net.ipv4.tcp_syncookies, vm.min_free_kbytes); others need the k8s.aliyun.com/eci-host-sysctls annotation after an approved ticket, and annotations take effect only at pod creation.",
		},
	},
}

// DefaultProfile is the profile used when none is named.
const DefaultProfile = "containerd"

// LookupProfile returns the named profile.
func LookupProfile(name string) (*Profile, error) {
	if name == "" {
		name = DefaultProfile
	}
	p, ok := profiles[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown profile %q (want %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return p, nil
}

// Profiles lists the known profiles, sorted by name.
func Profiles() []*Profile {
	out := make([]*Profile, 0, len(profiles))
	for _, n := range ProfileNames() {
		out = append(out, profiles[n])
	}
	return out
}

// ProfileNames lists the known profile names, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
