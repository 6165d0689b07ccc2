package e2eutil

import corev1 "k8s.io/api/core/v1"

// AllRunning reports whether every container of the pod's spec has a
// status, and each is running.
func AllRunning(pod *corev1.Pod) bool {
	if len(pod.Status.ContainerStatuses) != len(pod.Spec.Containers) {
		return false
	}
	for _, s := range pod.Status.ContainerStatuses {
		if s.State.Running == nil {
			return false
		}
	}
	return true
}
