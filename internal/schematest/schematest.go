// Package schematest validates documents secctx writes against the JSON
// Schemas under schema/ in tests. Only test code imports it, so the
// validator is never linked into the binary.
package schematest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// WatchLine is the schema of a `secctx watch` line.
const WatchLine = "watch-line.schema.json"

// MaxLineBytes is the runtimes' log line split point (containerd and CRI-O
// split at 16 KiB): no line may reach it.
const MaxLineBytes = 16 << 10

var (
	mu       sync.Mutex
	compiled = map[string]*jsonschema.Schema{}
)

// moduleRoot finds the directory of go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Schema compiles (once) the named schema of schema/.
func Schema(tb testing.TB, name string) *jsonschema.Schema {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if s := compiled[name]; s != nil {
		return s
	}
	root, err := moduleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(filepath.Join(root, "schema", name))
	if err != nil {
		tb.Fatalf("schema %s: %v", name, err)
	}
	compiled[name] = s
	return s
}

// Validate checks one JSON document against the named schema.
func Validate(tb testing.TB, name string, doc []byte) error {
	tb.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return Schema(tb, name).Validate(v)
}

// CheckWatchLines checks every line of a watch's stdout: shorter than the
// runtimes' split point and valid against the line schema. It returns the
// number of lines checked.
func CheckWatchLines(tb testing.TB, stdout string) int {
	tb.Helper()
	n := 0
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if line == "" {
			continue
		}
		n++
		if len(line)+1 >= MaxLineBytes {
			tb.Errorf("watch line of %d bytes (the runtime splits at %d): %.300s…", len(line)+1, MaxLineBytes, line)
		}
		if err := Validate(tb, WatchLine, []byte(line)); err != nil {
			tb.Errorf("watch line does not match %s: %v\n%.2000s", WatchLine, err, line)
		}
	}
	return n
}
