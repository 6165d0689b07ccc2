package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/secctx/secctx/e2e/e2eutil"
	"github.com/secctx/secctx/schema/schematest"
)

// How long the pods of one node configuration may take to run or be
// refused, and how long a sidecar may take to report a runtime change.
const (
	podsTimeout    = 4 * time.Minute
	runtimeTimeout = 40 * time.Second
	// logFlushTimeout bounds the wait for a terminated container's log.
	logFlushTimeout = 10 * time.Second
)

// reportOnly logs drift instead of failing on it (SECCTX_KUBELET_REPORT_ONLY=1).
func reportOnly() bool { return os.Getenv("SECCTX_KUBELET_REPORT_ONLY") == "1" }

// report is the part of secctx's report the tier reads.
type report struct {
	APIVersion string            `json:"apiVersion"`
	Findings   []e2eutil.Finding `json:"findings"`
	Target     struct {
		Processes []e2eutil.Process `json:"processes"`
	} `json:"target"`
}

// watchLine is one stdout line of `secctx watch`
// (schema/watch-line.schema.json): what changed and a bounded summary,
// never the report.
type watchLine struct {
	Event          string            `json:"event"`
	Container      string            `json:"container"`
	Processes      int               `json:"processes"`
	FirstProcesses []e2eutil.Process `json:"firstProcesses"`
	Drift          int               `json:"drift"`
	Summary        struct {
		OK      int `json:"ok"`
		Drift   int `json:"drift"`
		Unknown int `json:"unknown"`
		Skipped int `json:"skipped"`
	} `json:"summary"`
	Drifts []struct {
		Check    string `json:"check"`
		Subject  string `json:"subject"`
		Severity string `json:"severity"`
	} `json:"drifts"`
	Changes []struct {
		Kind      string              `json:"kind"`
		Check     string              `json:"check"`
		Processes e2eutil.ProcessList `json:"processes"`
	} `json:"changes"`
}

// findings returns the findings of one check.
func (r *report) findings(check string) []e2eutil.Finding {
	return e2eutil.FindingsOf(r.Findings, check)
}

// seenRefusal is how the node refused a pod.
type seenRefusal struct {
	Where   string // pod status, container status, kubelet log
	Reason  string
	Message string
}

// verified is one container's verification: secctx's report and exit code.
type verified struct {
	Container string
	// Identity is the process user in the container's runtime spec.
	Identity string
	Report   *report
	Exit     int
	Stdout   string
	Stderr   string
	Problem  string // why there is no report
}

// podResult is what became of one static pod.
type podResult struct {
	Prep    *prepared
	Pod     *corev1.Pod
	Refusal *seenRefusal
	// Retried is a sandbox error the kubelet retries, last seen; it
	// becomes the refusal if the pod never runs.
	Retried *seenRefusal
	Done    bool
	// Verified holds one entry per container (init containers first).
	Verified []verified
	// Sidecar pods: the watch lines, and the runtime pod's app container
	// id for the golden capture.
	Lines []watchLine
}

// cellResult is one cell of the results table.
type cellResult struct {
	Text     string
	Findings []string // non-ok findings, for the list below the table
}

// results collects the table across node configurations.
var results = struct {
	sync.Mutex
	cells map[string]map[string]cellResult // row -> config -> cell
	rows  []string
}{cells: map[string]map[string]cellResult{}}

// statuses records, per check id, the statuses reports gave it.
var statuses = struct {
	sync.Mutex
	m map[string]map[string]bool
}{m: map[string]map[string]bool{}}

func noteStatuses(r *report) {
	statuses.Lock()
	defer statuses.Unlock()
	for _, f := range r.Findings {
		if statuses.m[f.Check] == nil {
			statuses.m[f.Check] = map[string]bool{}
		}
		statuses.m[f.Check][f.Status] = true
	}
}

// checkCoverage asserts that the manifests together exercise every check
// id secctx has: each reported ok somewhere, except the LSM checks, which
// this machine (no AppArmor, no SELinux) can only show skipped or drifting.
func checkCoverage(t *testing.T) {
	out, err := exec.Command(secctxBin, "checks").Output()
	if err != nil {
		t.Fatalf("secctx checks: %v", err)
	}
	statuses.Lock()
	defer statuses.Unlock()
	if len(statuses.m) == 0 {
		return // nothing ran (a filtered or skipped run)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.HasPrefix(line, " ") {
			continue
		}
		id := strings.TrimSpace(line)
		seen := statuses.m[id]
		switch {
		case len(seen) == 0:
			t.Errorf("check %s: no report holds a finding for it", id)
		case id == "appArmorProfile" || id == "seLinuxOptions":
			t.Logf("check %s: statuses %v (no AppArmor or SELinux on this machine)", id, keys(seen))
		case !seen["ok"]:
			t.Errorf("check %s: never ok in any report (statuses %v): no manifest exercises it", id, keys(seen))
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func record(row, config string, c cellResult) {
	results.Lock()
	defer results.Unlock()
	if results.cells[row] == nil {
		results.cells[row] = map[string]cellResult{}
		results.rows = append(results.rows, row)
	}
	results.cells[row][config] = c
}

// TestKubelet runs every manifest on every node configuration.
func TestKubelet(t *testing.T) {
	requireTier(t)
	specRoot := filepath.Join(workDir, "specs")
	var preps []*prepared
	names := map[string]string{}
	only, err := regexp.Compile(os.Getenv("SECCTX_KUBELET_ONLY"))
	if err != nil {
		t.Fatalf("SECCTX_KUBELET_ONLY: %v", err)
	}
	for _, c := range cases {
		if !only.MatchString(c.File) {
			continue
		}
		p, err := prepare(c, specRoot)
		if err != nil {
			t.Fatal(err)
		}
		if other, dup := names[p.Name]; dup {
			t.Fatalf("%s and %s both make a pod named %s", other, c.File, p.Name)
		}
		names[p.Name] = c.File
		if err := os.MkdirAll(p.SpecDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p.SpecDir, specFileName), p.Spec, 0o644); err != nil {
			t.Fatal(err)
		}
		preps = append(preps, p)
	}
	for _, nc := range nodeConfigs {
		t.Run(nc.Name, func(t *testing.T) { runConfig(t, nc, preps) })
	}
	logTable(t)
	logLintTable(t, preps)
	logExecTable(t)
	if os.Getenv("SECCTX_KUBELET_ONLY") == "" {
		checkCoverage(t)
	}
}

// runConfig brings the node up in one configuration, runs every pod at once
// and checks each.
func runConfig(t *testing.T, nc nodeConfig, preps []*prepared) {
	n := startNode(t, nc)
	if err := writeSeccompProfile(n); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, p := range preps {
		if err := n.writeStaticPod(p.Name, p.Manifest); err != nil {
			t.Fatal(err)
		}
	}
	execs := startExec(t, n)
	res := waitPods(t, n, preps)
	t.Logf("%d pods ran or were refused in %s", len(preps), time.Since(start).Round(time.Second))
	waitRuntime(t, n, res)
	t.Logf("runtime changes reported after %s", time.Since(start).Round(time.Second))
	if goldenConfig(nc) {
		captureGoldens(t, n, res)
	}
	for _, p := range preps {
		r := res[p.Name]
		t.Run(strings.TrimSuffix(filepath.Base(p.Case.File), ".yaml"), func(t *testing.T) {
			checkPod(t, nc, r)
		})
	}
	noteObservations(nc, res)
	t.Run("lint", func(t *testing.T) { checkLint(t, nc, preps) })
	t.Run("exec", func(t *testing.T) { checkExec(t, n, execs) })
}

// writeSeccompProfile writes the Localhost profile the manifests name
// (relative to the kubelet's seccomp directory): everything allowed but
// reboot and kexec_load, enough for the kernel to report a filter.
func writeSeccompProfile(n *node) error {
	dir := filepath.Join(n.env["SECCOMP_DIR"], "profiles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	arch := "SCMP_ARCH_X86_64"
	if b, err := os.ReadFile("/proc/sys/kernel/arch"); err == nil && strings.TrimSpace(string(b)) == "aarch64" {
		arch = "SCMP_ARCH_AARCH64"
	}
	profile := map[string]any{
		"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": []string{arch},
		"syscalls":      []any{map[string]any{"names": []string{"reboot", "kexec_load"}, "action": "SCMP_ACT_ERRNO"}},
	}
	b, err := json.MarshalIndent(profile, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "audit.json"), b, 0o644)
}

// waitingRefusals are container waiting reasons that mean the node will
// not run the container as declared.
var waitingRefusals = map[string]bool{
	"CreateContainerConfigError": true, "CreateContainerError": true, "RunContainerError": true,
	"ErrImageNeverPull": true, "InvalidImageName": true, "ImageInspectError": true,
}

// waitPods polls the kubelet until every pod has run to completion or has
// been refused, and reads the reports.
func waitPods(t *testing.T, n *node, preps []*prepared) map[string]*podResult {
	res := map[string]*podResult{}
	for _, p := range preps {
		res[p.Name] = &podResult{Prep: p}
	}
	ctx, cancel := context.WithTimeout(context.Background(), podsTimeout)
	defer cancel()
	for {
		pods, err := n.pods(ctx)
		if err != nil && ctx.Err() == nil {
			t.Logf("GET /pods: %v", err)
		}
		byName := map[string]*corev1.Pod{}
		for i := range pods {
			byName[pods[i].Name] = &pods[i]
		}
		klog := n.kubeletLog()
		pending := 0
		for _, r := range res {
			if r.Done {
				continue
			}
			if pod := byName[n.podName(r.Prep.Name)]; pod != nil {
				r.Pod = pod
			}
			if ref := findRefusal(n, r, klog); ref != nil {
				if retried(n, r, ref) {
					if r.Retried == nil {
						t.Logf("%s: %s: %s; the kubelet retries it", r.Prep.Case.File, ref.Where, ref.Message)
					}
					r.Retried = ref
				} else {
					r.Refusal, r.Done = ref, true
					continue
				}
			}
			if r.Prep.Case.RuntimeDrift != nil {
				if r.Pod != nil && e2eutil.AllRunning(r.Pod) {
					r.Done = true
					continue
				}
			} else if r.Pod != nil && allTerminated(r.Pod) {
				r.Verified = readReports(n, r)
				r.Done = true
				continue
			}
			pending++
		}
		if pending == 0 {
			return res
		}
		if ctx.Err() != nil {
			for _, r := range res {
				if !r.Done && r.Retried != nil {
					r.Refusal, r.Done = r.Retried, true
				}
				if !r.Done {
					t.Errorf("%s: neither ran to completion nor was refused within %s; pod status: %s",
						r.Prep.Case.File, podsTimeout, podStatusText(r.Pod))
				}
			}
			return res
		}
		time.Sleep(time.Second)
	}
}

func allStatuses(pod *corev1.Pod) []corev1.ContainerStatus {
	return append(append([]corev1.ContainerStatus(nil), pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
}

func allTerminated(pod *corev1.Pod) bool {
	st := allStatuses(pod)
	if len(st) != len(pod.Spec.InitContainers)+len(pod.Spec.Containers) {
		return false
	}
	for _, s := range st {
		if s.State.Terminated == nil {
			return false
		}
	}
	return true
}

func podStatusText(pod *corev1.Pod) string {
	if pod == nil {
		return "the kubelet does not list the pod"
	}
	b, _ := json.Marshal(pod.Status)
	return string(b)
}

// retried reports whether the kubelet retries what ref refused: a sandbox
// that failed to be created is created again on the pod's next sync (a
// transient error, such as a network namespace that could not be mounted
// on a busy machine, passes). It is final for the test only where the case
// expects that refusal on this node; elsewhere the pod must still run, and
// the refusal stands only if it never does.
func retried(n *node, r *podResult, ref *seenRefusal) bool {
	if ref.Reason != "CreatePodSandboxError" {
		return false
	}
	exp := r.Prep.Case.expect(n.cfg)
	return exp.Refused == nil || exp.Refused.Reason != ref.Reason
}

// findRefusal looks for a refusal in the pod's status and in the kubelet's
// log (sandbox creation errors and invalid manifests appear only there).
func findRefusal(n *node, r *podResult, klog string) *seenRefusal {
	if pod := r.Pod; pod != nil {
		if pod.Status.Phase == corev1.PodFailed && pod.Status.Reason != "" {
			return &seenRefusal{Where: "pod status", Reason: pod.Status.Reason, Message: pod.Status.Message}
		}
		for _, s := range allStatuses(pod) {
			if w := s.State.Waiting; w != nil && waitingRefusals[w.Reason] {
				return &seenRefusal{Where: "container " + s.Name, Reason: w.Reason, Message: w.Message}
			}
		}
	}
	podRef := fmt.Sprintf(`pod="%s/%s"`, "default", n.podName(r.Prep.Name))
	manifest := filepath.Join(n.env["STATIC_POD_DIR"], r.Prep.Name+".yaml")
	for _, line := range strings.Split(klog, "\n") {
		switch {
		case strings.Contains(line, podRef) && strings.Contains(line, "CreatePodSandboxError"):
			return &seenRefusal{Where: "kubelet log", Reason: "CreatePodSandboxError", Message: logMessage(line)}
		case strings.Contains(line, "Could not process manifest file") && strings.Contains(line, manifest):
			return &seenRefusal{Where: "kubelet log", Reason: "Could not process manifest file", Message: logMessage(line)}
		}
	}
	return nil
}

var logErr = regexp.MustCompile(`err="((?:[^"\\]|\\.)*)"`)

// logMessage is the err="..." part of a kubelet log line, unquoted.
func logMessage(line string) string {
	m := logErr.FindStringSubmatch(line)
	if m == nil {
		return line
	}
	if s, err := strconv.Unquote(`"` + m[1] + `"`); err == nil {
		return s
	}
	return m[1]
}

// readReports reads each container's report from its log.
func readReports(n *node, r *podResult) []verified {
	var out []verified
	statuses := map[string]corev1.ContainerStatus{}
	for _, s := range allStatuses(r.Pod) {
		statuses[s.Name] = s
	}
	for _, name := range e2eutil.With(r.Prep.InitContainers, r.Prep.Containers...) {
		v := verified{Container: name, Exit: -1}
		if s, ok := statuses[name]; ok && s.State.Terminated != nil {
			v.Exit = int(s.State.Terminated.ExitCode)
			v.Identity = identity(n, s.ContainerID)
		}
		// The kubelet may report a container terminated before its log
		// file holds everything the container wrote: read until stdout
		// holds a whole JSON document, or the wait is over.
		stdout, stderr, err := n.containerLog(r.Pod, name)
		for deadline := time.Now().Add(logFlushTimeout); err == nil && !json.Valid([]byte(stdout)) && time.Now().Before(deadline); {
			time.Sleep(250 * time.Millisecond)
			stdout, stderr, err = n.containerLog(r.Pod, name)
		}
		v.Stdout, v.Stderr = stdout, stderr
		if err != nil {
			v.Problem = err.Error()
			out = append(out, v)
			continue
		}
		if slices.Contains(r.Prep.InitContainers, name) {
			v.Exit = -1
			for _, line := range strings.Split(stderr, "\n") {
				if code, ok := strings.CutPrefix(line, initExitMarker); ok {
					v.Exit, _ = strconv.Atoi(strings.TrimSpace(code))
				}
			}
		}
		var rep report
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			v.Problem = fmt.Sprintf("stdout is not one JSON report (exit code %d): %v", v.Exit, err)
		} else if rep.APIVersion != "secctx/v1" {
			v.Problem = fmt.Sprintf("report apiVersion %q", rep.APIVersion)
		} else if err := schematest.CheckReport([]byte(stdout)); err != nil {
			v.Problem = fmt.Sprintf("the report breaks schema/report.schema.json: %v", err)
		} else {
			v.Report = &rep
		}
		out = append(out, v)
	}
	return out
}

// identity is the process user of a container's runtime spec, or why it
// cannot be read.
func identity(n *node, containerID string) string {
	_, id, _ := strings.Cut(containerID, "://")
	v, err := n.crictl("inspect", "-o", "json", id)
	if err != nil {
		return err.Error()
	}
	s, err := runtimeSpec(v)
	if err != nil || s.Process == nil {
		return fmt.Sprintf("no runtime spec: %v", err)
	}
	u := s.Process.User
	return fmt.Sprintf("uid=%d gid=%d groups=%v", u.UID, u.GID, u.AdditionalGids)
}

// sidecarLines parses the sidecar's stdout.
func sidecarLines(n *node, pod *corev1.Pod) ([]watchLine, string, error) {
	stdout, stderr, err := n.containerLog(pod, "secctx")
	if err != nil {
		return nil, "", err
	}
	if split, err := n.splitRecords(pod, "secctx"); err != nil || split > 0 {
		return nil, stderr, fmt.Errorf("the runtime split %d of the sidecar's lines in its log (%v)", split, err)
	}
	var lines []watchLine
	for _, raw := range strings.Split(stdout, "\n") {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		var l watchLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			return nil, stderr, fmt.Errorf("sidecar stdout line is not JSON: %v: %.200s", err, raw)
		}
		if err := schematest.CheckWatchLine([]byte(raw)); err != nil {
			return nil, stderr, fmt.Errorf("a sidecar line breaks schema/watch-line.schema.json: %v: %.200s", err, raw)
		}
		if len(raw)+1 > schematest.MaxLineBytes {
			return nil, stderr, fmt.Errorf("a sidecar line of %d bytes is over the %d-byte bound", len(raw)+1, schematest.MaxLineBytes)
		}
		lines = append(lines, l)
	}
	return lines, stderr, nil
}

// firstAppLine is the first watch line of container app that names the
// mutate process (the first cycle may run before the app starts).
func firstAppLine(lines []watchLine) *watchLine {
	for i := range lines {
		if lines[i].Container != "app" {
			continue
		}
		for _, p := range lines[i].FirstProcesses {
			if p.Comm == "mutate" {
				return &lines[i]
			}
		}
	}
	return nil
}

// reportedChanges are the checks the sidecar reported as new drift, for
// the mutate process.
func reportedChanges(lines []watchLine) map[string]bool {
	got := map[string]bool{}
	for _, l := range lines {
		for _, c := range l.Changes {
			if c.Kind != "drift" {
				continue
			}
			for _, p := range c.Processes.First {
				if p.Comm == "mutate" && p.PID > 1 {
					got[c.Check] = true
				}
			}
		}
	}
	return got
}

// anyReported returns which of checks the sidecar reported as drift of the
// mutate process.
func anyReported(lines []watchLine, checks []string) []string {
	got := reportedChanges(lines)
	var out []string
	for _, c := range checks {
		if got[c] {
			out = append(out, c)
		}
	}
	return out
}

// changesText lists every change line's changes, for failure messages.
func changesText(lines []watchLine) string {
	var out []string
	for _, l := range lines {
		for _, c := range l.Changes {
			out = append(out, fmt.Sprintf("%s %s %v", c.Kind, c.Check, c.Processes.First))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, "; ")
}

// waitRuntime waits until each running sidecar pod has reported its app's
// change, or the timeout.
func waitRuntime(t *testing.T, n *node, res map[string]*podResult) {
	deadline := time.Now().Add(runtimeTimeout)
	for {
		pending := 0
		for _, r := range res {
			if r.Prep.Case.RuntimeDrift == nil || r.Refusal != nil || r.Pod == nil {
				continue
			}
			lines, _, err := sidecarLines(n, r.Pod)
			if err == nil {
				r.Lines = lines
			}
			if len(anyReported(r.Lines, r.Prep.Case.RuntimeDrift)) == 0 {
				pending++
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Second)
	}
}

// checkPod asserts what must have happened to one pod.
func checkPod(t *testing.T, nc nodeConfig, r *podResult) {
	exp := r.Prep.Case.expect(nc)
	row := strings.TrimSuffix(r.Prep.Case.File, ".yaml")
	if exp.Refused != nil {
		switch {
		case r.Refusal == nil:
			t.Errorf("want the pod refused (%s: %s), but it was not; status: %s", exp.Refused.Reason, exp.Refused.Message, podStatusText(r.Pod))
			record(row, nc.Name, cellResult{Text: "ERROR: not refused"})
		case r.Refusal.Reason != exp.Refused.Reason || !strings.Contains(r.Refusal.Message, exp.Refused.Message):
			t.Errorf("refused with %s (%s): %q; want %s with a message containing %q",
				r.Refusal.Reason, r.Refusal.Where, r.Refusal.Message, exp.Refused.Reason, exp.Refused.Message)
			record(row, nc.Name, cellResult{Text: "ERROR: refused: " + r.Refusal.Reason})
		default:
			t.Logf("refused as expected (%s): %s: %s", r.Refusal.Where, r.Refusal.Reason, r.Refusal.Message)
			record(row, nc.Name, cellResult{Text: "refused: " + r.Refusal.Reason})
		}
		return
	}
	if r.Refusal != nil {
		t.Errorf("the node refused the pod (%s): %s: %s", r.Refusal.Where, r.Refusal.Reason, r.Refusal.Message)
		record(row, nc.Name, cellResult{Text: "ERROR: refused: " + r.Refusal.Reason})
		return
	}
	if !r.Done {
		record(row, nc.Name, cellResult{Text: "ERROR: timed out"})
		return // already reported by waitPods
	}
	if r.Prep.Case.RuntimeDrift != nil {
		checkRuntime(t, nc, r, exp, row)
		return
	}
	multi := len(r.Verified) > 1
	for _, v := range r.Verified {
		name := row
		if multi {
			name = row + " [" + v.Container + "]"
		}
		if v.Report == nil {
			t.Errorf("%s: no report: %s\nstdout:\n%s\nstderr:\n%s", v.Container, v.Problem, v.Stdout, v.Stderr)
			record(name, nc.Name, cellResult{Text: "ERROR: no report"})
			continue
		}
		noteStatuses(v.Report)
		noteOutcomes(nc, v.Report)
		problems, drift, cell := judge(nc, v.Report, v.Container, exp)
		if exp.Identity != "" && v.Identity != exp.Identity {
			problems = append(problems, fmt.Sprintf("containerd configured %s, want %s", v.Identity, exp.Identity))
		}
		wantExit := 0
		if len(exp.WantDrift) > 0 {
			wantExit = 1
		}
		if v.Exit != wantExit && !(reportOnly() && len(drift) > 0) {
			problems = append(problems, fmt.Sprintf("exit code %d, want %d", v.Exit, wantExit))
		}
		fail(t, v.Container, problems, drift, v.Report)
		record(name, nc.Name, cell)
	}
}

// nodeTruth is what this node configuration makes of a default the
// manifest leaves to the node: the outcome a node-dependent finding must say
// it saw. known is false for an outcome set the tier has no truth for.
func nodeTruth(nc nodeConfig, f e2eutil.Finding) (want string, known bool) {
	switch {
	case f.Check == "sysctls" && f.Subject == sysctlUnprivilegedPorts:
		if nc.Unprivileged {
			return "0", true
		}
		return "1024", true // the kernel's value
	case f.Check == "sysctls" && f.Subject == sysctlPingGroupRange:
		if nc.Unprivileged {
			return "0 2147483647", true
		}
		return "1 0", true
	case f.Check == "seccompProfile":
		if nc.SeccompDefault {
			return "filter", true
		}
		return "disabled", true
	case f.Check == "procMount" && (f.Subject == "/proc/interrupts" || strings.HasSuffix(f.Subject, "/thermal_throttle")):
		return "masked", true // kubelet v1.33.13 masks them (1.33.5 and later)
	}
	return "", false
}

// outcomesSeen collects, per node configuration, the node-dependent
// outcomes reports said they saw (check subject → values), for the table.
var outcomesSeen = struct {
	sync.Mutex
	m map[string]map[string]map[string]bool
}{m: map[string]map[string]map[string]bool{}}

func noteOutcomes(nc nodeConfig, r *report) {
	outcomesSeen.Lock()
	defer outcomesSeen.Unlock()
	for _, f := range r.Findings {
		if f.Outcomes == nil || f.Outcomes.Seen == nil {
			continue
		}
		key := f.Check
		if f.Subject != "" {
			key += " " + f.Subject
		}
		if outcomesSeen.m[nc.Name] == nil {
			outcomesSeen.m[nc.Name] = map[string]map[string]bool{}
		}
		if outcomesSeen.m[nc.Name][key] == nil {
			outcomesSeen.m[nc.Name][key] = map[string]bool{}
		}
		outcomesSeen.m[nc.Name][key][f.Outcomes.Seen.Value] = true
	}
}

// judge compares one report with the expectation: problems fail the test,
// drift lists false drift (failing unless report-only).
func judge(nc nodeConfig, r *report, container string, exp expect) (problems, drift []string, cell cellResult) {
	var notes []string
	for _, f := range r.Findings {
		if f.Outcomes != nil && f.Status != "unknown" {
			want, known := nodeTruth(nc, f)
			switch {
			case !known:
				problems = append(problems, fmt.Sprintf("%s %s: node-dependent outcomes %s the tier has no truth for", f.Check, f.Subject, e2eutil.JSONText(f.Outcomes)))
			case f.Outcomes.Seen == nil || f.Outcomes.Seen.Value != want:
				problems = append(problems, fmt.Sprintf("%s %s: outcome seen %s, but this node configuration gives %q", f.Check, f.Subject, e2eutil.JSONText(f.Outcomes.Seen), want))
			case f.Outcomes.Seen.When == "" || !strings.Contains(f.Message, f.Outcomes.Seen.When):
				problems = append(problems, fmt.Sprintf("%s %s: the message does not say which outcome it saw: %s", f.Check, f.Subject, f.Message))
			}
		}
		desc := fmt.Sprintf("%s %s %s (%s): expected %s, observed %s", f.Status, f.Check, f.Subject, f.Severity, e2eutil.JSONText(f.Expected), e2eutil.JSONText(f.Observed))
		switch {
		case f.Status == "drift" && slices.Contains(exp.WantDrift, f.Check):
			if note := "drift " + f.Check + " (true)"; !slices.Contains(notes, note) {
				notes = append(notes, note)
			}
			cell.Findings = append(cell.Findings, desc+" [true drift: the node cannot honour it]")
		case f.Status == "drift" && f.Severity == "info" && slices.Contains(exp.InfoDrift, f.Check):
			notes = append(notes, "info "+f.Check)
			cell.Findings = append(cell.Findings, desc+" [accepted: the runtime lacks CAP_SYS_RESOURCE]")
		case f.Status == "drift":
			drift = append(drift, desc+": "+f.Message)
			notes = append(notes, "DRIFT "+f.Check+subjectSuffix(f.Subject))
			cell.Findings = append(cell.Findings, desc)
		case f.Status == "unknown":
			problems = append(problems, desc+": "+f.Message)
			notes = append(notes, "UNKNOWN "+f.Check)
			cell.Findings = append(cell.Findings, desc)
		}
	}
	for _, c := range exp.WantDrift {
		found := false
		for _, f := range r.findings(c) {
			found = found || f.Status == "drift"
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s: want drift (the node cannot honour it)", c))
		}
	}
	for _, id := range exp.MustOK {
		fs := r.findings(id)
		if len(fs) == 0 {
			problems = append(problems, id+": no finding")
		}
		for _, f := range fs {
			if f.Status != "ok" && f.Status != "drift" {
				problems = append(problems, fmt.Sprintf("%s %s: status %s, want ok (the manifest exercises it): %s", id, f.Subject, f.Status, f.Message))
			}
		}
	}
	problems = append(problems, observedProblems(r, container, exp.Observed)...)
	if exp.Sysctls != nil {
		var got []string
		for _, f := range r.findings("sysctls") {
			if f.Status != "skipped" {
				got = append(got, f.Subject)
			}
		}
		sort.Strings(got)
		want := append([]string(nil), exp.Sysctls...)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			problems = append(problems, fmt.Sprintf("sysctls findings for %v, want %v", got, want))
		}
	}
	cell.Text = "ok"
	if len(notes) > 0 {
		cell.Text = strings.Join(notes, ", ")
	}
	return problems, drift, cell
}

func subjectSuffix(s string) string {
	if s == "" || s == "-" {
		return ""
	}
	return "[" + s + "]"
}

// fail fails the test for problems and for false drift (logged only in
// report-only mode).
func fail(t *testing.T, container string, problems, drift []string, r *report) {
	t.Helper()
	if len(drift) > 0 {
		msg := fmt.Sprintf("%s: secctx reports drift where the kubelet and containerd honour the manifest:\n  %s",
			container, strings.Join(drift, "\n  "))
		if reportOnly() {
			t.Log(msg)
		} else {
			t.Error(msg)
		}
	}
	if len(problems) > 0 {
		t.Errorf("%s:\n  %s", container, strings.Join(problems, "\n  "))
	}
	if len(problems) > 0 {
		b, _ := json.MarshalIndent(r.Findings, "", "  ")
		t.Logf("%s: findings:\n%s", container, b)
	}
}

// checkRuntime asserts a sidecar pod: the sidecar's first line about the
// app (a line carries counts and the drifts in force, not the report) shows
// no false drift and nothing unknown, and the change is reported as drift
// under the expected checks, naming the process. The app's manifest is one
// of the plain pods' shapes, whose full reports the tier judges in detail.
func checkRuntime(t *testing.T, nc nodeConfig, r *podResult, exp expect, row string) {
	first := firstAppLine(r.Lines)
	if first == nil {
		t.Errorf("no sidecar line names the app's mutate process; %d lines", len(r.Lines))
		record(row, nc.Name, cellResult{Text: "ERROR: no report"})
		return
	}
	var problems, drift []string
	cell := cellResult{Text: "ok"}
	if first.Summary.Unknown > 0 {
		problems = append(problems, fmt.Sprintf("the first line about the app counts %d unknown findings", first.Summary.Unknown))
		cell.Text = "UNKNOWN"
	}
	for _, d := range first.Drifts {
		desc := fmt.Sprintf("drift %s %s (%s)", d.Check, d.Subject, d.Severity)
		switch {
		case slices.Contains(exp.WantDrift, d.Check):
			cell.Findings = append(cell.Findings, desc+" [true drift: the node cannot honour it]")
		case d.Severity == "info" && slices.Contains(exp.InfoDrift, d.Check):
			cell.Findings = append(cell.Findings, desc+" [accepted: the runtime lacks CAP_SYS_RESOURCE]")
		default:
			drift = append(drift, desc)
			cell.Findings = append(cell.Findings, desc)
			cell.Text = "DRIFT " + d.Check
		}
	}
	if n := first.Drift - len(first.Drifts); n > 0 {
		problems = append(problems, fmt.Sprintf("the first line about the app left %d drifts out", n))
	}
	seen := anyReported(r.Lines, r.Prep.Case.RuntimeDrift)
	if len(seen) == 0 {
		problems = append(problems, fmt.Sprintf("the app's change was not reported as drift naming the mutate process (under %s) within %s; changes reported: %s",
			strings.Join(r.Prep.Case.RuntimeDrift, " or "), runtimeTimeout, changesText(r.Lines)))
		cell.Text += " → NOT REPORTED"
	} else {
		cell.Text += " → drift " + strings.Join(seen, ", ")
	}
	if len(drift) > 0 {
		msg := fmt.Sprintf("app: secctx reports drift where the kubelet and containerd honour the manifest:\n  %s", strings.Join(drift, "\n  "))
		if reportOnly() {
			t.Log(msg)
		} else {
			t.Error(msg)
		}
	}
	if len(problems) > 0 {
		t.Errorf("app:\n  %s", strings.Join(problems, "\n  "))
	}
	record(row, nc.Name, cell)
}

// observedProblems compares findings' observed values with pins (check id
// or container:check → JSON).
func observedProblems(r *report, container string, pins map[string]string) []string {
	var problems []string
	for _, key := range slices.Sorted(maps.Keys(pins)) {
		check := key
		if c, id, ok := strings.Cut(key, ":"); ok {
			if c != container {
				continue
			}
			check = id
		}
		fs := r.findings(check)
		p, err := e2eutil.ObservedMismatches(check, pins[key], fs)
		if err != nil {
			problems = append(problems, fmt.Sprintf("bad pin for %s: %v", key, err))
			continue
		}
		if len(fs) == 0 {
			problems = append(problems, check+": no finding to compare the observed value with")
		}
		problems = append(problems, p...)
	}
	return problems
}

// writeTableHead writes the head of a table of the node configurations:
// the columns heads, then one column per configuration.
func writeTableHead(b *strings.Builder, heads ...string) {
	b.WriteString("|")
	for _, h := range heads {
		b.WriteString(" " + h + " |")
	}
	for _, nc := range nodeConfigs {
		b.WriteString(" " + nc.Name + " |")
	}
	b.WriteString("\n|" + strings.Repeat("---|", len(heads)+len(nodeConfigs)) + "\n")
}

// writeTableCells ends a row of such a table with each configuration's
// cell (configuration → text), "not run" where it has none.
func writeTableCells(b *strings.Builder, cells map[string]string) {
	for _, nc := range nodeConfigs {
		cell, ok := cells[nc.Name]
		if !ok {
			cell = "not run"
		}
		b.WriteString(" " + cell + " |")
	}
	b.WriteString("\n")
}

// logTable prints the manifests × node configurations table and every
// non-ok finding.
func logTable(t *testing.T) {
	results.Lock()
	defer results.Unlock()
	if len(results.rows) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("\n")
	writeTableHead(&b, "manifest")
	rows := append([]string(nil), results.rows...)
	sort.Strings(rows)
	for _, row := range rows {
		b.WriteString("| " + row + " |")
		texts := map[string]string{}
		for config, c := range results.cells[row] {
			texts[config] = c.Text
		}
		writeTableCells(&b, texts)
	}
	outcomesSeen.Lock()
	b.WriteString("\nNode-dependent defaults, the outcome the reports saw (check subject: values), per configuration:\n")
	for _, nc := range nodeConfigs {
		seen := outcomesSeen.m[nc.Name]
		var keys []string
		for k := range seen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			var vals []string
			for v := range seen[k] {
				vals = append(vals, strconv.Quote(v))
			}
			sort.Strings(vals)
			parts = append(parts, k+": "+strings.Join(vals, ", "))
		}
		if len(parts) > 0 {
			fmt.Fprintf(&b, "  %s: %s\n", nc.Name, strings.Join(parts, "; "))
		}
	}
	outcomesSeen.Unlock()
	b.WriteString("\nNon-ok findings (config, manifest [container]: status check subject (severity): expected, observed):\n")
	for _, row := range rows {
		for _, nc := range nodeConfigs {
			for _, f := range results.cells[row][nc.Name].Findings {
				fmt.Fprintf(&b, "  %s, %s: %s\n", nc.Name, row, f)
			}
		}
	}
	t.Log(b.String())
	if out := os.Getenv("SECCTX_KUBELET_TABLE"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Errorf("writing the table to %s: %v", out, err)
		}
	}
}
