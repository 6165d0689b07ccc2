//go:build linux

package probe

import (
	"io"
	"os"
	"slices"
	"sync"
	"syscall"

	"github.com/moby/sys/mountinfo"
)

// bufPool holds read buffers: a watch loop observes again and again, and
// every proc file is copied out as a string of its exact size anyway.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 8192); return &b }}

// maxPooled is the largest buffer kept for reuse; a bigger one (a large
// mountinfo) is left to the collector.
const maxPooled = 256 << 10

// readAll reads a whole regular file of at most max bytes; with prefix, a
// longer file gives its first max bytes instead of an error. It opens
// without blocking (O_NONBLOCK: a FIFO with no writer would block the open)
// and refuses anything but a regular file, so a FIFO or a device planted
// where a proc or image file is expected cannot stall the reader. It uses
// the system calls directly: proc files report size 0, so os.ReadFile's
// size hint is useless, and an *os.File would be registered with the
// poller for nothing.
func readAll(path string, max int, prefix bool) (string, error) {
	b, more, err := readBounded(path, max, prefix)
	if more && !prefix {
		return "", &os.PathError{Op: "read", Path: path, Err: errTooLarge(max)}
	}
	return b, err
}

// readBounded reads the first max bytes of a regular file, as readAll
// does; more reports whether the file holds more, and with keep the first
// max bytes are returned then (else nothing).
func readBounded(path string, max int, keep bool) (data string, more bool, err error) {
	fd, err := openRetry(path)
	if err != nil {
		return "", false, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return "", false, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		return "", false, &os.PathError{Op: "read", Path: path, Err: syscall.EISDIR}
	default:
		return "", false, &os.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooled {
			bufPool.Put(bp)
		}
	}()
	b := (*bp)[:0]
	for {
		if len(b) == cap(b) {
			if len(b) > max {
				break
			}
			// Double: a proc file's size is known only once read, and a
			// large one (a status with 65,536 groups) would otherwise be
			// copied at every small growth.
			b = slices.Grow(b, cap(b))
			*bp = b[:cap(b)]
		}
		// Never ask for more than one byte past the bound.
		end := min(cap(b), max+1)
		n, err := syscall.Read(fd, b[len(b):end])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return "", false, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n <= 0 {
			break
		}
		b = b[:len(b)+n]
		if len(b) > max {
			break
		}
	}
	if len(b) > max {
		if !keep {
			return "", true, nil
		}
		return string(b[:max]), true, nil
	}
	return string(b), false, nil
}

// openRetry opens path read-only and without blocking, retrying on EINTR.
func openRetry(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// mountTable parses the text of /proc/PID/mountinfo.
func mountTable(r io.Reader) ([]*mountinfo.Info, error) {
	return mountinfo.GetMountsFromReader(r, nil)
}
