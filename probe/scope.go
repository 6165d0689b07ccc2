package probe

import (
	"os"
	"sort"
	"strconv"
	"strings"
)

// A process's state falls in three scopes (see State). A watcher that
// verifies many processes reads the per-process items for each, the
// container items once per container and the pod items once per pod.

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
