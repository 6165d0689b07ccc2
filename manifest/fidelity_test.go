package manifest_test

// Fidelity tests: our minimal mirror structs must decode every manifest of
// the corpus (testdata/fidelity) exactly as the real Kubernetes types do.
// k8s.io/api and k8s.io/apimachinery are test-only dependencies
// (shared/reference/dependencies.md: "k8s.io/api is used only in _test.go
// files ... it must not be linked into the binary"); the last test checks
// that.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/secctx/secctx/manifest"
)

// omittedSecurityFields lists the JSON fields of the Kubernetes
// securityContext types (by type, as "Type.field") that our structs
// deliberately lack. It is empty: every field is mirrored. A field added to
// k8s.io/api shows up in TestMirrorStructsCoverKubernetes and must either be
// mirrored (types.go; the strict decoder follows the structs) or listed here.
var omittedSecurityFields = map[string]string{}

// omittedPodSpecFields are k8s PodSpec fields that bear on a container's
// security state but that our PodSpec deliberately does not mirror,
// with the reason. (Every other PodSpec field is irrelevant to it.)
var omittedPodSpecFields = map[string]string{
	"runtimeClassName": "selects the runtime handler (for example a sandbox); the profile is chosen by flag instead",
	"hostname":         "UTS only",
	"nodeName":         "scheduling only",
}

// k8sTemplate is one pod template as the Kubernetes types decode it.
type k8sTemplate struct {
	kind string
	meta metav1.ObjectMeta // the object's metadata
	tmpl metav1.ObjectMeta // the pod template's metadata
	spec corev1.PodSpec
}

type unmarshalFunc func([]byte, any) error

// unmarshalers are the two ways Kubernetes decodes a manifest: the
// sigs.k8s.io/yaml typed path (kubectl's client-side helpers, controllers
// reading files), and the API server's path: the YAML converted to JSON
// (what kubectl sends) decoded case-sensitively by apimachinery.
var unmarshalers = map[string]unmarshalFunc{
	"sigs.k8s.io/yaml": func(b []byte, v any) error { return sigsyaml.Unmarshal(b, v) },
	"apiserver-json": func(b []byte, v any) error {
		j, err := sigsyaml.YAMLToJSON(b)
		if err != nil {
			return err
		}
		return utiljson.Unmarshal(j, v)
	},
}

// k8sDecode returns the pod templates of one document, in stream order.
func k8sDecode(doc []byte, un unmarshalFunc) ([]k8sTemplate, error) {
	var tm metav1.TypeMeta
	if err := un(doc, &tm); err != nil {
		return nil, fmt.Errorf("TypeMeta: %w", err)
	}
	switch tm.Kind {
	case "Pod":
		var o corev1.Pod
		err := un(doc, &o)
		return []k8sTemplate{{tm.Kind, o.ObjectMeta, o.ObjectMeta, o.Spec}}, err
	case "Deployment":
		var o appsv1.Deployment
		err := un(doc, &o)
		return []k8sTemplate{{tm.Kind, o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec}}, err
	case "StatefulSet":
		var o appsv1.StatefulSet
		err := un(doc, &o)
		return []k8sTemplate{{tm.Kind, o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec}}, err
	case "DaemonSet":
		var o appsv1.DaemonSet
		err := un(doc, &o)
		return []k8sTemplate{{tm.Kind, o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec}}, err
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		err := un(doc, &o)
		return []k8sTemplate{{tm.Kind, o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec}}, err
	case "ReplicationController":
		var o corev1.ReplicationController
		if err := un(doc, &o); err != nil {
			return nil, err
		}
		if o.Spec.Template == nil {
			return nil, fmt.Errorf("ReplicationController %s has no template", o.Name)
		}
		return []k8sTemplate{{tm.Kind, o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec}}, nil
	case "Job":
		var o batchv1.Job
		err := un(doc, &o)
		return []k8sTemplate{{tm.Kind, o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec}}, err
	case "CronJob":
		var o batchv1.CronJob
		err := un(doc, &o)
		t := o.Spec.JobTemplate.Spec.Template
		return []k8sTemplate{{tm.Kind, o.ObjectMeta, t.ObjectMeta, t.Spec}}, err
	case "PodTemplate":
		var o corev1.PodTemplate
		err := un(doc, &o)
		return []k8sTemplate{{tm.Kind, o.ObjectMeta, o.Template.ObjectMeta, o.Template.Spec}}, err
	case "List":
		var o corev1.List
		if err := un(doc, &o); err != nil {
			return nil, err
		}
		var out []k8sTemplate
		for i, item := range o.Items {
			ts, err := k8sDecode(item.Raw, un)
			if err != nil {
				return nil, fmt.Errorf("items[%d]: %w", i, err)
			}
			out = append(out, ts...)
		}
		return out, nil
	}
	return nil, nil // ConfigMap, Service, ...
}

// k8sDecodeStream splits a YAML/JSON stream the way apimachinery does and
// decodes every document.
func k8sDecodeStream(data []byte, un unmarshalFunc) ([]k8sTemplate, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []k8sTemplate
	for {
		doc, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var probe any
		if err := sigsyaml.Unmarshal(doc, &probe); err != nil {
			return nil, err
		}
		if probe == nil {
			continue // empty document or comments only
		}
		ts, err := k8sDecode(doc, un)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
}

// jsonMap marshals v (a k8s or a secctx struct) and reads it back as a
// generic value, the form in which the two are compared.
func jsonMap(t testingT, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return m
}

// dropOmitted removes the fields listed in omittedSecurityFields from a
// generic k8s securityContext map (typ is "PodSecurityContext" or
// "SecurityContext").
func dropOmitted(m any, typ string) any {
	mm, ok := m.(map[string]any)
	if !ok {
		return m
	}
	for k := range omittedSecurityFields {
		if t, field, _ := strings.Cut(k, "."); t == typ {
			delete(mm, field)
		}
	}
	return mm
}

func diffJSON(a, b any) string {
	ja, _ := json.MarshalIndent(a, "", " ")
	jb, _ := json.MarshalIndent(b, "", " ")
	return fmt.Sprintf("k8s:  %s\nours: %s", ja, jb)
}

func corpus(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"testdata/fidelity/*.yaml", "testdata/fidelity/*.json"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) < 9 {
		t.Fatalf("corpus has %d files", len(files))
	}
	return files
}

func TestFidelityCorpus(t *testing.T) {
	t.Parallel()
	total := 0
	for _, file := range corpus(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := manifest.Decode(filepath.Base(file), data)
		if err != nil {
			t.Errorf("%s: manifest.Decode: %v", file, err)
			continue
		}
		total += len(ours)
		for uname, un := range unmarshalers {
			t.Run(filepath.Base(file)+"/"+uname, func(t *testing.T) {
				theirs, err := k8sDecodeStream(data, un)
				if err != nil {
					t.Fatalf("k8s decode: %v", err)
				}
				if len(theirs) != len(ours) {
					t.Fatalf("k8s found %d pod templates, secctx %d", len(theirs), len(ours))
				}
				for i := range ours {
					compareWorkload(t, theirs[i], ours[i])
				}
			})
		}
	}
	if total < 20 {
		t.Errorf("corpus holds only %d workloads", total)
	}
}

// testingT is the part of *testing.T the comparison uses, so that a
// recorder can check that the comparison catches differences.
type testingT interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

type recorder struct{ msgs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

func compareWorkload(t testingT, k k8sTemplate, w *manifest.Workload) {
	t.Helper()
	id := w.ID()
	eq := func(what string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: %s: k8s %#v, secctx %#v", id, what, a, b)
		}
	}
	eq("kind", k.kind, w.Kind)
	eq("name", k.meta.Name, w.Name)
	eq("namespace", k.meta.Namespace, w.Namespace)
	ann := k.tmpl.Annotations
	if len(ann) == 0 {
		ann = nil
	}
	got := w.Annotations
	if len(got) == 0 {
		got = nil
	}
	eq("pod template annotations", ann, got)

	s := k.spec
	eq("hostNetwork", s.HostNetwork, w.Spec.HostNetwork)
	eq("hostPID", s.HostPID, w.Spec.HostPID)
	eq("hostIPC", s.HostIPC, w.Spec.HostIPC)
	eq("hostUsers", s.HostUsers, w.Spec.HostUsers)
	eq("shareProcessNamespace", s.ShareProcessNamespace, w.Spec.ShareProcessNamespace)
	compareLintFields(t, id, s, &w.Spec)

	k8sPSC := dropOmitted(jsonMap(t, s.SecurityContext), "PodSecurityContext")
	ourPSC := jsonMap(t, w.Spec.SecurityContext)
	if !reflect.DeepEqual(k8sPSC, ourPSC) {
		t.Errorf("%s: pod securityContext differs\n%s", id, diffJSON(k8sPSC, ourPSC))
	}

	type ctr struct {
		name, image string
		sc          any
	}
	k8sCtrs := func(cs []corev1.Container) []ctr {
		var out []ctr
		for _, c := range cs {
			out = append(out, ctr{c.Name, c.Image, dropOmitted(jsonMap(t, c.SecurityContext), "SecurityContext")})
		}
		return out
	}
	ourCtrs := func(cs []manifest.Container) []ctr {
		var out []ctr
		for _, c := range cs {
			out = append(out, ctr{c.Name, c.Image, jsonMap(t, c.SecurityContext)})
		}
		return out
	}
	var eph []corev1.Container
	for _, e := range s.EphemeralContainers {
		eph = append(eph, corev1.Container{Name: e.Name, Image: e.Image, SecurityContext: e.SecurityContext})
	}
	for _, l := range []struct {
		name        string
		k8s, secctx []ctr
	}{
		{"containers", k8sCtrs(s.Containers), ourCtrs(w.Spec.Containers)},
		{"initContainers", k8sCtrs(s.InitContainers), ourCtrs(w.Spec.InitContainers)},
		{"ephemeralContainers", k8sCtrs(eph), ourCtrs(w.Spec.EphemeralContainers)},
	} {
		if len(l.k8s) != len(l.secctx) {
			t.Errorf("%s: %d %s in k8s, %d in secctx", id, len(l.k8s), l.name, len(l.secctx))
			continue
		}
		for i := range l.k8s {
			a, b := l.k8s[i], l.secctx[i]
			if a.name != b.name || a.image != b.image {
				t.Errorf("%s: %s[%d] = %s (%s) in k8s, %s (%s) in secctx", id, l.name, i, a.name, a.image, b.name, b.image)
			}
			if !reflect.DeepEqual(a.sc, b.sc) {
				t.Errorf("%s: %s[%d] %s securityContext differs\n%s", id, l.name, i, a.name, diffJSON(a.sc, b.sc))
			}
		}
	}
}

// TestFidelityComparatorCatchesDifferences mutates one field at a time on
// our side and expects compareWorkload to report it.
func TestFidelityComparatorCatchesDifferences(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/fidelity/every-field.yaml")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := k8sDecodeStream(data, unmarshalers["apiserver-json"])
	if err != nil {
		t.Fatal(err)
	}
	i64 := func(v int64) *int64 { return &v }
	tr := true
	for name, mutate := range map[string]func(w *manifest.Workload){
		"none":               func(w *manifest.Workload) {},
		"pod runAsUser":      func(w *manifest.Workload) { w.Spec.SecurityContext.RunAsUser = i64(0) },
		"pod sysctl value":   func(w *manifest.Workload) { w.Spec.SecurityContext.Sysctls[1].Value = "0 2147483647" },
		"pod seLinuxOptions": func(w *manifest.Workload) { w.Spec.SecurityContext.SELinuxOptions.Level = "" },
		"pod windowsOptions": func(w *manifest.Workload) { w.Spec.SecurityContext.WindowsOptions = nil },
		"container cap dropped": func(w *manifest.Workload) {
			w.Spec.Containers[0].SecurityContext.Capabilities.Add = w.Spec.Containers[0].SecurityContext.Capabilities.Add[:1]
		},
		"container procMount":  func(w *manifest.Workload) { w.Spec.Containers[0].SecurityContext.ProcMount = nil },
		"empty vs nil context": func(w *manifest.Workload) { w.Spec.Containers[1].SecurityContext = nil },
		"init privileged":      func(w *manifest.Workload) { w.Spec.InitContainers[0].SecurityContext.Privileged = nil },
		"ephemeral seccomp": func(w *manifest.Workload) {
			w.Spec.EphemeralContainers[0].SecurityContext.SeccompProfile.Type = "RuntimeDefault"
		},
		"container name":        func(w *manifest.Workload) { w.Spec.Containers[2].Name = "other" },
		"hostUsers":             func(w *manifest.Workload) { w.Spec.HostUsers = &tr },
		"shareProcessNamespace": func(w *manifest.Workload) { w.Spec.ShareProcessNamespace = nil },
		"annotations":           func(w *manifest.Workload) { w.Annotations = nil },
		"os":                    func(w *manifest.Workload) { w.Spec.OS = nil },
		"host port":             func(w *manifest.Workload) { w.Spec.Containers[0].Ports = nil },
		"probe host":            func(w *manifest.Workload) { w.Spec.Containers[0].LivenessProbe.HTTPGet.Host = "h" },
		"memory":                func(w *manifest.Workload) { w.Spec.Containers[0].Resources.Limits["memory"] = "1G" },
		"volume type": func(w *manifest.Workload) {
			w.Spec.Volumes[0].HostPath, w.Spec.Volumes[0].EmptyDir = nil, &manifest.Opaque{}
		},
		"extra container": func(w *manifest.Workload) {
			w.Spec.Containers = append(w.Spec.Containers, manifest.Container{Name: "x"})
		},
	} {
		ours, err := manifest.Decode("every-field.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		mutate(ours[0])
		r := &recorder{}
		compareWorkload(r, theirs[0], ours[0])
		if (len(r.msgs) == 0) != (name == "none") {
			t.Errorf("mutation %q: %d differences reported %q", name, len(r.msgs), r.msgs)
		}
	}
}

// TestFidelityCorpusIsThorough makes sure the corpus sets every
// securityContext field (at pod and container level, with nested objects),
// so that TestFidelityCorpus compares all of them.
func TestFidelityCorpusIsThorough(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				seen[prefix+"."+k] = true
				walk(prefix+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(prefix, e)
			}
		}
	}
	kinds := map[string]bool{}
	for _, file := range corpus(t) {
		data, _ := os.ReadFile(file)
		ws, err := manifest.Decode(file, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			kinds[w.Kind] = true
			walk("PodSecurityContext", jsonMap(t, w.Spec.SecurityContext))
			for _, l := range [][]manifest.Container{w.Spec.Containers, w.Spec.InitContainers, w.Spec.EphemeralContainers} {
				for _, c := range l {
					walk("SecurityContext", jsonMap(t, c.SecurityContext))
				}
			}
		}
	}
	var want []string
	for _, typ := range []struct {
		name string
		v    any
	}{{"PodSecurityContext", corev1.PodSecurityContext{}}, {"SecurityContext", corev1.SecurityContext{}}} {
		want = append(want, jsonPaths(typ.name, reflect.TypeOf(typ.v))...)
	}
	var missing []string
	for _, p := range want {
		if !seen[p] {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the corpus never sets %s", strings.Join(missing, ", "))
	}
	for _, k := range []string{"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "PodTemplate"} {
		if !kinds[k] {
			t.Errorf("the corpus holds no %s", k)
		}
	}
}

// jsonPaths lists the JSON field paths of a struct type, nested structs
// included ("SecurityContext.capabilities.add").
func jsonPaths(prefix string, t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for _, f := range jsonFields(t) {
		p := prefix + "." + f.name
		out = append(out, p)
		out = append(out, jsonPaths(p, f.typ)...)
	}
	return out
}

type jsonField struct {
	name string
	typ  reflect.Type
}

func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" && (f.Anonymous || strings.Contains(opts, "inline")) {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name, f.Type})
	}
	return out
}

// baseKind is the JSON kind of a Go type (named string types are strings).
func baseKind(t reflect.Type) reflect.Kind {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind()
}

// TestMirrorStructsCoverKubernetes compares our structs with the k8s.io/api
// types field by field (JSON names and kinds, recursively): the
// securityContext types must match exactly, apart from
// omittedSecurityFields; our PodSpec and Container must be subsets.
func TestMirrorStructsCoverKubernetes(t *testing.T) {
	t.Parallel()
	type pair struct {
		name        string
		k8s, secctx reflect.Type
		exact       bool
	}
	pairs := []pair{
		{"PodSecurityContext", reflect.TypeOf(corev1.PodSecurityContext{}), reflect.TypeOf(manifest.PodSecurityContext{}), true},
		{"SecurityContext", reflect.TypeOf(corev1.SecurityContext{}), reflect.TypeOf(manifest.SecurityContext{}), true},
		{"Capabilities", reflect.TypeOf(corev1.Capabilities{}), reflect.TypeOf(manifest.Capabilities{}), true},
		{"SELinuxOptions", reflect.TypeOf(corev1.SELinuxOptions{}), reflect.TypeOf(manifest.SELinuxOptions{}), true},
		{"WindowsOptions", reflect.TypeOf(corev1.WindowsSecurityContextOptions{}), reflect.TypeOf(manifest.WindowsOptions{}), true},
		{"SeccompProfile", reflect.TypeOf(corev1.SeccompProfile{}), reflect.TypeOf(manifest.SeccompProfile{}), true},
		{"AppArmorProfile", reflect.TypeOf(corev1.AppArmorProfile{}), reflect.TypeOf(manifest.AppArmorProfile{}), true},
		{"Sysctl", reflect.TypeOf(corev1.Sysctl{}), reflect.TypeOf(manifest.Sysctl{}), true},
		{"PodSpec", reflect.TypeOf(corev1.PodSpec{}), reflect.TypeOf(manifest.PodSpec{}), false},
		{"Container", reflect.TypeOf(corev1.Container{}), reflect.TypeOf(manifest.Container{}), false},
		{"EphemeralContainer", reflect.TypeOf(corev1.EphemeralContainer{}), reflect.TypeOf(manifest.Container{}), false},
		{"Volume", reflect.TypeOf(corev1.Volume{}), reflect.TypeOf(manifest.Volume{}), true},
		{"PodOS", reflect.TypeOf(corev1.PodOS{}), reflect.TypeOf(manifest.PodOS{}), true},
		{"ContainerPort", reflect.TypeOf(corev1.ContainerPort{}), reflect.TypeOf(manifest.ContainerPort{}), false},
		{"ResourceRequirements", reflect.TypeOf(corev1.ResourceRequirements{}), reflect.TypeOf(manifest.ResourceRequirements{}), false},
		{"ProbeHandler", reflect.TypeOf(corev1.Probe{}), reflect.TypeOf(manifest.Handler{}), false},
		{"LifecycleHandler", reflect.TypeOf(corev1.LifecycleHandler{}), reflect.TypeOf(manifest.Handler{}), false},
		{"Lifecycle", reflect.TypeOf(corev1.Lifecycle{}), reflect.TypeOf(manifest.Lifecycle{}), false},
		{"HTTPGetAction", reflect.TypeOf(corev1.HTTPGetAction{}), reflect.TypeOf(manifest.HostAction{}), false},
		{"TCPSocketAction", reflect.TypeOf(corev1.TCPSocketAction{}), reflect.TypeOf(manifest.HostAction{}), false},
	}
	for _, p := range pairs {
		k8s := map[string]reflect.Type{}
		for _, f := range jsonFields(p.k8s) {
			k8s[f.name] = f.typ
		}
		ours := map[string]reflect.Type{}
		for _, f := range jsonFields(p.secctx) {
			ours[f.name] = f.typ
		}
		for name, typ := range ours {
			kt, ok := k8s[name]
			if !ok {
				t.Errorf("%s.%s: secctx has a field k8s.io/api lacks", p.name, name)
				continue
			}
			if baseKind(kt) != baseKind(typ) {
				t.Errorf("%s.%s: kind %s in k8s, %s in secctx", p.name, name, baseKind(kt), baseKind(typ))
			}
		}
		if !p.exact {
			continue
		}
		for name := range k8s {
			if _, ok := ours[name]; !ok && omittedSecurityFields[p.name+"."+name] == "" {
				t.Errorf("%s.%s: k8s.io/api has a field secctx does not mirror; add it to types.go, or list it in omittedSecurityFields", p.name, name)
			}
		}
	}
	k8sPod := map[string]bool{}
	for _, f := range jsonFields(reflect.TypeOf(corev1.PodSpec{})) {
		k8sPod[f.name] = true
	}
	ourPod := map[string]bool{}
	for _, f := range jsonFields(reflect.TypeOf(manifest.PodSpec{})) {
		ourPod[f.name] = true
	}
	for name := range omittedPodSpecFields {
		if !k8sPod[name] {
			t.Errorf("omittedPodSpecFields lists %s, which k8s PodSpec lacks", name)
		}
		if ourPod[name] {
			t.Errorf("omittedPodSpecFields lists %s, which secctx's PodSpec mirrors", name)
		}
	}
}

// TestFidelityCaseSensitivity: the API server's decoder is case-sensitive,
// so a mis-cased key is an unknown field there; sigs.k8s.io/yaml's typed
// path (encoding/json) is not. secctx follows the API server (see
// TestDecodeCaseSensitiveKeys).
func TestFidelityCaseSensitivity(t *testing.T) {
	t.Parallel()
	doc := []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  SecurityContext: {runAsUser: 5}\n  containers: [{name: app}]\n")
	api, err := k8sDecode(doc, unmarshalers["apiserver-json"])
	if err != nil {
		t.Fatal(err)
	}
	if api[0].spec.SecurityContext != nil {
		t.Errorf("apiserver-json decoded manifest.SecurityContext; want it ignored")
	}
	typed, err := k8sDecode(doc, unmarshalers["sigs.k8s.io/yaml"])
	if err != nil {
		t.Fatal(err)
	}
	if typed[0].spec.SecurityContext == nil {
		t.Logf("sigs.k8s.io/yaml now decodes case-sensitively")
	}
}

// TestFidelityScalarsInStringFields: an unquoted number in a string field
// (sysctl value: 1) is rejected by the API server (the YAML is converted to
// JSON without a target type, so the value stays a number) and by secctx;
// only sigs.k8s.io/yaml's typed Unmarshal turns it into "1".
func TestFidelityScalarsInStringFields(t *testing.T) {
	t.Parallel()
	doc := []byte("kind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    sysctls: [{name: kernel.msgmax, value: 65536}]\n  containers: [{name: app}]\n")
	if _, err := k8sDecode(doc, unmarshalers["apiserver-json"]); err == nil {
		t.Errorf("apiserver-json accepted a number as sysctl value")
	}
	if _, err := manifest.Decode("p.yaml", doc); err == nil {
		t.Errorf("secctx accepted a number as sysctl value")
	}
}

// TestBinaryDoesNotLinkK8sAPI: k8s.io/api and apimachinery are test-only
// dependencies; the secctx binary must not link any k8s.io package, nor a
// second YAML parser.
func TestBinaryDoesNotLinkK8sAPI(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	gomod, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.Command(goBin, "list", "-deps", "./cmd/secctx")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/secctx: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	var k8s, yamls []string
	haveJSON, haveSpec := false, false
	for _, d := range deps {
		switch {
		case strings.HasPrefix(d, "k8s.io/"):
			k8s = append(k8s, d)
		case strings.Contains(strings.ToLower(d), "yaml"):
			yamls = append(yamls, d)
		case d == "sigs.k8s.io/json":
			haveJSON = true
		case d == "github.com/secctx/secctx/manifest":
			haveSpec = true
		}
	}
	if len(k8s) > 0 {
		t.Errorf("the secctx binary links %d k8s.io packages: %s", len(k8s), strings.Join(k8s, " "))
	}
	// One YAML parser: the decoder's (the lint position index scans the
	// text itself).
	if strings.Join(yamls, " ") != "go.yaml.in/yaml/v2" {
		t.Errorf("the secctx binary links YAML packages %v, want go.yaml.in/yaml/v2 alone", yamls)
	}
	if !haveJSON || !haveSpec {
		t.Errorf("go list output looks wrong (sigs.k8s.io/json %v, manifest %v): %d packages", haveJSON, haveSpec, len(deps))
	}
}
