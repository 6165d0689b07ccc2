package main

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
)

// TestVersionPrintsBuild: version names the plugin's version, the commit
// and the Go version it was built with, and its platform.
func TestVersionPrintsBuild(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"version"}, &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	for _, want := range []string{"kubectl-secctx " + version, "commit " + commit, runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH, defaultImage()} {
		if code != exitOK || !strings.Contains(out.String(), want) {
			t.Errorf("version: %d %q lacks %q", code, out.String(), want)
		}
	}
}
