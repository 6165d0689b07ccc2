package probe

import (
	"errors"
	"os"
	"strconv"
	"syscall"
)

// Reasons a ReadError gives. They are the values of ReadError.Reason.
const (
	// ReasonPermission: the file exists but this process may not read it
	// (EACCES/EPERM, e.g. another user's process or a ptrace-mode check).
	ReasonPermission = "permission denied"
	// ReasonAbsent: the file does not exist (old kernel, minimal image, or
	// the process is gone).
	ReasonAbsent = "absent"
	// ReasonNotSupported: the kernel refuses the read (EINVAL, EOPNOTSUPP)
	// or does not print the field.
	ReasonNotSupported = "not supported"
	// ReasonMalformed: the file was read but its content could not be parsed.
	ReasonMalformed = "malformed"
	// ReasonUnreadable: any other I/O error (EIO, EISDIR, ...).
	ReasonUnreadable = "unreadable"
)

// detailPidGone is the Detail of an "absent" error whose cause is the pid
// directory itself missing, so readers can tell it from an absent file.
const detailPidGone = "process gone or hidden by hidepid"

// DefaultProcRoot is where the proc filesystem is normally mounted.
const DefaultProcRoot = "/proc"

// FS is a proc filesystem rooted at ProcRoot. Tests point ProcRoot at a
// fixture tree; a real run uses "/proc".
type FS struct {
	// ProcRoot is the directory the proc filesystem is mounted on.
	ProcRoot string
}

// NewFS returns an FS rooted at procRoot, or at "/proc" when procRoot is
// empty.
func NewFS(procRoot string) FS {
	if procRoot == "" {
		procRoot = DefaultProcRoot
	}
	return FS{ProcRoot: procRoot}
}

// root returns ProcRoot, defaulting the zero FS to "/proc".
func (fs FS) root() string {
	if fs.ProcRoot == "" {
		return DefaultProcRoot
	}
	return fs.ProcRoot
}

// pidDir returns the directory of pid; pid 0 is the literal "self" so that
// fixtures can hold a self directory and real runs read /proc/self.
func (fs FS) pidDir(pid int) string {
	if pid == 0 {
		return fs.root() + "/self"
	}
	return fs.root() + "/" + strconv.Itoa(pid)
}

// pidPath returns the path of rel (no leading slash) inside pid's directory.
func (fs FS) pidPath(pid int, rel string) string {
	return fs.pidDir(pid) + "/" + rel
}

// sysPath returns the path of rel (no leading slash) under the proc root.
func (fs FS) sysPath(rel string) string {
	return fs.root() + "/" + rel
}

// Read bounds. A proc file reports size 0, so a file is read up to its
// bound and refused past it; nothing a process or an image puts in the way
// (a FIFO, a device, a file without end) can block or exhaust a reader.
const (
	// MaxProcRead bounds the small files: attr, id maps, cgroup,
	// comm, sysctls.
	MaxProcRead = 64 << 10
	// MaxTableRead bounds mountinfo and the image's /etc/passwd and
	// /etc/group, which grow with the host and the image.
	MaxTableRead = 4 << 20
)

// errTooLarge is the detail of a file read past its bound.
type errTooLarge int

func (e errTooLarge) Error() string {
	return "over the " + strconv.Itoa(int(e)) + "-byte limit"
}

// errNotRegular is the detail of a path that is not a regular file (a FIFO,
// a device, a socket), which no reader opens.
var errNotRegular = errors.New("not a regular file")

// readPid reads rel inside pid's directory. An absent file whose pid
// directory is missing too is reported as the process being gone, which is
// what the caller needs to know.
func (fs FS) readPid(pid int, rel string) (string, *ReadError) {
	return fs.readPidMax(pid, rel, MaxProcRead, false)
}

// readPidMax is readPid with a bound of max bytes; with prefix, a longer
// file gives its first max bytes (a command line, of which only the start
// matters) instead of an error.
func (fs FS) readPidMax(pid int, rel string, max int, prefix bool) (string, *ReadError) {
	p := fs.pidPath(pid, rel)
	b, err := readAll(p, max, prefix)
	if err == nil {
		return b, nil
	}
	re := classify(p, err)
	fs.markGone(pid, re)
	return "", re
}

// markGone marks absent items as the process being gone when its pid
// directory is missing too, which is what the caller needs to know.
func (fs FS) markGone(pid int, res ...*ReadError) {
	for _, re := range res {
		if re == nil || re.Reason != ReasonAbsent || re.Detail == detailPidGone {
			continue
		}
		// Only pay for the extra stat on the error path.
		if _, serr := os.Stat(fs.pidDir(pid)); errors.Is(serr, os.ErrNotExist) {
			re.Detail = detailPidGone
		}
	}
}

// readFile reads a file at a full path, up to max bytes.
func readFile(p string, max int) (string, *ReadError) {
	b, err := readAll(p, max, false)
	if err != nil {
		return "", classify(p, err)
	}
	return b, nil
}

// readSys reads rel under the proc root (files not tied to a pid).
func (fs FS) readSys(rel string) (string, *ReadError) {
	return readFile(fs.sysPath(rel), MaxProcRead)
}

// classify turns an error from reading path into a ReadError with a Reason.
func classify(path string, err error) *ReadError {
	re := &ReadError{Path: path, Detail: errText(err)}
	switch {
	case errors.Is(err, os.ErrPermission):
		re.Reason = ReasonPermission
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		re.Reason = ReasonAbsent
	case errors.Is(err, syscall.ESRCH):
		// The task exited between open and read.
		re.Reason = ReasonAbsent
		re.Detail = detailPidGone
	case errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.EOPNOTSUPP),
		errors.Is(err, syscall.ENOSYS), errors.Is(err, errors.ErrUnsupported):
		re.Reason = ReasonNotSupported
	default:
		re.Reason = ReasonUnreadable
	}
	return re
}

// errText is the error without the path, which ReadError.Path already holds.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ProcessGone reports whether the item is absent because the process itself
// is gone (or hidden by hidepid), or is a zombie, rather than the file.
func (e *ReadError) ProcessGone() bool {
	return e.Detail == detailPidGone || e.Detail == DetailZombie
}

// malformed builds a "malformed" ReadError for path.
func malformed(path, detail string) *ReadError {
	return &ReadError{Path: path, Reason: ReasonMalformed, Detail: detail}
}
