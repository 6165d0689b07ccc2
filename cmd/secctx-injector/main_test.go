package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/secctx/secctx/inject"
)

var opts = inject.Options{Image: "registry.example.com/secctx:1.0"}

func review(t *testing.T, pod *corev1.Pod) []byte {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{UID: "req-1", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Object: runtime.RawExtension{Raw: raw}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pod(change func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "web:1"}}}}
	if change != nil {
		change(p)
	}
	return p
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return string(b)
}

func TestMutate(t *testing.T) {
	t.Parallel()
	ts := httptest.NewTLSServer(newServer(opts, false).mux())
	defer ts.Close()
	c := ts.Client()
	no := false
	for _, tc := range []struct {
		name    string
		body    []byte
		status  int
		patched bool
	}{
		{"pod", review(t, pod(nil)), http.StatusOK, true},
		{"shareProcessNamespace false", review(t, pod(func(p *corev1.Pod) { p.Spec.ShareProcessNamespace = &no })), http.StatusOK, true},
		{"opted out", review(t, pod(func(p *corev1.Pod) { p.Labels = map[string]string{inject.OptOut: "false"} })), http.StatusOK, false},
		{"malformed", []byte("{not json"), http.StatusBadRequest, false},
		{"oversized", bytes.Repeat([]byte(" "), inject.MaxReview+1), http.StatusBadRequest, false},
	} {
		resp, err := c.Post(ts.URL+"/mutate", "application/json", bytes.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Fatalf("%s: %s %s", tc.name, resp.Status, b)
		}
		if tc.status != http.StatusOK {
			continue
		}
		var out admissionv1.AdmissionReview
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if out.Response == nil || out.Response.UID != "req-1" || !out.Response.Allowed || (len(out.Response.Patch) > 0) != tc.patched {
			t.Errorf("%s: response %s", tc.name, b)
		}
	}
	metrics := get(t, c, ts.URL+"/metrics")
	for _, want := range []string{
		`secctx_injector_admitted_total{result="injected"} 1`,
		`secctx_injector_admitted_total{result="skipped"} 2`,
		`secctx_injector_admitted_total{result="error"} 2`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
	}
	if got := get(t, c, ts.URL+"/healthz"); got != "ok\n" {
		t.Errorf("/healthz = %q", got)
	}
	if resp, err := c.Get(ts.URL + "/mutate"); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /mutate: %v %v", resp, err)
	}
}

// --self-signed: the CA it prints is what a client (the API server) trusts.
func TestSelfSigned(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := parse([]string{"--image=img", "--self-signed=" + dir, "--host=127.0.0.1", "--listen=" + addr}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, c, &stdout) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	pool := x509.NewCertPool()
	var client *http.Client
	for i := 0; ; i++ {
		ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
		if err == nil {
			pool.AppendCertsFromPEM(ca)
			client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
			if resp, err := client.Get("https://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				break
			}
		}
		if i == 100 {
			t.Fatalf("the server did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	bundle := strings.TrimPrefix(strings.TrimSpace(stdout.String()), "caBundle: ")
	pem, err := base64.StdEncoding.DecodeString(bundle)
	if ca, _ := os.ReadFile(filepath.Join(dir, "ca.crt")); err != nil || !bytes.Equal(pem, ca) {
		t.Errorf("printed caBundle %q is not ca.crt (%v)", bundle, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "tls.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("tls.key: %v %v", fi, err)
	}
	// A client trusting only the system roots refuses the certificate.
	if _, err := (&http.Client{Timeout: 5 * time.Second}).Get("https://" + addr + "/healthz"); err == nil {
		t.Error("a client without the CA connected")
	}
	// Kept across restarts: the same CA.
	again, err := selfSigned(dir, []string{"127.0.0.1"}, time.Now())
	if err != nil || again != bundle {
		t.Errorf("second selfSigned gave another CA (%v)", err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--self-signed=/tmp/x"},
		{"--image=i"},
		{"--image=i", "--tls-cert-file=a"},
		{"--image=i", "--tls-cert-file=a", "--tls-key-file=b", "--self-signed=/tmp/x"},
		{"--image=i", "--self-signed=/tmp/x", "--sidecar=both"},
		{"--image=i", "--self-signed=/tmp/x", "--mode=x"},
		{"--image=i", "--self-signed=/tmp/x", "extra"},
		{"--bogus"},
	} {
		if _, err := parse(args, io.Discard); err == nil {
			t.Errorf("parse(%q): no error", args)
		}
	}
	c, err := parse([]string{"--image=i", "--tls-cert-file=a", "--tls-key-file=b", "--sidecar=classic", "--mode=exec"}, io.Discard)
	if err != nil || c.opts.Sidecar != inject.Classic || c.opts.Mode != inject.ExecMode {
		t.Errorf("parse: %+v %v", c, err)
	}
}

// A renewed certificate (cert-manager rewrites the secret) is served
// without a restart.
func TestReload(t *testing.T) {
	t.Parallel()
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if _, err := selfSigned(d, []string{"127.0.0.1"}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	cp := func(from string) {
		for _, f := range []string{"tls.crt", "tls.key"} {
			data, err := os.ReadFile(filepath.Join(from, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	cp(a)
	r, err := newReloader(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := r.get(nil)
	time.Sleep(10 * time.Millisecond)
	cp(b)
	second, err := r.get(nil)
	if err != nil || bytes.Equal(first.Certificate[0], second.Certificate[0]) {
		t.Errorf("the renewed certificate is not served (%v)", err)
	}
	want, _ := os.ReadFile(filepath.Join(b, "tls.crt"))
	if !strings.Contains(string(want), base64.StdEncoding.EncodeToString(second.Certificate[0])[:40]) {
		t.Error("served certificate is not the renewed file's")
	}
}
