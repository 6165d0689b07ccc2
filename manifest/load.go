package manifest

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxSpecSize bounds the manifest stream secctx accepts; a securityContext
// manifest is a few KiB, so anything larger is a mistake or an attack.
const MaxSpecSize = 1 << 20

// Environment variables that carry the expected spec.
const (
	EnvSpecFile = "SECCTX_SPEC_FILE" // path, typically a ConfigMap mount
	EnvSpec     = "SECCTX_SPEC"      // the manifest inline
)

// DefaultSourceName names the embedded default in reports.
const DefaultSourceName = "default: Pod Security Standards restricted"

//go:embed restricted.yaml
var restrictedYAML []byte

// Loaded is a manifest stream and where it came from.
type Loaded struct {
	// Source is "file:PATH", "stdin", "env:SECCTX_SPEC" or DefaultSourceName.
	Source string
	// Name is the short form used in error messages (the file path,
	// "stdin", "SECCTX_SPEC").
	Name string
	Data []byte
	// Path is the file read, if any (watched for changes by `secctx watch`).
	Path string
	// Default is true when no spec was given and the embedded restricted
	// profile is used.
	Default bool
}

// Locator finds the spec the way the CLI does (see Load); it is the first
// stage of the verification pipeline.
type Locator struct {
	// Path is the --spec flag: a file, "-" for stdin, or "" for the
	// environment.
	Path   string
	Getenv func(string) string
	Stdin  io.Reader
}

// Load finds and reads the spec.
func (l Locator) Load() (*Loaded, error) { return Load(l.Path, l.getenv, l.Stdin) }

// File is the file to watch for changes: --spec, else $SECCTX_SPEC_FILE;
// "" for stdin, which cannot be read again, and for an inline or embedded
// spec.
func (l Locator) File() string {
	switch {
	case l.Path == "-":
		return ""
	case l.Path != "":
		return l.Path
	}
	return l.getenv(EnvSpecFile)
}

func (l Locator) getenv(key string) string {
	if l.Getenv == nil {
		return ""
	}
	return l.Getenv(key)
}

// Load finds the spec, first match wins: the --spec flag (a path, or "-" for
// stdin), then $SECCTX_SPEC_FILE, then $SECCTX_SPEC, then the embedded Pod
// Security Standards restricted profile.
func Load(flagPath string, getenv func(string) string, stdin io.Reader) (*Loaded, error) {
	switch {
	case flagPath == "-":
		data, err := readLimited(stdin, "stdin")
		if err != nil {
			return nil, err
		}
		return &Loaded{Source: "stdin", Name: "stdin", Data: data}, nil
	case flagPath != "":
		return LoadFile(flagPath)
	case getenv(EnvSpecFile) != "":
		return LoadFile(getenv(EnvSpecFile))
	case getenv(EnvSpec) != "":
		data := []byte(getenv(EnvSpec))
		if len(data) > MaxSpecSize {
			return nil, &Error{Source: "env " + EnvSpec, Msg: fmt.Sprintf("spec is %d bytes, over the %d-byte limit", len(data), MaxSpecSize)}
		}
		return &Loaded{Source: "env:" + EnvSpec, Name: "env " + EnvSpec, Data: data}, nil
	}
	return &Loaded{Source: DefaultSourceName, Name: "embedded restricted profile", Data: restrictedYAML, Default: true}, nil
}

// LoadFile reads a spec file, refusing one over MaxSpecSize and anything
// but a regular file.
func LoadFile(path string) (*Loaded, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readLimited(f, path)
	if err != nil {
		return nil, err
	}
	return &Loaded{Source: "file:" + path, Name: path, Data: data, Path: path}, nil
}

// OpenRegular opens path for reading when it is a regular file (through
// symlinks, as a ConfigMap mount has them). The open does not block (a FIFO
// with no writer would block it forever), and a FIFO, a device, a socket or
// a directory is refused, since reading one may never end. The error is an
// *Error naming the path.
func OpenRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, &Error{Source: path, Msg: "cannot read: " + errText(err)}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{Source: path, Msg: "cannot read: " + errText(err)}
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &Error{Source: path, Msg: "not a regular file (" + fileKind(fi.Mode()) + ")"}
	}
	return f, nil
}

// fileKind names what a path that is not a regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

func readLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSpecSize+1))
	if err != nil {
		return nil, &Error{Source: name, Msg: "cannot read: " + errText(err)}
	}
	if len(data) > MaxSpecSize {
		return nil, &Error{Source: name, Msg: fmt.Sprintf("spec is over the %d-byte limit", MaxSpecSize)}
	}
	return data, nil
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
