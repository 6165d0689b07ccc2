package verify

import (
	"fmt"
	"strconv"
	"strings"
)

// Selector kinds: how a command names the processes it verifies.
const (
	SelectSelf   = "self"   // secctx itself
	SelectPID    = "pid"    // one process by pid
	SelectComm   = "comm"   // processes whose command name matches
	SelectExe    = "exe"    // processes whose executable path matches
	SelectOthers = "others" // every process of the pod outside secctx's own container
	// SelectContainerID picks the processes of the container with that
	// runtime id, by the cgroup path that holds it (docs/targets.md).
	SelectContainerID = "container-id"
)

// Selector picks the processes of a container.
type Selector struct {
	Kind string
	// Value is the command name, the executable or the container id.
	Value string
	PID   int
}

// String renders the selector as --target spells it.
func (s Selector) String() string {
	switch s.Kind {
	case SelectPID:
		return fmt.Sprintf("pid:%d", s.PID)
	case SelectComm, SelectExe, SelectContainerID:
		return s.Kind + ":" + s.Value
	}
	return s.Kind
}

// Named reports whether the selector names its process (self, pid:N)
// rather than listing the processes of the proc root: a named process is
// reported even when it cannot be read, a listed one that is gone is
// dropped.
func (s Selector) Named() bool { return s.Kind == SelectSelf || s.Kind == SelectPID }

// SelectorSyntax is the list of selectors, for help and errors.
const SelectorSyntax = "self, pid:N, comm:NAME, exe:PATH, container-id:ID or others"

// ParseSelector parses self, pid:N, comm:NAME, exe:PATH, container-id:ID
// or others. A container id is the hexadecimal id the runtime gives
// (status.containerStatuses[].containerID), with or without its scheme
// (containerd://, cri-o://, docker://).
func ParseSelector(s string) (Selector, error) {
	var sel Selector
	kind, val, hasVal := strings.Cut(s, ":")
	switch kind {
	case SelectSelf, SelectOthers:
		if hasVal {
			return sel, fmt.Errorf("%s takes no value", kind)
		}
	case SelectPID:
		pid, err := strconv.Atoi(val)
		if err != nil || pid <= 0 {
			return sel, fmt.Errorf("pid:N needs a positive pid")
		}
		sel.PID = pid
	case SelectComm, SelectExe:
		if val == "" {
			return sel, fmt.Errorf("%s:VALUE needs a value", kind)
		}
		sel.Value = val
	case SelectContainerID:
		id, err := parseContainerID(val)
		if err != nil {
			return sel, err
		}
		sel.Value = id
	default:
		return sel, fmt.Errorf("want %s", SelectorSyntax)
	}
	sel.Kind = kind
	return sel, nil
}

// Container ids are 64 hexadecimal digits for containerd, CRI-O and
// Docker (a SHA-256, github.com/containerd/containerd identifiers and the
// CRI's ContainerStatus.Id); a shorter prefix would match by accident.
const containerIDLen = 64

// parseContainerID accepts ID or SCHEME://ID.
func parseContainerID(v string) (string, error) {
	if _, id, ok := strings.Cut(v, "://"); ok {
		v = id
	}
	if len(v) != containerIDLen || strings.Trim(v, "0123456789abcdef") != "" {
		return "", fmt.Errorf("container-id:ID needs the runtime's id, %d lowercase hexadecimal digits, as status.containerStatuses[].containerID gives it (with or without its scheme)", containerIDLen)
	}
	return v, nil
}

// cgroupScopes are the unit names the systemd cgroup driver gives a
// container's cgroup: the runtime's prefix, the id, ".scope"
// (containerd's cri-containerd-ID.scope, CRI-O's crio-ID.scope, Docker's
// docker-ID.scope, podman's libpod-ID.scope). CRI-O's conmon has
// crio-conmon-ID.scope, which is not the container's.
var cgroupScopes = []string{"cri-containerd-", "crio-", "docker-", "libpod-"}

// cgroupHoldsID reports whether a /proc/PID/cgroup file puts the process
// in the cgroup of container id: a path component is the id (cgroupfs
// driver: /kubepods/burstable/pod<uid>/<id>) or its systemd scope.
func cgroupHoldsID(cgroup, id string) bool {
	for _, line := range strings.Split(cgroup, "\n") {
		_, path, ok := cutCgroupLine(line)
		if !ok {
			continue
		}
		for _, c := range strings.Split(path, "/") {
			if c == id {
				return true
			}
			if name, ok := strings.CutSuffix(c, ".scope"); ok {
				for _, p := range cgroupScopes {
					if name == p+id {
						return true
					}
				}
			}
		}
	}
	return false
}

// cutCgroupLine splits "hierarchy-ID:controllers:path".
func cutCgroupLine(line string) (controllers, path string, ok bool) {
	_, rest, ok := strings.Cut(line, ":")
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, ":")
}

// cgroupPath is the path of a process's cgroup: the unified (v2)
// hierarchy's, else the systemd one's (name=systemd), else the first.
func cgroupPath(cgroup string) string {
	first, systemd := "", ""
	for _, line := range strings.Split(cgroup, "\n") {
		ctl, path, ok := cutCgroupLine(line)
		switch {
		case !ok:
			continue
		case strings.HasPrefix(line, "0::"):
			return path
		case ctl == "name=systemd" && systemd == "":
			systemd = path
		case first == "":
			first = path
		}
	}
	if systemd != "" {
		return systemd
	}
	return first
}

// siblingCgroup reports whether the cgroup at path other is a sibling of
// own's, or below one: another container of the same pod (the pod's
// cgroup holds its containers'). Within a cgroup namespace own reads "/"
// and a sibling "/../NAME".
func siblingCgroup(own, other string) bool {
	if own == "" || other == "" || own == other {
		return false
	}
	var rel string
	if own == "/" {
		rel = strings.TrimPrefix(other, "/")
	} else {
		parent := own[:strings.LastIndexByte(own, '/')+1]
		if !strings.HasPrefix(other, parent) {
			return false
		}
		rel = "../" + other[len(parent):]
	}
	// A sibling, or a cgroup below one (a container may make its own).
	name, ok := strings.CutPrefix(rel, "../")
	first, _, _ := strings.Cut(name, "/")
	return ok && first != "" && first != ".." && first != "."
}
