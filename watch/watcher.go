package watch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/sysctl"
	"github.com/secctx/secctx/verify"
)

// Defaults.
const (
	DefaultInterval  = 60 * time.Second
	DefaultHeartbeat = time.Hour
	// jitter spreads the cycles of many sidecars started together.
	jitter = 0.1
)

// Config configures a Watcher.
type Config struct {
	// Pipeline turns the spec into a verifier per target, at start and on
	// every reload; the file of its source, if any, is watched for changes
	// (a ConfigMap volume swaps its ..data symlink), and its FS is where
	// processes are listed and observed.
	Pipeline  *verify.Pipeline
	Targets   []Target
	Interval  time.Duration
	Heartbeat time.Duration
	// MaxCycles stops Run after that many cycles; 0 runs until cancelled.
	MaxCycles int
	// Out receives the JSON lines of changes and heartbeats (stdout).
	Out zerolog.Logger
	// Log receives diagnostics (stderr).
	Log zerolog.Logger
	// Publish, if set, is called after every cycle with its reports (one
	// per target), e.g. to write a PolicyReport file.
	Publish func([]*report.Report)
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// containerPlan is a target with its verifier for the current spec.
type containerPlan struct {
	target   Target
	name     string // resolved container name, for reports and metrics
	verifier *verify.Verifier
}

// Watcher verifies its targets cycle after cycle.
type Watcher struct {
	cfg Config

	specKey  string // identity of the spec file last loaded
	spec     specHealth
	plans    []containerPlan
	podReq   probe.Request // the pod items every plan reads, once per cycle
	specSrc  report.SpecRef
	last     map[string]map[string]report.Finding // container → key → finding
	lastBeat time.Time

	mu     sync.RWMutex
	status Status
}

// Status is what the HTTP endpoints and metrics read.
type Status struct {
	// Cycles counts finished cycles.
	Cycles   int
	Reports  []*report.Report
	Last     time.Time
	Duration time.Duration
	// SpecErrors counts the spec reloads rejected while a good spec was
	// in force (which stays), each bad spec once.
	SpecErrors int
	// SpecError is why the spec does not load now, "" when it does; the
	// last good spec, if any, stays in force (SpecLoaded).
	SpecError string
	// SpecLoaded is true when a spec is in force and verified.
	SpecLoaded bool
	// Alive is the time the loop last ran.
	Alive time.Time
}

// New checks the configuration and loads the spec. A spec that does not
// load is no error: the watcher runs without one (a later invalid one keeps
// the last good), says why in its lines, metrics and /report, and stays
// ready, so that a sidecar never takes its pod out of service; the next
// good spec is applied (see spec.go).
func New(cfg Config) (*Watcher, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Targets) == 0 {
		cfg.Targets = []Target{{Selector: Selector{Kind: SelectSelf}}}
	}
	seen := map[string]bool{}
	for _, t := range cfg.Targets {
		if seen[t.Container] {
			return nil, fmt.Errorf("--target: container %q given twice", t.Container)
		}
		seen[t.Container] = true
	}
	w := &Watcher{cfg: cfg, last: map[string]map[string]report.Finding{}}
	if err := w.load(); err != nil {
		w.specFailed(err)
	} else {
		w.setSpecStatus()
	}
	return w, nil
}

// fileKey identifies the content behind path without reading it: a
// ConfigMap update swaps a symlink, so the resolved inode, size and mtime
// change.
func fileKey(path string) string {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return "error:" + err.Error()
	}
	return fmt.Sprintf("%d:%d:%d:%d.%d", st.Dev, st.Ino, st.Size, st.Mtim.Sec, st.Mtim.Nsec)
}

// load (re)reads the spec and plans each target's verifier.
func (w *Watcher) load() error {
	key := "static"
	if f := w.cfg.Pipeline.Source.File(); f != "" {
		key = fileKey(f)
	}
	spec, err := w.cfg.Pipeline.Load()
	if err != nil {
		return err
	}
	plans := make([]containerPlan, 0, len(w.cfg.Targets))
	for _, t := range w.cfg.Targets {
		v, err := spec.Verifier(t.Container)
		if err != nil {
			return err
		}
		v.Now = w.cfg.Now
		name := v.Container()
		if spec.Loaded.Default && t.Container != "" {
			// Every target is held to the one embedded container; keep
			// the targets apart by the names they were given.
			name = t.Container
		}
		plans = append(plans, containerPlan{target: t, name: name, verifier: v})
	}
	w.plans, w.specSrc, w.specKey = plans, spec.Ref(), key
	w.podReq = podRequest(plans)
	return nil
}

// podRequest is the union of the pod items the plans read (their sysctls).
func podRequest(plans []containerPlan) probe.Request {
	var req probe.Request
	seen := map[string]bool{}
	for _, p := range plans {
		for _, s := range p.verifier.Request().Sysctls {
			if n := sysctl.NormalizeName(s); !seen[n] {
				seen[n] = true
				req.Sysctls = append(req.Sysctls, s)
			}
		}
	}
	return req
}

// reloadIfChanged re-reads the spec file when it changed, and every cycle
// while it does not load; a bad new spec logs one error and the last good
// one stays in force.
func (w *Watcher) reloadIfChanged() {
	path := w.cfg.Pipeline.Source.File()
	if path == "" {
		return // stdin, the environment, the default: nothing changes
	}
	if key := fileKey(path); key == w.specKey && w.spec.err == "" {
		return
	}
	if err := w.load(); err != nil {
		w.specFailed(err)
		return
	}
	w.specLoaded()
}

// Run verifies every interval (with jitter) until ctx is done or MaxCycles
// cycles have run.
func (w *Watcher) Run(ctx context.Context) {
	for n := 1; ; n++ {
		w.Cycle()
		if w.cfg.MaxCycles > 0 && n >= w.cfg.MaxCycles {
			return
		}
		d := time.Duration(float64(w.cfg.Interval) * (1 + jitter*(2*rand.Float64()-1)))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Cycle runs one verification of every target, logs what changed (and the
// heartbeat when due) and returns the reports.
func (w *Watcher) Cycle() []*report.Report {
	start := time.Now()
	w.reloadIfChanged()
	now := w.cfg.Now()
	w.emitSpec(now)
	if len(w.plans) == 0 {
		return w.idle(start, now) // no spec in force yet
	}
	procs := verify.NewListing(w.cfg.Pipeline.FS)
	// Pod items (cap_last_cap, the sysctls of the shared namespaces) are
	// read once per cycle and shared by every target: each resolves its
	// capabilities with cap_last_cap. Their findings are reported once, in
	// the first target's report, whether or not that container has a
	// process yet.
	pod := w.cfg.Pipeline.FS.ObservePod(w.podReq)
	reports := make([]*report.Report, 0, len(w.plans))
	for i := range w.plans {
		r := w.verifyTarget(&w.plans[i], procs, pod, i == 0, now)
		reports = append(reports, r)
	}
	beat := w.lastBeat.IsZero() || now.Sub(w.lastBeat) >= w.cfg.Heartbeat
	first := w.lastBeat.IsZero()
	if beat {
		w.lastBeat = now
	}
	for i, r := range reports {
		w.emit(w.plans[i].name, r, beat, first)
	}
	elapsed := time.Since(start)
	w.mu.Lock()
	w.status.Cycles++
	w.status.Reports = reports
	w.status.Last = now
	w.status.Duration = elapsed
	w.status.Alive = time.Now()
	w.mu.Unlock()
	if w.cfg.Publish != nil {
		w.cfg.Publish(reports)
	}
	return reports
}

// Ready reports whether the first cycle has finished.
func (s Status) Ready() bool { return s.Cycles > 0 }

// Snapshot returns the status for the HTTP endpoints.
func (w *Watcher) Snapshot() Status {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.status
}

// verifyTarget verifies the processes of one target: it selects them,
// by container (cgroup), and runs the verifier's cycle over the
// containers with the pod items of this cycle (pod; their findings only
// withPod).
func (w *Watcher) verifyTarget(p *containerPlan, procs *verify.Listing, pod probe.Pod, withPod bool, now time.Time) *report.Report {
	groups, err := procs.Select(p.target.Selector)
	if err != nil {
		w.cfg.Log.Warn().Err(err).Msg("cannot list processes")
	}
	r, err := p.verifier.VerifyContainers(groups, verify.Cycle{Pod: pod, PodFindings: withPod, Time: now})
	if err != nil {
		w.cfg.Log.Error().Err(err).Msg("cannot resolve the expected state")
	}
	r.Target.Container = p.name
	r.Spec = w.specSrc // with the error of a newer file that did not load
	return r
}
