package probe

import (
	"os"
	"sort"
	"strconv"
	"strings"
)

// What a process's state is made of falls in three scopes. A watcher that
// verifies many processes reads the per-process items for each, the
// container items once per container and the pod items once per pod.
//
//   - process: status (capabilities, ids, groups, no_new_privs, seccomp)
//     and the LSM label;
//   - container: the mount table and the requested paths, the user-namespace
//     maps, the image's /etc/passwd and /etc/group;
//   - pod: cap_last_cap and the sysctls of the shared namespaces.

// containerItems and podItems are the Unread keys of the shared scopes
// (sysctl: and path: keys are recognised by prefix).
var (
	containerItems = []string{ItemMounts, ItemUIDMap, ItemGIDMap, ItemPasswd, ItemGroupFile}
	podItems       = []string{ItemLastCap}
)

// ObserveProcess reads the per-process items of pid (0: the caller).
func (fs FS) ObserveProcess(pid int) *State {
	st := &State{PID: pid}
	fs.readStatus(pid, st)
	fs.readLSM(pid, st)
	return st
}

// ObserveContainer adds to st the items pid shares with the other processes
// of its container.
func (fs FS) ObserveContainer(pid int, req Request, st *State) {
	fs.readMounts(pid, req.Paths, st)
	st.UIDMap = fs.readIDMap(pid, "uid_map", ItemUIDMap, st)
	st.GIDMap = fs.readIDMap(pid, "gid_map", ItemGIDMap, st)
	fs.readEtcFiles(pid, st)
}

// ObservePod adds to st the items every process of the pod shares.
func (fs FS) ObservePod(req Request, st *State) {
	fs.readLastCap(st)
	fs.readSysctls(req.Sysctls, st)
}

// ShareContainer copies the container-scope items of src into s, values and
// unread reasons alike.
func (s *State) ShareContainer(src *State) {
	s.Mounts, s.UIDMap, s.GIDMap, s.Passwd, s.Group = src.Mounts, src.UIDMap, src.GIDMap, src.Passwd, src.Group
	s.copyUnread(src, containerItems, PathItem(""))
}

// SharePod copies the pod-scope items of src into s.
func (s *State) SharePod(src *State) {
	s.LastCap, s.Sysctls = src.LastCap, src.Sysctls
	s.copyUnread(src, podItems, SysctlItem(""))
}

func (s *State) copyUnread(src *State, items []string, prefix string) {
	for _, it := range items {
		if re := src.Missing(it); re != nil {
			s.setUnread(it, re)
		}
	}
	for k, re := range src.Unread {
		if strings.HasPrefix(k, prefix) {
			s.setUnread(k, re)
		}
	}
}

// PIDs lists the processes visible under the proc root, ascending.
func (fs FS) PIDs() ([]int, error) {
	f, err := os.Open(fs.root())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(names))
	for _, n := range names {
		if n == "" || n[0] < '1' || n[0] > '9' {
			continue
		}
		if pid, err := strconv.Atoi(n); err == nil {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	return pids, nil
}

// Cgroup returns /proc/PID/cgroup, which tells containers apart: processes
// of one container share it, another container's differ.
func (fs FS) Cgroup(pid int) (string, *ReadError) {
	return fs.readPid(pid, "cgroup")
}

// Exe returns the executable of pid: the /proc/PID/exe link, which needs
// ptrace access, else the first word of /proc/PID/cmdline, which does not.
func (fs FS) Exe(pid int) (string, *ReadError) {
	if target, err := os.Readlink(fs.pidPath(pid, "exe")); err == nil {
		return target, nil
	}
	b, re := fs.readPid(pid, "cmdline")
	if re != nil {
		return "", re
	}
	if i := strings.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return b, nil
}

// SelfPID returns the pid of the calling process as the proc root sees it.
func (fs FS) SelfPID() (int, error) {
	target, err := os.Readlink(fs.root() + "/self")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(target)
}

// Comm returns the command name of pid (/proc/PID/comm).
func (fs FS) Comm(pid int) (string, *ReadError) {
	b, re := fs.readPid(pid, "comm")
	return strings.TrimRight(b, "\n"), re
}

// IsKernelThread reports whether pid is a kernel thread (visible only when
// the PID namespace is the host's): kernel threads have no command line.
func (fs FS) IsKernelThread(pid int) bool {
	b, re := fs.readPid(pid, "cmdline")
	return re == nil && b == ""
}
