package kubelet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// `secctx exec` as the command of static pods under the real kubelet: the
// pods of testdata/exec run `/secctx exec --spec=... -- /bin/sh -c APP`
// beside the tier's other pods, on every node configuration. The app says
// what it is from its own /proc/self.

// execCase is one pod of testdata/exec.
type execCase struct {
	File string
	// SpecRunAsUser, when set, is the runAsUser the spec file declares
	// instead of the pod's own: the process does not run as its spec says.
	SpecRunAsUser int
	// Runs: the app must run (as pid 1, printing execStatus); else secctx must
	// exit 1 without running it.
	Runs bool
	// Drift are the checks the verified line on stderr must list drift
	// in, exactly; nil: stderr must stay empty (nothing drifts).
	Drift []string
	// Observed pins what the line's drifts expected and observed
	// (check → [expected, observed]).
	Observed map[string][2]string
	// Signal: a long-running app; the pod is deleted and the app's
	// SIGTERM handler must run in pid 1.
	Signal bool
}

// execStatus is what the hardened app of every pod reads in its
// /proc/self/status (runAsUser 1000, runAsGroup 3000, no escalation,
// RuntimeDefault, every capability dropped), whitespace collapsed.
var execStatus = map[string]string{
	"Uid:": "1000 1000 1000 1000", "Gid:": "3000 3000 3000 3000",
	"NoNewPrivs:": "1", "Seccomp:": "2", "CapEff:": "0000000000000000",
}

var execCases = []execCase{
	{File: "exec/honoured.yaml", Runs: true},
	{
		File: "exec/selinux-drift.yaml", Drift: []string{"seLinuxOptions"},
		Observed: map[string][2]string{"seLinuxOptions": {"*:*:*:s0:c123,c456", "no SELinux label"}},
	},
	{
		File: "exec/selinux-drift-warn-only.yaml", Runs: true, Drift: []string{"seLinuxOptions"},
		Observed: map[string][2]string{"seLinuxOptions": {"*:*:*:s0:c123,c456", "no SELinux label"}},
	},
	{
		File: "exec/spec-user-drift.yaml", SpecRunAsUser: 1001, Drift: []string{"runAsUser"},
		Observed: map[string][2]string{"runAsUser": {"1001", "1000"}},
	},
	{
		File: "exec/spec-user-drift-warn-only.yaml", SpecRunAsUser: 1001, Runs: true, Drift: []string{"runAsUser"},
		Observed: map[string][2]string{"runAsUser": {"1001", "1000"}},
	},
	{File: "exec/signal.yaml", Signal: true},
}

// How long an exec pod's app may take to say it got SIGTERM after the pod
// is deleted (the pods' grace period is 1 s).
const execSignalTimeout = 20 * time.Second

type execPrepared struct {
	ec execCase
	p  *prepared
}

var execPreps = struct {
	once  sync.Once
	preps []*execPrepared
	err   error
}{}

// prepareExec builds the exec pods once: the static pod with the tier's
// wiring, and its spec file (the pod's own manifest, or one declaring
// SpecRunAsUser).
func prepareExec() ([]*execPrepared, error) {
	execPreps.once.Do(func() {
		only, err := regexp.Compile(os.Getenv("SECCTX_KUBELET_ONLY"))
		if err != nil {
			execPreps.err = err
			return
		}
		for _, ec := range execCases {
			if !only.MatchString(ec.File) {
				continue
			}
			p, err := prepare(kcase{File: ec.File}, filepath.Join(workDir, "specs"))
			if err != nil {
				execPreps.err = err
				return
			}
			if ec.SpecRunAsUser != 0 {
				if p.Spec, err = declareRunAsUser(p.Spec, ec.SpecRunAsUser); err != nil {
					execPreps.err = fmt.Errorf("%s: %v", ec.File, err)
					return
				}
			}
			if err := os.MkdirAll(p.SpecDir, 0o755); err != nil {
				execPreps.err = err
				return
			}
			if err := os.WriteFile(filepath.Join(p.SpecDir, specFileName), p.Spec, 0o644); err != nil {
				execPreps.err = err
				return
			}
			execPreps.preps = append(execPreps.preps, &execPrepared{ec: ec, p: p})
		}
	})
	return execPreps.preps, execPreps.err
}

// declareRunAsUser returns the pod manifest with another pod-level
// runAsUser.
func declareRunAsUser(manifest []byte, uid int) ([]byte, error) {
	docs, err := readDocs(manifest)
	if err != nil {
		return nil, err
	}
	sc, err := mapAt(docs[0], "spec", "securityContext")
	if err != nil {
		return nil, err
	}
	sc["runAsUser"] = uid
	return writeDocs(docs)
}

// startExec places the exec pods into the static pod directory.
func startExec(t *testing.T, n *node) []*execPrepared {
	t.Helper()
	preps, err := prepareExec()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range preps {
		if err := n.writeStaticPod(e.p.Name, e.p.Manifest); err != nil {
			t.Fatal(err)
		}
	}
	return preps
}

// execDone reports whether an exec pod is where it can be judged: its app
// terminated, or (a signal pod) running and ready.
func execDone(n *node, e *execPrepared, pod *corev1.Pod) bool {
	if pod == nil || len(pod.Status.ContainerStatuses) != 1 {
		return false
	}
	s := pod.Status.ContainerStatuses[0]
	if w := s.State.Waiting; w != nil && waitingRefusals[w.Reason] {
		return true
	}
	if !e.ec.Signal {
		return s.State.Terminated != nil
	}
	if s.State.Running == nil {
		return s.State.Terminated != nil
	}
	stdout, _, err := n.containerLog(pod, "app")
	return err == nil && strings.Contains(stdout, "ready pid=")
}

// checkExec judges every exec pod on node n.
func checkExec(t *testing.T, n *node, preps []*execPrepared) {
	start := time.Now()
	pods := map[string]*corev1.Pod{}
	ctx, cancel := context.WithTimeout(context.Background(), podsTimeout)
	defer cancel()
	for {
		list, err := n.pods(ctx)
		if err != nil && ctx.Err() == nil {
			t.Logf("GET /pods: %v", err)
		}
		pending := 0
		for _, e := range preps {
			for i := range list {
				if list[i].Name == n.podName(e.p.Name) {
					pods[e.p.Name] = &list[i]
				}
			}
			if !execDone(n, e, pods[e.p.Name]) {
				pending++
			}
		}
		if pending == 0 || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, e := range preps {
		t.Run(strings.TrimSuffix(filepath.Base(e.ec.File), ".yaml"), func(t *testing.T) {
			pod := pods[e.p.Name]
			if !execDone(n, e, pod) {
				recordExec(e, n, "✗ timed out")
				t.Fatalf("the pod did not get to run within %s: %s", podsTimeout, podStatusText(pod))
			}
			s := pod.Status.ContainerStatuses[0]
			if w := s.State.Waiting; w != nil {
				recordExec(e, n, "✗ refused: "+w.Reason)
				t.Fatalf("the node refused the container: %s: %s", w.Reason, w.Message)
			}
			if e.ec.Signal {
				recordExec(e, n, checkExecSignal(t, n, e, pod))
				return
			}
			recordExec(e, n, checkExecRun(t, n, e, pod, s))
		})
	}
	t.Logf("exec pods judged %s after the tier's pods", time.Since(start).Round(100*time.Millisecond))
}

// checkExecRun judges an exec pod whose app has terminated (or was never
// run).
func checkExecRun(t *testing.T, n *node, e *execPrepared, pod *corev1.Pod, s corev1.ContainerStatus) (cell string) {
	term := s.State.Terminated
	// The container's log may lag its termination: wait for what the
	// case must have written.
	stdout, stderr, err := n.containerLog(pod, "app")
	for deadline := time.Now().Add(logFlushTimeout); err == nil && !execLogComplete(e.ec, stdout, stderr) && time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		stdout, stderr, err = n.containerLog(pod, "app")
	}
	if err != nil {
		t.Error(err)
		return "✗ no log"
	}
	var problems []string
	wantExit := 0
	if !e.ec.Runs {
		wantExit = 1
	}
	if int(term.ExitCode) != wantExit {
		problems = append(problems, fmt.Sprintf("the container exited %d (%s), want %d", term.ExitCode, term.Reason, wantExit))
	}
	if e.ec.Runs {
		problems = append(problems, appProblems(stdout)...)
	} else if stdout != "" {
		problems = append(problems, fmt.Sprintf("the app ran although secctx found drift: stdout %q", stdout))
	}
	problems = append(problems, execReportProblems(e.ec, stderr)...)
	if split, err := n.splitRecords(pod, "app"); err != nil || split > 0 {
		problems = append(problems, fmt.Sprintf("the runtime split %d lines of the container's log (%v)", split, err))
	}
	// A refusing pod asks for terminationMessagePolicy
	// FallbackToLogsOnError: the kubelet puts the tail of the failed
	// container's log, the end of the verified line, into its status.
	if !e.ec.Runs {
		msg := strings.TrimSpace(term.Message)
		switch {
		case pod.Spec.Containers[0].TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError:
			problems = append(problems, "the manifest does not set terminationMessagePolicy: FallbackToLogsOnError")
		case msg == "" || !strings.HasSuffix(strings.TrimSpace(stderr), msg):
			problems = append(problems, fmt.Sprintf("the container status's message is not the end of the verified line: %q", term.Message))
		}
	}
	cell = fmt.Sprintf("exit %d", term.ExitCode)
	if strings.Contains(stdout, "pid=1 comm=sh") {
		cell += ", the app ran as pid 1"
	} else {
		cell += ", the app did not run"
	}
	if d := e.ec.Drift; d != nil {
		cell += ", the verified line on stderr: drift " + strings.Join(d, ", ")
	}
	if len(problems) > 0 {
		t.Errorf("%s\nstdout:\n%s\nstderr:\n%s", strings.Join(problems, "\n"), stdout, stderr)
		cell = "✗ " + cell
	}
	return cell
}

// execLogComplete reports whether the log holds all a case writes: the
// verified line and, when the app runs, its last line.
func execLogComplete(ec execCase, stdout, stderr string) bool {
	if ec.Drift != nil && !strings.HasSuffix(stderr, "\n") {
		return false
	}
	return !ec.Runs || strings.Contains(stdout, "CapEff:")
}

// appProblems checks what the app printed: it is pid 1, it is the shell
// (secctx replaced itself), and its ids and security state are the
// hardened pod's.
func appProblems(stdout string) []string {
	var problems []string
	got := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		got[f[0]] = strings.Join(f[1:], " ")
	}
	if got["pid=1"] != "comm=sh" {
		problems = append(problems, fmt.Sprintf("the app did not say it is pid 1 named sh (secctx replaced by the shell): %q", stdout))
	}
	keys := make([]string, 0, len(execStatus))
	for k := range execStatus {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] != execStatus[k] {
			problems = append(problems, fmt.Sprintf("the app's %s is %q, want %q", k, got[k], execStatus[k]))
		}
	}
	return problems
}

// execReportProblems checks stderr: empty without drift, else exactly one
// line of the sidecar's format (valid against its schema, event
// "verified") about secctx itself as pid 1, drifting in exactly the case's
// checks, with the pinned expected and observed values.
func execReportProblems(ec execCase, stderr string) []string {
	if ec.Drift == nil {
		if stderr != "" {
			return []string{fmt.Sprintf("stderr should be empty (no drift): %q", stderr)}
		}
		return nil
	}
	l, err := e2eutil.DecodeVerifiedLine(stderr)
	if err != nil {
		return []string{"stderr is not the verified line: " + err.Error()}
	}
	var problems []string
	if got := l.DriftChecks(); strings.Join(got, ",") != strings.Join(ec.Drift, ",") || l.DriftsOmitted != 0 {
		problems = append(problems, fmt.Sprintf("the line lists drifts in %v (%d left out), want %v", got, l.DriftsOmitted, ec.Drift))
	}
	for check, want := range ec.Observed {
		ds := l.DriftsOf(check)
		if len(ds) == 0 {
			problems = append(problems, check+": no drift listed")
		}
		for _, d := range ds {
			if d.Expected != want[0] || d.Observed != want[1] {
				problems = append(problems, fmt.Sprintf("%s: expected %q, observed %q; want %q, %q", check, d.Expected, d.Observed, want[0], want[1]))
			}
		}
	}
	if l.Processes != 1 || len(l.FirstProcesses) != 1 || l.FirstProcesses[0].PID != 1 || l.FirstProcesses[0].Comm != "secctx" {
		problems = append(problems, fmt.Sprintf("the line is about %d processes %v, want pid 1 (secctx verifying itself)", l.Processes, l.FirstProcesses))
	}
	return problems
}

// checkExecSignal deletes a running exec pod and waits for its app's
// SIGTERM handler to log, as pid 1. The log file is held open, since the
// kubelet removes a deleted pod's containers and their logs.
func checkExecSignal(t *testing.T, n *node, e *execPrepared, pod *corev1.Pod) string {
	if s := pod.Status.ContainerStatuses[0]; s.State.Running == nil {
		stdout, stderr, _ := n.containerLog(pod, "app")
		t.Errorf("the app is not running: %s\nstdout:\n%s\nstderr:\n%s", podStatusText(pod), stdout, stderr)
		return "✗ not running"
	}
	dir := filepath.Join(n.env["POD_LOGS_DIR"], fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID), "app")
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	if len(files) != 1 {
		t.Errorf("want one log file in %s, got %v", dir, files)
		return "✗ no log"
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Error(err)
		return "✗ no log"
	}
	defer f.Close()
	stdout, stderr, err := criLog(f)
	if err != nil {
		t.Error(err)
		return "✗ no log"
	}
	if stdout != "ready pid=1\n" || stderr != "" {
		t.Errorf("before the signal: stdout %q, stderr %q; want the app alone, as pid 1", stdout, stderr)
		return "✗ not the app as pid 1"
	}
	deleted := time.Now()
	if err := os.Remove(filepath.Join(n.env["STATIC_POD_DIR"], e.p.Name+".yaml")); err != nil {
		t.Error(err)
		return "✗ not deleted"
	}
	for time.Since(deleted) < execSignalTimeout {
		if stdout, stderr, err = criLog(f); err != nil {
			t.Error(err)
			return "✗ no log"
		}
		if strings.Contains(stdout, "got-TERM") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if stdout != "ready pid=1\ngot-TERM pid=1\n" || stderr != "" {
		t.Errorf("after deleting the pod: stdout %q, stderr %q; want the SIGTERM handler's line from pid 1", stdout, stderr)
		return "✗ no SIGTERM handler line"
	}
	took := time.Since(deleted).Round(100 * time.Millisecond)
	t.Logf("the app's SIGTERM handler ran %s after the pod was deleted", took)
	return fmt.Sprintf("pod deleted: pid 1's SIGTERM handler ran (%s)", took)
}

var execCells = struct {
	sync.Mutex
	m map[string]map[string]string // case file → config → cell
}{m: map[string]map[string]string{}}

func recordExec(e *execPrepared, n *node, cell string) {
	execCells.Lock()
	defer execCells.Unlock()
	if execCells.m[e.ec.File] == nil {
		execCells.m[e.ec.File] = map[string]string{}
	}
	execCells.m[e.ec.File][n.cfg.Name] = cell
}

// logExecTable prints what became of each exec pod on each node
// configuration.
func logExecTable(t *testing.T) {
	execCells.Lock()
	defer execCells.Unlock()
	if len(execCells.m) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("\nsecctx exec as the pods' command:\n\n")
	writeTableHead(&b, "pod")
	for _, ec := range execCases {
		row, ok := execCells.m[ec.File]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "| `%s` |", strings.TrimSuffix(ec.File, ".yaml"))
		writeTableCells(&b, row)
	}
	t.Log(b.String())
}
