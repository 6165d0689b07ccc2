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

// Collect reads the inputs named on the command line: files, directories
// (every .yaml, .yml and .json file below them, in lexical order, hidden
// files and directories skipped) and "-" for stdin, read once. Each file
// is read with the decoder's size limit. An error names the file.
func Collect(args []string, stdin io.Reader) ([]Input, error) {
	var out []Input
	stdinRead := false
	for _, a := range args {
		if a == "-" {
			if stdinRead {
				continue
			}
			stdinRead = true
			ld, err := manifest.Load("-", func(string) string { return "" }, stdin)
			if err != nil {
				return nil, err
			}
			out = append(out, Input{Name: "-", Data: ld.Data})
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

func readInput(path string) (Input, error) {
	ld, err := manifest.LoadFile(path)
	if err != nil {
		return Input{}, err
	}
	return Input{Name: path, Data: ld.Data}, nil
}

func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
