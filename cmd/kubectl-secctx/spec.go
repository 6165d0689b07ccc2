package main

import (
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/secctx/secctx/manifest"
)

// maxInlineSpec bounds the manifest handed to the ephemeral container in
// $SECCTX_SPEC: the kernel refuses, at execve, an environment string longer
// than MAX_ARG_STRLEN (32 pages: 128 KiB, terminating NUL included), and the
// "SECCTX_SPEC=" prefix counts.
const maxInlineSpec = 128<<10 - len(manifest.EnvSpec+"=") - 1

// lastApplied is kubectl's copy of the applied manifest: as large as the
// manifest, and nothing secctx reads.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// podSpecDocument is the pod's own manifest as secctx's spec: the live
// object without its status, managedFields, kubectl's last-applied copy and
// ephemeral containers (each earlier run's debugger holds a whole copy of
// the pod in its environment), as compact JSON.
func podSpecDocument(pod *corev1.Pod) ([]byte, error) {
	p := pod.DeepCopy()
	p.APIVersion, p.Kind = "v1", "Pod"
	p.Status = corev1.PodStatus{}
	p.ManagedFields = nil
	p.Spec.EphemeralContainers = nil
	delete(p.Annotations, lastApplied)
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	// The status was cleared, not removed: drop the empty object.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	b, err = json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(b) > manifest.MaxSpecSize {
		return nil, fmt.Errorf("pod %s: its manifest is %d bytes once stripped, over secctx's %d-byte spec limit", pod.Name, len(b), manifest.MaxSpecSize)
	}
	return b, nil
}

// inlineSpecError says why a manifest cannot travel in $SECCTX_SPEC, or nil.
func inlineSpecError(doc []byte) error {
	if len(doc) > maxInlineSpec {
		return fmt.Errorf("the pod's manifest is %d bytes once stripped, over the %d bytes an environment variable can carry into the ephemeral container; --exec hands it over on stdin instead", len(doc), maxInlineSpec)
	}
	return nil
}
