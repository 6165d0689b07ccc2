package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
)

const twoContainers = `kind: Pod
metadata: {name: two}
spec:
  containers: [{name: app}, {name: side}]
`

func TestPipeline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "pod.yaml")
	if err := os.WriteFile(file, []byte(twoContainers), 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name      string
		src       manifest.Locator
		workload  string
		container string
		// want is the container verified, or the substring of the error.
		want, err string
		watched   string
		def       bool
	}{
		{name: "file", src: manifest.Locator{Path: file}, container: "side", want: "side", watched: file},
		{name: "env file", src: manifest.Locator{Getenv: env(map[string]string{manifest.EnvSpecFile: file})}, container: "app", want: "app", watched: file},
		{name: "inline", src: manifest.Locator{Getenv: env(map[string]string{manifest.EnvSpec: demoPod})}, want: "app"},
		{name: "stdin", src: manifest.Locator{Path: "-", Stdin: strings.NewReader(demoPod)}, want: "app"},
		{name: "default: every name is its one container", src: manifest.Locator{}, container: "whatever", want: "restricted", def: true},
		{name: "two containers, none chosen", src: manifest.Locator{Path: file}, watched: file, err: "has 2 containers"},
		{name: "no such container", src: manifest.Locator{Path: file}, watched: file, container: "nope", err: `no container "nope"`},
		{name: "no such workload", src: manifest.Locator{Path: file}, watched: file, workload: "Pod/other", err: "--workload"},
		{name: "bad spec", src: manifest.Locator{Getenv: env(map[string]string{manifest.EnvSpec: "kind: Pod\n  bad: ["})}, err: "malformed YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pipeline{Source: tc.src, Workload: tc.workload, FS: probe.NewFS(t.TempDir())}
			if got := p.Source.File(); got != tc.watched {
				t.Errorf("File() = %q, want %q", got, tc.watched)
			}
			spec, err := p.Load()
			var v *Verifier
			if err == nil {
				v, err = spec.Verifier(tc.container)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Container() != tc.want || spec.Ref().Default != tc.def {
				t.Errorf("container %q default %v, want %q %v", v.Container(), spec.Ref().Default, tc.want, tc.def)
			}
		})
	}
}

// TestPipelineNode: what the user says of the node reaches every
// resolution the pipeline's verifiers make.
func TestPipelineNode(t *testing.T) {
	t.Parallel()
	on, off := true, false
	for _, tc := range []struct {
		name  string
		node  expect.Node
		modes int // legitimate seccomp modes of the undeclared profile
		mode  int
	}{
		{"unknown: disabled or filter", expect.Node{}, 2, 0},
		{"seccompDefault on", expect.Node{SeccompDefault: &on}, 0, 2},
		{"seccompDefault off", expect.Node{SeccompDefault: &off}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pipeline{Source: manifest.Locator{Path: "-", Stdin: strings.NewReader(demoPod)}, Node: tc.node, FS: probe.NewFS(t.TempDir())}
			spec, err := p.Load()
			if err != nil {
				t.Fatal(err)
			}
			v, err := spec.Verifier("")
			if err != nil {
				t.Fatal(err)
			}
			e, err := v.Expected(nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Seccomp.Outcomes) != tc.modes || e.Seccomp.Mode != tc.mode || e.Node != tc.node {
				t.Errorf("seccomp mode %d, %d outcomes, node %+v; want mode %d, %d outcomes", e.Seccomp.Mode, len(e.Seccomp.Outcomes), e.Node, tc.mode, tc.modes)
			}
		})
	}
}

// TestExpandPatterns: a path pattern becomes the paths it matches in this
// process's own view; a fixture proc root has none.
func TestExpandPatterns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, cpu := range []string{"cpu0", "cpu1"} {
		if err := os.MkdirAll(filepath.Join(dir, cpu, "thermal_throttle"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pattern := filepath.Join(dir, "cpu*", "thermal_throttle")
	for _, tc := range []struct {
		name string
		fs   probe.FS
		want []string
	}{
		{"own view", probe.NewFS(probe.DefaultProcRoot), []string{"/proc/kcore", filepath.Join(dir, "cpu0", "thermal_throttle"), filepath.Join(dir, "cpu1", "thermal_throttle")}},
		{"fixture proc root", probe.NewFS(t.TempDir()), []string{"/proc/kcore"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := expandPatterns([]string{"/proc/kcore", pattern}, tc.fs)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("expandPatterns = %q, want %q", got, tc.want)
			}
		})
	}
}
