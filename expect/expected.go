// Package expect derives the expected effective security state of a
// container from its declared manifest, the way the kubelet and the
// container runtime would: runtime profiles hold what each runtime does for
// fields left unset, and the resolver applies the rules in order.
package expect

import (
	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
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
	// ContainerKind is "container", "initContainer" or "ephemeralContainer".
	ContainerKind string `json:"containerKind"`

	// UID is the expected uid; nil when the image's USER decides.
	UID *int64 `json:"uid,omitempty"`
	// GID is the expected primary gid; nil when it cannot be derived.
	GID *int64 `json:"gid,omitempty"`
	// GIDSource says how GID was derived (or why it could not be), and
	// GIDAccount names the uid's /etc/passwd entry for GIDFromPasswd; see
	// GIDDerivation.
	GIDSource    GIDSource `json:"-"`
	GIDAccount   string    `json:"-"`
	RunAsNonRoot bool      `json:"runAsNonRoot"`

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
	// GroupsPolicy is "Merge" or "Strict".
	GroupsPolicy string `json:"supplementalGroupsPolicy"`

	// Capabilities is the expected bounding set.
	Capabilities caps.Set `json:"capabilities"`
	// AllCapabilities is true when the set is "every capability the runtime
	// holds" (privileged, or add: [ALL], less any drops); the runtime cannot
	// grant what it lacks itself, so a capability it may lack is reported at
	// info severity (see report's runtimeMayLack).
	AllCapabilities bool `json:"allCapabilities"`

	Privileged bool `json:"privileged"`
	// NoNewPrivs is the expected no_new_privs bit.
	NoNewPrivs bool `json:"noNewPrivs"`
	// ReadOnlyRootFilesystem is the expected read-only state of "/".
	ReadOnlyRootFilesystem bool `json:"readOnlyRootFilesystem"`

	// ProcMount is "Default" or "Unmasked".
	ProcMount     string   `json:"procMount"`
	MaskedPaths   []string `json:"maskedPaths"`
	ReadonlyPaths []string `json:"readonlyPaths"`
	// UnmaskedPaths are the runtime's default masked and read-only paths
	// that procMount: Unmasked or privileged asks to leave open.
	UnmaskedPaths []string `json:"unmaskedPaths,omitempty"`

	Seccomp  Seccomp  `json:"seccomp"`
	AppArmor AppArmor `json:"appArmor"`
	// SELinux is the declared SELinux label parts; nil when none declared.
	SELinux *manifest.SELinuxOptions `json:"seLinux,omitempty"`

	Sysctls []ExpectedSysctl `json:"sysctls,omitempty"`

	// HostUsers false means the container must run in a user namespace of
	// its own (a non-identity uid_map).
	HostUsers bool `json:"hostUsers"`

	// Hints holds, per check id, the platform rule that bears on it
	// (for example a field the platform documents as unsupported).
	Hints map[check.ID]string `json:"hints,omitempty"`

	// Rules lists, in order, the rules the resolver applied, in words;
	// `secctx expect` shows it so a reader can follow the derivation. It is
	// for people: no package reads it.
	Rules []string `json:"rules"`
}

// Seccomp is the expected seccomp state.
type Seccomp struct {
	// Type is the effective profile type: "RuntimeDefault", "Localhost" or
	// "Unconfined".
	Type string `json:"type"`
	// LocalhostProfile is the profile path for Localhost.
	LocalhostProfile string `json:"localhostProfile,omitempty"`
	// Mode is the expected Seccomp field of /proc/PID/status: 0 disabled,
	// 2 filter.
	Mode int `json:"mode"`
	// Source says where the type came from: the container, the pod, an
	// annotation, the runtime default or privileged mode.
	Source Source `json:"source"`
}

// AppArmor is the expected AppArmor state.
type AppArmor struct {
	// Type is "RuntimeDefault", "Localhost" or "Unconfined".
	Type string `json:"type"`
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
	// Source is the pod, the runtime (injected) or an annotation.
	Source Source `json:"source"`
}
