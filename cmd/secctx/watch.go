package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/watch"
)

// watchMemoryLimit is the soft heap limit of watch mode.
const watchMemoryLimit = 8 << 20

// watchOptions are the flags of `secctx watch`.
type watchOptions struct {
	interval       time.Duration
	heartbeat      time.Duration
	rawTargets     []string
	listen         string
	cycles         int
	policyReport   string
	reportAPI      string
	intervalEnvErr error
	beatEnvErr     error
}

var watchCommand = &command{
	name:    "watch",
	usage:   "[flags]",
	summary: "verify on an interval as a sidecar; log changes as JSON lines",
	long: `Verify the targets every --interval, as a sidecar, until SIGTERM or SIGINT.
Each container's first verification, every change (a new drift, a drift
resolved, a value that moved) and a heartbeat every --heartbeat are one JSON
line on stdout (the summary, the changes and the drifts in force, within
12 KiB); an unchanged state writes nothing between heartbeats. The spec
file is re-read when it changes (a ConfigMap update). A spec that does not
load, at start or later, does not stop the sidecar (which would take the pod
out of service): it keeps running with the last good spec, or none, writes a
spec_error line, sets secctx_spec_error and says why in /report, and applies
the next good spec; /healthz and /readyz do not depend on it. A field newer
than secctx knows is reported unknown (docs/unknown-fields.md).

A target's processes are found by their cgroup, never by an assumed pid:
in the node's PID namespace (hostPID) "others" is the processes of the
pod's other containers only (the siblings of secctx's cgroup), and
container-id:ID those of that container.

--listen serves /healthz, /readyz, /report (the full reports) and /metrics
(Prometheus).
--policyreport-file writes a wgpolicyk8s.io/v1alpha2 PolicyReport (or, with
--report-api openreports.io/v1alpha1, an OpenReports Report) with every
target's findings whenever a result changes, atomically (a temporary file
renamed over it), as JSON, or YAML for a name ending in .yaml or .yml; the
pod is named by $SECCTX_POD_NAME, $SECCTX_POD_NAMESPACE and $SECCTX_POD_UID.`,
	example: `  # The app's processes and the sidecar itself, with metrics
  secctx watch --target=app=others --target=secctx=self --listen=:9102

  # A PolicyReport file for a collector
  secctx watch --target=app=others --policyreport-file=/reports/secctx.yaml`,
	exits: "  0  stopped by SIGTERM or SIGINT, or --cycles ran with a spec in force\n" +
		"  2  bad usage (one line on stderr, nothing on stdout), or --cycles ran\n     while the spec did not load",
	flags: func(fs *pflag.FlagSet, o *options) {
		w := &o.watch
		w.interval, w.intervalEnvErr = envDuration(o.getenv, "SECCTX_INTERVAL", watch.DefaultInterval)
		w.heartbeat, w.beatEnvErr = envDuration(o.getenv, "SECCTX_HEARTBEAT", watch.DefaultHeartbeat)
		fs.StringArrayVar(&w.rawTargets, "target", nil, "what to verify, repeatable: self, pid:N, comm:NAME, exe:PATH, container-id:ID (the processes in the cgroup of the container with that runtime id), others (every process of the pod outside secctx's container), or CONTAINER=SELECTOR (env SECCTX_TARGET, comma-separated; default self)")
		o.specFlags(fs)
		o.waiverFlags(fs, "findings of checks")
		fs.DurationVar(&w.interval, "interval", w.interval, "time between verifications, with ±10% jitter (env SECCTX_INTERVAL)")
		fs.DurationVar(&w.heartbeat, "heartbeat", w.heartbeat, "log a line (the summary and the drifts) at least this often even when nothing changed (env SECCTX_HEARTBEAT)")
		fs.StringVar(&w.listen, "listen", o.getenv("SECCTX_LISTEN"), "serve /healthz, /readyz, /report and /metrics on this address, e.g. :9102 (env SECCTX_LISTEN; default off)")
		fs.StringVar(&w.policyReport, "policyreport-file", o.getenv("SECCTX_POLICYREPORT_FILE"), "write a PolicyReport of every target to this file when a result changes (env SECCTX_POLICYREPORT_FILE)")
		fs.IntVar(&w.cycles, "cycles", 0, "stop after this many cycles (0: run until SIGTERM or SIGINT)")
		o.procFlag(fs)
		o.logFlags(fs, "info", "json")
		apis := make([]string, len(report.ReportAPIs))
		for i, a := range report.ReportAPIs {
			apis[i] = string(a)
		}
		enum(fs, &w.reportAPI, "report-api", "", "api", envOr(o.getenv, "SECCTX_REPORT_API", apis[0]), apis,
			"the API of --policyreport-file: "+orList(apis)+" (OpenReports Report, which Kyverno 1.15 and Policy Reporter 3.2 read; env SECCTX_REPORT_API)")
		files(fs, annotFiles, "policyreport-file")
	},
	run: runWatch,
}

// envDuration reads a duration from the environment.
func envDuration(getenv func(string) string, key string, def time.Duration) (time.Duration, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def, usagef("$%s %q: want a duration such as 60s", key, v)
	}
	return d, nil
}

// targets parses --target (or $SECCTX_TARGET).
func (c *call) targets() ([]watch.Target, error) {
	w := &c.o.watch
	raw, from := w.rawTargets, "--target"
	if len(raw) == 0 {
		if env := c.env.getenv("SECCTX_TARGET"); env != "" {
			raw = strings.FieldsFunc(env, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
			from = "$SECCTX_TARGET"
		}
	}
	var out []watch.Target
	for _, s := range raw {
		t, err := watch.ParseTarget(s)
		if err != nil {
			return nil, usagef("%s %q: %v", from, s, err)
		}
		if t.Container == "" {
			// A plain selector verifies the --container (or only) container.
			t.Container = c.o.container
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		out = []watch.Target{{Container: c.o.container, Selector: watch.Selector{Kind: watch.SelectSelf}}}
	}
	return out, nil
}

// checkWatch validates watch's values; an error is bad usage.
func (c *call) checkWatch() error {
	w := &c.o.watch
	if w.intervalEnvErr != nil && !c.fs.Changed("interval") {
		return w.intervalEnvErr
	}
	if w.beatEnvErr != nil && !c.fs.Changed("heartbeat") {
		return w.beatEnvErr
	}
	if w.interval < 10*time.Millisecond {
		return usagef("--interval %s: want at least 10ms", w.interval)
	}
	if w.heartbeat <= 0 {
		return usagef("--heartbeat %s: want a positive duration", w.heartbeat)
	}
	if w.cycles < 0 {
		return usagef("--cycles %d: want 0 (run until stopped) or more", w.cycles)
	}
	if c.fs.Changed("policyreport-file") && w.policyReport == "" {
		return usagef("--policyreport-file: empty value")
	}
	if !slices.Contains(report.ReportAPIs, report.ReportAPI(w.reportAPI)) {
		return usagef("$SECCTX_REPORT_API %q: want %s or %s", w.reportAPI, report.APIPolicyReport, report.APIOpenReports)
	}
	return nil
}

// runWatch verifies its targets on an interval until SIGTERM, SIGINT or
// --cycles.
func runWatch(c *call) int {
	if err := c.checkWatch(); err != nil {
		return c.usage(err)
	}
	targets, err := c.targets()
	if err != nil {
		return c.usage(err)
	}
	p, err := c.o.pipeline(c.env.stdin)
	if err != nil {
		return c.usage(err)
	}
	wo := &c.o.watch
	var ln net.Listener
	if wo.listen != "" {
		if err := watch.CheckListenAddr(wo.listen); err != nil {
			return c.usage(err)
		}
		if ln, err = net.Listen("tcp", wo.listen); err != nil {
			return c.fail(exitUsage, fmt.Errorf("--listen: %v", err))
		}
	}
	zerolog.TimeFieldFormat = watch.LineTimeFormat
	// A sidecar runs in every pod and pays for its memory there: a soft
	// limit makes the collector return memory early instead of letting the
	// heap double between collections. $GOMEMLIMIT overrides it.
	if c.env.getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(watchMemoryLimit)
	}
	cfg := watch.Config{
		Pipeline:  p,
		Targets:   targets,
		Interval:  wo.interval,
		Heartbeat: wo.heartbeat,
		MaxCycles: wo.cycles,
		Out:       zerolog.New(c.env.stdout).With().Timestamp().Logger(),
		Log:       c.log,
	}
	if wo.policyReport != "" {
		pub := &policyReportPublisher{path: wo.policyReport, api: report.ReportAPI(wo.reportAPI), pod: c.o.podRef(), log: c.log}
		cfg.Publish = pub.publish
	}
	w, err := watch.New(cfg)
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return c.fail(exitUsage, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var names []string
	for _, t := range targets {
		names = append(names, t.String())
	}
	c.log.Info().Str("targets", strings.Join(names, " ")).Dur("interval", wo.interval).Str("listen", wo.listen).Msg("watching")
	done := make(chan struct{})
	if ln != nil {
		srv := watch.NewServer(w, version)
		go func() { srv.Serve(ctx, ln); close(done) }()
	} else {
		close(done)
	}
	w.Run(ctx)
	stop() // after --cycles, the server stops with the loop
	<-done
	c.log.Info().Msg("stopped")
	if st := w.Snapshot(); wo.cycles > 0 && st.SpecError != "" {
		// A bounded run (a test, a CI job) did not verify what it was given.
		return c.fail(exitUsage, errors.New(st.SpecError))
	}
	return exitOK
}

// policyReportPublisher writes the PolicyReport file of watch when a
// result changed since the last file it wrote.
type policyReportPublisher struct {
	path string
	api  report.ReportAPI
	pod  report.PodRef
	log  zerolog.Logger
	last string
}

func (p *policyReportPublisher) publish(reports []*report.Report) {
	pr := report.NewPolicyReportFor(p.api, reports, p.pod)
	// What changed: everything but the time of the results.
	key := *pr
	key.Results = append([]report.PolicyResult(nil), pr.Results...)
	for i := range key.Results {
		key.Results[i].Timestamp = report.PolicyTimestamp{}
	}
	b, _ := json.Marshal(key)
	if string(b) == p.last {
		return
	}
	if err := report.WritePolicyReportFile(p.path, pr); err != nil {
		p.log.Error().Err(err).Str("file", p.path).Msg("cannot write the PolicyReport")
		return
	}
	p.last = string(b)
	p.log.Info().Str("file", p.path).Int("fail", pr.Summary.Fail).Msg("PolicyReport written")
}
