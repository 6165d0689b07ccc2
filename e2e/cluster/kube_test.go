package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/secctx/secctx/e2e/e2eutil"
	"github.com/secctx/secctx/report"
)

// admin returns a clientset with the cluster admin's credentials.
func admin(t *testing.T) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", clusterEnv["KUBECONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	// client-go caches TLS transports by the files' names: a cluster brought
	// up again (new CA, same paths) needs the contents.
	for _, f := range []struct {
		path *string
		data *[]byte
	}{{&cfg.CAFile, &cfg.CAData}, {&cfg.CertFile, &cfg.CertData}, {&cfg.KeyFile, &cfg.KeyData}} {
		if *f.path == "" {
			continue
		}
		b, err := os.ReadFile(*f.path)
		if err != nil {
			t.Fatal(err)
		}
		*f.data, *f.path = b, ""
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// podTimes records pod creation to Running, for the figures of docs/testing.md.
var podTimes []time.Duration

// startPod creates pod in the default namespace on the node and waits until
// every container runs; the pod is deleted when the test ends.
func startPod(t *testing.T, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	cs := admin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	ns := pod.Namespace
	pod.Spec.NodeName = clusterEnv["NODE_NAME"]
	no := false
	pod.Spec.AutomountServiceAccountToken = &no
	grace := int64(0)
	pod.Spec.TerminationGracePeriodSeconds = &grace
	for i := range pod.Spec.Containers {
		pod.Spec.Containers[i].ImagePullPolicy = corev1.PullNever
	}
	start := time.Now()
	created, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating pod %s: %v", pod.Name, err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().Pods(ns).Delete(context.Background(), pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &grace})
	})
	for {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, created.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("pod %s: %v", pod.Name, err)
		}
		if e2eutil.AllRunning(p) {
			d := time.Since(start)
			podTimes = append(podTimes, d)
			t.Logf("pod %s running %s after creation", pod.Name, d.Round(time.Millisecond))
			return p
		}
		if p.Status.Phase == corev1.PodFailed {
			t.Fatalf("pod %s failed: %s %s", pod.Name, p.Status.Reason, p.Status.Message)
		}
		select {
		case <-ctx.Done():
			b, _ := json.MarshalIndent(p.Status, "", "  ")
			t.Fatalf("pod %s not running after 90s:\n%s", pod.Name, b)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// run is one run of the plugin.
type run struct {
	stdout, stderr string
	code           int
}

// plugin runs kubectl-secctx with the admin's kubeconfig (or kubeconfig,
// when not empty).
func plugin(t *testing.T, kubeconfig string, args ...string) run {
	t.Helper()
	if kubeconfig == "" {
		kubeconfig = clusterEnv["KUBECONFIG"]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pluginBin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := run{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("kubectl-secctx %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("kubectl-secctx %s: exit %d in %s\nstderr: %s", strings.Join(args, " "), r.code, time.Since(start).Round(time.Millisecond), r.stderr)
	return r
}

// verifyArgs are the arguments of a verify run with the local image.
func verifyArgs(pod string, extra ...string) []string {
	return append([]string{"verify", pod, "-o", "json", "--image", secctxImage, "--image-pull-policy", "Never"}, extra...)
}

// decodeReport decodes a verify run's stdout.
func decodeReport(t *testing.T, r run) *report.Report {
	t.Helper()
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not a report: %v\n%s", err, r.stdout)
	}
	if rep.Kind != report.Kind {
		t.Fatalf("stdout is a %q, not a report", rep.Kind)
	}
	return &rep
}

// drifts returns the report's drift findings as "check subject" strings.
func drifts(r *report.Report) []string {
	var out []string
	for _, f := range r.Drifts() {
		out = append(out, strings.TrimSpace(string(f.Check)+" "+f.Subject))
	}
	return out
}

// execIn runs a command in a container as the admin, through the plugin's
// own kubectl-free path: kubectl from the cache.
func execIn(t *testing.T, pod, container string, cmd ...string) string {
	t.Helper()
	args := append([]string{"--kubeconfig", clusterEnv["KUBECONFIG"], "exec", pod, "-c", container, "--"}, cmd...)
	out, err := exec.Command(clusterEnv["KUBECTL"], args...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl exec %s -- %s: %v\n%s", pod, strings.Join(cmd, " "), err, out)
	}
	return string(out)
}

func ptr[T any](v T) *T { return &v }
