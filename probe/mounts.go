package probe

import (
	"errors"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"

	"github.com/moby/sys/mountinfo"
)

// readMounts parses /proc/PID/mountinfo into st.Mounts and checks the
// requested paths.
func (fs FS) readMounts(pid int, paths []string, st *Container) {
	b, re := fs.readPidMax(pid, "mountinfo", MaxTableRead, false)
	if re != nil {
		st.Unread.set(ItemMounts, re)
		return
	}
	infos, err := mountTable(strings.NewReader(b))
	if err != nil {
		st.Unread.set(ItemMounts, malformed(fs.pidPath(pid, "mountinfo"), err.Error()))
		return
	}
	st.Mounts = buildMounts(infos, paths)
	if len(paths) == 0 {
		return
	}
	// Existence is looked up through the process's root so that a path is
	// judged in the container's filesystem, not in ours. Intermediate
	// absolute symlinks still resolve against the caller's root; for the
	// in-container use (pid 0, or a pid in the same container) they agree.
	root := fs.pidPath(pid, "root")
	for _, p := range paths {
		ps := st.Mounts.Paths[p]
		_, err := os.Lstat(root + path.Clean("/"+p))
		switch {
		case err == nil:
			ps.Exists = true
		case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
			// Absent: runtimes skip masking what does not exist.
		case mountedAt(infos, p):
			// A mount sits exactly there, so the path exists.
			ps.Exists = true
		default:
			// Another user's /proc/PID/root needs ptrace access. The default
			// masked paths are kernel files, present alike in every
			// container's /proc and /sys, so our own view answers.
			if ok, known := fs.kernelPathExists(p); known {
				ps.Exists = ok
			} else {
				st.Unread.set(PathItem(p), classify(root+path.Clean("/"+p), err))
			}
		}
		st.Mounts.Paths[p] = ps
	}
}

// buildMounts derives the mount state from a parsed mount table. Paths are
// keyed as given; Exists is left for the caller.
func buildMounts(infos []*mountinfo.Info, paths []string) Mounts {
	// A later entry for the same mount point is stacked over the earlier
	// one, so the last entry is the one the process sees.
	visible := make(map[string]*mountinfo.Info, len(infos))
	for _, m := range infos {
		visible[m.Mountpoint] = m
	}

	var ms Mounts
	if r := visible["/"]; r != nil {
		ms.RootReadOnly = isReadOnly(r)
	}
	if len(paths) > 0 {
		ms.Paths = make(map[string]PathState, len(paths))
		for _, p := range paths {
			ms.Paths[p] = pathState(visible, path.Clean("/"+p))
		}
	}
	for mp, m := range visible {
		if mp == "/" || isKernelMount(mp) {
			continue
		}
		ms.Volumes = append(ms.Volumes, Volume{Path: mp, FSType: m.FSType, ReadOnly: isReadOnly(m)})
	}
	sort.Slice(ms.Volumes, func(i, j int) bool { return ms.Volumes[i].Path < ms.Volumes[j].Path })
	return ms
}

// pathState reports whether p (clean, absolute) is masked and read-only.
func pathState(visible map[string]*mountinfo.Info, p string) PathState {
	if m := visible[p]; m != nil {
		return PathState{Masked: isMask(m), ReadOnly: isReadOnly(m)}
	}
	// No mount exactly at p: it lives on the nearest mount above it, e.g.
	// /proc/sys/kernel under a read-only /proc/sys.
	for q := p; q != "/"; {
		q = path.Dir(q)
		if m := visible[q]; m != nil {
			return PathState{ReadOnly: isReadOnly(m)}
		}
	}
	return PathState{}
}

// isMask reports whether m is how runc/crun mask a path: a read-only tmpfs
// over a directory, or a bind mount of /dev/null over a file.
func isMask(m *mountinfo.Info) bool {
	if m.FSType == "tmpfs" && hasOption(m.Options, "ro") {
		return true
	}
	// The bind's root is the null device node inside its filesystem:
	// devtmpfs on the host, or the container's own tmpfs /dev.
	return (m.Root == "/null" || strings.HasSuffix(m.Root, "/null")) &&
		(m.FSType == "devtmpfs" || m.FSType == "tmpfs" || m.Source == "devtmpfs" || m.Source == "tmpfs")
}

// isReadOnly reports whether m is read-only, either per mount (a read-only
// bind) or per superblock.
func isReadOnly(m *mountinfo.Info) bool {
	return hasOption(m.Options, "ro") || hasOption(m.VFSOptions, "ro")
}

// hasOption reports whether the comma-separated list opts holds opt,
// without allocating.
func hasOption(opts, opt string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == opt {
			return true
		}
	}
	return false
}

// isKernelMount reports whether mount point mp is /proc, /sys, /dev or
// below: what the runtime sets up rather than what the pod spec mounts.
func isKernelMount(mp string) bool {
	for _, k := range [...]string{"/proc", "/sys", "/dev"} {
		if mp == k || strings.HasPrefix(mp, k+"/") {
			return true
		}
	}
	return false
}

// kernelPathExists answers whether a /proc or /sys path exists from this
// process's own view, which holds for kernel files; known is false for other
// paths, and for /sys when the proc root is a fixture.
func (fs FS) kernelPathExists(p string) (exists, known bool) {
	p = path.Clean("/" + p)
	var own string
	switch {
	case strings.HasPrefix(p, "/proc/"):
		own = fs.root() + strings.TrimPrefix(p, "/proc")
	case strings.HasPrefix(p, "/sys/") && fs.root() == DefaultProcRoot:
		own = p
	default:
		return false, false
	}
	_, err := os.Lstat(own)
	switch {
	case err == nil:
		return true, true
	case errors.Is(err, os.ErrNotExist):
		return false, true
	}
	return false, false
}

// mountedAt reports whether a mount sits exactly at p.
func mountedAt(infos []*mountinfo.Info, p string) bool {
	p = path.Clean("/" + p)
	for _, m := range infos {
		if m.Mountpoint == p {
			return true
		}
	}
	return false
}
