package inject

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secctx/secctx/manifest"
)

var opts = Options{Image: "registry.example.com/secctx:1.0"}

func appPod() *corev1.Pod {
	uid := int64(10001)
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop",
			Annotations:   map[string]string{lastApplied: "{}"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "web:1", Command: []string{"/app/server"}, Args: []string{"--port=8080"},
			SecurityContext: &corev1.SecurityContext{RunAsUser: &uid},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

// apply applies a result's patch to the pod, as the API server does.
func apply(t *testing.T, pod *corev1.Pod, ops []Op) *corev1.Pod {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) > 0 {
		pj, err := json.Marshal(ops)
		if err != nil {
			t.Fatal(err)
		}
		patch, err := jsonpatch.DecodePatch(pj)
		if err != nil {
			t.Fatalf("patch does not decode: %v\n%s", err, pj)
		}
		if raw, err = patch.Apply(raw); err != nil {
			t.Fatalf("patch does not apply: %v\n%s", err, pj)
		}
	}
	var out corev1.Pod
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func mustPod(t *testing.T, pod *corev1.Pod, o Options) Result {
	t.Helper()
	res, err := Pod(pod, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func find(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

func env(c *corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// embedded decodes the sidecar's $SECCTX_SPEC.
func embedded(t *testing.T, c *corev1.Container) *corev1.Pod {
	t.Helper()
	var p corev1.Pod
	if err := json.Unmarshal([]byte(env(c, envSpec)), &p); err != nil {
		t.Fatalf("embedded spec: %v", err)
	}
	return &p
}

func names(cs []corev1.Container) []string {
	var n []string
	for _, c := range cs {
		n = append(n, c.Name)
	}
	return n
}

func TestSidecarKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind            Sidecar
		inits, ctrs     []string
		restartPolicy   bool
		annotationValue string
	}{
		{Native, []string{SidecarName}, []string{"app"}, true, "native-sidecar"},
		{Classic, nil, []string{"app", SidecarName}, false, "classic-sidecar"},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			t.Parallel()
			o := opts
			o.Sidecar = tc.kind
			res := mustPod(t, appPod(), o)
			if res.Outcome != OutcomeInjected {
				t.Fatalf("outcome %v (%s)", res.Outcome, res.Reason)
			}
			got := apply(t, appPod(), res.Patch)
			if !slices.Equal(names(got.Spec.InitContainers), tc.inits) || !slices.Equal(names(got.Spec.Containers), tc.ctrs) {
				t.Fatalf("init %v containers %v, want %v %v", names(got.Spec.InitContainers), names(got.Spec.Containers), tc.inits, tc.ctrs)
			}
			if got.Spec.ShareProcessNamespace == nil || !*got.Spec.ShareProcessNamespace {
				t.Error("shareProcessNamespace not set")
			}
			if got.Annotations[Injected] != tc.annotationValue {
				t.Errorf("%s = %q, want %q", Injected, got.Annotations[Injected], tc.annotationValue)
			}
			sc := find(append(got.Spec.InitContainers, got.Spec.Containers...), SidecarName)
			if (sc.RestartPolicy != nil && *sc.RestartPolicy == corev1.ContainerRestartPolicyAlways) != tc.restartPolicy {
				t.Errorf("restartPolicy %v", sc.RestartPolicy)
			}
			want := []string{"watch", "--target=app=others", "--target=secctx=self", "--listen=:9102"}
			if !slices.Equal(sc.Args, want) {
				t.Errorf("args %q, want %q", sc.Args, want)
			}
			// The embedded spec is the pod as it runs, the sidecar included
			// (its own target is secctx=self), without the spec itself.
			e := embedded(t, sc)
			if !slices.Equal(names(e.Spec.Containers), tc.ctrs) || !slices.Equal(names(e.Spec.InitContainers), tc.inits) {
				t.Errorf("embedded spec has containers %v init %v, want %v %v", names(e.Spec.Containers), names(e.Spec.InitContainers), tc.ctrs, tc.inits)
			}
			if es := find(append(e.Spec.InitContainers, e.Spec.Containers...), SidecarName); es == nil || len(es.Env) != 0 || !slices.Equal(es.Args, sc.Args) {
				t.Errorf("the embedded sidecar is not the sidecar without its spec: %+v", es)
			}
			if e.ManagedFields != nil || e.Annotations[lastApplied] != "" || e.Status.Phase != "" {
				t.Errorf("embedded spec keeps managedFields, last-applied or status: %s", env(sc, envSpec))
			}
			if strings.Contains(env(sc, envSpec), `"status"`) {
				t.Errorf("embedded spec has a status: %s", env(sc, envSpec))
			}
		})
	}
}

// The injected container meets the restricted level by itself.
func TestSidecarRestricted(t *testing.T) {
	t.Parallel()
	sc := sidecar("img", "{}", nil).SecurityContext
	if *sc.RunAsUser != SidecarUID || !*sc.RunAsNonRoot || *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem ||
		!slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("securityContext %+v", sc)
	}
}

// Reinvocation: another webhook adds a container after the injector; the
// next call updates the embedded spec only, and the one after is a no-op.
func TestReinvocationIdempotent(t *testing.T) {
	t.Parallel()
	for _, kind := range []Sidecar{Native, Classic} {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			o := opts
			o.Sidecar = kind
			pod := apply(t, appPod(), mustPod(t, appPod(), o).Patch)
			if res := mustPod(t, pod, o); len(res.Patch) != 0 {
				t.Fatalf("second call on an unchanged pod: patch %s, want none", ops(res.Patch))
			}
			if e := embedded(t, find(append(slices.Clone(pod.Spec.InitContainers), pod.Spec.Containers...), SidecarName)); e.Spec.ShareProcessNamespace == nil || !*e.Spec.ShareProcessNamespace {
				t.Error("the embedded manifest lacks shareProcessNamespace: true, which the pod runs with")
			}
			pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: "proxy", Image: "proxy:1", Command: []string{"/proxy"}})
			res := mustPod(t, pod, o)
			if len(res.Patch) == 0 {
				t.Fatal("no patch after another webhook added a container")
			}
			pod = apply(t, pod, res.Patch)
			all := append(slices.Clone(pod.Spec.InitContainers), pod.Spec.Containers...)
			if n := len(slices.DeleteFunc(slices.Clone(all), func(c corev1.Container) bool { return c.Name != SidecarName })); n != 1 {
				t.Fatalf("%d sidecars: %v %v", n, names(pod.Spec.InitContainers), names(pod.Spec.Containers))
			}
			sc := find(all, SidecarName)
			e := embedded(t, sc)
			if got := slices.DeleteFunc(names(e.Spec.Containers), func(n string) bool { return n == SidecarName }); !slices.Equal(got, []string{"app", "proxy"}) {
				t.Errorf("embedded app containers %v, want [app proxy]", got)
			}
			if find(append(e.Spec.InitContainers, e.Spec.Containers...), SidecarName) == nil {
				t.Error("the embedded manifest lacks the sidecar, which verifies itself against it")
			}
			wantArgs := []string{"watch", "--target=app=exe:/app/server", "--target=proxy=exe:/proxy", "--target=secctx=self", "--listen=:9102"}
			if !slices.Equal(sc.Args, wantArgs) {
				t.Errorf("args %q, want %q", sc.Args, wantArgs)
			}
			if res := mustPod(t, pod, o); len(res.Patch) != 0 || res.Outcome != OutcomeInjected {
				t.Errorf("third call: outcome %v, patch %s, want injected and none", res.Outcome, ops(res.Patch))
			}
			// The API server defaults the object after each patch: what
			// only defaulting added is no change.
			defaulted := pod.DeepCopy()
			sc = find(defaulted.Spec.InitContainers, SidecarName)
			if kind == Classic {
				sc = find(defaulted.Spec.Containers, SidecarName)
			}
			sc.TerminationMessagePath, sc.ImagePullPolicy = "/dev/termination-log", corev1.PullIfNotPresent
			sc.Ports[0].Protocol, sc.LivenessProbe.TimeoutSeconds = corev1.ProtocolTCP, 1
			if res := mustPod(t, defaulted, o); len(res.Patch) != 0 {
				t.Errorf("after defaulting: patch %s, want none", ops(res.Patch))
			}
			// A value the injector wrote that changed is written back.
			sc.Args = sc.Args[:1]
			if res := mustPod(t, defaulted, o); len(res.Patch) != 1 {
				t.Errorf("after a changed argument: patch %s, want one op", ops(res.Patch))
			}
		})
	}
}

func TestSkips(t *testing.T) {
	t.Parallel()
	no := false
	for _, tc := range []struct {
		name       string
		change     func(*corev1.Pod)
		annotation string // the Skipped annotation's expected prefix; "" for no patch
	}{
		{"opt-out label", func(p *corev1.Pod) { p.Labels = map[string]string{OptOut: "false"} }, ""},
		{"opt-out annotation", func(p *corev1.Pod) { p.Annotations[OptOut] = "false" }, ""},
		{"shareProcessNamespace false", func(p *corev1.Pod) { p.Spec.ShareProcessNamespace = &no }, "shareProcessNamespace is false"},
		{"too large", func(p *corev1.Pod) { p.Annotations["big"] = strings.Repeat("x", MaxEnvSpec) }, "its manifest is"},
		{"foreign secctx container", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: SidecarName})
		}, "the pod already has a container named secctx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pod := appPod()
			tc.change(pod)
			res := mustPod(t, pod, opts)
			if res.Outcome != OutcomeSkipped || res.Reason == "" {
				t.Fatalf("outcome %v reason %q", res.Outcome, res.Reason)
			}
			if tc.annotation == "" {
				if len(res.Patch) != 0 {
					t.Errorf("patch %s for an opted-out pod", ops(res.Patch))
				}
				return
			}
			if len(res.Patch) != 1 || res.Patch[0].Path != "/metadata/annotations" {
				t.Fatalf("patch %s, want the annotations only", ops(res.Patch))
			}
			got := apply(t, pod, res.Patch)
			if !strings.HasPrefix(got.Annotations[Skipped], tc.annotation) || got.Annotations[Injected] != "" {
				t.Errorf("annotations %v, want %s: %s…", got.Annotations, Skipped, tc.annotation)
			}
			if res := mustPod(t, got, opts); len(res.Patch) != 0 {
				t.Errorf("second call patches again: %s", ops(res.Patch))
			}
		})
	}
}

// The embedded spec is bounded by what one environment string can carry.
func TestMaxEnvSpec(t *testing.T) {
	t.Parallel()
	if got := len(envSpec+"=") + MaxEnvSpec + 1; got != 128<<10 {
		t.Errorf("SECCTX_SPEC=, the spec and its NUL: %d bytes, want 131072", got)
	}
}

func TestExecMode(t *testing.T) {
	t.Parallel()
	o := opts
	o.Mode = ExecMode
	pod := appPod()
	pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: "logger", Image: "log:1"})
	res := mustPod(t, pod, o)
	got := apply(t, pod, res.Patch)
	app, logger := find(got.Spec.Containers, "app"), find(got.Spec.Containers, "logger")
	want := []string{BinPath, "exec", "--warn-only", "--", "/app/server"}
	if !slices.Equal(app.Command, want) || !slices.Equal(app.Args, []string{"--port=8080"}) {
		t.Errorf("app command %q args %q, want %q", app.Command, app.Args, want)
	}
	if env(app, envContainer) != "app" || !slices.Equal(names(embedded(t, app).Spec.Containers), []string{"app", "logger"}) {
		t.Errorf("app env %v", app.Env)
	}
	if logger.Command != nil || logger.Env != nil {
		t.Errorf("logger changed: %+v", logger)
	}
	if !strings.HasPrefix(got.Annotations[Unwrapped], "logger:") || got.Annotations[Injected] != "exec" {
		t.Errorf("annotations %v", got.Annotations)
	}
	if !slices.Equal(names(got.Spec.InitContainers), []string{CopierName}) || got.Spec.ShareProcessNamespace != nil {
		t.Errorf("init %v, shareProcessNamespace %v", names(got.Spec.InitContainers), got.Spec.ShareProcessNamespace)
	}
	if embedded(t, app).Spec.Containers[0].Command[0] != "/app/server" {
		t.Error("embedded spec holds the wrapped command")
	}
	if res := mustPod(t, got, o); len(res.Patch) != 0 {
		t.Errorf("second call patches again: %s", ops(res.Patch))
	}
	// No container with a command: nothing to wrap, skipped.
	bare := appPod()
	bare.Spec.Containers[0].Command = nil
	if res := mustPod(t, bare, o); res.Outcome != OutcomeSkipped || !strings.Contains(res.Reason, "no container has an explicit command") {
		t.Errorf("outcome %v reason %q", res.Outcome, res.Reason)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"native", "classic"} {
		if s, err := ParseSidecar(v); err != nil || s.String() != v {
			t.Errorf("ParseSidecar(%q) = %v, %v", v, s, err)
		}
	}
	for _, v := range []string{"sidecar", "exec"} {
		if m, err := ParseMode(v); err != nil || m.String() != v {
			t.Errorf("ParseMode(%q) = %v, %v", v, m, err)
		}
	}
	if _, err := ParseSidecar("both"); err == nil {
		t.Error("ParseSidecar(both): no error")
	}
	if _, err := ParseMode("x"); err == nil {
		t.Error("ParseMode(x): no error")
	}
	if _, err := Pod(appPod(), Options{}); err == nil {
		t.Error("no image: no error")
	}
}

func BenchmarkPod(b *testing.B) {
	pod := appPod()
	for b.Loop() {
		if _, err := Pod(pod, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCovers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cur, want string
		covers    bool
	}{
		{`{"a":1,"b":2}`, `{"a":1}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`{"a":1}`, `{"a":2}`, false},
		{`[{"a":1,"d":0}]`, `[{"a":1}]`, true},
		{`[{"a":1},{"a":2}]`, `[{"a":1}]`, false},
		{`[1]`, `{"a":1}`, false},
		{`{"a":[1]}`, `{"a":{}}`, false},
		{`"x"`, `"x"`, true},
	} {
		got, err := covers([]byte(tc.cur), []byte(tc.want))
		if err != nil || got != tc.covers {
			t.Errorf("covers(%s, %s) = %v, %v; want %v", tc.cur, tc.want, got, err, tc.covers)
		}
	}
	if _, err := covers([]byte("{"), []byte("{}")); err == nil {
		t.Error("covers of malformed JSON: no error")
	}
}

// ops is a patch as JSON, for a failure message.
func ops(p []Op) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// TestEmbeddedSpecNamesEveryTarget: secctx itself decodes the embedded
// manifest, strictly, and finds in it the container of every --target the
// sidecar is given, its own included, in both sidecar kinds.
func TestEmbeddedSpecNamesEveryTarget(t *testing.T) {
	t.Parallel()
	for _, kind := range []Sidecar{Native, Classic} {
		o := opts
		o.Sidecar = kind
		got := apply(t, appPod(), mustPod(t, appPod(), o).Patch)
		sc := find(append(got.Spec.InitContainers, got.Spec.Containers...), SidecarName)
		ws, err := manifest.Decode("SECCTX_SPEC", []byte(env(sc, envSpec)))
		if err != nil || len(ws) != 1 {
			t.Fatalf("%s: secctx refuses the embedded manifest: %v", kind, err)
		}
		for _, a := range sc.Args {
			target, ok := strings.CutPrefix(a, "--target=")
			if !ok {
				continue
			}
			name, _, _ := strings.Cut(target, "=")
			if _, _, err := ws[0].FindContainer(name); err != nil {
				t.Errorf("%s: --target %s: %v", kind, target, err)
			}
		}
	}
}
