// Package probe reads the observed security state of a process from a proc
// filesystem: capabilities, identities, no_new_privs, seccomp, the LSM label,
// mounts, sysctls and the user-namespace map.
//
// Every reader takes a proc root (normally "/proc") so tests can point it at
// a fixture tree, in the manner of prometheus/procfs. Anything that cannot be
// read is recorded, with the reason, in the Unread map of the part of the
// state it belongs to (process, container, pod), never guessed: a check
// that needs it reports "unknown", not drift.
package probe

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/secctx/secctx/userdb"
)

// Item names what a check depends on: a key of the Unread maps.
type Item string

// Items of the process scope (read for every process).
const (
	ItemStatus     Item = "status"     // /proc/PID/status as a whole
	ItemCaps       Item = "caps"       // Cap* lines of status
	ItemIDs        Item = "ids"        // Uid/Gid lines
	ItemGroups     Item = "groups"     // Groups line
	ItemNoNewPrivs Item = "noNewPrivs" // NoNewPrivs line (kernel >= 4.10)
	ItemSeccomp    Item = "seccomp"    // Seccomp line (CONFIG_SECCOMP)
	ItemLSM        Item = "lsm"        // attr/apparmor/current or attr/current
)

// Items of the container scope (read once per container); PathItem keys
// are of this scope too.
const (
	ItemMounts    Item = "mounts"    // /proc/PID/mountinfo
	ItemUIDMap    Item = "uidMap"    // /proc/PID/uid_map
	ItemGIDMap    Item = "gidMap"    // /proc/PID/gid_map
	ItemPasswd    Item = "etcPasswd" // the container's /etc/passwd
	ItemGroupFile Item = "etcGroup"  // the container's /etc/group
)

// Items of the pod scope (read once per pod); SysctlItem keys are of this
// scope too.
const (
	ItemLastCap Item = "capLastCap" // /proc/sys/kernel/cap_last_cap
)

// Part is the part of the state an item is read at.
type Part int

// Parts, each a field of State.
const (
	PartProcess Part = iota
	PartContainer
	PartPod
)

// String names the part: "process", "container" or "pod".
func (p Part) String() string { return [...]string{"process", "container", "pod"}[p] }

// itemParts gives each item of a fixed name the part it is read at and
// what its reader leaves zero when it cannot read it. The items of the
// status file join it from statusTable, with what their lines fill.
var itemParts = map[Item]itemPart{
	ItemLSM:       {PartProcess, func(s *State) { s.LSM = LSM{} }},
	ItemMounts:    {PartContainer, func(s *State) { s.Mounts = Mounts{} }},
	ItemUIDMap:    {PartContainer, func(s *State) { s.UIDMap = nil }},
	ItemGIDMap:    {PartContainer, func(s *State) { s.GIDMap = nil }},
	ItemPasswd:    {PartContainer, func(s *State) { s.Passwd = nil }},
	ItemGroupFile: {PartContainer, func(s *State) { s.Group = nil }},
	ItemLastCap:   {PartPod, func(s *State) { s.LastCap = 0 }},
}

// itemPart is where an item is read and what its reader leaves zero.
type itemPart struct {
	part  Part
	clear func(*State)
}

// Items lists the items of a fixed name (every item but the SysctlItem
// and PathItem keys), sorted.
func Items() []Item { return slices.Sorted(maps.Keys(itemParts)) }

// Part returns the part of the state item is read at; ok is false for a
// name that is no item.
func (item Item) Part() (part Part, ok bool) {
	switch {
	case strings.HasPrefix(string(item), sysctlPrefix):
		return PartPod, true
	case strings.HasPrefix(string(item), pathPrefix):
		return PartContainer, true
	}
	ip, ok := itemParts[item]
	return ip.part, ok
}

// SetUnread records item as unread, with why, in the part of s it is read
// at, and zeroes the value it stands for, as the readers do: the promise
// of Unread. Tests use it to build the state of a probe that could not
// read an item. The status file unread makes each of its items unread.
func (s *State) SetUnread(item Item, why *ReadError) {
	part, ok := item.Part()
	if !ok {
		panic("probe: SetUnread of " + string(item) + ", which is no item")
	}
	u := [...]*Unread{&s.Process.Unread, &s.Container.Unread, &s.Pod.Unread}[part]
	u.set(item, why)
	if item == ItemStatus {
		for _, it := range statusItems {
			u.set(it, why)
		}
	}
	if name, ok := strings.CutPrefix(string(item), sysctlPrefix); ok {
		delete(s.Sysctls, name)
		return
	}
	if p, ok := strings.CutPrefix(string(item), pathPrefix); ok {
		// A path that could not be looked up is not known to exist.
		if ps, listed := s.Mounts.Paths[p]; listed {
			ps.Exists = false
			s.Mounts.Paths[p] = ps
		}
		return
	}
	itemParts[item].clear(s)
}

// The prefixes of the SysctlItem and PathItem keys.
const (
	sysctlPrefix = "sysctl:"
	pathPrefix   = "path:"
)

// SysctlItem returns the Unread key for the sysctl with the given (dot-form)
// name.
func SysctlItem(name string) Item { return Item(sysctlPrefix + name) }

// PathItem returns the Unread key for a path whose existence could not be
// checked.
func PathItem(path string) Item { return Item(pathPrefix + path) }

// Unread maps an item to why it could not be read. An item present here has
// a zero value in the state that holds the map.
type Unread map[Item]*ReadError

// Missing returns why item could not be read, or nil.
func (u Unread) Missing(item Item) *ReadError { return u[item] }

// set records why item could not be read.
func (u *Unread) set(item Item, re *ReadError) {
	if *u == nil {
		*u = make(Unread)
	}
	(*u)[item] = re
}

// State is the observed security state of one process, made of the three
// scopes it is read at: what is the process's own, what it shares with the
// other processes of its container, and what every process of the pod
// shares. A watcher verifying many processes reads each Process, one
// Container per container and one Pod, and assembles a State per process
// from them.
type State struct {
	Process
	Container
	Pod
}

// Process is the per-process part of the state: /proc/PID/status and the
// LSM label.
type Process struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm,omitempty"`
	Status
	// Groups is the supplementary group list, as the kernel keeps it
	// (sorted).
	Groups []int64 `json:"groups"`
	// Unread holds the process items that could not be read.
	Unread Unread `json:"-"`
}

// Status is what a per-process comparison reads of a process besides its
// groups: a comparable value, so that processes in the same state can
// share one comparison (see Process.Key).
type Status struct {
	Caps           Capabilities `json:"capabilities"`
	UID            IDs          `json:"uid"`
	GID            IDs          `json:"gid"`
	NoNewPrivs     bool         `json:"noNewPrivs"`
	Seccomp        int          `json:"seccomp"` // 0 disabled, 1 strict, 2 filter
	SeccompFilters int          `json:"seccompFilters"`
	LSM            LSM          `json:"lsm"`
}

// Container is the per-container part of the state: the mount table and
// the requested paths, the user-namespace maps, and the image's /etc/passwd
// and /etc/group (read through /proc/PID/root).
type Container struct {
	Mounts Mounts `json:"mounts"`
	UIDMap IDMap  `json:"uidMap,omitempty"`
	GIDMap IDMap  `json:"gidMap,omitempty"`
	// Passwd and Group are the container image's /etc/passwd and
	// /etc/group, used to resolve the expected primary group and the groups
	// "Merge" allows.
	Passwd []userdb.Account    `json:"-"`
	Group  []userdb.GroupEntry `json:"-"`
	// Unread holds the container items (and paths) that could not be read.
	Unread Unread `json:"-"`
}

// Pod is the pod-wide part of the state: cap_last_cap and the sysctls of
// the namespaces the pod's containers share.
type Pod struct {
	LastCap int               `json:"capLastCap"`
	Sysctls map[string]string `json:"sysctls,omitempty"`
	// Unread holds the pod items (and sysctls) that could not be read.
	Unread Unread `json:"-"`
}

// Missing returns why the named item could not be read, or nil, whichever
// part of the state it belongs to.
func (s *State) Missing(item Item) *ReadError {
	if re := s.Process.Unread[item]; re != nil {
		return re
	}
	if re := s.Container.Unread[item]; re != nil {
		return re
	}
	return s.Pod.Unread[item]
}

// AllUnread returns the unread items of every part in one map (nil when
// everything was read).
func (s *State) AllUnread() Unread {
	var all Unread
	for _, u := range [...]Unread{s.Process.Unread, s.Container.Unread, s.Pod.Unread} {
		for k, re := range u {
			all.set(k, re)
		}
	}
	return all
}

// MarshalJSON encodes the state with one "unread" map, as one process's
// state reads.
func (s *State) MarshalJSON() ([]byte, error) {
	type fields State // the same fields, without this method
	return json.Marshal(struct {
		fields
		Unread Unread `json:"unread,omitempty"`
	}{fields(*s), s.AllUnread()})
}

// Blind reports whether the status file could not be read at all, so that
// nothing about the process (capabilities, ids, no_new_privs, seccomp) is
// known. The CLI exits 3 in that case rather than report every check as
// unknown.
func (s *State) Blind() bool {
	return s == nil || s.Process.Unread[ItemStatus] != nil
}

// Key is the part of a process's state that the per-process checks read,
// as a map key; ok is false when an item of the process could not be read
// (its reason names the process's own files, so it is compared on its
// own). Every field of Status is part of it by construction; a test sets
// each field of Process in turn to prove the key covers it.
func (p *Process) Key() (key ProcessKey, ok bool) {
	if len(p.Unread) > 0 {
		return ProcessKey{}, false
	}
	var b []byte
	for _, g := range p.Groups {
		b = strconv.AppendInt(b, g, 10)
		b = append(b, ',')
	}
	return ProcessKey{Status: p.Status, groups: string(b)}, true
}

// ProcessKey identifies the state of a process apart from its pid and
// command: processes with equal keys (in the same container) compare alike.
type ProcessKey struct {
	Status
	groups string
}

// A process's state falls in three scopes, one part of State each. A
// watcher that verifies many processes reads the per-process items for
// each, the container items once per container and the pod items once per
// pod; an item is read by the Observe function of its part.

// ObserveProcess reads the per-process items of pid (0: the caller).
func (fs FS) ObserveProcess(pid int) Process {
	p := Process{PID: pid}
	fs.readStatus(pid, &p)
	fs.readLSM(pid, &p)
	return p
}

// ObserveContainer reads the items pid shares with the other processes of
// its container.
func (fs FS) ObserveContainer(pid int, req Request) Container {
	var c Container
	fs.readMounts(pid, req.Paths, &c)
	c.UIDMap = fs.readIDMap(pid, "uid_map", ItemUIDMap, &c)
	c.GIDMap = fs.readIDMap(pid, "gid_map", ItemGIDMap, &c)
	fs.readUserDB(fs.pidPath(pid, "root"), &c)
	fs.markGone(pid, c.Unread[ItemPasswd], c.Unread[ItemGroupFile])
	return c
}

// ObservePod reads the items every process of the pod shares.
func (fs FS) ObservePod(req Request) Pod {
	var p Pod
	fs.readLastCap(&p)
	fs.readSysctls(req.Sysctls, &p)
	return p
}

// ObserveImage reads the image files below root (an unpacked image, or a
// process's /proc/PID/root) the way ObserveContainer reads them: the
// user database, with absent files recorded as absent.
func (fs FS) ObserveImage(root string) Container {
	var c Container
	fs.readUserDB(root, &c)
	return c
}

// Observe reads the security state of process pid (0 for the calling
// process) from the proc filesystem at fs.ProcRoot. It never fails as a
// whole: whatever cannot be read is recorded in the Unread map of its part
// and left zero.
//
// Each file is read once. PID is pid, or for pid 0 the pid the status file
// gives (empty when status is unreadable).
func (fs FS) Observe(pid int, req Request) *State {
	st := &State{Process: fs.ObserveProcess(pid), Container: fs.ObserveContainer(pid, req), Pod: fs.ObservePod(req)}
	fs.CheckConsistency(pid, st)
	return st
}

// Request names what to read beyond the fixed items.
type Request struct {
	// Sysctls to read, in dot or slash form.
	Sysctls []string
	// Paths whose masked/read-only state to report.
	Paths []string
}
