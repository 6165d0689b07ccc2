package manifest_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/secctx/secctx/manifest"
)

// TestValuesAsUpstream: every typed domain constant has the text of its
// k8s.io/api namesake, so that a manifest that says it decodes to it.
func TestValuesAsUpstream(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, ours, upstream string }{
		{"SeccompProfileTypeUnconfined", string(manifest.SeccompProfileTypeUnconfined), string(corev1.SeccompProfileTypeUnconfined)},
		{"SeccompProfileTypeRuntimeDefault", string(manifest.SeccompProfileTypeRuntimeDefault), string(corev1.SeccompProfileTypeRuntimeDefault)},
		{"SeccompProfileTypeLocalhost", string(manifest.SeccompProfileTypeLocalhost), string(corev1.SeccompProfileTypeLocalhost)},
		{"AppArmorProfileTypeUnconfined", string(manifest.AppArmorProfileTypeUnconfined), string(corev1.AppArmorProfileTypeUnconfined)},
		{"AppArmorProfileTypeRuntimeDefault", string(manifest.AppArmorProfileTypeRuntimeDefault), string(corev1.AppArmorProfileTypeRuntimeDefault)},
		{"AppArmorProfileTypeLocalhost", string(manifest.AppArmorProfileTypeLocalhost), string(corev1.AppArmorProfileTypeLocalhost)},
		{"DefaultProcMount", string(manifest.DefaultProcMount), string(corev1.DefaultProcMount)},
		{"UnmaskedProcMount", string(manifest.UnmaskedProcMount), string(corev1.UnmaskedProcMount)},
		{"SupplementalGroupsPolicyMerge", string(manifest.SupplementalGroupsPolicyMerge), string(corev1.SupplementalGroupsPolicyMerge)},
		{"SupplementalGroupsPolicyStrict", string(manifest.SupplementalGroupsPolicyStrict), string(corev1.SupplementalGroupsPolicyStrict)},
	} {
		if tc.ours != tc.upstream {
			t.Errorf("%s = %q, k8s.io/api has %q", tc.name, tc.ours, tc.upstream)
		}
	}
}

// TestContainerKindsOfLists: each list of the pod spec carries its kind.
func TestContainerKindsOfLists(t *testing.T) {
	t.Parallel()
	var s manifest.PodSpec
	want := map[string]manifest.ContainerKind{"containers": manifest.KindContainer,
		"initContainers": manifest.KindInitContainer, "ephemeralContainers": manifest.KindEphemeralContainer}
	for _, l := range s.ContainerLists() {
		if want[l.Field] != l.Kind {
			t.Errorf("%s: kind %q, want %q", l.Field, l.Kind, want[l.Field])
		}
		delete(want, l.Field)
	}
	if len(want) != 0 {
		t.Errorf("lists missing: %v", want)
	}
}
