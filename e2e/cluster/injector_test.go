package cluster

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secctx/secctx/e2e/e2eutil"
	"github.com/secctx/secctx/inject"
)

// lockedBuffer is a bytes.Buffer a process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startInjector runs cmd/secctx-injector on a loopback port with a CA of
// its own, and returns its /mutate URL and the CA bundle.
func startInjector(t *testing.T) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	bin, err := e2eutil.GoBuild(dir, "secctx-injector", "./cmd/secctx-injector", false)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--listen", addr, "--self-signed", filepath.Join(dir, "tls"), "--host", "127.0.0.1",
		"--image", secctxImage, "--image-pull-policy", "Never")
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if line, ok := strings.CutPrefix(strings.TrimSpace(stdout.String()), "caBundle: "); ok {
			ca, err := base64.StdEncoding.DecodeString(line)
			if err != nil {
				t.Fatalf("the injector's caBundle: %v", err)
			}
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				return "https://" + addr + "/mutate", ca
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the injector is not serving after 20s; stderr:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestInjector: the API server calls the injector for a pod created in a
// namespace that opts in; the pod runs with the sidecar, whose embedded
// manifest is the pod as it runs, and the sidecar reports no drift in the
// app or in itself. A pod that sets shareProcessNamespace: false is left
// alone and marked.
func TestInjector(t *testing.T) {
	requireTier(t)
	cs := admin(t)
	ctx := context.Background()
	url, ca := startInjector(t)

	const nsName = "injected"
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nsName, Labels: map[string]string{inject.OptOut: "enabled"}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Namespaces().Delete(context.Background(), nsName, metav1.DeleteOptions{}) })
	// No controller-manager runs here to give the namespace its default
	// service account, which the API server's admission wants.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := cs.CoreV1().ServiceAccounts(nsName).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ignore, none, ifNeeded := admissionv1.Ignore, admissionv1.SideEffectClassNone, admissionv1.IfNeededReinvocationPolicy
	wh := &admissionv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "secctx-injector-test"},
		Webhooks: []admissionv1.MutatingWebhook{{
			Name:         "inject.secctx.io",
			ClientConfig: admissionv1.WebhookClientConfig{URL: &url, CABundle: ca},
			Rules: []admissionv1.RuleWithOperations{{Operations: []admissionv1.OperationType{admissionv1.Create},
				Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{inject.OptOut: "enabled"}},
			FailurePolicy:           &ignore,
			SideEffects:             &none,
			ReinvocationPolicy:      &ifNeeded,
			AdmissionReviewVersions: []string{"v1"},
			TimeoutSeconds:          ptr(int32(5)),
		}},
	}
	if _, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, wh, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(context.Background(), wh.Name, metav1.DeleteOptions{})
	})

	pod := hardenedPod("web")
	pod.Namespace = nsName
	// The API server takes a moment to see a new webhook configuration.
	var got *corev1.Pod
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := cs.CoreV1().Pods(nsName).Create(ctx, dryRunPod(pod), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Annotations[inject.Injected] != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no injection after 30s: annotations %v", p.Annotations)
		}
		time.Sleep(500 * time.Millisecond)
	}
	got = startPod(t, pod)
	var sc *corev1.Container
	for i := range got.Spec.InitContainers {
		if got.Spec.InitContainers[i].Name == inject.SidecarName {
			sc = &got.Spec.InitContainers[i]
		}
	}
	if sc == nil || sc.RestartPolicy == nil || *sc.RestartPolicy != corev1.ContainerRestartPolicyAlways {
		t.Fatalf("no native sidecar: init %v", got.Spec.InitContainers)
	}
	if got.Spec.ShareProcessNamespace == nil || !*got.Spec.ShareProcessNamespace {
		t.Error("shareProcessNamespace is not true")
	}
	if got.Annotations[inject.Injected] != "native-sidecar" {
		t.Errorf("%s = %q", inject.Injected, got.Annotations[inject.Injected])
	}

	// The sidecar's reports, read through the pod proxy: no drift in the
	// app (the node honours its securityContext) nor in the sidecar.
	var list sidecarList
	deadline = time.Now().Add(60 * time.Second)
	for {
		r := plugin(t, "", "pods", "-n", nsName, "-o", "json")
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
			t.Fatalf("pods -o json: %v\n%s", err, r.stdout)
		}
		if len(list.Items) == 1 && list.Items[0].Error == "" && len(list.Items[0].Reports) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the injected sidecar's reports are not there after 60s:\n%s", r.stdout)
		}
		time.Sleep(time.Second)
	}
	for _, c := range []string{"app", inject.SidecarName} {
		r := reportOf(list.Items[0].Reports, c)
		if r == nil {
			t.Fatalf("no report for %s", c)
		}
		if d := drifts(r); len(d) != 0 {
			t.Errorf("%s: drift %v in a pod the node honours", c, d)
		}
		if r.Summary.Unknown != 0 {
			t.Errorf("%s: %d unknown", c, r.Summary.Unknown)
		}
	}

	// shareProcessNamespace: false is left alone, and says why.
	alone := hardenedPod("alone")
	alone.Namespace = nsName
	alone.Spec.ShareProcessNamespace = ptr(false)
	p, err := cs.CoreV1().Pods(nsName).Create(ctx, dryRunPod(alone), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Spec.InitContainers) != 0 || len(p.Spec.Containers) != 1 || !strings.Contains(p.Annotations[inject.Skipped], "shareProcessNamespace") {
		t.Errorf("a pod with shareProcessNamespace false: init %d containers %d, %s %q", len(p.Spec.InitContainers), len(p.Spec.Containers), inject.Skipped, p.Annotations[inject.Skipped])
	}
}

// dryRunPod is pod as startPod creates it, for a server-side dry run.
func dryRunPod(pod *corev1.Pod) *corev1.Pod {
	p := pod.DeepCopy()
	p.Spec.NodeName = clusterEnv["NODE_NAME"]
	return p
}
