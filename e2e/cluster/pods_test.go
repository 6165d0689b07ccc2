package cluster

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/secctx/secctx/report"
)

// sidecarPod is deploy/eci/pod.yaml made to run here: local images, the
// node named, a 1s interval, and, for drifting, an app that calls setuid.
func sidecarPod(t *testing.T, name, configMap string, drifting bool) *corev1.Pod {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "eci", "pod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var pod corev1.Pod
	if err := yaml.UnmarshalStrict(b, &pod); err != nil {
		t.Fatal(err)
	}
	pod.Name = name
	pod.Labels["app.kubernetes.io/name"] = name
	pod.Spec.NodeName = clusterEnv["NODE_NAME"]
	no := false
	pod.Spec.AutomountServiceAccountToken = &no
	pod.Spec.Volumes[0].ConfigMap.Name = configMap
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		c.ImagePullPolicy = corev1.PullNever
		switch c.Name {
		case "app":
			c.Image = appImage
			c.Command = []string{"sleep", "3600"}
			if drifting {
				// idchanger runs as root and calls setuid(1234) after 3s.
				c.Command = []string{"/idchanger"}
				c.SecurityContext.RunAsUser = ptr(int64(0))
				c.SecurityContext.RunAsGroup = ptr(int64(0))
				c.SecurityContext.RunAsNonRoot = nil
				c.SecurityContext.Capabilities = &corev1.Capabilities{Add: []corev1.Capability{"SETUID", "SETGID"}, Drop: []corev1.Capability{"ALL"}}
			}
		case "secctx":
			c.Image = secctxImage
			for j := range c.Env {
				if c.Env[j].Name == "SECCTX_INTERVAL" {
					c.Env[j].Value = "1s"
				}
			}
		}
	}
	return &pod
}

// specConfigMap holds the pod's manifest, as deploy/eci's kustomization
// generates it.
func specConfigMap(t *testing.T, name string, pod *corev1.Pod) {
	t.Helper()
	b, err := yaml.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"pod.yaml": string(b)}}
	cs := admin(t)
	if _, err := cs.CoreV1().ConfigMaps("default").Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().ConfigMaps("default").Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

// sidecarList decodes `pods -o json`.
type sidecarList struct {
	Kind  string `json:"kind"`
	Items []struct {
		Namespace string           `json:"namespace"`
		Pod       string           `json:"pod"`
		Sidecar   string           `json:"sidecar"`
		Port      string           `json:"port"`
		Error     string           `json:"error"`
		Reports   []*report.Report `json:"reports"`
	} `json:"items"`
}

// TestPods: `kubectl secctx pods` finds deploy/eci's sidecar in the pods
// that run it, and none in a pod without one, and shows each verified
// container's last report, read through the pod proxy.
func TestPods(t *testing.T) {
	requireTier(t)
	clean := sidecarPod(t, "web", "web-spec", false)
	specConfigMap(t, "web-spec", clean)
	drifting := sidecarPod(t, "webdrift", "webdrift-spec", true)
	specConfigMap(t, "webdrift-spec", drifting)
	startPod(t, clean)
	startPod(t, drifting)
	startPod(t, rootPod("nosidecar"))

	// Until both sidecars have a report that includes the change after start.
	var list sidecarList
	var r run
	driftSeverity := ""
	deadline := time.Now().Add(60 * time.Second)
	for {
		r = plugin(t, "", "pods", "-o", "json")
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
			t.Fatalf("pods -o json: %v\n%s", err, r.stdout)
		}
		ready := len(list.Items) == 2
		for _, it := range list.Items {
			ready = ready && it.Error == "" && len(it.Reports) == 2
			if it.Pod == "webdrift" && ready {
				ready = reportOf(it.Reports, "app").Summary.Drift > 0
			}
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sidecars' reports are not all there after 60s:\n%s", r.stdout)
		}
		time.Sleep(time.Second)
	}
	if list.Kind != "SidecarReportList" {
		t.Errorf("kind %q", list.Kind)
	}
	for _, it := range list.Items {
		if it.Namespace != "default" || it.Sidecar != "secctx" || it.Port != "9102" {
			t.Errorf("item %s/%s: sidecar %q port %q, want secctx on 9102", it.Namespace, it.Pod, it.Sidecar, it.Port)
		}
		app, self := reportOf(it.Reports, "app"), reportOf(it.Reports, "secctx")
		if app == nil || self == nil {
			t.Fatalf("pod %s: want reports for app and secctx", it.Pod)
		}
		if d := drifts(self); len(d) != 0 {
			t.Errorf("pod %s: the sidecar reports drift in itself: %v", it.Pod, d)
		}
		switch it.Pod {
		case "web":
			if d := drifts(app); len(d) != 0 {
				t.Errorf("pod web: drift %v in an app the runtime honours", d)
			}
		case "webdrift":
			if d := drifts(app); len(d) != 1 || d[0] != "runAsUser" || app.Summary.HighestSeverity != app.Drifts()[0].Severity {
				t.Errorf("pod webdrift: drift %v (highest %s), want runAsUser alone", d, app.Summary.HighestSeverity)
			}
			driftSeverity = string(app.Summary.HighestSeverity)
		default:
			t.Errorf("unexpected pod %s in the list", it.Pod)
		}
	}
	if r.code != 1 {
		t.Errorf("exit %d with a drifting sidecar, want 1", r.code)
	}

	// The table: one line per verified container.
	r = plugin(t, "", "pods", "-A")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	want := [][]string{
		{"NAMESPACE", "POD", "SIDECAR", "CONTAINER", "DRIFT", "HIGHEST", "LAST", "VERIFIED"},
		{"default", "web", "secctx", "app", "0", "-"},
		{"default", "web", "secctx", "secctx", "0", "-"},
		{"default", "webdrift", "secctx", "app", "1", driftSeverity},
		{"default", "webdrift", "secctx", "secctx", "0", "-"},
	}
	if len(lines) != len(want) {
		t.Fatalf("pods -A printed %d lines, want %d:\n%s", len(lines), len(want), r.stdout)
	}
	for i, w := range want {
		got := strings.Fields(lines[i])
		if len(got) < len(w) || strings.Join(got[:len(w)], " ") != strings.Join(w, " ") {
			t.Errorf("line %d: %q, want it to start with %q", i, lines[i], strings.Join(w, " "))
		}
		if i > 0 && !strings.HasSuffix(lines[i], " ago") {
			t.Errorf("line %d: %q has no last-verified age", i, lines[i])
		}
	}
}

// TestSharedPIDNamespace: in a pod whose containers share one PID namespace
// (deploy/eci's, for its sidecar), PID 1 is the pause process: the
// ephemeral container and --exec both find the container's processes by
// its container id, and report the app, not the pause process.
func TestSharedPIDNamespace(t *testing.T) {
	requireTier(t)
	pod := sidecarPod(t, "shared", "shared-spec", true)
	// A writable /tmp for --exec (deploy/eci's app has a read-only root).
	pod.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = nil
	specConfigMap(t, "shared-spec", pod)
	startPod(t, pod)
	time.Sleep(4 * time.Second) // idchanger calls setuid(1234) after 3s

	for _, mode := range [][]string{nil, {"--exec"}} {
		r := plugin(t, "", verifyArgs("shared", append([]string{"-c", "app"}, mode...)...)...)
		if r.code != 1 {
			t.Fatalf("%v: exit %d, want 1 (the app's setuid); stderr %q", mode, r.code, r.stderr)
		}
		rep := decodeReport(t, r)
		if rep.Target.Comm != "idchanger" || rep.Target.PID == 1 || rep.Target.Container != "app" {
			t.Errorf("%v: target %+v: want the app's idchanger, not the pause process", mode, rep.Target)
		}
		if d := drifts(rep); len(d) != 1 || d[0] != "runAsUser" {
			t.Errorf("%v: drift %v, want runAsUser", mode, d)
		}
	}
	if n := len(ephemeralOf(t, "shared")); n != 1 {
		t.Errorf("%d ephemeral containers added, want 1", n)
	}
}

// TestHostPIDPod: in a pod with hostPID: true PID 1 is the node's init;
// the ephemeral container, --exec and the sidecar's "others" all verify
// the app's own process, without drift.
func TestHostPIDPod(t *testing.T) {
	requireTier(t)
	pod := sidecarPod(t, "hostpid", "hostpid-spec", false)
	pod.Spec.ShareProcessNamespace = nil // the API refuses it with hostPID
	pod.Spec.HostPID = true
	// A writable /tmp for --exec.
	pod.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = nil
	specConfigMap(t, "hostpid-spec", pod)
	startPod(t, pod)

	for _, mode := range [][]string{nil, {"--exec"}} {
		r := plugin(t, "", verifyArgs("hostpid", append([]string{"-c", "app"}, mode...)...)...)
		if r.code != 0 {
			t.Errorf("%v: exit %d, want 0; stderr %q", mode, r.code, r.stderr)
			continue
		}
		rep := decodeReport(t, r)
		if rep.Target.Comm != "sleep" || rep.Target.PID == 1 || rep.Target.Container != "app" {
			t.Errorf("%v: target %+v: want the app's sleep, not the node's init", mode, rep.Target)
		}
		if d := drifts(rep); len(d) != 0 {
			t.Errorf("%v: drift %v in an app the runtime honours", mode, d)
		}
	}

	deadline := time.Now().Add(60 * time.Second)
	for {
		var list sidecarList
		r := plugin(t, "", "pods", "-o", "json")
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
			t.Fatalf("pods -o json: %v\n%s", err, r.stdout)
		}
		var app *report.Report
		for _, it := range list.Items {
			if it.Pod == "hostpid" && it.Error == "" {
				app = reportOf(it.Reports, "app")
			}
		}
		if app != nil && len(app.Target.Processes) > 0 {
			for _, p := range app.Target.Processes {
				if p.Comm != "sleep" {
					t.Errorf("the sidecar verifies %d (%s) as the app: a process of the node's", p.PID, p.Comm)
				}
			}
			if d := drifts(app); len(d) != 0 {
				t.Errorf("sidecar: drift %v in an app the runtime honours", d)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sidecar report of the app after 60s:\n%s", r.stdout)
		}
		time.Sleep(time.Second)
	}
}

func reportOf(rs []*report.Report, container string) *report.Report {
	for _, r := range rs {
		if r.Target.Container == container {
			return r
		}
	}
	return nil
}
