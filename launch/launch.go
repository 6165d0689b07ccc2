// Package launch hands the process over to an application: it finds a
// command the way a shell does and replaces the process image with it
// (execve), so that the application keeps the pid, the environment, the
// open file descriptors and the security state of the process that
// verified it.
package launch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"
)

// DefaultPath is the search path when PATH is unset, as container images
// commonly set it.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Shell exit statuses for a command that cannot be run.
const (
	// ExitNotExecutable: found, but not an executable file.
	ExitNotExecutable = 126
	// ExitNotFound: no such command.
	ExitNotFound = 127
)

// Error is a command that cannot be run, with the shell's exit status.
type Error struct {
	Cmd    string
	Status int // ExitNotExecutable or ExitNotFound
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %v", e.Cmd, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// LookPath finds file as a POSIX shell does: a name holding a slash is
// used as it is; otherwise each entry of path is tried in order (an empty
// entry is the current directory) and the first regular file with an
// execute bit wins. pathSet is false when PATH is unset (DefaultPath
// applies then).
func LookPath(file, path string, pathSet bool) (string, error) {
	if file == "" {
		return "", &Error{Cmd: file, Status: ExitNotFound, Err: errors.New("empty command")}
	}
	if strings.Contains(file, "/") {
		if err := executable(file); err != nil {
			return "", &Error{Cmd: file, Status: statusOf(err), Err: err}
		}
		return file, nil
	}
	if !pathSet {
		path = DefaultPath
	}
	var denied error
	for _, dir := range strings.Split(path, ":") {
		if dir == "" {
			dir = "."
		}
		p := dir + "/" + file
		err := executable(p)
		if err == nil {
			return p, nil
		}
		if denied == nil && errors.Is(err, fs.ErrPermission) {
			denied = err // a shell reports it if nothing else is found
		}
	}
	if denied != nil {
		return "", &Error{Cmd: file, Status: ExitNotExecutable, Err: denied}
	}
	return "", &Error{Cmd: file, Status: ExitNotFound, Err: errors.New("command not found")}
}

// executable checks that p is a regular file with an execute bit.
func executable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fs.ErrNotExist
		}
		return err
	}
	switch {
	case st.IsDir():
		return errors.New("is a directory")
	case !st.Mode().IsRegular():
		return errors.New("not a regular file")
	case st.Mode().Perm()&0o111 == 0:
		return fs.ErrPermission
	}
	return nil
}

func statusOf(err error) int {
	if errors.Is(err, fs.ErrNotExist) {
		return ExitNotFound
	}
	return ExitNotExecutable
}

// startMask is the signal mask the process started with, as the main
// thread holds it while packages initialise (the Go runtime has unblocked
// only the synchronous signals it must handle). execve keeps the calling
// thread's mask, and a Go thread may hold another one (all signals
// blocked, while the runtime changes threads), so Exec restores this one.
var (
	startMask    uint64
	startMaskErr syscall.Errno
)

func init() {
	_, _, startMaskErr = syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigBlock, 0,
		uintptr(unsafe.Pointer(&startMask)), unsafe.Sizeof(startMask), 0, 0)
}

// rt_sigprocmask's "how".
const (
	sigBlock   = 0
	sigSetmask = 2
)

// Exec replaces the process with path, run with argv and env. It returns
// only on failure. The process keeps its pid and every file descriptor
// without close-on-exec (Go opens every file of its own with
// close-on-exec); the kernel resets caught signals to their default and
// ends every other thread; the signal mask is the one the process started
// with.
func Exec(path string, argv, env []string) error {
	// The mask is per thread: set it on the thread that calls execve.
	runtime.LockOSThread()
	if startMaskErr == 0 {
		if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigSetmask, uintptr(unsafe.Pointer(&startMask)), 0,
			unsafe.Sizeof(startMask), 0, 0); e != 0 {
			return &Error{Cmd: argv[0], Status: ExitNotExecutable, Err: fmt.Errorf("restoring the signal mask: %v", e)}
		}
	}
	err := syscall.Exec(path, argv, env)
	status := ExitNotExecutable
	if errors.Is(err, syscall.ENOENT) {
		status = ExitNotFound
	}
	return &Error{Cmd: argv[0], Status: status, Err: err}
}
