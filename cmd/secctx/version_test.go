package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

// TestVersionPrintsBuild: version names the version, the commit and the Go
// version the binary was built with (what -X main.version and main.commit
// set, and the runtime), in text and in JSON.
func TestVersionPrintsBuild(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, nil, "", "version")
	for _, want := range []string{"secctx " + version, "commit " + commit, runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("version: %d %q lacks %q", code, out, want)
		}
	}
	code, out, _ = runCLI(t, nil, "", "version", "-o", "json")
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil {
		t.Fatalf("version -o json: %d %v %q", code, err, out)
	}
	for k, want := range map[string]string{"version": version, "commit": commit, "goVersion": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH} {
		if v[k] != want {
			t.Errorf("version -o json: %s = %q, want %q", k, v[k], want)
		}
	}
}
