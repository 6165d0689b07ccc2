package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/secctx/secctx/manifest"
)

// fatalWaiting are the waiting reasons after which an ephemeral container
// will not run on its own (it is never restarted or retried by us).
var fatalWaiting = map[string]bool{
	"ErrImagePull": true, "ImagePullBackOff": true, "ErrImageNeverPull": true, "InvalidImageName": true,
	"ImageInspectError": true, "CreateContainerConfigError": true, "CreateContainerError": true,
	"RunContainerError": true, "PreStartHookError": true,
}

const execHint = "rerun with --exec to stream secctx into the container instead"

// ephemeralContainer is the debugger: the secctx image, running verify
// against the target container's processes (found by its container id)
// with the pod's manifest inline, targeting the container so that it
// shares its PID namespace.
func ephemeralContainer(t *target, o *verifyOptions, name string, dbg debugger) corev1.EphemeralContainer {
	return corev1.EphemeralContainer{
		EphemeralContainerCommon: corev1.EphemeralContainerCommon{
			Name:                     name,
			Image:                    o.image,
			ImagePullPolicy:          corev1.PullPolicy(o.pullPolicy),
			Args:                     append([]string{"verify"}, verifyFlags(t, o)...),
			Env:                      []corev1.EnvVar{{Name: manifest.EnvSpec, Value: string(t.spec)}},
			SecurityContext:          dbg.SecurityContext,
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		},
		TargetContainerName: t.container.Name,
	}
}

// debuggerName is a name no container of the pod has.
func debuggerName(pod *corev1.Pod) string {
	taken := map[string]bool{}
	for _, c := range pod.Spec.Containers {
		taken[c.Name] = true
	}
	for _, c := range pod.Spec.InitContainers {
		taken[c.Name] = true
	}
	for _, c := range pod.Spec.EphemeralContainers {
		taken[c.Name] = true
	}
	for {
		n := "secctx-" + rand.String(5)
		if !taken[n] {
			return n
		}
	}
}

// addRefusal turns the API server's refusal to add an ephemeral container
// into one line that says why and what to do instead.
func addRefusal(pod string, err error) error {
	var se apierrors.APIStatus
	msg := err.Error()
	if errors.As(err, &se) {
		msg = se.Status().Message
	}
	switch {
	case apierrors.IsForbidden(err):
		return blindErr("ephemeral containers are refused for pod %s: %s; %s", pod, msg, execHint)
	case apierrors.IsNotFound(err), apierrors.IsMethodNotSupported(err):
		return blindErr("the API server does not serve pods/ephemeralcontainers (Kubernetes before 1.23, or ephemeral containers disabled): %s; %s", msg, execHint)
	case apierrors.IsInvalid(err):
		return blindErr("the API server rejected the ephemeral container for pod %s: %s; %s", pod, msg, execHint)
	}
	return blindErr("adding an ephemeral container to pod %s: %s; %s", pod, msg, execHint)
}

// verifyByEphemeral adds the debugger to the pod, waits for it to finish
// and reads its report from its log. Ephemeral containers cannot be removed:
// the terminated debugger stays in the pod's spec until the pod goes.
func verifyByEphemeral(ctx context.Context, cs kubernetes.Interface, t *target, o *verifyOptions, id identity, say func(string, ...any)) (*result, error) {
	if err := checkContainerID(t); err != nil {
		return nil, err
	}
	if err := inlineSpecError(t.spec); err != nil {
		return nil, usageErr("%v", err)
	}
	dbg := debuggerFor(id)
	name := debuggerName(t.pod)
	say("ephemeral container %s (image %s): %s", name, o.image, dbg.Why)
	ec := ephemeralContainer(t, o, name, dbg)
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"ephemeralContainers": []corev1.EphemeralContainer{ec}}})
	if err != nil {
		return nil, blindErr("%v", err)
	}
	pods := cs.CoreV1().Pods(t.pod.Namespace)
	pod, err := pods.Patch(ctx, t.pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "ephemeralcontainers")
	if err != nil {
		return nil, addRefusal(t.pod.Name, err)
	}
	st, err := waitTerminated(ctx, cs, pod, name)
	if err != nil {
		return nil, err
	}
	// The log is complete once the container terminated.
	logs, err := pods.GetLogs(t.pod.Name, &corev1.PodLogOptions{Container: name}).DoRaw(context.WithoutCancel(ctx))
	if err != nil {
		return nil, blindErr("reading the log of ephemeral container %s: %v", name, err)
	}
	r, diags, err := parseOutput(logs)
	if err != nil {
		return nil, blindErr("ephemeral container %s: %v", name, err)
	}
	return &result{report: r, exit: int(st.ExitCode), diagnostics: diags, where: "in ephemeral container " + name}, nil
}

// waitTerminated watches the pod until the ephemeral container terminated,
// it cannot start, or the context ends.
func waitTerminated(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod, name string) (*corev1.ContainerStateTerminated, error) {
	pods := cs.CoreV1().Pods(pod.Namespace)
	last := pod
	for {
		if st, err := ephemeralState(last, name); st != nil || err != nil {
			return st, err
		}
		w, err := pods.Watch(ctx, metav1.ListOptions{
			FieldSelector:   fields.OneTermEqualSelector("metadata.name", pod.Name).String(),
			ResourceVersion: last.ResourceVersion,
		})
		if err != nil {
			// Without watch (RBAC, a proxy): poll.
			if ctx.Err() == nil {
				select {
				case <-ctx.Done():
				case <-time.After(500 * time.Millisecond):
				}
			}
		} else {
			last, err = drain(w, last, name)
			w.Stop()
			if err != nil {
				return nil, err
			}
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, blindErr("interrupted while ephemeral container %s ran (it stays in pod %s, as every ephemeral container does)", name, pod.Name)
		}
		if ctx.Err() != nil {
			return nil, blindErr("%s", notFinished(last, name))
		}
		if p, err := pods.Get(ctx, pod.Name, metav1.GetOptions{}); err == nil {
			last = p
		} else if apierrors.IsNotFound(err) {
			return nil, blindErr("pod %s was deleted while ephemeral container %s ran", pod.Name, name)
		}
	}
}

// drain reads watch events until the container is done or the watch ends.
func drain(w watch.Interface, last *corev1.Pod, name string) (*corev1.Pod, error) {
	for ev := range w.ResultChan() {
		switch ev.Type {
		case watch.Deleted:
			return last, blindErr("pod %s was deleted while ephemeral container %s ran", last.Name, name)
		case watch.Added, watch.Modified:
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			last = p
			if st, err := ephemeralState(p, name); st != nil || err != nil {
				return last, err
			}
		case watch.Error:
			return last, nil
		}
	}
	return last, nil
}

// ephemeralState returns the container's terminated state, an error when it
// cannot start, or nil, nil while it is pending or running.
func ephemeralState(pod *corev1.Pod, name string) (*corev1.ContainerStateTerminated, error) {
	for _, s := range pod.Status.EphemeralContainerStatuses {
		if s.Name != name {
			continue
		}
		if s.State.Terminated != nil {
			return s.State.Terminated, nil
		}
		if w := s.State.Waiting; w != nil && fatalWaiting[w.Reason] {
			msg := w.Reason
			if w.Message != "" {
				msg += ": " + w.Message
			}
			return nil, blindErr("ephemeral container %s cannot start: %s", name, msg)
		}
	}
	return nil, nil
}

// notFinished says why the wait ended without a result.
func notFinished(pod *corev1.Pod, name string) string {
	for _, s := range pod.Status.EphemeralContainerStatuses {
		if s.Name != name {
			continue
		}
		switch {
		case s.State.Running != nil:
			return fmt.Sprintf("ephemeral container %s still runs after the timeout (--timeout)", name)
		case s.State.Waiting != nil:
			return fmt.Sprintf("ephemeral container %s still waits (%s) after the timeout (--timeout)", name, strings.TrimSpace(s.State.Waiting.Reason+" "+s.State.Waiting.Message))
		}
	}
	return fmt.Sprintf("ephemeral container %s never started on node %s within the timeout (a node that does not run ephemeral containers, such as a virtual-kubelet one, leaves it so); %s", name, pod.Spec.NodeName, execHint)
}
