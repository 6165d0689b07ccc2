package expect

import "fmt"

// SourceKind is where an expected value comes from.
type SourceKind uint8

// Source kinds.
const (
	// FromUnknown is the zero value: the source was not recorded.
	FromUnknown SourceKind = iota
	// FromContainer: the container's securityContext.
	FromContainer
	// FromPod: the pod's securityContext.
	FromPod
	// FromRuntime: the runtime profile's default (nothing declared), or
	// what the runtime injects (sysctls).
	FromRuntime
	// FromPrivileged: privileged mode overrides the declaration.
	FromPrivileged
	// FromAnnotation: an annotation, named by Source.Annotation.
	FromAnnotation
)

// Source says where an expected value comes from. Packages compare Kind;
// its text ("container", "pod", "runtime default", "privileged",
// "annotation KEY") is for people and is what the JSON form carries.
type Source struct {
	Kind SourceKind
	// Annotation is the annotation key, for FromAnnotation.
	Annotation string
}

// String renders the source for messages.
func (s Source) String() string {
	switch s.Kind {
	case FromContainer:
		return "container"
	case FromPod:
		return "pod"
	case FromRuntime:
		return "runtime default"
	case FromPrivileged:
		return "privileged"
	case FromAnnotation:
		return "annotation " + s.Annotation
	}
	return "unknown"
}

// MarshalText encodes the source as its text.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// GIDSource says how the expected primary gid was derived.
type GIDSource uint8

// Primary gid sources.
const (
	// GIDUnresolved is the zero value: no derivation was recorded.
	GIDUnresolved GIDSource = iota
	// GIDFromRunAsGroup: runAsGroup is declared.
	GIDFromRunAsGroup
	// GIDFromPasswd: the uid's entry in the image's /etc/passwd.
	GIDFromPasswd
	// GIDNotInPasswd: the uid is not in the image's /etc/passwd, so the
	// runtime uses gid 0.
	GIDNotInPasswd
	// GIDImageUser: not derivable, the image's USER decides the user and
	// its group (podman keeps USER's ":gid").
	GIDImageUser
	// GIDPasswdUnreadable: not derivable, the image's /etc/passwd could not
	// be read.
	GIDPasswdUnreadable
	// GIDFromImageUser: the image's USER decides the uid, and the runtime
	// takes the gid of that uid's /etc/passwd entry, else 0: derived from
	// the process's own uid (Expected.ImageUser).
	GIDFromImageUser
)

// GIDDerivation says in words how the expected primary gid was derived,
// for the rules `secctx expect` prints and for the report's messages.
func (e *Expected) GIDDerivation() string {
	gid, uid := int64(-1), int64(-1)
	if e.GID != nil {
		gid = *e.GID
	}
	if e.UID != nil {
		uid = *e.UID
	}
	switch e.GIDSource {
	case GIDFromRunAsGroup:
		return fmt.Sprintf("gid %d from runAsGroup", gid)
	case GIDFromPasswd:
		return fmt.Sprintf("gid %d: uid %d is %q in the image's /etc/passwd", gid, uid, e.GIDAccount)
	case GIDNotInPasswd:
		return fmt.Sprintf("gid 0: uid %d is not in the image's /etc/passwd and runAsGroup is unset", uid)
	case GIDImageUser:
		return "gid not derivable: the image's USER applies, group included"
	case GIDFromImageUser:
		return "gid of the process's uid in the image's /etc/passwd, else 0 (the runtime drops the group of the image's USER)"
	case GIDPasswdUnreadable:
		return "gid not derivable: the image's /etc/passwd could not be read"
	}
	return "resolved from the spec"
}

// LoneRunAsGroup is what a runtime does with runAsGroup declared without
// runAsUser.
type LoneRunAsGroup uint8

// What runtimes do with a lone runAsGroup.
const (
	// ImageUserKept: the image's USER still decides the uid (the kubelet
	// and CRI runtimes).
	ImageUserKept LoneRunAsGroup = iota
	// RootWithGroup: the runtime runs the container as user 0:gid (podman
	// kube play).
	RootWithGroup
)
