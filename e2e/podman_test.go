package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/secctx/secctx/e2e/e2eutil"
	"github.com/secctx/secctx/schema/schematest"
)

// The sidecar tests play real pods with `podman kube play`: the deploy
// example (deploy/eci/pod.yaml) with the locally built secctx image, and a
// pod whose app changes identity after start. The sidecar's stdout JSON
// lines are the evidence.

// podmanEnv points podman at the project's containers.conf (rlimits this
// machine allows, runc).
func podmanEnv(t *testing.T) []string {
	root, err := e2eutil.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "CONTAINERS_CONF="+filepath.Join(root, "scripts", "containers.conf"))
}

func podman(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("podman", args...)
	cmd.Env = podmanEnv(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func requirePodman(t *testing.T) {
	t.Helper()
	requireE2E(t)
	if _, err := exec.LookPath("podman"); err != nil {
		e2eutil.SkipOrFail(t, "podman is not installed (run scripts/install-deps.sh)")
	}
}

// sidecarImage is $SECCTX_IMAGE (built by `make image` from the
// Dockerfile), else an image of the test's own binary with the same shape:
// scratch, the static binary, user 65532.
func sidecarImage(t *testing.T) string {
	if img := os.Getenv("SECCTX_IMAGE"); img != "" {
		podman(t, "image", "exists", img)
		return img
	}
	dir := t.TempDir()
	if err := copyFile(secctxBin, filepath.Join(dir, "secctx"), 0o755); err != nil {
		t.Fatal(err)
	}
	return podmanBuild(t, dir, "secctx-e2e-sidecar",
		"FROM scratch\nCOPY secctx /secctx\nUSER 65532:65532\nENTRYPOINT [\"/secctx\"]\nCMD [\"watch\"]\n")
}

// sidecarAppImage holds busybox and idchanger.
func sidecarAppImage(t *testing.T) string {
	dir := t.TempDir()
	if _, err := e2eutil.GoBuild(dir, "idchanger", "./e2e/testdata/idchanger", true); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(busyboxPath, filepath.Join(dir, "busybox"), 0o755); err != nil {
		t.Fatal(err)
	}
	return podmanBuild(t, dir, "secctx-e2e-app",
		"FROM scratch\nCOPY busybox /bin/busybox\nCOPY idchanger /idchanger\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n")
}

// podmanBuild writes cf as dir's Containerfile and builds the image
// localhost/NAME:PID, removed when the test ends: a tag of this process's
// own, since other runs on the machine build theirs.
func podmanBuild(t *testing.T, dir, name, cf string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "Containerfile"), []byte(cf), 0o644); err != nil {
		t.Fatal(err)
	}
	img := fmt.Sprintf("localhost/%s:%d", name, os.Getpid())
	t.Cleanup(func() { _ = exec.Command("podman", "rmi", "-f", img).Run() })
	podman(t, "build", "-q", "-t", img, "-f", filepath.Join(dir, "Containerfile"), dir)
	return img
}

// kubePlay writes the pod and a ConfigMap holding the pod's own manifest,
// plays them, removes them when the test ends, and returns the pod's name.
// podman's pods and ConfigMap volumes are the machine's, shared with any
// other run of these tests: both names get this process's id, so that
// concurrent runs neither read each other's spec nor take each other's
// pods down.
func kubePlay(t *testing.T, pod map[string]any) string {
	t.Helper()
	suffix := fmt.Sprintf("-%d", os.Getpid())
	meta := pod["metadata"].(map[string]any)
	name := meta["name"].(string) + suffix
	meta["name"] = name
	cmName := "secctx-spec" + suffix
	spec := pod["spec"].(map[string]any)
	for _, v := range spec["volumes"].([]any) {
		if cm, ok := v.(map[string]any)["configMap"].(map[string]any); ok && cm["name"] == "secctx-spec" {
			cm["name"] = cmName
		}
	}
	manifest, err := yaml.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := yaml.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": cmName},
		"data":     map[string]any{"pod.yaml": string(manifest)},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	podFile, cmFile := filepath.Join(dir, "pod.yaml"), filepath.Join(dir, "cm.yaml")
	if err := os.WriteFile(podFile, manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cmFile, cm, 0o644); err != nil {
		t.Fatal(err)
	}
	down := exec.Command("podman", "kube", "down", podFile)
	down.Env = podmanEnv(t)
	_ = down.Run()
	podman(t, "kube", "play", "--configmap", cmFile, podFile)
	t.Cleanup(func() {
		down := exec.Command("podman", "kube", "down", podFile)
		down.Env = podmanEnv(t)
		_ = down.Run()
		rm := exec.Command("podman", "volume", "rm", "-f", cmName)
		rm.Env = podmanEnv(t)
		_ = rm.Run()
	})
	return name
}

// logLine is one line of the sidecar's stdout (schema/watch-line.schema.json).
type logLine struct {
	Level          string            `json:"level"`
	Event          string            `json:"event"`
	Container      string            `json:"container"`
	Processes      int               `json:"processes"`
	FirstProcesses []e2eutil.Process `json:"firstProcesses"`
	Drift          int               `json:"drift"`
	Changes        []change          `json:"changes"`
	Drifts         []struct {
		Check   string `json:"check"`
		Subject string `json:"subject"`
	} `json:"drifts"`
}

type change struct {
	Kind      string               `json:"kind"`
	Check     string               `json:"check"`
	Processes *e2eutil.ProcessList `json:"processes"`
}

// sidecarLines waits until ok accepts the sidecar's parsed stdout lines.
func sidecarLines(t *testing.T, ctr string, timeout time.Duration, ok func([]logLine) bool) []logLine {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lines []logLine
	var raw string
	for time.Now().Before(deadline) {
		cmd := exec.Command("podman", "logs", ctr)
		cmd.Env = podmanEnv(t)
		out, err := cmd.Output() // stdout only: the JSON lines
		if err == nil {
			raw = string(out)
			// Every line the sidecar writes is held to the line schema
			// and stays below the runtime's split point.
			schematest.CheckWatchLines(t, raw)
			lines = lines[:0]
			sc := bufio.NewScanner(strings.NewReader(raw))
			sc.Buffer(make([]byte, 1<<20), 16<<20)
			for sc.Scan() {
				var l logLine
				if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
					t.Fatalf("sidecar stdout line is not JSON: %v\n%s", err, sc.Text())
				}
				lines = append(lines, l)
			}
			if ok(lines) {
				return lines
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	cmd := exec.Command("podman", "logs", ctr)
	cmd.Env = podmanEnv(t)
	all, _ := cmd.CombinedOutput()
	t.Fatalf("timed out waiting for the sidecar's lines; its logs:\n%s", all)
	return nil
}

func initialOf(lines []logLine, container string) *logLine {
	for i := range lines {
		if lines[i].Event == "initial" && lines[i].Container == container {
			return &lines[i]
		}
	}
	return nil
}

// withProcess returns the first line of container that names a process
// with that command.
func withProcess(lines []logLine, container, comm string) *logLine {
	for i := range lines {
		if lines[i].Container != container {
			continue
		}
		for _, p := range lines[i].FirstProcesses {
			if p.Comm == comm {
				return &lines[i]
			}
		}
	}
	return nil
}

func driftChecks(l *logLine) []string {
	var out []string
	for _, d := range l.Drifts {
		out = append(out, d.Check+" "+d.Subject)
	}
	sort.Strings(out)
	return out
}

// lineDrift is the check ids of a line's drifts, sorted, each once.
func lineDrift(l *logLine) []string {
	var out []string
	for _, d := range l.Drifts {
		if !slices.Contains(out, d.Check) {
			out = append(out, d.Check)
		}
	}
	sort.Strings(out)
	return out
}

// containerReport is the part of one report of the sidecar's /report the
// tests read.
type containerReport struct {
	APIVersion string `json:"apiVersion"`
	Target     struct {
		Container string            `json:"container"`
		Processes []e2eutil.Process `json:"processes"`
	} `json:"target"`
	Findings []e2eutil.Finding `json:"findings"`
}

// sidecarReport fetches the sidecar's /report from inside the pod, through
// the app container's busybox wget on the pod's loopback, and returns the
// report of container.
func sidecarReport(t *testing.T, appCtr, container string) *containerReport {
	t.Helper()
	out := podman(t, "exec", appCtr, "wget", "-q", "-O", "-", "http://127.0.0.1:9102/report")
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("/report: %v\n%.500s", err, out)
	}
	for _, b := range raw {
		var r containerReport
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("/report: %v\n%.500s", err, b)
		}
		if r.Target.Container == container {
			schematest.Report(t, b)
			return &r
		}
	}
	t.Fatalf("/report has no report of %s", container)
	return nil
}

// loadDeployPod reads deploy/eci/pod.yaml and makes it playable here: local
// images, the podman profile, a 1s interval, an app that runs.
func loadDeployPod(t *testing.T, sidecar, app string) map[string]any {
	root, err := e2eutil.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy", "eci", "pod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var pod map[string]any
	if err := yaml.Unmarshal(b, &pod); err != nil {
		t.Fatal(err)
	}
	spec := pod["spec"].(map[string]any)
	for _, c := range spec["containers"].([]any) {
		c := c.(map[string]any)
		switch c["name"] {
		case "app":
			c["image"] = app
			c["command"] = []any{"/bin/sleep", "3600"}
		case "secctx":
			c["image"] = sidecar
			for _, e := range c["env"].([]any) {
				e := e.(map[string]any)
				switch e["name"] {
				case "SECCTX_PROFILE":
					e["value"] = "podman"
				case "SECCTX_INTERVAL":
					e["value"] = "1s"
				}
			}
		}
	}
	return pod
}

// TestSidecarDeployExample plays deploy/eci/pod.yaml: the sidecar verifies
// the app (found by cgroup, named by pid and command) and itself.
func TestSidecarDeployExample(t *testing.T) {
	requirePodman(t)
	sidecar, app := sidecarImage(t), sidecarAppImage(t)
	pod := loadDeployPod(t, sidecar, app)
	name := kubePlay(t, pod)
	// The first cycle may run while the app is still starting (runc's init
	// process is skipped); the app's report is the first that names it.
	lines := sidecarLines(t, name+"-secctx", 30*time.Second, func(ls []logLine) bool {
		return withProcess(ls, "app", "sleep") != nil && initialOf(ls, "secctx") != nil
	})
	appLine, self := withProcess(lines, "app", "sleep"), initialOf(lines, "secctx")
	// The full reports, from the sidecar's /report.
	appReport := sidecarReport(t, name+"-app", "app")
	selfReport := sidecarReport(t, name+"-app", "secctx")
	if appReport.APIVersion != "secctx/v1" {
		t.Errorf("report apiVersion %q", appReport.APIVersion)
	}
	// What secctx lint predicted for this manifest under the same profile.
	predicted := lintManifest(t, "podman", mustYAML(t, pod))
	comparePrediction(t, "deploy/eci/pod.yaml, app", predicted, "app", true, e2eutil.DriftChecks(appReport.Findings), true)
	comparePrediction(t, "deploy/eci/pod.yaml, secctx", predicted, "secctx", false, e2eutil.DriftChecks(selfReport.Findings), true)
	// The app's process, by pid and name.
	found := false
	for _, p := range append(appReport.Target.Processes, appLine.FirstProcesses...) {
		if p.Comm == "sleep" && p.PID > 1 {
			found = true
		}
		if p.Comm == "secctx" || p.Comm == "catatonit" || p.Comm == "pause" {
			t.Errorf("the app target includes %+v, which is not the app", p)
		}
	}
	if !found {
		t.Errorf("app report does not name the app's sleep process: %+v", appReport.Target.Processes)
	}
	// podman 4.3 applies the pod sysctl nowhere: the only drift, and it is
	// reported once per pod, in the first container's report.
	if got, want := driftChecks(appLine), []string{"sysctls net.core.somaxconn"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("app drift = %v, want %v", got, want)
		for _, f := range appReport.Findings {
			t.Logf("  %s %s %s %s: %s", f.Check, f.Subject, f.Status, f.Severity, f.Message)
		}
	}
	// What podman honours shows as ok: user, capabilities, no_new_privs, read-only root, seccomp.
	for _, check := range []string{"runAsUser", "runAsGroup", "runAsNonRoot", "capabilities.bounding", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "seccompProfile"} {
		st := ""
		for _, f := range appReport.Findings {
			if f.Check == check {
				st = f.Status
			}
		}
		if st != "ok" {
			t.Errorf("app %s: status %q, want ok", check, st)
		}
	}
	if d := driftChecks(self); len(d) != 0 {
		t.Errorf("the sidecar verifying itself reports drift %v", d)
	}
}

// TestSidecarSeesIdentityChange: an app that calls setuid after start is
// reported by the next cycle, with its pid and command.
func TestSidecarSeesIdentityChange(t *testing.T) {
	requirePodman(t)
	sidecar, app := sidecarImage(t), sidecarAppImage(t)
	pod := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "idchange"},
		"spec": map[string]any{
			"shareProcessNamespace": true,
			"containers": []any{
				map[string]any{"name": "app", "image": app, "command": []any{"/idchanger"},
					"securityContext": map[string]any{"runAsUser": 0, "runAsGroup": 0}},
				map[string]any{"name": "secctx", "image": sidecar,
					"args": []any{"watch", "--target=app=comm:idchanger", "--interval=1s", "--profile=podman"},
					"env":  []any{map[string]any{"name": "SECCTX_SPEC_FILE", "value": "/etc/secctx/pod.yaml"}},
					"securityContext": map[string]any{"runAsUser": 65532, "runAsGroup": 65532, "allowPrivilegeEscalation": false,
						"readOnlyRootFilesystem": true, "capabilities": map[string]any{"drop": []any{"ALL"}}},
					"volumeMounts": []any{map[string]any{"name": "spec", "mountPath": "/etc/secctx"}}},
			},
			"volumes": []any{map[string]any{"name": "spec", "configMap": map[string]any{"name": "secctx-spec"}}},
		},
	}
	name := kubePlay(t, pod)
	lines := sidecarLines(t, name+"-secctx", 30*time.Second, func(ls []logLine) bool {
		for _, l := range ls {
			for _, c := range l.Changes {
				if c.Kind == "drift" && c.Check == "runAsUser" {
					return true
				}
			}
		}
		return false
	})
	// The first report that holds the app's process (the first cycle may
	// run before the app starts) must be clean: uid 0 as declared, podman's
	// default capabilities.
	var first *logLine
	for i := range lines {
		for _, p := range lines[i].FirstProcesses {
			if p.Comm == "idchanger" && first == nil {
				first = &lines[i]
			}
		}
	}
	if first == nil {
		t.Fatal("no report names the idchanger process")
	}
	if first.Drift != 0 {
		t.Fatalf("want the first report of the app without drift (uid 0 as declared); got %v", driftChecks(first))
	}
	comparePrediction(t, "idchange, app", lintManifest(t, "podman", mustYAML(t, pod)), "app", true, lineDrift(first), true)
	for _, l := range lines {
		for _, c := range l.Changes {
			if c.Kind == "drift" && c.Check == "runAsUser" {
				if c.Processes == nil || c.Processes.Count != 1 || c.Processes.First[0].Comm != "idchanger" || c.Processes.First[0].PID <= 1 {
					t.Errorf("the runAsUser drift does not name the idchanger process: %+v", c.Processes)
				}
				fmt.Fprintf(os.Stderr, "identity change reported: %+v\n", c)
				return
			}
		}
	}
}
