package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostPIDNamespace runs secctx in a container that shares the host's
// PID namespace (a pod with hostPID: true), where PID 1 is the node's
// init: verify refuses it (exit 3, one line saying why) instead of
// reporting the node's state as drift, verifies itself as usual, and finds
// its container's other processes by the container id in their cgroup.
func TestHostPIDNamespace(t *testing.T) {
	requireE2E(t)
	demo := scenarioByName(t, "b-security-context-demo")
	rc := containerdConfig(demo.pod, demo.image, host)
	rc.HostPID = true

	t.Run("pid-1-is-the-nodes-init", func(t *testing.T) {
		r := runSecctx(t, demo.pod.yaml(), demo.image, rc, "--pid", "1")
		if r.Exit != 3 || strings.TrimSpace(r.Stdout) != "" || !strings.Contains(r.Stderr, "node's init") ||
			strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Errorf("want exit 3, no report and one line on the node's init\n%s", r.dump())
		}
	})
	t.Run("self", func(t *testing.T) {
		r := verify(t, demo.pod, demo.image, rc)
		if r.Exit != 0 || len(r.driftSet()) != 0 || r.Report.Target["comm"] != "secctx" {
			t.Errorf("exit %d, drift %v, target %+v; want secctx itself without drift\n%s", r.Exit, r.driftSet(), r.Report.Target, r.dump())
		}
	})
	t.Run("by-container-id", func(t *testing.T) {
		// The container's cgroup holds a runtime-like id; a second
		// process (a sleep started before secctx) is the one to find.
		id := fmt.Sprintf("%064x", uint64(os.Getpid())<<16|uint64(containerSeq.Add(1)))
		verifyArgs := append(append([]string(nil), secctxArgs...), "--target", "container-id:containerd://"+id)
		args := []string{"/bin/sh", "-c", "/bin/busybox sleep 3 & exec " + strings.Join(verifyArgs, " ")}
		bundle := makeBundle(t, rootfsFiles{Spec: demo.pod.yaml(), Image: demo.image}, rc, args)
		setCgroupsPath(t, bundle, "/secctx-e2e/"+id)
		code, stdout, stderr := runContainer(t, bundle)
		r := &result{Exit: code, Stdout: stdout, Stderr: stderr, Spec: demo.pod.yaml(), Config: rc, bundle: bundle}
		var rep report
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("stdout is not one JSON report: %v\n%s", err, r.dump())
		}
		r.Report = &rep
		if code != 0 || len(r.driftSet()) != 0 || rep.Target["comm"] == "secctx" || rep.Target["pid"] == 1.0 {
			t.Errorf("exit %d, drift %v, target %+v; want the container's other process without drift\n%s", code, r.driftSet(), rep.Target, r.dump())
		}
	})
}

// setCgroupsPath puts the container in the cgroup at path.
func setCgroupsPath(t *testing.T, bundle, path string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	obj(cfg, "linux")["cgroupsPath"] = path
	if err := writeConfig(bundle, cfg); err != nil {
		t.Fatal(err)
	}
}
