package lint

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/secctx/secctx/manifest"
)

// Collect finds the inputs named on the command line: files, directories
// (every .yaml, .yml and .json file below them, in lexical order, hidden
// files and directories skipped) and "-" for stdin, read once. Each is
// read when it is linted, a part at a time (see RunEach), so that a
// stream of any size is accepted. An error names the file.
func Collect(args []string, stdin io.Reader) ([]Input, error) {
	var out []Input
	stdinRead := false
	for _, a := range args {
		if a == "-" {
			if stdinRead {
				continue
			}
			stdinRead = true
			out = append(out, Input{Name: "-", open: func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil }})
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return nil, &manifest.Error{Source: a, Msg: "cannot read: " + pathErr(err)}
		}
		if !st.IsDir() {
			in, err := readInput(a)
			if err != nil {
				return nil, err
			}
			out = append(out, in)
			continue
		}
		err = filepath.WalkDir(a, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return &manifest.Error{Source: path, Msg: "cannot read: " + pathErr(err)}
			}
			if path != a && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || !manifestFile(d.Name()) {
				return nil
			}
			in, err := readInput(path)
			if err != nil {
				return err
			}
			out = append(out, in)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func manifestFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// readInput checks that path can be read and opens it when it is linted.
func readInput(path string) (Input, error) {
	f, err := manifest.OpenRegular(path)
	if err != nil {
		return Input{}, err
	}
	f.Close()
	return Input{Name: path, open: func() (io.ReadCloser, error) { return manifest.OpenRegular(path) }}, nil
}

func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
