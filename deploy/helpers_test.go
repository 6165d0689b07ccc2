// Package deploy tests the deploy kit without a cluster: every manifest and
// every kustomize output is evaluated against the Pod Security Standards and
// scored by kube-score, the ECI manifests are held to what ECI documents,
// and the monitoring kit's rules and dashboard are checked with promtool and
// against the metrics a real `secctx watch` serves.
//
// kustomize and kube-score come from scripts/tools.sh (built from the Go
// module proxy into ${SECCTX_CACHE:-/var/cache/secctx}), promtool from
// scripts/install-deps.sh. A missing tool skips its test, and fails it under
// SECCTX_E2E_REQUIRED=1 (as `make test` runs).
package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// root is the repository root; the tests run in deploy/.
func root(t *testing.T) string {
	t.Helper()
	dir, err := e2eutil.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// missing skips the test, or fails it when the run requires every tool.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	e2eutil.SkipOrFail(t, fmt.Sprintf(format, args...))
}

var toolPaths sync.Map // name -> path, resolved once per run

// tool returns the path of a tool scripts/tools.sh builds, which must be
// there at the version the script pins.
func tool(t *testing.T, name string) string {
	t.Helper()
	if p, ok := toolPaths.Load(name); ok {
		return p.(string)
	}
	cmd := exec.Command("bash", filepath.Join(root(t), "scripts", "tools.sh"), "path", name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		missing(t, "%s is not built (run scripts/tools.sh): %v %s", name, err, strings.TrimSpace(stderr.String()))
	}
	p := strings.TrimSpace(string(out))
	toolPaths.Store(name, p)
	return p
}

// promtool returns promtool's path (Debian's prometheus package).
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		missing(t, "promtool is not installed (run scripts/install-deps.sh)")
	}
	return p
}

// run runs a command and returns its stdout; a non-zero exit fails the test
// unless allowFail.
func run(t *testing.T, dir string, allowFail bool, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !allowFail || !errors.As(err, &ee) {
			t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
	}
	return stdout.Bytes()
}

// runStdin runs a command with stdin and returns its stdout; it may exit
// non-zero (kube-score exits 1 on a critical finding), but must print
// nothing on stderr.
func runStdin(t *testing.T, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if (err != nil && !errors.As(err, &ee)) || stderr.Len() > 0 {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// object is one Kubernetes object of a manifest stream.
type object struct {
	Kind, Name string
	Raw        map[string]any
}

func (o object) ID() string { return o.Kind + "/" + o.Name }

// decodeObjects splits a YAML stream into objects; documents without a kind
// (Prometheus rule files, promtool tests) are not Kubernetes objects.
func decodeObjects(b []byte) ([]object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var out []object
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := utilyaml.Unmarshal(doc, &m); err != nil {
			return nil, err
		}
		kind, _ := m["kind"].(string)
		if kind == "" {
			continue
		}
		meta, _ := m["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		out = append(out, object{Kind: kind, Name: name, Raw: m})
	}
}

// source is a stream of objects: a manifest file, or what kustomize builds
// from a directory.
type source struct {
	Name    string // "eci/pod.yaml", or "kustomize eci"
	Dir     string // the directory under deploy/: "eci"
	Objects []object
	Data    []byte
}

// manifestFiles lists every YAML file under deploy/ that holds Kubernetes
// objects, kustomization files aside.
func manifestFiles(t *testing.T) []source {
	t.Helper()
	deployDir := filepath.Join(root(t), "deploy")
	var out []source
	err := filepath.WalkDir(deployDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := filepath.Ext(path)
		if d.IsDir() || (ext != ".yaml" && ext != ".yml") || d.Name() == "kustomization.yaml" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		objs, err := decodeObjects(b)
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		if len(objs) == 0 {
			return nil
		}
		rel, _ := filepath.Rel(deployDir, path)
		out = append(out, source{Name: filepath.ToSlash(rel), Dir: filepath.ToSlash(filepath.Dir(rel)), Objects: objs, Data: b})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no manifests under deploy/")
	}
	return out
}

// kustomizeDirs lists the directories under deploy/ with a kustomization.
func kustomizeDirs(t *testing.T) []string {
	t.Helper()
	deployDir := filepath.Join(root(t), "deploy")
	matches, err := filepath.Glob(filepath.Join(deployDir, "*", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, m := range matches {
		rel, _ := filepath.Rel(deployDir, filepath.Dir(m))
		dirs = append(dirs, filepath.ToSlash(rel))
	}
	sort.Strings(dirs)
	if len(dirs) == 0 {
		t.Fatal("no kustomization.yaml under deploy/")
	}
	return dirs
}

var (
	builtMu sync.Mutex
	built   = map[string]source{}
)

// kustomizeBuild runs `kustomize build deploy/DIR` once per run.
func kustomizeBuild(t *testing.T, dir string) source {
	t.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if s, ok := built[dir]; ok {
		return s
	}
	bin := tool(t, "kustomize")
	out := run(t, root(t), false, bin, "build", filepath.Join("deploy", dir))
	objs, err := decodeObjects(out)
	if err != nil {
		t.Fatalf("kustomize build deploy/%s: output does not decode: %v", dir, err)
	}
	s := source{Name: "kustomize " + dir, Dir: dir, Objects: objs, Data: out}
	built[dir] = s
	return s
}

// allSources is every manifest file and every kustomize output.
func allSources(t *testing.T) []source {
	t.Helper()
	srcs := manifestFiles(t)
	for _, d := range kustomizeDirs(t) {
		srcs = append(srcs, kustomizeBuild(t, d))
	}
	return srcs
}

// podTemplate returns the pod metadata and spec an object runs, if any.
func podTemplate(o object) (meta, spec map[string]any, ok bool) {
	get := func(m map[string]any, path ...string) map[string]any {
		for _, p := range path {
			next, _ := m[p].(map[string]any)
			if next == nil {
				return nil
			}
			m = next
		}
		return m
	}
	var tmpl map[string]any
	switch o.Kind {
	case "Pod":
		tmpl = o.Raw
	case "PodTemplate":
		tmpl = get(o.Raw, "template")
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job":
		tmpl = get(o.Raw, "spec", "template")
	case "CronJob":
		tmpl = get(o.Raw, "spec", "jobTemplate", "spec", "template")
	}
	if tmpl == nil {
		return nil, nil, false
	}
	meta, _ = tmpl["metadata"].(map[string]any)
	spec, _ = tmpl["spec"].(map[string]any)
	return meta, spec, spec != nil
}

// remarshal converts a decoded map into a typed value, rejecting unknown
// fields so that a typo in a manifest cannot pass as an unset field.
func remarshal(in any, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(out)
}
