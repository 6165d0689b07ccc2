package kubelet

// Tests of the tier's own judging: which refusals it waits out, how it
// reads split log records.

import (
	"strings"
	"testing"
)

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

// TestPartialRecords: a line the runtime split shows as P records, one
// per 16 KiB part but the last.
func TestPartialRecords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, log string
		want      int
	}{
		{"whole lines", "2026-11-29T19:00:00.000000000Z stdout F {\"a\":1}\n2026-11-29T19:00:01.000000000Z stderr F x\n", 0},
		{"one line in three parts", "2026-11-29T19:00:00.000000000Z stdout P {\"a\":\n2026-11-29T19:00:00.000000000Z stdout P 1\n2026-11-29T19:00:00.000000000Z stdout F }\n", 2},
		{"empty", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := partialRecords(strings.NewReader(tc.log))
			if err != nil || got != tc.want {
				t.Errorf("partialRecords = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}
