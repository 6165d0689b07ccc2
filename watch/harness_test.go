package watch_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/verify"
	"github.com/secctx/secctx/watch"

	"github.com/secctx/secctx/schema/schematest"
)

// podYAML is the test pod: one container "app" that runs as 1000:3000 with
// supplementary group 4000, a read-only root and no privilege escalation.
// The fake processes of appProc satisfy it exactly (no drift).
const podYAML = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    supplementalGroups: [4000]
  containers:
  - name: app
    image: nginx
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      seccompProfile: {type: Unconfined}
`

// twoContainerYAML adds a sidecar "side" with the same securityContext.
const twoContainerYAML = podYAML + `  - name: side
    image: secctx
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
`

// t0 is the fake clock's start.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// harness runs a Watcher over a fake proc tree with a fake clock and
// captures what it writes.
type harness struct {
	t    *testing.T
	tree *procTree
	w    *watch.Watcher
	out  bytes.Buffer // change lines (stdout)
	log  bytes.Buffer // diagnostics (stderr)
	now  time.Time
	read int // bytes of out already returned by cycle
}

// static is a spec source without a file to watch.
type static string

func (s static) Load() (*manifest.Loaded, error) {
	return &manifest.Loaded{Source: "test", Name: "test", Data: []byte(s)}, nil
}

func (static) File() string { return "" }

// staticSpec is a spec source without a file to watch.
func staticSpec(yaml string) verify.SpecSource { return static(yaml) }

// fileSpec is a spec source reading and watching path.
func fileSpec(path string) verify.SpecSource { return manifest.Locator{Path: path} }

// defaultSpec is the CLI's source when no spec is given: the embedded one.
func defaultSpec() verify.SpecSource { return manifest.Locator{} }

// pipeline is a pipeline over the fake tree.
func pipeline(pt *procTree, src verify.SpecSource) *verify.Pipeline {
	return &verify.Pipeline{Source: src, FS: pt.FS()}
}

func mustTargets(t testing.TB, specs ...string) []watch.Target {
	t.Helper()
	var out []watch.Target
	for _, s := range specs {
		tg, err := watch.ParseTarget(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tg)
	}
	return out
}

// newHarness makes the watcher; targets are --target values ("others" when
// none are given).
func newHarness(t *testing.T, pt *procTree, src verify.SpecSource, targets ...string) *harness {
	t.Helper()
	h := newHarnessFS(t, pt.FS(), src, targets...)
	h.tree = pt
	return h
}

// newHarnessFS makes the watcher over any proc filesystem.
func newHarnessFS(t *testing.T, fs probe.FS, src verify.SpecSource, targets ...string) *harness {
	t.Helper()
	if len(targets) == 0 {
		targets = []string{"others"}
	}
	h := &harness{t: t, now: t0}
	w, err := watch.New(watch.Config{
		Pipeline:  &verify.Pipeline{Source: src, FS: fs},
		Targets:   mustTargets(t, targets...),
		Interval:  time.Minute,
		Heartbeat: time.Hour,
		// Like the command: a timestamp on every line.
		Out: zerolog.New(&h.out).With().Timestamp().Logger(),
		Log: zerolog.New(&h.log),
		Now: func() time.Time { return h.now },
	})
	if err != nil {
		t.Fatalf("watch.New: %v", err)
	}
	h.w = w
	return h
}

// outLine is one line the watcher writes to stdout.
type outLine struct {
	Level     string         `json:"level"`
	Time      string         `json:"time"`
	Event     string         `json:"event"`
	Container string         `json:"container"`
	Processes int            `json:"processes"`
	Drift     int            `json:"drift"`
	Changes   []watch.Change `json:"changes"`
	Drifts    []watch.Drift  `json:"drifts"`
	Workload  string         `json:"workload"`
	Spec      string         `json:"spec"`
	Summary   report.Summary `json:"summary"`
	// FirstProcesses are the first processes the line names.
	FirstProcesses []report.Process `json:"firstProcesses"`
	Message        string           `json:"message"`
	// Error and LastGood are set on spec_error lines.
	Error    string `json:"error"`
	LastGood bool   `json:"lastGood"`
	// Report is the cycle's report of the line's container (a line does
	// not carry it; the harness adds it).
	Report report.Report   `json:"-"`
	keys   map[string]bool // top-level keys present
	raw    string
}

// parseLines decodes the stdout text, one JSON object a line.
func parseLines(t testing.TB, text string) []outLine {
	t.Helper()
	// Every line a test sees is held to the line schema and size bound.
	schematest.CheckWatchLines(t, text)
	var out []outLine
	for _, s := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if s == "" {
			continue
		}
		var l outLine
		dec := json.NewDecoder(strings.NewReader(s))
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line is not a JSON object: %v\n%s", err, s)
		}
		if dec.More() {
			t.Fatalf("line holds more than one JSON value:\n%s", s)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		if r, ok := m["report"]; ok {
			schematest.Report(t, r)
		}
		l.keys = map[string]bool{}
		for k := range m {
			l.keys[k] = true
		}
		l.raw = s
		out = append(out, l)
	}
	return out
}

// cycle runs one cycle and returns the lines it wrote, each with the
// cycle's report of its container.
func (h *harness) cycle() []outLine {
	h.t.Helper()
	reports := h.w.Cycle()
	text := h.out.String()[h.read:]
	h.read = h.out.Len()
	lines := parseLines(h.t, text)
	for i := range lines {
		for _, r := range reports {
			if r.Target.Container == lines[i].Container {
				lines[i].Report = *r
			}
		}
	}
	return lines
}

// advance moves the fake clock.
func (h *harness) advance(d time.Duration) { h.now = h.now.Add(d) }

// initial runs the first cycle and requires one "initial" line per
// container, in target order.
func (h *harness) initial(containers ...string) []outLine {
	h.t.Helper()
	lines := h.cycle()
	if len(lines) != len(containers) {
		h.t.Fatalf("first cycle wrote %d lines, want %d (one initial per container):\n%s", len(lines), len(containers), rawLines(lines))
	}
	for i, l := range lines {
		if l.Event != "initial" || l.Container != containers[i] {
			h.t.Errorf("line %d: event %q container %q, want initial for %q", i, l.Event, l.Container, containers[i])
		}
	}
	return lines
}

func rawLines(ls []outLine) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l.raw)
		b.WriteByte('\n')
	}
	return b.String()
}

// describe renders a change as "kind check[/subject] [severity] pid:comm,...".
func describe(c watch.Change) string {
	s := c.Kind + " " + string(c.Check)
	if c.Subject != "" {
		s += "/" + c.Subject
	}
	if c.Severity != "" && c.Kind == "drift" {
		s += " " + string(c.Severity)
	}
	if c.Processes != nil {
		var ps []string
		for _, p := range c.Processes.First {
			ps = append(ps, fmt.Sprintf("%d:%s", p.PID, p.Comm))
		}
		s += " " + strings.Join(ps, ",")
	}
	return s
}

func describeAll(cs []watch.Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = describe(c)
	}
	sort.Strings(out)
	return out
}

// findings returns the findings of a report with the given check id.
func findings(r *report.Report, check string) []report.Finding {
	var out []report.Finding
	for _, f := range r.Findings {
		if string(f.Check) == check {
			out = append(out, f)
		}
	}
	return out
}

func pidList(ps []report.Process) string {
	var s []string
	for _, p := range ps {
		s = append(s, fmt.Sprintf("%d:%s", p.PID, p.Comm))
	}
	return strings.Join(s, ",")
}

// appPod returns a tree with secctx as pid 7 in its own container, the
// pause process, a kernel thread and n nginx workers (pids 20...) in "app".
func appPod(t testing.TB, n int) *procTree {
	t.Helper()
	pt := newProcTree(t, appProc(7, "secctx", "secctx"))
	pt.add(pauseProc(), kernelThread(2, "kthreadd"))
	for i := 0; i < n; i++ {
		pt.add(appProc(20+i, "nginx", "app"))
	}
	return pt
}
