// Package expect derives the expected effective security state of a
// container from its declared manifest, the way the kubelet and the
// container runtime would: runtime profiles hold what each runtime does for
// fields left unset, and the resolver applies the rules in order.
//
// Where the manifest leaves a field unset and the outcome depends on node
// configuration that nothing inside the container reveals (the kubelet's
// seccompDefault, the containerd version's sysctl defaults, the kubelet
// version's masked paths), the expectation is the set of legitimate
// outcomes (Outcome), each with the node configuration that yields it. A
// declared field is never widened that way.
package expect

import (
	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/waiver"
)

// Expected is the effective security state a container's processes should
// have once the kubelet and the container runtime have applied the declared
// securityContext under a runtime profile. Pointers are nil when nothing is
// declared and the runtime's choice cannot be known from inside (for example
// the image's USER); checks on such fields report "skipped".
type Expected struct {
	Profile   string `json:"profile"`
	Workload  string `json:"workload"` // "Kind/name"
	Namespace string `json:"namespace,omitempty"`
	Container string `json:"container"` // container name
	// ContainerKind is the list the container comes from.
	ContainerKind manifest.ContainerKind `json:"containerKind"`
	// Node is what the user said of the node's configuration (flags).
	Node Node `json:"node"`
	// Waivers are the waivers in force for this container (the pod's
	// annotation, --skip, --waivers); the report applies them. The
	// resolver leaves them empty: package verify sets them.
	Waivers waiver.Set `json:"-"`

	// UID is the expected uid; nil when the image's USER decides.
	UID *int64 `json:"uid,omitempty"`
	// GID is the expected primary gid; nil when it is not fixed by the
	// spec and the declared uid (see ImageUser for the other way).
	GID *int64 `json:"gid,omitempty"`
	// GIDSource says how GID was derived (or why it could not be), and
	// GIDAccount names the uid's /etc/passwd entry for GIDFromPasswd; see
	// GIDDerivation.
	GIDSource  GIDSource `json:"-"`
	GIDAccount string    `json:"-"`
	// ImageUser is set when no runAsUser is declared and the runtime runs
	// the image's uid with the gid and groups of that uid's /etc/passwd
	// entry (the CRI runtimes drop USER's ":gid"): the primary gid and the
	// Merge groups then follow from the process's own uid (see
	// ImageUser.For). Nil under a runtime that keeps USER's group (podman)
	// or when /etc/passwd could not be read.
	ImageUser    *ImageUser `json:"imageUser,omitempty"`
	RunAsNonRoot bool       `json:"runAsNonRoot"`

	// SupplementalGroups are the declared pod supplementalGroups, which must
	// all be present.
	SupplementalGroups []int64 `json:"supplementalGroups,omitempty"`
	// FSGroup is the declared pod fsGroup, which must be present.
	FSGroup *int64 `json:"fsGroup,omitempty"`
	// AllowedGroups are the further groups the runtime may add: the primary
	// gid and, under the Merge policy, the image's /etc/group memberships.
	AllowedGroups []int64 `json:"allowedGroups,omitempty"`
	// ImageGroupsUnknown is true when the Merge policy applies but the
	// image's group memberships for the user cannot be known; extra groups
	// are then tolerated.
	ImageGroupsUnknown bool `json:"imageGroupsUnknown,omitempty"`
	// GroupsPolicy is the effective supplementalGroupsPolicy.
	GroupsPolicy manifest.SupplementalGroupsPolicy `json:"supplementalGroupsPolicy"`
	// VolumeGroups, when set, says why groups beyond the spec are a
	// legitimate outcome: the pod mounts persistent volume claims, and the
	// kubelet adds the gid a PersistentVolume carries in its
	// pv.beta.kubernetes.io/gid annotation, which the manifest cannot show.
	VolumeGroups string `json:"volumeGroups,omitempty"`

	// Capabilities is the expected bounding set.
	Capabilities caps.Set `json:"capabilities"`
	// AllCapabilities is true when the set is "every capability the runtime
	// holds" (privileged, or add: [ALL], less any drops); the runtime cannot
	// grant what it lacks itself, so a capability it may lack is reported at
	// info severity (see report's runtimeMayLack).
	AllCapabilities bool `json:"allCapabilities"`
	// Ambient is the expected ambient set, which is also the expected
	// inheritable set (the kernel keeps ambient within inheritable, and
	// current runtimes fill inheritable with nothing else). With
	// AmbientIfNonRoot it applies only to a process that does not run as
	// uid 0 (podman, when the image's USER decides the user).
	Ambient          caps.Set `json:"ambient"`
	AmbientIfNonRoot bool     `json:"ambientIfNonRoot,omitempty"`
	// AmbientRule says in words why Ambient is what it is, for messages.
	AmbientRule string `json:"ambientRule"`

	Privileged bool `json:"privileged"`
	// NoNewPrivs is the expected no_new_privs bit.
	NoNewPrivs bool `json:"noNewPrivs"`
	// ReadOnlyRootFilesystem is the expected read-only state of "/". With
	// RootOutcomes set, either listed state is legitimate.
	ReadOnlyRootFilesystem bool            `json:"readOnlyRootFilesystem"`
	RootOutcomes           []Outcome[bool] `json:"rootOutcomes,omitempty"`

	// ProcMount is the effective procMount.
	ProcMount     manifest.ProcMountType `json:"procMount"`
	MaskedPaths   []string               `json:"maskedPaths"`
	ReadonlyPaths []string               `json:"readonlyPaths"`
	// NodeMaskedPaths are paths the runtime masks or not depending on its
	// version or the kubelet's; a Path may be a pattern (path.Match).
	NodeMaskedPaths []NodePath `json:"nodeMaskedPaths,omitempty"`
	// UnmaskedPaths are the runtime's default masked and read-only paths
	// that procMount: Unmasked or privileged asks to leave open; they may
	// be patterns.
	UnmaskedPaths []string `json:"unmaskedPaths,omitempty"`

	Seccomp  Seccomp  `json:"seccomp"`
	AppArmor AppArmor `json:"appArmor"`
	// SELinux is the declared SELinux label parts; nil when none declared.
	SELinux *manifest.SELinuxOptions `json:"seLinux,omitempty"`

	Sysctls []ExpectedSysctl `json:"sysctls,omitempty"`

	// HostUsers false means the container must run in a user namespace of
	// its own (a non-identity uid_map).
	HostUsers bool `json:"hostUsers"`

	// UnknownFields are the full paths of the securityContext fields
	// (the pod's and the container's) that this build of secctx does not
	// know: the runtime may apply them, secctx cannot say what they do
	// (docs/unknown-fields.md).
	UnknownFields []string `json:"unknownFields,omitempty"`

	// Hints holds, per check id, the platform rule that bears on it
	// (for example a field the platform documents as unsupported).
	Hints map[check.ID]string `json:"hints,omitempty"`

	// Rules lists, in order, the rules the resolver applied, in words;
	// `secctx expect` shows it so a reader can follow the derivation. It is
	// for people: no package reads it.
	Rules []string `json:"rules"`
}

// Node is what the user knows of the node's configuration, which nothing
// inside a container reveals. A nil field means unknown: every legitimate
// outcome is accepted.
type Node struct {
	// SeccompDefault is the kubelet's seccompDefault (--seccomp-default,
	// $SECCTX_SECCOMP_DEFAULT).
	SeccompDefault *bool `json:"seccompDefault,omitempty"`
}

// Outcome is one legitimate value of an expectation that depends on node
// configuration invisible from inside the container, with that
// configuration in words.
type Outcome[T any] struct {
	Value T `json:"value"`
	// When says which node configuration yields Value.
	When string `json:"when"`
}

// NodePath is a path the runtime masks or not depending on the version of
// the runtime or of the kubelet in front of it.
type NodePath struct {
	// Path is the path, or a path.Match pattern
	// (/sys/devices/system/cpu/cpu*/thermal_throttle).
	Path string `json:"path"`
	// Masked and Visible say which node configurations mask the path and
	// which leave it visible.
	Masked  string `json:"masked"`
	Visible string `json:"visible"`
}

// Seccomp is the expected seccomp state.
type Seccomp struct {
	// Type is the effective profile type.
	Type manifest.SeccompProfileType `json:"type"`
	// LocalhostProfile is the profile path for Localhost.
	LocalhostProfile string `json:"localhostProfile,omitempty"`
	// Mode is the expected Seccomp field of /proc/PID/status: 0 disabled,
	// 2 filter.
	Mode int `json:"mode"`
	// Outcomes, when set, are the legitimate modes (Mode among them) of a
	// container that declares no profile, where the node decides (the
	// kubelet's seccompDefault).
	Outcomes []Outcome[int] `json:"outcomes,omitempty"`
	// Source says where the type came from: the container, the pod, an
	// annotation, the runtime default or privileged mode.
	Source Source `json:"source"`
}

// AppArmor is the expected AppArmor state.
type AppArmor struct {
	// Type is the effective profile type.
	Type manifest.AppArmorProfileType `json:"type"`
	// Profile is the expected profile name; for RuntimeDefault it is the
	// runtime's default profile, matched as a prefix for runtimes that
	// version it (podman's containers-default-<version>). Empty when the
	// runtime's default is not known.
	Profile string `json:"profile,omitempty"`
	// Declared is true when the manifest set the profile explicitly
	// (field or annotation); an undeclared default is not enforced where
	// the node has no AppArmor.
	Declared bool `json:"declared"`
	// ProfilePrefix is true when Profile is matched as a prefix.
	ProfilePrefix bool   `json:"profilePrefix,omitempty"`
	Source        Source `json:"source"`
}

// ExpectedSysctl is a sysctl the container should see with a given value.
type ExpectedSysctl struct {
	Name  string `json:"name"`  // dot form
	Value string `json:"value"` // normalised
	// Outcomes, when set, are the legitimate values (Value among them) of
	// a sysctl the runtime may or may not set depending on its version or
	// configuration; the kernel's own value is one of them.
	Outcomes []Outcome[string] `json:"outcomes,omitempty"`
	// Source is the pod, the runtime (injected) or an annotation.
	Source Source `json:"source"`
}

// ImageUser derives the primary gid and the Merge groups from the uid the
// process runs as, when the image's USER decides it: the CRI runtimes look
// that uid up in the image's /etc/passwd (containerd oci.WithUserID, runc
// GetExecUser for CRI-O and docker) and take its gid, else 0, and add the
// groups /etc/group lists its name in.
type ImageUser struct {
	// Accounts are the image's /etc/passwd entries.
	Accounts []ImageAccount `json:"accounts"`
	// GroupsKnown is false when /etc/group could not be read: the Merge
	// groups are then unknown.
	GroupsKnown bool `json:"groupsKnown"`
}

// ImageAccount is one /etc/passwd entry of the image with the groups the
// runtime's Merge policy adds for it.
type ImageAccount struct {
	Name string `json:"name"`
	UID  int64  `json:"uid"`
	GID  int64  `json:"gid"`
	// Groups are the /etc/group entries listing Name that the runtime
	// adds (containerd skips the one named after the user).
	Groups []int64 `json:"groups,omitempty"`
}

// For returns what the runtime gives a process running as uid: the
// legitimate primary gids (those of every /etc/passwd entry with that uid,
// else 0), the groups Merge may add, and the entries found (none: the uid
// is not in /etc/passwd).
func (u *ImageUser) For(uid int64) (gids, groups []int64, accounts []ImageAccount) {
	seen := map[int64]bool{}
	for _, a := range u.Accounts {
		if a.UID != uid {
			continue
		}
		accounts = append(accounts, a)
		if !seen[a.GID] {
			seen[a.GID] = true
			gids = append(gids, a.GID)
		}
		groups = append(groups, a.Groups...)
	}
	if len(accounts) == 0 {
		gids = []int64{0}
	}
	return gids, groups, accounts
}
