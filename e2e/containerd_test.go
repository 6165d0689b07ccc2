package e2e

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// This file states what kubelet + containerd (CRI) hand runc for a pod, as
// documented in runtime-semantics.md sections B0 and B. It is deliberately an
// independent statement written as literal data and plain rules: it does not
// use secctx's spec or report packages, so that a mistake in secctx's
// resolver cannot be mirrored into the configs it is tested against.

// containerdDefaultCaps are containerd's (and moby's) 14 default
// capabilities: bounding, effective and permitted; inheritable and ambient
// stay empty (CVE-2022-24769 fix, WithoutAmbientCaps).
var containerdDefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// kubeletMaskedPaths and kubeletReadonlyPaths are the kubelet's defaults
// (pkg/securitycontext/util.go) for procMount Default, as kubelet 1.33.13
// sends them; containerd first empties its own lists and then applies
// these. Kubelet 1.33.5 added /proc/interrupts and, for each possible CPU
// whose file exists on the node, cpuN/thermal_throttle
// (hostInfo.ThermalThrottle).
var (
	kubeletMaskedPaths = []string{
		"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
		"/sys/firmware", "/sys/devices/virtual/powercap", "/proc/interrupts",
	}
	kubeletReadonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

// nodeConf is the node configuration a config is generated for.
type nodeConf struct {
	// Unprivileged is containerd's enable_unprivileged_ports and
	// enable_unprivileged_icmp: off by default in 1.6 and 1.7, on from 2.0.
	Unprivileged bool
	// SeccompDefault is the kubelet's seccompDefault (off by default).
	SeccompDefault bool
}

// containerd2 is containerd 2's defaults behind a kubelet with its own
// defaults: what the suite's scenarios run on unless they say otherwise.
var containerd2 = nodeConf{Unprivileged: true}

// containerd's sandbox sysctls for a non-host-network pod
// (EnableUnprivilegedPorts, EnableUnprivilegedICMP; the latter not under a
// user namespace).
const (
	sysctlUnprivilegedPorts = "net.ipv4.ip_unprivileged_port_start"
	sysctlPingGroupRange    = "net.ipv4.ping_group_range"
)

// userns mapping the kubelet hands out for hostUsers: false (one 64Ki block).
const (
	usernsHostID = 100000
	usernsSize   = 65536
)

// capNames are the kernel's capability numbers, 0 to 40.
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// hostInfo is what this machine can grant a container.
type hostInfo struct {
	LastCap int
	// AllCaps is every capability up to cap_last_cap that the test process
	// (and so runc) holds in its bounding set: what a privileged container
	// gets here (this machine lacks CAP_SYS_RESOURCE).
	AllCaps []string
	// ThermalThrottle are the /sys/devices/system/cpu/cpuN/thermal_throttle
	// paths of the possible CPUs that exist here, which the kubelet masks.
	ThermalThrottle []string
}

func readHostInfo() (hostInfo, error) {
	var h hostInfo
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return h, err
	}
	if h.LastCap, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
		return h, err
	}
	hex, err := e2eutil.HostCapBnd()
	if err != nil {
		return h, err
	}
	bnd, err := strconv.ParseUint(hex, 16, 64)
	if err != nil {
		return h, err
	}
	for i := 0; i <= h.LastCap && i < len(capNames); i++ {
		if bnd&(1<<uint(i)) != 0 {
			h.AllCaps = append(h.AllCaps, capNames[i])
		}
	}
	// The kubelet's possibleCPUs: the ranges of /sys/devices/system/cpu/possible.
	possible, err := os.ReadFile("/sys/devices/system/cpu/possible")
	if err != nil {
		return h, err
	}
	for _, r := range strings.Split(strings.TrimSpace(string(possible)), ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		if !isRange {
			hi = lo
		}
		first, err1 := strconv.Atoi(lo)
		last, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil {
			return h, fmt.Errorf("/sys/devices/system/cpu/possible: %q", possible)
		}
		for cpu := first; cpu <= last; cpu++ {
			p := fmt.Sprintf("/sys/devices/system/cpu/cpu%d/thermal_throttle", cpu)
			if _, err := os.Stat(p); err == nil {
				h.ThermalThrottle = append(h.ThermalThrottle, p)
			}
		}
	}
	return h, nil
}

// image is the part of a container image the runtime reads: /etc/passwd and
// /etc/group ("" = the file is absent), and the image config's USER ("" =
// none).
type image struct {
	e2eutil.ImageFiles
	User string
}

// runtimeConfig is what containerd hands runc for one container: the
// fields the suite writes into config.json.
type runtimeConfig struct {
	UID, GID       uint32
	AdditionalGids []uint32
	Bounding       []string
	Effective      []string
	Permitted      []string
	Inheritable    []string
	Ambient        []string
	NoNewPrivs     bool
	ReadonlyRoot   bool
	MaskedPaths    []string
	ReadonlyPaths  []string
	Sysctls        map[string]string
	Seccomp        bool // the RuntimeDefault-like filter in linux.seccomp
	UserNS         bool // a user namespace with the kubelet's 64Ki mapping
	HostNetwork    bool // no network namespace of its own
	HostPID        bool // no PID namespace of its own (hostPID: true)
	// Privileged makes /sys and /sys/fs/cgroup writable, as WithPrivileged.
	Privileged bool
}

// containerdConfig applies the kubelet's CRI translation and containerd's
// spec options to p, for an image img, on this host, with containerd 2's
// defaults.
func containerdConfig(p pod, img image, h hostInfo) runtimeConfig {
	return containerdConfigOn(p, img, h, containerd2)
}

// containerdConfigOn is containerdConfig on a node configured as n.
func containerdConfigOn(p pod, img image, h hostInfo, n nodeConf) runtimeConfig {
	var rc runtimeConfig
	psc := p.SC
	if psc == nil {
		psc = &podSecurityContext{}
	}
	csc := p.Container
	if csc == nil {
		csc = &securityContext{}
	}

	// The kubelet merges container fields over pod fields.
	runAsUser, runAsGroup := csc.RunAsUser, csc.RunAsGroup
	if runAsUser == nil {
		runAsUser = psc.RunAsUser
	}
	if runAsGroup == nil {
		runAsGroup = psc.RunAsGroup
	}
	seccomp := csc.SeccompProfile
	if seccomp == nil {
		seccomp = psc.SeccompProfile
	}
	privileged := csc.Privileged != nil && *csc.Privileged

	// User: runAsUser, else the image's USER, of which the runtime's
	// image status keeps the uid part only (getUserFromImage: the group of
	// "1000:2000" is dropped), else 0 (the kubelet's getImageUser). A USER
	// that names a user is looked up by name. Without runAsGroup the gid is
	// the uid's passwd gid, else 0 (oci.WithUserID).
	var uid uint32
	userName := ""
	switch imageUser, _, _ := strings.Cut(img.User, ":"); {
	case runAsUser != nil:
		uid = uint32(*runAsUser)
	case imageUser == "":
	default:
		if v, err := strconv.ParseUint(imageUser, 10, 32); err == nil {
			uid = uint32(v)
		} else if e, ok := lookupPasswdName(img.Passwd, imageUser); ok {
			uid = e.uid
		}
	}
	rc.UID = uid
	if e, ok := lookupPasswd(img.Passwd, uid); ok {
		userName = e.name
		rc.GID = e.gid
	}
	if runAsGroup != nil {
		rc.GID = uint32(*runAsGroup)
	}

	// Groups: the primary gid first (ensureAdditionalGids), then under the
	// default Merge policy (not under Strict) the /etc/group groups listing
	// the user, then the CRI supplemental groups (fsGroup + pod supplementalGroups); mergeGids
	// dedups and sorts.
	gids := []uint32{rc.GID}
	strict := psc.SupplementalGroupsPolicy != nil && *psc.SupplementalGroupsPolicy == "Strict"
	if userName != "" && !strict {
		gids = append(gids, groupsListing(img.Group, userName)...)
	}
	if psc.FSGroup != nil {
		gids = append(gids, uint32(*psc.FSGroup))
	}
	for _, g := range psc.SupplementalGroups {
		gids = append(gids, uint32(g))
	}
	rc.AdditionalGids = sortedUnique(gids)

	// Capabilities (WithCapabilities): add ALL, drop ALL, adds, drops.
	set := append([]string(nil), containerdDefaultCaps...)
	if c := csc.Capabilities; c != nil {
		if slices.Contains(c.Add, "ALL") {
			set = append([]string(nil), h.AllCaps...)
		}
		if slices.Contains(c.Drop, "ALL") {
			set = nil
		}
		for _, a := range c.Add {
			if a != "ALL" && !slices.Contains(set, "CAP_"+a) {
				set = append(set, "CAP_"+a)
			}
		}
		for _, d := range c.Drop {
			set = remove(set, "CAP_"+d)
		}
	}
	if privileged { // WithPrivileged runs after WithCapabilities
		set = append([]string(nil), h.AllCaps...)
	}
	rc.Bounding, rc.Effective, rc.Permitted = set, set, set
	rc.Inheritable, rc.Ambient = []string{}, []string{}

	// no_new_privs only when allowPrivilegeEscalation is explicitly false.
	rc.NoNewPrivs = csc.AllowPrivilegeEscalation != nil && !*csc.AllowPrivilegeEscalation
	rc.ReadonlyRoot = csc.ReadOnlyRootFilesystem != nil && *csc.ReadOnlyRootFilesystem

	// Masked / read-only paths: the kubelet's, unless Unmasked or privileged.
	unmasked := csc.ProcMount != nil && *csc.ProcMount == "Unmasked"
	if privileged || unmasked {
		rc.MaskedPaths, rc.ReadonlyPaths = []string{}, []string{}
	} else {
		rc.MaskedPaths = append(append([]string(nil), kubeletMaskedPaths...), h.ThermalThrottle...)
		rc.ReadonlyPaths = append([]string(nil), kubeletReadonlyPaths...)
	}

	// Seccomp: a filter for RuntimeDefault or Localhost; none for
	// Unconfined or a privileged container. Undeclared, the kubelet sends
	// RuntimeDefault with seccompDefault on, else Unconfined.
	if seccomp == nil && n.SeccompDefault {
		seccomp = &profileRef{Type: "RuntimeDefault"}
	}
	rc.Seccomp = !privileged && seccomp != nil && (seccomp.Type == "RuntimeDefault" || seccomp.Type == "Localhost")

	// Sandbox sysctls: containerd's two unless the pod uses the host's
	// network, then the pod's (the kubelet turns the slash form into dots).
	rc.UserNS = p.HostUsers != nil && !*p.HostUsers
	rc.HostNetwork = p.HostNetwork
	rc.Sysctls = map[string]string{}
	if !rc.HostNetwork && n.Unprivileged {
		rc.Sysctls[sysctlUnprivilegedPorts] = "0"
		if !rc.UserNS {
			rc.Sysctls[sysctlPingGroupRange] = "0 2147483647"
		}
	}
	for _, s := range psc.Sysctls {
		rc.Sysctls[strings.ReplaceAll(s.Name, "/", ".")] = s.Value
	}
	rc.Privileged = privileged
	return rc
}

type passwdEntry struct {
	name string
	uid  uint32
	gid  uint32
}

// lookupPasswdName finds a user by name in passwd text.
func lookupPasswdName(passwd, name string) (passwdEntry, bool) {
	for _, line := range strings.Split(passwd, "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 || f[0] != name {
			continue
		}
		u, err1 := strconv.ParseUint(f[2], 10, 32)
		g, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 == nil && err2 == nil {
			return passwdEntry{name: f[0], uid: uint32(u), gid: uint32(g)}, true
		}
	}
	return passwdEntry{}, false
}

// lookupPasswd finds uid in passwd text.
func lookupPasswd(passwd string, uid uint32) (passwdEntry, bool) {
	for _, line := range strings.Split(passwd, "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 {
			continue
		}
		u, err1 := strconv.ParseUint(f[2], 10, 32)
		g, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 == nil && err2 == nil && uint32(u) == uid {
			return passwdEntry{name: f[0], uid: uint32(u), gid: uint32(g)}, true
		}
	}
	return passwdEntry{}, false
}

// groupsListing returns the gids of the /etc/group entries whose member
// list names user, except the user's own same-named group.
func groupsListing(group, user string) []uint32 {
	var out []uint32
	for _, line := range strings.Split(group, "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 || f[0] == user {
			continue
		}
		g, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			continue
		}
		for _, m := range strings.Split(f[3], ",") {
			if strings.TrimSpace(m) == user {
				out = append(out, uint32(g))
			}
		}
	}
	return out
}

func sortedUnique(gs []uint32) []uint32 {
	seen := map[uint32]bool{}
	var out []uint32
	for _, g := range gs {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func remove(list []string, s string) []string {
	var out []string
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

// withCap returns list plus c (a new slice; list is not modified).
func withCap(list []string, c string) []string {
	out := append([]string(nil), list...)
	if !slices.Contains(out, c) {
		out = append(out, c)
	}
	return out
}
