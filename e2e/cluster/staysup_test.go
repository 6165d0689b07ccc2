package cluster

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/secctx/secctx/report"
)

// TestSidecarBadSpecStaysReady: deploy/eci's pod whose sidecar's spec
// ConfigMap holds a misspelt field, behind a Service. The sidecar keeps
// running: the pod becomes Ready and stays Ready (its liveness and
// readiness probes pass, nothing restarts), so it stays in the Service's
// endpoints, and the sidecar's metrics, read through the pod proxy, show
// the spec error; /report says it. When the ConfigMap is fixed, the
// sidecar verifies the pod.
//
// This cluster runs no controller-manager, so no endpoints controller
// fills the Service's Endpoints or EndpointSlices: what decides the pod's
// place in them is its Ready condition, which is asserted; the Endpoints
// object is checked when one exists.
func TestSidecarBadSpecStaysReady(t *testing.T) {
	requireTier(t)
	const name = "webbad"
	cs := admin(t)
	ctx := context.Background()
	pod := sidecarPod(t, name, name+"-spec", false)
	b, err := yaml.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	bad := strings.Replace(good, "runAsUser:", "runAsUsr:", 1)
	if bad == good {
		t.Fatal("the pod declares no runAsUser to misspell")
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name + "-spec"}, Data: map[string]string{"pod.yaml": bad}}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().ConfigMaps("default").Delete(context.Background(), cm.Name, metav1.DeleteOptions{})
	})
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app.kubernetes.io/name": name},
			Ports: []corev1.ServicePort{{Name: "metrics", Port: 9102, TargetPort: intstr.FromString("metrics")}}}}
	if _, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Services("default").Delete(context.Background(), name, metav1.DeleteOptions{}) })
	startPod(t, pod)

	// Ready: the readiness probe (every 10s) passes with the bad spec.
	p := waitPod(t, cs, name, 60*time.Second, "Ready with a bad spec", func(p *corev1.Pod) bool { return podReady(p) })
	metrics := proxy(t, cs, name, "metrics")
	for _, m := range []string{"secctx_spec_error 1\n", "secctx_spec_loaded 0\n"} {
		if !strings.Contains(metrics, m) {
			t.Errorf("the sidecar's metrics lack %q:\n%s", m, metrics)
		}
	}
	body, err := cs.CoreV1().Pods("default").ProxyGet("http", name, "9102", "report", nil).DoRaw(ctx)
	if err == nil || !strings.Contains(string(body), "no spec in force") || !strings.Contains(string(body), "runAsUsr") {
		t.Errorf("/report with a bad spec: %v %q, want 503 naming the field", err, body)
	}
	// It stays Ready past a liveness probe (every 30s), without a restart.
	time.Sleep(35 * time.Second)
	p = waitPod(t, cs, name, time.Second, "still Ready", func(p *corev1.Pod) bool { return podReady(p) })
	for _, s := range p.Status.ContainerStatuses {
		if s.RestartCount != 0 || !s.Ready {
			t.Errorf("container %s: %d restarts, ready %v", s.Name, s.RestartCount, s.Ready)
		}
	}
	checkEndpoints(t, cs, name, p.Status.PodIP)

	// Fixed: the kubelet syncs the ConfigMap volume (within its sync
	// period and cache TTL) and the next cycle verifies.
	cm.Data["pod.yaml"] = good
	if _, err := cs.CoreV1().ConfigMaps("default").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(150 * time.Second)
	for {
		m := proxy(t, cs, name, "metrics")
		if strings.Contains(m, "secctx_spec_error 0\n") && strings.Contains(m, "secctx_spec_loaded 1\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fixed spec is not in force after 150s:\n%s", m)
		}
		time.Sleep(2 * time.Second)
	}
	body, err = cs.CoreV1().Pods("default").ProxyGet("http", name, "9102", "report", nil).DoRaw(ctx)
	if err != nil {
		t.Fatalf("/report after the fix: %v %s", err, body)
	}
	rs, err := decodeReportList(body)
	if err != nil || reportOf(rs, "app") == nil {
		t.Fatalf("/report after the fix: %v\n%.500s", err, body)
	}
	if d := drifts(reportOf(rs, "app")); len(d) != 0 {
		t.Errorf("drift %v in an app the runtime honours", d)
	}
	if !podReady(waitPod(t, cs, name, time.Second, "Ready after the fix", podReady)) {
		t.Error("not Ready after the fix")
	}
}

// podReady reports the pod's Ready condition.
func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitPod polls the pod until cond holds, for up to d.
func waitPod(t *testing.T, cs kubernetes.Interface, name string, d time.Duration, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		p, err := cs.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s not %s after %s: conditions %+v, containers %+v", name, what, d, p.Status.Conditions, p.Status.ContainerStatuses)
		}
		time.Sleep(time.Second)
	}
}

// proxy GETs a path of the sidecar through the API server's pod proxy.
func proxy(t *testing.T, cs kubernetes.Interface, pod, path string) string {
	t.Helper()
	b, err := cs.CoreV1().Pods("default").ProxyGet("http", pod, "9102", path, nil).DoRaw(context.Background())
	if err != nil {
		t.Fatalf("/%s through the pod proxy: %v %s", path, err, b)
	}
	return string(b)
}

// checkEndpoints holds the Service's EndpointSlices, when an endpoints
// controller made them, to list the pod as ready.
func checkEndpoints(t *testing.T, cs kubernetes.Interface, svc, ip string) {
	t.Helper()
	list, err := cs.DiscoveryV1().EndpointSlices("default").List(context.Background(),
		metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) == 0 {
		t.Logf("no EndpointSlice for service %s: this cluster runs no endpoints controller; the pod's Ready condition, asserted, is what puts it there", svc)
		return
	}
	for _, sl := range list.Items {
		for _, ep := range sl.Endpoints {
			if slices.Contains(ep.Addresses, ip) && ep.Conditions.Ready != nil && *ep.Conditions.Ready {
				return
			}
		}
	}
	t.Errorf("service %s: the pod %s is not a ready endpoint: %+v", svc, ip, list.Items)
}

// decodeReportList reads the sidecar's /report: an array of reports, one
// per target.
func decodeReportList(b []byte) ([]*report.Report, error) {
	var rs []*report.Report
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, err
	}
	return rs, nil
}
