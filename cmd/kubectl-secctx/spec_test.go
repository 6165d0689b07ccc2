package main

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/verify"
)

// livePod is a pod as the API server returns it: no TypeMeta, managed
// fields, kubectl's last-applied copy, an earlier debugger, a status.
func livePod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "shop", UID: "u1", ResourceVersion: "42",
			Annotations:   map[string]string{lastApplied: strings.Repeat("x", 4000), "k8s.aliyun.com/eci-host-sysctls": `[{"name":"kernel.msgmax","value":"65536"}]`},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}},
		},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsUser: i64(1000)},
			Containers: []corev1.Container{{Name: "app", Image: "busybox", SecurityContext: &corev1.SecurityContext{
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}, ReadOnlyRootFilesystem: &[]bool{true}[0]}}},
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
				Name: "secctx-abcde", Env: []corev1.EnvVar{{Name: "SECCTX_SPEC", Value: strings.Repeat("y", 5000)}}}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "app", ContainerID: "containerd://a"}}},
	}
}

func TestPodSpecDocument(t *testing.T) {
	t.Parallel()
	pod := livePod()
	doc, err := podSpecDocument(pod)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	meta := m["metadata"].(map[string]any)
	spec := m["spec"].(map[string]any)
	checks := []struct {
		what string
		ok   bool
	}{
		{"apiVersion v1, kind Pod", m["apiVersion"] == "v1" && m["kind"] == "Pod"},
		{"no status", m["status"] == nil},
		{"no managedFields", meta["managedFields"] == nil},
		{"no last-applied copy", meta["annotations"].(map[string]any)[lastApplied] == nil},
		{"ECI annotations kept", meta["annotations"].(map[string]any)["k8s.aliyun.com/eci-host-sysctls"] != nil},
		{"no ephemeral containers", spec["ephemeralContainers"] == nil},
		{"securityContext kept", spec["securityContext"] != nil},
		{"compact", !strings.Contains(string(doc), "\n")},
		{"the live object untouched", pod.Status.Phase == corev1.PodRunning && len(pod.ManagedFields) == 1 && len(pod.Spec.EphemeralContainers) == 1 && pod.Annotations[lastApplied] != ""},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %s", c.what, doc)
		}
	}
	// secctx itself takes it: decode, select the container, resolve.
	prof, err := expect.LookupProfile("containerd")
	if err != nil {
		t.Fatal(err)
	}
	p := &verify.Pipeline{Source: manifest.Locator{Getenv: func(k string) string {
		if k == manifest.EnvSpec {
			return string(doc)
		}
		return ""
	}}, Profile: prof}
	spec2, err := p.Load()
	if err != nil {
		t.Fatalf("secctx refuses the document: %v", err)
	}
	if _, err := spec2.Verifier("app"); err != nil {
		t.Fatalf("secctx cannot select container app: %v", err)
	}
	if err := inlineSpecError(doc); err != nil {
		t.Errorf("a small pod does not fit inline: %v", err)
	}
}

func TestInlineSpecBound(t *testing.T) {
	t.Parallel()
	// MAX_ARG_STRLEN is 131072 bytes with the NUL: "SECCTX_SPEC=" + doc + NUL.
	cases := []struct {
		size int
		ok   bool
	}{
		{1000, true}, {131072 - len("SECCTX_SPEC=") - 1, true}, {131072 - len("SECCTX_SPEC="), false}, {manifest.MaxSpecSize, false},
	}
	for _, tc := range cases {
		err := inlineSpecError(make([]byte, tc.size))
		if (err == nil) != tc.ok {
			t.Errorf("%d bytes: %v", tc.size, err)
		}
		if err != nil && !strings.Contains(err.Error(), "--exec") {
			t.Errorf("the refusal does not offer --exec: %v", err)
		}
	}
	big := livePod()
	big.Annotations["note"] = strings.Repeat("z", manifest.MaxSpecSize)
	if _, err := podSpecDocument(big); err == nil || !strings.Contains(err.Error(), "spec limit") {
		t.Errorf("a pod over secctx's spec limit: %v", err)
	}
}
