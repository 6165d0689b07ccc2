package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
