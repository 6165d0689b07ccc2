//go:build !linux

package probe

import (
	"errors"
	"io"
	"os"

	"github.com/moby/sys/mountinfo"
)

// Where there is no Linux /proc (the kubectl plugin on macOS or Windows
// links this package for its types, never to observe), every read fails as
// unsupported, so an item is reported unread, never guessed.

// readAll fails: the files it reads are Linux's.
func readAll(path string, _ int, _ bool) (string, error) {
	return "", &os.PathError{Op: "open", Path: path, Err: errors.ErrUnsupported}
}

// readBounded fails likewise.
func readBounded(path string, _ int, _ bool) (string, bool, error) {
	return "", false, &os.PathError{Op: "open", Path: path, Err: errors.ErrUnsupported}
}

// mountTable fails: mountinfo's parser is Linux's.
func mountTable(io.Reader) ([]*mountinfo.Info, error) {
	return nil, errors.ErrUnsupported
}
