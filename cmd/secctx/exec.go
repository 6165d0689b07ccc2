package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/launch"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/verify"
)

// execOptions are the flags of `secctx exec`: verify's, less --pid (it
// verifies itself), plus --warn-only.
type execOptions struct {
	options
	warnOnly bool
}

// execFlags registers the flags of `secctx exec`.
func execFlags(fs *flag.FlagSet, o *execOptions) {
	fs.StringVar(&o.output, "o", "json", "report format on stderr when there is drift: json (one line) or text")
	fs.StringVar(&o.output, "output", "json", "report format on stderr when there is drift: json (one line) or text (same as -o)")
	o.logFlags(fs, "warn", "text")
	o.specFlags(fs)
	fs.StringVar(&o.failOn, "fail-on", "low", "refuse to run CMD (exit 1) when a drift has this severity or higher: critical, high, medium, low, info, or none")
	fs.BoolVar(&o.warnOnly, "warn-only", false, "report drift, and run CMD anyway")
}

const execUsage = `Usage: secctx exec [flags] -- CMD [ARGS...]

As a container's entrypoint: verifies this very process against its spec,
then replaces itself with CMD (same pid, environment and file descriptors;
CMD is looked up in PATH like a shell does), so the application runs with
the state that was verified. With drift at or above --fail-on the report
goes to stderr and CMD does not run.

Flags:
`

// execve replaces the process; tests replace it.
var execve = launch.Exec

// runExec is `secctx exec`.
func runExec(args []string, e *env) int {
	o, cmd, log, code := parseExec(args, e)
	if cmd == nil {
		return code
	}
	failOn, failNever := report.SeverityLow, o.failOn == "none"
	if !failNever {
		var err error
		if failOn, err = report.ParseSeverity(o.failOn); err != nil {
			log.Error().Msgf("--fail-on: %v (or none)", err)
			return exitUsage
		}
	}
	// The command is looked up in the PATH it will run with.
	pathEnv, pathSet := os.LookupEnv("PATH")
	path, err := launch.LookPath(cmd[0], pathEnv, pathSet)
	if err != nil {
		log.Error().Msg(err.Error())
		return statusOf(err)
	}

	code, run := verifySelf(&o.options, e, log, failOn, failNever, o.warnOnly)
	if !run {
		return code
	}
	if err := execve(path, cmd, os.Environ()); err != nil {
		log.Error().Msg(err.Error())
		return statusOf(err)
	}
	return exitOK // only a test's execve returns without error
}

// parseExec parses the flags before "--" and returns the command after
// it; a nil command means exit with code (help, or bad usage).
func parseExec(args []string, e *env) (*execOptions, []string, zerolog.Logger, int) {
	o := &execOptions{options: options{getenv: e.getenv}}
	fs := flag.NewFlagSet("secctx exec", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	execFlags(fs, o)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, execUsage)
		fs.PrintDefaults()
		fmt.Fprintln(e.stderr, "\nExit codes: CMD's own once it runs; 1 drift at or above --fail-on, 2 bad usage or spec, 3 state not observable, 126 CMD not executable, 127 CMD not found.")
	}
	log := newLogger(e.stderr, "warn")
	dash := slices.Index(args, "--")
	if i := slices.IndexFunc(args, func(a string) bool { return a == "-h" || a == "-help" || a == "--help" }); i >= 0 && (dash < 0 || i < dash) {
		fs.Usage()
		return o, nil, log, exitOK
	}
	if dash < 0 {
		log.Error().Msg("exec needs -- before the command to run: secctx exec [flags] -- CMD [ARGS...]")
		return o, nil, log, exitUsage
	}
	if err := fs.Parse(args[:dash]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, nil, log, exitOK
		}
		return o, nil, log, exitUsage
	}
	log = newLogger(e.stderr, o.logLevel)
	if o.logFormat == "json" {
		log = newJSONLogger(e.stderr, o.logLevel)
	}
	switch {
	case fs.NArg() > 0:
		log.Error().Msgf("unexpected argument %q before --", fs.Arg(0))
	case len(args) == dash+1:
		log.Error().Msg("exec needs a command after --")
	case o.output != "json" && o.output != "text":
		log.Error().Msgf("--output %q: want json or text", o.output)
	default:
		return o, args[dash+1:], log, exitOK
	}
	return o, nil, log, exitUsage
}

// verifySelf verifies the calling process and writes the report on
// stderr when there is drift. It says whether CMD may run, and the exit
// code when it may not.
func verifySelf(o *options, e *env, log zerolog.Logger, failOn report.Severity, failNever, warnOnly bool) (int, bool) {
	_, v, err := o.verifier(e.stdin)
	if err != nil {
		log.Error().Msg(err.Error())
		return exitUsage, false
	}
	r, err := v.Verify(0)
	var blind *verify.BlindError
	switch {
	case errors.As(err, &blind):
		log.Error().Msg(err.Error())
		if warnOnly {
			return 0, true
		}
		return exitUnobserved, false
	case err != nil:
		log.Error().Msg(err.Error())
		return exitUsage, false
	}
	if r.Summary.Drift > 0 {
		if o.output == "text" {
			err = report.WriteText(e.stderr, r)
		} else {
			err = json.NewEncoder(e.stderr).Encode(r)
		}
		if err != nil {
			log.Error().Msg(err.Error())
		}
	}
	if !failNever && !warnOnly && r.Failing(failOn) {
		return exitDrift, false
	}
	return 0, true
}

func statusOf(err error) int {
	var le *launch.Error
	if errors.As(err, &le) {
		return le.Status
	}
	return launch.ExitNotExecutable
}
