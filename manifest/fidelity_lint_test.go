package manifest_test

import (
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/secctx/secctx/manifest"
)

// The fields outside the securityContext that secctx lint reads (types_pod.go)
// are compared as lines "path=value", one per field that is set, in the
// same order on both sides.

// k8sLintFields lists the lint fields of a pod spec decoded by k8s.io/api.
func k8sLintFields(s corev1.PodSpec) []string {
	var out []string
	if s.OS != nil {
		out = append(out, "os="+string(s.OS.Name))
	}
	for i, v := range s.Volumes {
		out = append(out, fmt.Sprintf("volumes[%d]=%s:%s", i, v.Name, k8sVolumeSource(v)))
	}
	eph := make([]corev1.Container, 0, len(s.EphemeralContainers))
	for _, e := range s.EphemeralContainers {
		eph = append(eph, corev1.Container(e.EphemeralContainerCommon))
	}
	for _, l := range []struct {
		name string
		cs   []corev1.Container
	}{{"containers", s.Containers}, {"initContainers", s.InitContainers}, {"ephemeralContainers", eph}} {
		for i, c := range l.cs {
			at := fmt.Sprintf("%s[%d]", l.name, i)
			for j, p := range c.Ports {
				if p.HostPort != 0 {
					out = append(out, fmt.Sprintf("%s.ports[%d].hostPort=%d", at, j, p.HostPort))
				}
			}
			var handlers []k8sHandler
			for _, p := range []struct {
				path string
				p    *corev1.Probe
			}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
				if p.p != nil {
					handlers = append(handlers, k8sHandler{p.path, p.p.HTTPGet, p.p.TCPSocket})
				}
			}
			if lc := c.Lifecycle; lc != nil {
				for _, p := range []struct {
					path string
					h    *corev1.LifecycleHandler
				}{{"lifecycle.postStart", lc.PostStart}, {"lifecycle.preStop", lc.PreStop}} {
					if p.h != nil {
						handlers = append(handlers, k8sHandler{p.path, p.h.HTTPGet, p.h.TCPSocket})
					}
				}
			}
			for _, h := range handlers {
				var httpHost, tcpHost *string
				if h.http != nil {
					httpHost = &h.http.Host
				}
				if h.tcp != nil {
					tcpHost = &h.tcp.Host
				}
				out = append(out, handlerLines(at+"."+h.path, httpHost, tcpHost)...)
			}
			for _, r := range []struct {
				name string
				list corev1.ResourceList
			}{{"limits", c.Resources.Limits}, {"requests", c.Resources.Requests}} {
				for _, n := range sortedKeys(r.list) {
					q := r.list[corev1.ResourceName(n)]
					out = append(out, fmt.Sprintf("%s.resources.%s.%s=%d", at, r.name, n, q.Value()))
				}
			}
		}
	}
	return out
}

// k8sHandler is a probe or lifecycle handler's host-bearing actions.
type k8sHandler struct {
	path string
	http *corev1.HTTPGetAction
	tcp  *corev1.TCPSocketAction
}

// handlerLines lists a handler (set) and the host of each of its actions
// that is set (nil: the action is not).
func handlerLines(at string, httpHost, tcpHost *string) []string {
	out := []string{at}
	if httpHost != nil {
		out = append(out, at+".httpGet.host="+*httpHost)
	}
	if tcpHost != nil {
		out = append(out, at+".tcpSocket.host="+*tcpHost)
	}
	return out
}

func sortedKeys[K ~string, V any](m map[K]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

// k8sVolumeSource names the set field of a volume's source, by its JSON name.
func k8sVolumeSource(v corev1.Volume) string {
	rv := reflect.ValueOf(v.VolumeSource)
	for i := 0; i < rv.NumField(); i++ {
		if f := rv.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			return strings.Split(rv.Type().Field(i).Tag.Get("json"), ",")[0]
		}
	}
	return ""
}

// ourLintFields lists the lint fields of a pod spec secctx decoded.
func ourLintFields(t testingT, s *manifest.PodSpec) []string {
	t.Helper()
	var out []string
	if s.OS != nil {
		out = append(out, "os="+s.OS.Name)
	}
	for i, v := range s.Volumes {
		out = append(out, fmt.Sprintf("volumes[%d]=%s:%s", i, v.Name, v.Source()))
	}
	for _, l := range []struct {
		name string
		cs   []manifest.Container
	}{{"containers", s.Containers}, {"initContainers", s.InitContainers}, {"ephemeralContainers", s.EphemeralContainers}} {
		for i, c := range l.cs {
			at := fmt.Sprintf("%s[%d]", l.name, i)
			for j, p := range c.Ports {
				if p.HostPort != 0 {
					out = append(out, fmt.Sprintf("%s.ports[%d].hostPort=%d", at, j, p.HostPort))
				}
			}
			for _, h := range c.Handlers() {
				var httpHost, tcpHost *string
				if h.HTTPGet != nil {
					httpHost = &h.HTTPGet.Host
				}
				if h.TCPSocket != nil {
					tcpHost = &h.TCPSocket.Host
				}
				out = append(out, handlerLines(at+"."+h.Path, httpHost, tcpHost)...)
			}
			for _, r := range []struct {
				name string
				list map[string]manifest.Quantity
			}{{"limits", c.Resources.Limits}, {"requests", c.Resources.Requests}} {
				for _, n := range sortedKeys(r.list) {
					v, err := r.list[n].Value()
					if err != nil {
						t.Errorf("%s.resources.%s.%s: %v", at, r.name, n, err)
					}
					out = append(out, fmt.Sprintf("%s.resources.%s.%s=%s", at, r.name, n, v))
				}
			}
		}
	}
	return out
}

// compareLintFields compares the lint fields of one pod spec.
func compareLintFields(t testingT, id string, k corev1.PodSpec, ours *manifest.PodSpec) {
	t.Helper()
	want, got := k8sLintFields(k), ourLintFields(t, ours)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("%s: lint fields differ\nk8s:\n  %s\nsecctx:\n  %s", id, strings.Join(want, "\n  "), strings.Join(got, "\n  "))
	}
}

// TestFidelityCorpusSetsLintFields: the corpus sets every volume source,
// the os, host ports, each probe and lifecycle handler with a host, and
// limits and requests, so that TestFidelityCorpus compares them.
func TestFidelityCorpusSetsLintFields(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, file := range corpus(t) {
		data, _ := os.ReadFile(file)
		ws, err := manifest.Decode(file, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			for _, line := range ourLintFields(t, &w.Spec) {
				seen[lintFieldKind(line)] = true
			}
		}
	}
	want := []string{"os", "hostPort", "resources.limits.memory", "resources.requests.memory",
		"livenessProbe.httpGet.host", "readinessProbe.tcpSocket.host", "startupProbe.tcpSocket.host",
		"lifecycle.postStart.httpGet.host", "lifecycle.preStop.tcpSocket.host", "volume "}
	for _, f := range jsonFieldsOf(reflect.TypeOf(manifest.Volume{})) {
		if f != "name" {
			want = append(want, "volume "+f)
		}
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("the corpus never sets %s", w)
		}
	}
}

// lintFieldKind is what a line of ourLintFields sets: "os", "volume
// hostPath", "hostPort", "livenessProbe.httpGet.host", ...
func lintFieldKind(line string) string {
	path, value, _ := strings.Cut(line, "=")
	if strings.HasPrefix(path, "volumes[") {
		_, source, _ := strings.Cut(value, ":")
		return "volume " + source
	}
	if _, rest, ok := strings.Cut(path, "]."); ok {
		path = rest
	}
	if strings.HasPrefix(path, "ports[") {
		return "hostPort"
	}
	return path
}

func jsonFieldsOf(t reflect.Type) []string {
	var out []string
	for _, f := range jsonFields(t) {
		out = append(out, f.name)
	}
	return out
}

func TestQuantityValueMatchesKubernetes(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"1Gi", "512Mi", "1G", "1.5Gi", "100M", "1e9", "1E3", "0.5", "128974848", "129e6", "123Mi", "1k", "2Ki", "1Ti", "1Pi", "1Ei", "100m", "5u", ".5Gi", "+1Gi", "1.25e2", "1e+09"} {
		want := resource.MustParse(q)
		got, err := manifest.Quantity(q).Value()
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got.Int64() != want.Value() {
			t.Errorf("%s: %s, Kubernetes %d", q, got, want.Value())
		}
	}
	for _, bad := range []string{"", "1GB", "1.2.3", "1 Gi", "abc", "true", "{}"} {
		if _, err := manifest.Quantity(bad).Value(); err == nil {
			t.Errorf("%q parsed", bad)
		}
		if _, err := resource.ParseQuantity(bad); err == nil {
			t.Errorf("Kubernetes parses %q, the test is wrong", bad)
		}
	}
}
