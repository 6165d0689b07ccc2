package kubelet

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// nodeConfig is one configuration of the node (scripts/kube/node.sh up).
type nodeConfig struct {
	// Name labels the configuration in test names and the results table.
	Name string
	// Containerd is "1.6" (Debian's, runc 1.1) or "2.2" (built, runc 1.3).
	Containerd string
	// Unprivileged is containerd's enable_unprivileged_ports and
	// enable_unprivileged_icmp (off by default in 1.6, on in 2.x).
	Unprivileged bool
	// SeccompDefault is the kubelet's seccompDefault.
	SeccompDefault bool
}

var nodeConfigs = []nodeConfig{
	{Name: "c1.6", Containerd: "1.6"},
	{Name: "c1.6+sd", Containerd: "1.6", SeccompDefault: true},
	{Name: "c1.6+up", Containerd: "1.6", Unprivileged: true},
	{Name: "c1.6+up+sd", Containerd: "1.6", Unprivileged: true, SeccompDefault: true},
	{Name: "c2.2", Containerd: "2.2", Unprivileged: true},
	{Name: "c2.2+sd", Containerd: "2.2", Unprivileged: true, SeccompDefault: true},
}

// allowedUnsafeSysctls are the unsafe sysctls the node allow-lists (the
// manifests that declare them; kernel.msgmax stays forbidden).
var allowedUnsafeSysctls = []string{"net.core.somaxconn"}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// node is a running node.
type node struct {
	cfg nodeConfig
	env map[string]string
}

// nodeSh runs scripts/kube/node.sh and returns its stdout.
func nodeSh(args ...string) (string, error) {
	cmd := nodeShCmd(args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("node.sh %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// startNode brings the node up in configuration cfg and tears it down when
// the test ends.
func startNode(t *testing.T, cfg nodeConfig) *node {
	t.Helper()
	if out, err := exec.Command("bash", nodeScript(), "check", cfg.Containerd).CombinedOutput(); err != nil {
		e2eutil.SkipOrFail(t, fmt.Sprintf("node configuration %s cannot run: %s", cfg.Name, strings.TrimSpace(string(out))))
	}
	start := time.Now()
	t.Cleanup(func() {
		if os.Getenv("SECCTX_KUBELET_KEEP") == "1" {
			t.Logf("SECCTX_KUBELET_KEEP=1: the node stays up (scripts/kube/node.sh down)")
			return
		}
		if out, err := nodeSh("down"); err != nil {
			t.Errorf("tearing the node down: %v\n%s", err, out)
		}
	})
	if _, err := nodeSh("up", "--containerd", cfg.Containerd, "--unprivileged", onOff(cfg.Unprivileged),
		"--seccomp-default", onOff(cfg.SeccompDefault), "--allowed-unsafe-sysctls", strings.Join(allowedUnsafeSysctls, ",")); err != nil {
		t.Fatal(err)
	}
	out, err := nodeSh("env")
	if err != nil {
		t.Fatal(err)
	}
	n := &node{cfg: cfg, env: map[string]string{}}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			n.env[k] = v
		}
	}
	if _, err := nodeSh(append([]string{"import"}, imageArchives...)...); err != nil {
		t.Fatal(err)
	}
	t.Logf("node %s up in %s (containerd %s, unprivileged ports/icmp %s, seccompDefault %s)",
		cfg.Name, time.Since(start).Round(time.Millisecond), cfg.Containerd, onOff(cfg.Unprivileged), onOff(cfg.SeccompDefault))
	return n
}

// pods returns the kubelet's pods with their status (the read-only port's
// /pods, which carries static pods' status when no API server is used).
func (n *node) pods(ctx context.Context) ([]corev1.Pod, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.env["KUBELET_READONLY_URL"]+"/pods", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /pods: %s", resp.Status)
	}
	var list corev1.PodList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, fmt.Errorf("GET /pods: %v", err)
	}
	return list.Items, nil
}

// writeStaticPod places a manifest into the static pod directory
// atomically (the kubelet's file watch would otherwise read a partial file).
func (n *node) writeStaticPod(name string, manifest []byte) error {
	dir := n.env["STATIC_POD_DIR"]
	tmp := filepath.Join(filepath.Dir(dir), "."+name+".yaml.tmp")
	if err := os.WriteFile(tmp, manifest, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name+".yaml"))
}

// podName is the name the kubelet gives a static pod.
func (n *node) podName(name string) string { return name + "-" + n.env["NODE_NAME"] }

// containerLog returns a container's stdout and stderr from the kubelet's
// pod log directory (CRI log format: TIME STREAM P|F TEXT; P lines are
// partial and continue on the next line of the same stream).
func (n *node) containerLog(pod *corev1.Pod, container string) (stdout, stderr string, err error) {
	f, err := n.openContainerLog(pod, container)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	return criLog(f)
}

// openContainerLog opens a container's newest CRI log file.
func (n *node) openContainerLog(pod *corev1.Pod, container string) (*os.File, error) {
	dir := filepath.Join(n.env["POD_LOGS_DIR"], fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID), container)
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no log file in %s", dir)
	}
	sort.Strings(files)
	return os.Open(files[len(files)-1])
}

// splitRecords counts the partial (P) records of a container's log: lines
// the runtime split because they were too long, which a log agent that
// reads records receives as broken JSON. secctx's lines must have none.
func (n *node) splitRecords(pod *corev1.Pod, container string) (int, error) {
	f, err := n.openContainerLog(pod, container)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return partialRecords(f)
}

// partialRecords counts the P records of a CRI log (TIME STREAM P|F TEXT).
func partialRecords(r io.Reader) (int, error) {
	partial := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if parts := strings.SplitN(sc.Text(), " ", 4); len(parts) >= 3 && parts[2] == "P" {
			partial++
		}
	}
	return partial, sc.Err()
}

// criLog reads a CRI log file from its start (TIME STREAM P|F TEXT).
func criLog(f *os.File) (stdout, stderr string, err error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", "", err
	}
	var out, errOut strings.Builder
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), " ", 4)
		if len(parts) < 3 {
			continue
		}
		b := &out
		if parts[1] == "stderr" {
			b = &errOut
		}
		if len(parts) == 4 {
			b.WriteString(parts[3])
		}
		if parts[2] == "F" {
			b.WriteString("\n")
		}
	}
	return out.String(), errOut.String(), sc.Err()
}

// kubeletLog returns the kubelet's log.
func (n *node) kubeletLog() string {
	b, _ := os.ReadFile(n.env["KUBELET_LOG"])
	return string(b)
}

// crictl runs crictl against the node and decodes its JSON output.
func (n *node) crictl(args ...string) (map[string]any, error) {
	out, err := nodeSh(append([]string{"crictl"}, args...)...)
	if err != nil {
		return nil, err
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return nil, fmt.Errorf("crictl %s: %v", strings.Join(args, " "), err)
	}
	return v, nil
}

// runtimeVersions returns what the node runs, for the golden files.
func (n *node) runtimeVersions() map[string]string {
	v := map[string]string{}
	if out, err := nodeSh("crictl", "version"); err == nil {
		for _, line := range strings.Split(out, "\n") {
			if s, ok := strings.CutPrefix(line, "RuntimeVersion:"); ok {
				v["containerd"] = strings.TrimSpace(s)
			}
		}
	}
	if out, err := exec.Command(n.env["KUBELET"], "--version").Output(); err == nil {
		v["kubelet"] = strings.TrimPrefix(strings.TrimSpace(string(out)), "Kubernetes ")
	}
	return v
}
