package probe

import (
	"errors"
	"os"
	"sort"
	"strconv"
	"strings"
)

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
	b, re := fs.readPidMax(pid, "cmdline", MaxProcRead, true)
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
	b, re := fs.readPidMax(pid, "cmdline", 1, true)
	return re == nil && b == ""
}

// Alive reports whether pid is still a live process: its status can be
// read, it is not a zombie, and it still has a root directory (an exiting
// process loses it before it turns zombie, and what is read through it
// then looks absent). A watcher asks after reading a process, to tell one
// that exited meanwhile (to be dropped) from one whose files it may not
// read (to be reported).
func (fs FS) Alive(pid int) bool {
	var p Process
	fs.readStatus(pid, &p)
	if re := p.Unread[ItemStatus]; re != nil && re.ProcessGone() {
		return false
	}
	if _, err := os.Readlink(fs.pidPath(pid, "root")); errors.Is(err, os.ErrNotExist) {
		return false
	}
	return true
}

// Parent returns the parent pid of pid, from the PPid line of its status:
// 0 for a process whose parent is outside the PID namespace (a
// container's first process, a process a runtime's exec started).
func (fs FS) Parent(pid int) (int, *ReadError) {
	b, re := fs.readPid(pid, "status")
	if re != nil {
		return 0, re
	}
	for _, line := range strings.Split(b, "\n") {
		if v, ok := strings.CutPrefix(line, "PPid:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
				return n, nil
			}
			break
		}
	}
	return 0, malformed(fs.pidPath(pid, "status"), "no PPid line")
}

// HostPIDNamespace reports whether the proc root shows the node's PID
// namespace (a pod with hostPID: true): there the kernel's thread daemon,
// kthreadd, is pid 2, and a container's own PID namespace shows no kernel
// thread at all.
func (fs FS) HostPIDNamespace() bool {
	comm, re := fs.Comm(2)
	return re == nil && comm == "kthreadd" && fs.IsKernelThread(2)
}
