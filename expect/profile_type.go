package expect

import (
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

	// The platform's handling of declared fields, which secctx lint
	// predicts: its rules select profiles by these properties (and the
	// ones above), never by name.

	// Platform is what reads the manifest and creates the containers.
	Platform Platform
	// CRI names the CRI implementation the kubelet talks to, in messages.
	CRI string
	// StrictGroupsSince is the first runtime version whose CRI reports the
	// SupplementalGroupsPolicy feature, without which the kubelet refuses
	// supplementalGroupsPolicy: Strict, and StrictGroupsBefore names the
	// versions without it; "" means no version reports it.
	StrictGroupsSince, StrictGroupsBefore string
	// UserNamespaces is true when the runtime (from some version) supports
	// hostUsers: false; elsewhere the kubelet refuses such a pod
	// (UsernsManager.GetOrCreateUserNamespaceMappings).
	UserNamespaces bool
	// PodGroupNeedsUser is true when the runtime refuses a pod sandbox with
	// a pod-level runAsGroup and no pod-level runAsUser (containerd
	// sandbox_run_linux.go via GenerateUserString).
	PodGroupNeedsUser bool
	// ContainerIDScheme is the scheme of the runtime's container IDs in
	// status.containerStatuses[].containerID ("cri-o" for cri-o://...);
	// PodAnnotation is an annotation the platform adds to every pod it
	// runs, VirtualNodeProvider the virtual-kubelet provider of its nodes.
	// kubectl secctx picks the profile by them (annotation, then provider,
	// then scheme); none is shared by two profiles.
	ContainerIDScheme, PodAnnotation, VirtualNodeProvider string
}

// Platform is what reads a pod manifest and creates its containers.
type Platform uint8

// Platforms.
const (
	// PlatformKubelet: a kubelet on a node of one's own, in front of a CRI
	// runtime: the kubelet's flags, the runtime's version and the node's
	// LSMs decide what a pod may ask for.
	PlatformKubelet Platform = iota
	// PlatformECI: Alibaba Cloud ECI runs the nodes; its documents (seeds
	// 000 and 001) say which fields it applies.
	PlatformECI
	// PlatformKubePlay: podman kube play, no kubelet (Kubelet false).
	PlatformKubePlay
)

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
