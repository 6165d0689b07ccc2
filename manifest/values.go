package manifest

// The domain values of the securityContext, typed and named as k8s.io/api
// (core/v1) names them. Every package compares against these constants,
// never against the text: `make lint` fails on the literal outside this
// package (scripts/domainlit).

// SeccompProfileType mirrors core/v1 SeccompProfileType.
type SeccompProfileType string

// Seccomp profile types.
const (
	// SeccompProfileTypeUnconfined: no profile is applied.
	SeccompProfileTypeUnconfined SeccompProfileType = "Unconfined"
	// SeccompProfileTypeRuntimeDefault: the container runtime's default.
	SeccompProfileTypeRuntimeDefault SeccompProfileType = "RuntimeDefault"
	// SeccompProfileTypeLocalhost: a profile file on the node.
	SeccompProfileTypeLocalhost SeccompProfileType = "Localhost"
)

// AppArmorProfileType mirrors core/v1 AppArmorProfileType.
type AppArmorProfileType string

// AppArmor profile types.
const (
	// AppArmorProfileTypeUnconfined: no profile is enforced.
	AppArmorProfileTypeUnconfined AppArmorProfileType = "Unconfined"
	// AppArmorProfileTypeRuntimeDefault: the container runtime's default.
	AppArmorProfileTypeRuntimeDefault AppArmorProfileType = "RuntimeDefault"
	// AppArmorProfileTypeLocalhost: a profile loaded on the node.
	AppArmorProfileTypeLocalhost AppArmorProfileType = "Localhost"
)

// ProcMountType mirrors core/v1 ProcMountType.
type ProcMountType string

// procMount types.
const (
	// DefaultProcMount: the runtime's masked and read-only /proc paths.
	DefaultProcMount ProcMountType = "Default"
	// UnmaskedProcMount: none of them (hostUsers: false only).
	UnmaskedProcMount ProcMountType = "Unmasked"
)

// SupplementalGroupsPolicy mirrors core/v1 SupplementalGroupsPolicy.
type SupplementalGroupsPolicy string

// Supplemental groups policies.
const (
	// SupplementalGroupsPolicyMerge: the declared groups and the image's
	// /etc/group memberships of the user.
	SupplementalGroupsPolicyMerge SupplementalGroupsPolicy = "Merge"
	// SupplementalGroupsPolicyStrict: the declared groups only.
	SupplementalGroupsPolicyStrict SupplementalGroupsPolicy = "Strict"
)

// ContainerKind is the list of the pod spec a container comes from; its
// text is what reports carry as the target's containerKind.
type ContainerKind string

// Container kinds.
const (
	// KindContainer: spec.containers, the regular containers.
	KindContainer ContainerKind = "container"
	// KindInitContainer: spec.initContainers.
	KindInitContainer ContainerKind = "initContainer"
	// KindEphemeralContainer: spec.ephemeralContainers.
	KindEphemeralContainer ContainerKind = "ephemeralContainer"
)

// Noun is how text names a container of the kind: "container", "init
// container", "ephemeral container".
func (k ContainerKind) Noun() string {
	switch k {
	case KindInitContainer:
		return "init container"
	case KindEphemeralContainer:
		return "ephemeral container"
	}
	return "container"
}

// Field is the pod spec's list of the kind: "containers",
// "initContainers", "ephemeralContainers".
func (k ContainerKind) Field() string {
	switch k {
	case KindInitContainer:
		return "initContainers"
	case KindEphemeralContainer:
		return "ephemeralContainers"
	}
	return "containers"
}
