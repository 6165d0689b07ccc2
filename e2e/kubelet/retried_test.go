package kubelet

import "testing"

// TestRetried: a sandbox error is final where the case expects that
// refusal on the node, and a retry to wait out where the pod must run;
// other refusals are always final.
func TestRetried(t *testing.T) {
	t.Parallel()
	userns := kcase{File: "pods/host-users-false.yaml", expect: on22(expect{}, refusedUserns)}
	runs := kcase{File: "pods/pss-restricted.yaml", expect: always(expect{})}
	sandbox := &seenRefusal{Where: "kubelet log", Reason: "CreatePodSandboxError", Message: "failed to setup netns"}
	forbidden := &seenRefusal{Where: "pod status", Reason: "SysctlForbidden", Message: "forbidden sysctl"}
	c16, c22 := nodeConfig{Name: "c1.6", Containerd: "1.6"}, nodeConfig{Name: "c2.2+sd", Containerd: "2.2", SeccompDefault: true}
	for _, tc := range []struct {
		name string
		c    kcase
		cfg  nodeConfig
		ref  *seenRefusal
		want bool
	}{
		{"sandbox error where the case expects it", userns, c16, sandbox, false},
		{"sandbox error where the pod must run", userns, c22, sandbox, true},
		{"sandbox error for a pod that always runs", runs, c16, sandbox, true},
		{"admission refusal is final", runs, c22, forbidden, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &podResult{Prep: &prepared{Case: tc.c}}
			if got := retried(&node{cfg: tc.cfg}, r, tc.ref); got != tc.want {
				t.Errorf("retried = %v, want %v", got, tc.want)
			}
		})
	}
}
