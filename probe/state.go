// Package probe reads the observed security state of a process from a proc
// filesystem: capabilities, identities, no_new_privs, seccomp, the LSM label,
// mounts, sysctls and the user-namespace map.
//
// Every reader takes a proc root (normally "/proc") so tests can point it at
// a fixture tree, in the manner of prometheus/procfs. Anything that cannot be
// read is recorded in State.Unread with the reason, never guessed: a check
// that needs it reports "unknown", not drift.
package probe

import (
	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/userdb"
)

// Item names used as keys of State.Unread. They name what a check depends on.
const (
	ItemStatus     = "status"     // /proc/PID/status as a whole
	ItemCaps       = "caps"       // Cap* lines of status
	ItemLastCap    = "capLastCap" // /proc/sys/kernel/cap_last_cap
	ItemIDs        = "ids"        // Uid/Gid lines
	ItemGroups     = "groups"     // Groups line
	ItemNoNewPrivs = "noNewPrivs" // NoNewPrivs line (kernel >= 4.10)
	ItemSeccomp    = "seccomp"    // Seccomp line (CONFIG_SECCOMP)
	ItemLSM        = "lsm"        // attr/apparmor/current or attr/current
	ItemMounts     = "mounts"     // /proc/PID/mountinfo
	ItemUIDMap     = "uidMap"     // /proc/PID/uid_map
	ItemGIDMap     = "gidMap"     // /proc/PID/gid_map
	ItemPasswd     = "etcPasswd"  // the container's /etc/passwd
	ItemGroupFile  = "etcGroup"   // the container's /etc/group
)

// SysctlItem returns the State.Unread key for the sysctl with the given
// (dot-form) name.
func SysctlItem(name string) string { return "sysctl:" + name }

// PathItem returns the State.Unread key for a path whose existence could not
// be checked.
func PathItem(path string) string { return "path:" + path }

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

// State is the observed security state of one process.
type State struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm,omitempty"`

	Caps    Capabilities `json:"capabilities"`
	LastCap int          `json:"capLastCap"`
	UID     IDs          `json:"uid"`
	GID     IDs          `json:"gid"`
	// Groups is the supplementary group list, as the kernel keeps it (sorted).
	Groups         []int64 `json:"groups"`
	NoNewPrivs     bool    `json:"noNewPrivs"`
	Seccomp        int     `json:"seccomp"` // 0 disabled, 1 strict, 2 filter
	SeccompFilters int     `json:"seccompFilters"`

	LSM     LSM               `json:"lsm"`
	Mounts  Mounts            `json:"mounts"`
	Sysctls map[string]string `json:"sysctls,omitempty"`
	UIDMap  IDMap             `json:"uidMap,omitempty"`
	GIDMap  IDMap             `json:"gidMap,omitempty"`

	// Passwd and Group are the container image's /etc/passwd and /etc/group,
	// read through /proc/PID/root, used to resolve the expected primary group
	// and the groups "Merge" allows.
	Passwd []userdb.Account    `json:"-"`
	Group  []userdb.GroupEntry `json:"-"`

	// Unread maps an item key (Item* constants, SysctlItem, PathItem) to
	// why it could not be read. An item present here has a zero value above.
	Unread map[string]*ReadError `json:"unread,omitempty"`
}

// Missing returns why the named item could not be read, or nil.
func (s *State) Missing(item string) *ReadError {
	if s.Unread == nil {
		return nil
	}
	return s.Unread[item]
}

// Request names what to read beyond the fixed items.
type Request struct {
	// Sysctls to read, in dot or slash form.
	Sysctls []string
	// Paths whose masked/read-only state to report.
	Paths []string
}
