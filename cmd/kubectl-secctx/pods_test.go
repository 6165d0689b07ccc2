package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/secctx/secctx/report"
)

func TestFindSidecars(t *testing.T) {
	t.Parallel()
	// deploy/eci's pod, as shipped.
	b, err := os.ReadFile("../../deploy/eci/pod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var eci corev1.Pod
	if err := yaml.UnmarshalStrict(b, &eci); err != nil {
		t.Fatal(err)
	}
	always := corev1.ContainerRestartPolicyAlways
	pod := func(init []corev1.Container, cs ...corev1.Container) *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{InitContainers: init, Containers: cs}}
	}
	cases := []struct {
		name string
		pod  *corev1.Pod
		want []sidecar
	}{
		{name: "deploy/eci/pod.yaml", pod: &eci, want: []sidecar{{"secctx", "9102"}}},
		{name: "image by digest, --listen as two words", pod: pod(nil, corev1.Container{Name: "s", Image: "r.example/team/secctx@sha256:abc", Args: []string{"watch", "--listen", "127.0.0.1:9200"}}), want: []sidecar{{"s", "9200"}}},
		{name: "command names the binary, listen from the environment", pod: pod(nil, corev1.Container{Name: "s", Image: "tools:1", Command: []string{"/usr/local/bin/secctx", "watch"},
			Env: []corev1.EnvVar{{Name: "SECCTX_LISTEN", Value: ":9300"}}}), want: []sidecar{{"s", "9300"}}},
		{name: "not listening", pod: pod(nil, corev1.Container{Name: "s", Image: "localhost:5000/secctx:latest", Args: []string{"watch"}}), want: []sidecar{{"s", ""}}},
		{name: "native sidecar", pod: pod([]corev1.Container{{Name: "s", Image: "secctx", RestartPolicy: &always, Args: []string{"watch", "--listen=:9102"}}}), want: []sidecar{{"s", "9102"}}},
		{name: "one-shot verify is no sidecar", pod: pod(nil, corev1.Container{Name: "v", Image: "secctx:1", Args: []string{"verify"}})},
		{name: "plain init container is no sidecar", pod: pod([]corev1.Container{{Name: "s", Image: "secctx", Args: []string{"watch"}}})},
		{name: "another image with watch", pod: pod(nil, corev1.Container{Name: "w", Image: "secctx-like/watcher:1", Args: []string{"watch"}})},
		{name: "registry port is no tag", pod: pod(nil, corev1.Container{Name: "w", Image: "localhost:5000/other", Args: []string{"watch"}})},
	}
	for _, tc := range cases {
		got := findSidecars(tc.pod)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func TestDecodeReports(t *testing.T) {
	t.Parallel()
	one, _ := reportJSON(t, report.SeverityHigh)
	cases := []struct {
		name string
		body string
		n    int
		err  string
	}{
		{"one report", one, 1, ""},
		{"one per container", "[" + one + "," + one + "]", 2, ""},
		{"not JSON", "first verification not finished\n", 0, "not JSON"},
		{"another document", `{"kind":"Status"}`, 0, "holds no VerificationReport"},
	}
	for _, tc := range cases {
		rs, err := decodeReports([]byte(tc.body))
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) || len(rs) != tc.n {
			t.Errorf("%s: %d reports, err %v", tc.name, len(rs), err)
		}
	}
}

func TestWriteSidecarTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 21, 5, 12, 0, time.UTC)
	_, drift := reportJSON(t, report.SeverityCritical) // verified at 21:03:12
	_, clean := reportJSON(t)
	clean.Target.Container = "secctx"
	items := []sidecarStatus{
		{Namespace: "shop", Pod: "web", Sidecar: "secctx", Port: "9102", Reports: []*report.Report{drift, clean}},
		{Namespace: "shop", Pod: "api", Sidecar: "secctx", Error: "sidecar: first verification not finished"},
	}
	var b bytes.Buffer
	if err := writeSidecarTable(&b, items, true, false, now); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"NAMESPACE POD SIDECAR CONTAINER DRIFT HIGHEST LAST VERIFIED",
		"shop web secctx app 1 critical 2m ago",
		"shop web secctx secctx 0 - 2m ago",
		"shop api secctx - - - sidecar: first verification not finished",
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got\n%s", b.String())
	}
	for i := range want {
		if strings.Join(strings.Fields(lines[i]), " ") != want[i] {
			t.Errorf("line %d: %q, want %q", i, lines[i], want[i])
		}
	}
}

func TestAge(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		d    time.Duration
		want string
	}{{5 * time.Second, "5s ago"}, {3 * time.Minute, "3m ago"}, {5 * time.Hour, "5h ago"}, {72 * time.Hour, "3d ago"}, {-time.Second, "0s ago"}}
	for _, tc := range cases {
		if got := age(now, now.Add(-tc.d)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.d, got, tc.want)
		}
	}
	if age(now, time.Time{}) != "-" {
		t.Error("zero time")
	}
}
