package expect

import (
	"fmt"
	"github.com/secctx/secctx/check"
	"sort"
	"strings"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/manifest"
)

// Profile is what a runtime (with the kubelet in front of it, where there is
// one) does for fields a manifest leaves unset. It holds defaults only: a
// runtime that ignores a declared field is drift, not part of its profile.
type Profile struct {
	Name        string
	Description string
	// DefaultCaps is the capability set a container gets with no add/drop.
	DefaultCaps caps.Set
	// DefaultSeccomp is the seccomp type applied when neither container nor
	// pod declares one: the kubelet sends Unconfined unless seccompDefault
	// is on, podman applies its own filter.
	DefaultSeccomp string
	// AppArmorDefault is the profile the runtime applies for RuntimeDefault;
	// AppArmorPrefix says it is matched as a prefix (a versioned name).
	AppArmorDefault string
	AppArmorPrefix  bool
	// InjectsUnprivilegedSysctls is true for runtimes that set
	// net.ipv4.ip_unprivileged_port_start=0 and (outside a user namespace)
	// net.ipv4.ping_group_range="0 2147483647" in non-host-network pods.
	InjectsUnprivilegedSysctls bool
	// DefaultSysctls are set in every non-host-network container
	// (containers.conf default_sysctls for podman).
	DefaultSysctls []manifest.Sysctl
	// MaskedPaths and ReadonlyPaths are the defaults applied unless
	// procMount is Unmasked or the container is privileged.
	MaskedPaths   []string
	ReadonlyPaths []string
	// LegacySeccompAnnotations is true where the runtime still reads the
	// seccomp.security.alpha.kubernetes.io annotations (podman kube play);
	// the kubelet dropped them.
	LegacySeccompAnnotations bool
	// LoneRunAsGroup is what the runtime does with runAsGroup declared
	// without runAsUser.
	LoneRunAsGroup LoneRunAsGroup
	// HostSysctlsAnnotation names an annotation whose JSON list of
	// {name, value} adds expected sysctls (ECI).
	HostSysctlsAnnotation string
	// Hints holds, per check id, a platform rule shown on every finding of
	// that check.
	Hints map[check.ID]string
}

// Kubelet default masked and read-only paths (pkg/securitycontext/util.go).
// /proc/interrupts and the per-CPU thermal_throttle files arrived later
// (kubernetes#131018) and are not required.
var (
	kubeletMaskedPaths = []string{"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"}
	kubeletReadonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}

	// podman's defaults (containers/common): /proc/asound is read-only there,
	// not masked.
	podmanMaskedPaths = []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
		"/sys/fs/selinux", "/sys/dev/block"}
	podmanReadonlyPaths = []string{"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

var (
	// The 14 capabilities of containerd and moby (oci/caps/defaults.go).
	containerdCaps = caps.MustFromNames("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW",
		"SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE")
	// CRI-O's 9 (internal/config/capabilities).
	crioCaps = caps.MustFromNames("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "SETGID", "SETUID",
		"SETPCAP", "NET_BIND_SERVICE", "KILL")
	// podman's 11 (containers/common default.go).
	podmanCaps = caps.MustFromNames("CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
		"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT")
)

// ECI documents which capabilities may be added; anything else is refused
// or ignored by the platform.
var eciAddableCaps = caps.MustFromNames("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER",
	"KILL", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SETFCAP",
	"SETPCAP", "SYS_CHROOT", "SYS_PTRACE", "SYS_RAWIO")

var profiles = map[string]*Profile{
	"containerd": {
		Name:                       "containerd",
		Description:                "kubelet + containerd CRI (the default)",
		DefaultCaps:                containerdCaps,
		DefaultSeccomp:             "Unconfined",
		AppArmorDefault:            "cri-containerd.apparmor.d",
		InjectsUnprivilegedSysctls: true,
		MaskedPaths:                kubeletMaskedPaths,
		ReadonlyPaths:              kubeletReadonlyPaths,
	},
	"crio": {
		Name:            "crio",
		Description:     "kubelet + CRI-O",
		DefaultCaps:     crioCaps,
		DefaultSeccomp:  "Unconfined",
		AppArmorDefault: "crio-default",
		MaskedPaths:     kubeletMaskedPaths,
		ReadonlyPaths:   kubeletReadonlyPaths,
	},
	"docker": {
		Name:                       "docker",
		Description:                "kubelet + cri-dockerd + Docker Engine",
		DefaultCaps:                containerdCaps,
		DefaultSeccomp:             "Unconfined",
		AppArmorDefault:            "docker-default",
		InjectsUnprivilegedSysctls: true,
		MaskedPaths:                kubeletMaskedPaths,
		ReadonlyPaths:              kubeletReadonlyPaths,
	},
	"podman": {
		Name:                     "podman",
		Description:              "podman kube play",
		DefaultCaps:              podmanCaps,
		DefaultSeccomp:           "RuntimeDefault",
		AppArmorDefault:          "containers-default-",
		AppArmorPrefix:           true,
		MaskedPaths:              podmanMaskedPaths,
		ReadonlyPaths:            podmanReadonlyPaths,
		LegacySeccompAnnotations: true,
		LoneRunAsGroup:           RootWithGroup,
		DefaultSysctls:           []manifest.Sysctl{{Name: "net.ipv4.ping_group_range", Value: "0 0"}},
	},
	"eci": {
		Name:                       "eci",
		Description:                "Alibaba Cloud Elastic Container Instance (containerd-based)",
		DefaultCaps:                containerdCaps,
		DefaultSeccomp:             "Unconfined",
		InjectsUnprivilegedSysctls: true,
		MaskedPaths:                kubeletMaskedPaths,
		ReadonlyPaths:              kubeletReadonlyPaths,
		HostSysctlsAnnotation:      "k8s.aliyun.com/eci-host-sysctls",
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
