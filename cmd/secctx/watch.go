package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/watch"
)

// watchMemoryLimit is the soft heap limit of watch mode.
const watchMemoryLimit = 8 << 20

// watchOptions are the flags of `secctx watch`.
type watchOptions struct {
	interval   time.Duration
	heartbeat  time.Duration
	rawTargets stringList
	targets    targetList
	listen     string
	cycles     int
}

// targetList collects repeated --target flags.
type targetList []watch.Target

func (l *targetList) String() string {
	parts := make([]string, len(*l))
	for i, t := range *l {
		parts[i] = t.String()
	}
	return strings.Join(parts, " ")
}

func (l *targetList) Set(s string) error {
	t, err := watch.ParseTarget(s)
	if err != nil {
		return err
	}
	*l = append(*l, t)
	return nil
}

// stringList collects repeated flags; they are parsed after the flags so
// that a bad one is one line on stderr, not the whole usage.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func (w *watchOptions) register(fs *flag.FlagSet, getenv func(string) string) {
	w.interval = envDuration(getenv, "SECCTX_INTERVAL", watch.DefaultInterval)
	w.heartbeat = envDuration(getenv, "SECCTX_HEARTBEAT", watch.DefaultHeartbeat)
	fs.DurationVar(&w.interval, "interval", w.interval, "time between verifications, with ±10% jitter; env SECCTX_INTERVAL")
	fs.DurationVar(&w.heartbeat, "heartbeat", w.heartbeat, "log a line (the summary and the drifts) at least this often even when nothing changed; env SECCTX_HEARTBEAT")
	fs.Var(&w.rawTargets, "target", "what to verify, repeatable: self, pid:N, comm:NAME, exe:PATH, others (every process outside secctx's container), or CONTAINER=SELECTOR; env SECCTX_TARGET (comma-separated); default self")
	fs.IntVar(&w.cycles, "cycles", 0, "stop after this many cycles (0: run until SIGTERM or SIGINT)")
	fs.StringVar(&w.listen, "listen", getenv("SECCTX_LISTEN"), "serve /healthz, /readyz, /report and /metrics on this address, e.g. :9102; env SECCTX_LISTEN; default off")
}

// envDuration reads a duration from the environment; a bad value is
// reported when flags are checked (the flag default shows it).
func envDuration(getenv func(string) string, key string, def time.Duration) time.Duration {
	if v := getenv(key); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// watchFlags: watch writes JSON lines only, so it has no -o or --pid; its
// diagnostics default to JSON at info level.
func watchFlags(fs *flag.FlagSet, o *options) {
	o.logFlags(fs, "info", "json")
	o.specFlags(fs)
	o.watch.register(fs, o.getenv)
}

// runWatch verifies its targets on an interval until SIGTERM, SIGINT or
// --cycles.
func runWatch(o *options, e *env, log zerolog.Logger) (int, error) {
	wo := &o.watch
	for _, key := range []string{"SECCTX_INTERVAL", "SECCTX_HEARTBEAT"} {
		if v := o.getenv(key); v != "" {
			if _, err := time.ParseDuration(v); err != nil {
				return exitUsage, &usageError{fmt.Sprintf("$%s: %q is not a duration such as 60s", key, v)}
			}
		}
	}
	if wo.interval < 10*time.Millisecond {
		return exitUsage, &usageError{"--interval: must be at least 10ms"}
	}
	if wo.cycles < 0 {
		return exitUsage, &usageError{"--cycles: must be 0 (run until stopped) or more"}
	}
	for _, s := range wo.rawTargets {
		if err := wo.targets.Set(s); err != nil {
			return exitUsage, &usageError{"--target: " + err.Error()}
		}
	}
	if len(wo.targets) == 0 && o.getenv("SECCTX_TARGET") != "" {
		for _, s := range strings.FieldsFunc(o.getenv("SECCTX_TARGET"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
			if err := wo.targets.Set(s); err != nil {
				return exitUsage, &usageError{"$SECCTX_TARGET: " + err.Error()}
			}
		}
	}
	// A plain selector verifies the --container (or only) container.
	for i := range wo.targets {
		if wo.targets[i].Container == "" {
			wo.targets[i].Container = o.container
		}
	}
	if len(wo.targets) == 0 {
		wo.targets = targetList{{Container: o.container, Selector: watch.Selector{Kind: watch.SelectSelf}}}
	}
	p, err := o.pipeline(e.stdin)
	if err != nil {
		return exitUsage, err
	}
	var ln net.Listener
	if wo.listen != "" {
		if err := watch.CheckListenAddr(wo.listen); err != nil {
			return exitUsage, &usageError{err.Error()}
		}
		if ln, err = net.Listen("tcp", wo.listen); err != nil {
			return exitUsage, &usageError{"--listen: " + err.Error()}
		}
	}
	zerolog.TimeFieldFormat = "2006-01-02T15:04:05.000Z07:00"
	// A sidecar runs in every pod and pays for its memory there: a soft
	// limit makes the collector return memory early instead of letting the
	// heap double between collections. $GOMEMLIMIT overrides it.
	if o.getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(watchMemoryLimit)
	}
	w, err := watch.New(watch.Config{
		Pipeline:  p,
		Targets:   wo.targets,
		Interval:  wo.interval,
		Heartbeat: wo.heartbeat,
		MaxCycles: wo.cycles,
		Out:       zerolog.New(e.stdout).With().Timestamp().Logger(),
		Log:       log,
	})
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return exitUsage, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log.Info().Str("targets", wo.targets.String()).Dur("interval", wo.interval).Str("listen", wo.listen).Msg("watching")
	done := make(chan error, 1)
	if ln != nil {
		srv := watch.NewServer(w, version)
		go func() { done <- srv.Serve(ctx, ln) }()
	} else {
		done <- nil
	}
	if err := w.Run(ctx); err != nil {
		return exitUsage, err
	}
	if err := <-done; err != nil {
		log.Error().Err(err).Msg("http server")
	}
	log.Info().Msg("stopped")
	return exitOK, nil
}
