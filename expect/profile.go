package expect

import (
	"fmt"
	"sort"
	"strings"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
)

// Profile is what a runtime (with the kubelet in front of it, where there is
// one) does for fields a manifest leaves unset. It holds defaults only: a
// runtime that ignores a declared field is drift, not part of its profile.
// Where a default depends on the runtime's (or the kubelet's) version or
// configuration, which nothing inside a container reveals, the profile
// lists every legitimate outcome with the configuration that yields it.
type Profile struct {
	Name string
	// Kubelet is true when the kubelet drives the runtime through CRI: the
	// kubelet's rules apply (its seccompDefault, the volume gids it adds,
	// the image's uid handed over without USER's group).
	Kubelet bool
	// DefaultCaps is the capability set a container gets with no add/drop.
	DefaultCaps caps.Set
	// CapConflict is what the runtime does with a capability both added
	// and dropped, and with add ALL beside drop ALL.
	CapConflict CapConflict
	// CapPrefixIgnored is true when a capability name written with a CAP_
	// prefix has no effect: containerd prefixes every name ("CAP_" +
	// strings.ToUpper), and runc ignores the unknown CAP_CAP_NET_RAW.
	CapPrefixIgnored bool
	// Ambient is how the runtime fills the ambient (and inheritable) set.
	Ambient AmbientRule
	// DefaultSeccomp is the seccomp type a container that declares none
	// gets: for a kubelet profile, what the kubelet sends with its
	// seccompDefault off (Unconfined; RuntimeDefault when on); podman
	// applies its own filter.
	DefaultSeccomp manifest.SeccompProfileType
	// SeccompArtifactAnnotation (CRI-O 1.30 and later) is the annotation
	// prefix naming an OCI-artifact seccomp profile for a container
	// ("PREFIX/NAME") or the whole pod ("PREFIX/POD"), which the runtime
	// applies when the kubelet sends no profile; on the image, where secctx
	// cannot see it, it makes a filter one more legitimate outcome.
	SeccompArtifactAnnotation string
	// PrivilegedSeccompFilter, when set, names the runtime setting that
	// gives privileged containers a seccomp filter (CRI-O 1.33's
	// privileged_seccomp_profile); otherwise they run unconfined.
	PrivilegedSeccompFilter string
	// AppArmorDefault is the profile the runtime applies for RuntimeDefault;
	// AppArmorPrefix says it is matched as a prefix (a versioned name).
	AppArmorDefault string
	AppArmorPrefix  bool
	// PrivilegedAppArmorNone is true when a privileged container gets no
	// AppArmor profile at all, not even a declared Localhost one (CRI-O).
	PrivilegedAppArmorNone bool
	// Sysctls are what the runtime sets in a pod network namespace of the
	// pod's own (never with hostNetwork) for sysctls the pod does not
	// declare.
	Sysctls []RuntimeSysctl
	// MaskedPaths and ReadonlyPaths are the defaults applied unless
	// procMount is Unmasked or the container is privileged; NodeMaskedPaths
	// are masked or not depending on the runtime's or the kubelet's version.
	MaskedPaths     []string
	ReadonlyPaths   []string
	NodeMaskedPaths []NodePath
	// RootReadOnlyWhen, when set, says which platform makes an undeclared
	// readOnlyRootFilesystem read-only anyway: both states are legitimate.
	RootReadOnlyWhen string
	// LegacySeccompAnnotations is true where the runtime still reads the
	// seccomp.security.alpha.kubernetes.io annotations (podman kube play);
	// the kubelet dropped them.
	LegacySeccompAnnotations bool
	// LoneRunAsGroup is what the runtime does with runAsGroup declared
	// without runAsUser.
	LoneRunAsGroup LoneRunAsGroup
	// MergeKeepsUserGroup is true when, under Merge, the runtime also adds
	// the /etc/group entry named after the user (runc's GetExecUser, which
	// CRI-O and docker use); containerd's WithAdditionalGIDs skips it.
	MergeKeepsUserGroup bool
	// MergeOnlyWithoutGroup is true when the runtime adds /etc/group
	// memberships only to a user given without a group (podman: none once
	// runAsGroup is declared).
	MergeOnlyWithoutGroup bool
	// HostSysctlsAnnotation names an annotation whose JSON list of
	// {name, value} adds expected sysctls (ECI).
	HostSysctlsAnnotation string
	// Hints holds, per check id, a platform rule shown on every finding of
	// that check.
	Hints map[check.ID]string
}

// CapConflict is what a runtime does with a capability both added and
// dropped.
type CapConflict uint8

// Capability conflict rules.
const (
	// DropWins: adds, then drops (containerd WithCapabilities, CRI-O
	// SpecSetupCapabilities); add ALL with drop ALL leaves nothing.
	DropWins CapConflict = iota
	// AddWins: the defaults less the drops, then the adds; add ALL less
	// the individual drops beats drop ALL (moby TweakCapabilities).
	AddWins
)

// AmbientRule is how a runtime fills the ambient set.
type AmbientRule uint8

// Ambient rules.
const (
	// AmbientNone: the runtime clears the ambient set of every container,
	// privileged included (containerd WithoutAmbientCaps, after
	// WithPrivileged; docker; kubernetes#56374).
	AmbientNone AmbientRule = iota
	// AmbientPrivilegedAll: none, except that a privileged container gets
	// every capability in its ambient and inheritable sets (CRI-O:
	// runtime-tools SetupPrivileged).
	AmbientPrivilegedAll
	// AmbientAddsNonRoot: the added capabilities (within the bounding set)
	// become ambient for a non-root user (podman
	// securityConfigureGenerator, since 2.2.0).
	AmbientAddsNonRoot
)

// RuntimeSysctl is a sysctl a runtime may set in a pod's own network
// namespace: one outcome is exact, several mean the runtime's version or
// configuration decides.
type RuntimeSysctl struct {
	Name     string
	Outcomes []Outcome[string]
	// NotInUserNS is true when the runtime leaves it alone in a pod with a
	// user namespace of its own (hostUsers: false).
	NotInUserNS bool
}

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
		Name:             "containerd",
		Kubelet:          true,
		DefaultCaps:      containerdCaps,
		CapPrefixIgnored: true,
		DefaultSeccomp:   manifest.SeccompProfileTypeUnconfined,
		AppArmorDefault:  "cri-containerd.apparmor.d",
		Sysctls:          containerdSysctls,
		MaskedPaths:      kubeletMaskedPaths,
		ReadonlyPaths:    kubeletReadonlyPaths,
		NodeMaskedPaths:  kubeletNodePaths,
	},
	// kubelet + CRI-O.
	"crio": {
		Name:                      "crio",
		Kubelet:                   true,
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

// ProfileNames lists the known profile names, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
