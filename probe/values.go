package probe

import (
	"github.com/secctx/secctx/caps"
)

// ReadError says why an item could not be read.
type ReadError struct {
	// Path is the file that was read.
	Path string `json:"path"`
	// Reason is a short classification: "permission denied", "absent",
	// "not supported", "malformed".
	Reason string `json:"reason"`
	// Detail is the underlying error text.
	Detail string `json:"detail,omitempty"`
}

// Error renders the path, the reason and the detail.
func (e *ReadError) Error() string {
	if e.Detail != "" {
		return e.Path + ": " + e.Reason + " (" + e.Detail + ")"
	}
	return e.Path + ": " + e.Reason
}

// Capabilities holds the five capability sets of a process.
type Capabilities struct {
	Inheritable caps.Set `json:"inheritable"`
	Permitted   caps.Set `json:"permitted"`
	Effective   caps.Set `json:"effective"`
	Bounding    caps.Set `json:"bounding"`
	Ambient     caps.Set `json:"ambient"`
}

// IDs holds the real, effective, saved and filesystem ids, in the order
// /proc/PID/status prints them.
type IDs struct {
	Real      int64 `json:"real"`
	Effective int64 `json:"effective"`
	Saved     int64 `json:"saved"`
	FS        int64 `json:"fs"`
}

// All reports whether all four ids equal v.
func (i IDs) All(v int64) bool {
	return i.Real == v && i.Effective == v && i.Saved == v && i.FS == v
}

// LSM is the process's Linux Security Module label.
type LSM struct {
	// Name is "apparmor", "selinux" or "" when no LSM labels processes.
	Name string `json:"name"`
	// Label is the raw label with the trailing NUL/newline removed, e.g.
	// "cri-containerd.apparmor.d (enforce)" or
	// "system_u:system_r:container_t:s0:c4,c5".
	Label string `json:"label,omitempty"`
	// Profile is the AppArmor profile name ("unconfined" when unconfined).
	Profile string `json:"profile,omitempty"`
	// Mode is the AppArmor mode ("enforce", "complain"), if shown.
	Mode string `json:"mode,omitempty"`
}

// PathState is what a mount table says about a path that may be masked or
// read-only.
type PathState struct {
	// Exists is false when the path is absent from the container's
	// filesystem; runtimes skip masking paths that do not exist.
	Exists bool `json:"exists"`
	// Masked is true when the visible mount at the path is a read-only tmpfs
	// (directory) or a bind of /dev/null (file).
	Masked bool `json:"masked"`
	// ReadOnly is true when the visible mount at the path is read-only.
	ReadOnly bool `json:"readOnly"`
}

// Volume is a mount point that is neither the root nor a kernel filesystem
// the runtime sets up (/proc, /sys, /dev): the container's volumes and the
// files the runtime injects (/etc/hosts and friends).
type Volume struct {
	Path     string `json:"path"`
	FSType   string `json:"fsType"`
	ReadOnly bool   `json:"readOnly"`
}

// Mounts is the mount-derived state.
type Mounts struct {
	// RootReadOnly is true when the visible mount at "/" is read-only.
	RootReadOnly bool `json:"rootReadOnly"`
	// Paths holds the state of every path the request named.
	Paths map[string]PathState `json:"paths,omitempty"`
	// Volumes lists the other mount points.
	Volumes []Volume `json:"volumes,omitempty"`
}

// IDMapEntry is one line of /proc/PID/uid_map or gid_map.
type IDMapEntry struct {
	Inside  int64 `json:"inside"`
	Outside int64 `json:"outside"`
	Length  int64 `json:"length"`
}

// IDMap is a user-namespace id map.
type IDMap []IDMapEntry

// IsIdentity reports whether m is the initial namespace's map
// "0 0 4294967295", i.e. the process is not in a user namespace of its own.
func (m IDMap) IsIdentity() bool {
	return len(m) == 1 && m[0].Inside == 0 && m[0].Outside == 0 && m[0].Length == 4294967295
}
