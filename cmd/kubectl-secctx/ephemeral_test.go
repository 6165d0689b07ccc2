package main

import (
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestEphemeralContainer(t *testing.T) {
	t.Parallel()
	tg := execTarget()
	o := &verifyOptions{image: "localhost/secctx:latest", pullPolicy: "Never", failOn: "medium"}
	d := debuggerFor(identity{UID: i64(1000), GID: i64(1000)})
	ec := ephemeralContainer(tg, o, "secctx-abcde", d)
	if ec.Name != "secctx-abcde" || ec.Image != o.image || ec.ImagePullPolicy != corev1.PullNever || ec.TargetContainerName != "app" {
		t.Errorf("container %+v", ec)
	}
	want := []string{"verify", "--target", "container-id:containerd://" + testContainerID, "-o", "json", "--container", "app", "--profile", "containerd", "--fail-on", "medium", "--log-level", "error"}
	if !slices.Equal(ec.Args, want) || ec.Command != nil {
		t.Errorf("command %q args %q, want the image's entrypoint with %q", ec.Command, ec.Args, want)
	}
	if len(ec.Env) != 1 || ec.Env[0].Name != "SECCTX_SPEC" || ec.Env[0].Value != string(tg.spec) {
		t.Errorf("env %+v", ec.Env)
	}
	if ec.SecurityContext != d.SecurityContext {
		t.Error("the debugger's securityContext is not the chosen one")
	}
}

func TestDebuggerName(t *testing.T) {
	t.Parallel()
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}}
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		n := debuggerName(pod)
		if !strings.HasPrefix(n, "secctx-") || len(n) != len("secctx-")+5 || seen[n] {
			t.Fatalf("name %q (seen: %v)", n, seen[n])
		}
		seen[n] = true
		pod.Spec.EphemeralContainers = append(pod.Spec.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: n}})
	}
}

func TestAddRefusal(t *testing.T) {
	t.Parallel()
	gr := schema.GroupResource{Resource: "pods"}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"RBAC", apierrors.NewForbidden(gr, "web", errors.New(`User "dev" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "default"`)),
			`ephemeral containers are refused for pod web: pods "web" is forbidden: User "dev" cannot patch resource "pods/ephemeralcontainers"`},
		{"Pod Security", apierrors.NewForbidden(gr, "web", errors.New(`violates PodSecurity "baseline:latest": non-default capabilities (container "secctx-a" must not include "SYS_PTRACE" in securityContext.capabilities.add)`)),
			`violates PodSecurity "baseline:latest"`},
		{"old API server", apierrors.NewNotFound(schema.GroupResource{Resource: "pods/ephemeralcontainers"}, "web"), "does not serve pods/ephemeralcontainers"},
		{"invalid", apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, "web", field.ErrorList{field.NotFound(field.NewPath("spec", "ephemeralContainers").Index(0).Child("targetContainerName"), "app")}),
			"rejected the ephemeral container"},
		{"other", errors.New("connection refused"), "adding an ephemeral container to pod web: connection refused"},
	}
	for _, tc := range cases {
		err := addRefusal("web", tc.err)
		var xe *exitError
		if !errors.As(err, &xe) || xe.code != exitUnobserved || !strings.Contains(xe.msg, tc.want) || !strings.HasSuffix(xe.msg, execHint) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestEphemeralState(t *testing.T) {
	t.Parallel()
	pod := func(st corev1.ContainerState) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.PodSpec{NodeName: "vk-1"},
			Status: corev1.PodStatus{EphemeralContainerStatuses: []corev1.ContainerStatus{{Name: "other"}, {Name: "secctx-a", State: st}}}}
	}
	cases := []struct {
		name   string
		pod    *corev1.Pod
		done   bool
		err    string
		notYet string
	}{
		{name: "terminated", pod: pod(corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}), done: true},
		{name: "image absent", pod: pod(corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: "image not present"}}),
			err: "cannot start: ErrImageNeverPull: image not present"},
		{name: "non-root policy", pod: pod(corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError"}}), err: "CreateContainerConfigError"},
		{name: "creating", pod: pod(corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}), notYet: "still waits (ContainerCreating)"},
		{name: "running", pod: pod(corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}), notYet: "still runs"},
		{name: "never started", pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.PodSpec{NodeName: "vk-1"}}, notYet: "never started on node vk-1"},
	}
	for _, tc := range cases {
		st, err := ephemeralState(tc.pod, "secctx-a")
		switch {
		case tc.done:
			if st == nil || err != nil {
				t.Errorf("%s: %v %v", tc.name, st, err)
			}
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v", tc.name, err)
			}
		default:
			if st != nil || err != nil || !strings.Contains(notFinished(tc.pod, "secctx-a"), tc.notYet) {
				t.Errorf("%s: %v %v %q", tc.name, st, err, notFinished(tc.pod, "secctx-a"))
			}
		}
	}
}
