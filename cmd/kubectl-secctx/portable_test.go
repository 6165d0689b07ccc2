package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// linuxOnly are the packages, by import path prefix, that build only on
// Linux and that the plugin once reached through report → caps: libcap's
// cap and psx. The in-container binary keeps them (caps/libcap_linux.go).
var linuxOnly = []string{"kernel.org/pub/linux/libs/security/libcap/"}

// pluginPlatforms are the platforms the release builds the plugin for.
var pluginPlatforms = []struct{ goos, goarch string }{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// goCmd runs the go command on this package for goos/goarch without cgo.
func goCmd(t *testing.T, goos, goarch string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), &exec.ExitError{ProcessState: cmd.ProcessState, Stderr: errb.Bytes()}
	}
	return out.String(), nil
}

// TestPluginBuildsEverywhere: for every platform of the release, the
// plugin's dependencies resolve without error and include no Linux-only
// package. It fails when a Linux-only import comes back into what the
// plugin links; scripts/release.sh compiles and links it for each platform
// (TestRelease in scripts/).
func TestPluginBuildsEverywhere(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to list the plugin's dependencies: %v", err)
	}
	for _, p := range pluginPlatforms {
		t.Run(p.goos+"/"+p.goarch, func(t *testing.T) {
			out, err := goCmd(t, p.goos, p.goarch, "list", "-deps", "-e",
				"-f", "{{.ImportPath}}{{with .Error}} error: {{.}}{{end}}", ".")
			if err != nil {
				t.Fatalf("go list: %v: %s", err, err.(*exec.ExitError).Stderr)
			}
			deps := strings.Split(strings.TrimSpace(out), "\n")
			if len(deps) < 50 {
				t.Fatalf("go list gave %d packages, not the plugin's dependencies: %q", len(deps), out)
			}
			for _, d := range deps {
				if strings.Contains(d, " error: ") {
					t.Errorf("%s", d)
				}
				for _, l := range linuxOnly {
					if strings.HasPrefix(d, l) && p.goos != "linux" {
						t.Errorf("the plugin for %s/%s imports %s, which builds only on Linux", p.goos, p.goarch, d)
					}
				}
			}
		})
	}
}
