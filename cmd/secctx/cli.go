package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/verify"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes, a documented contract.
const (
	exitOK         = 0 // no drift at or above --fail-on
	exitDrift      = 1 // drift at or above --fail-on
	exitUsage      = 2 // bad usage or bad spec
	exitUnobserved = 3 // the process's state could not be observed at all
)

const usageText = `secctx verifies that a container's processes really have the security
state their Kubernetes securityContext declares, and reports the drift.

Usage:
  secctx verify [flags]   compare the declared spec with the observed state
  secctx watch  [flags]   verify on an interval as a sidecar; log changes as JSON
  secctx probe  [flags]   print the observed state of a process
  secctx expect [flags]   print the expected state resolved from a spec
  secctx checks           list the check ids and what each compares
  secctx render [flags]   print a saved JSON report (stdin or --file) as text
  secctx version          print the version

The spec is taken from, first match wins: --spec FILE ("-" for stdin),
$SECCTX_SPEC_FILE (e.g. a ConfigMap mount), $SECCTX_SPEC (the manifest
inline); with none, verify uses the Pod Security Standards restricted profile.
It may be YAML or JSON, several documents, of kind Pod, Deployment,
StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob,
PodTemplate or List.

Exit codes:
  0  no drift at or above --fail-on
  1  drift at or above --fail-on
  2  bad usage or bad spec
  3  the process's state could not be observed at all

Run "secctx COMMAND -h" for a command's flags.
`

// options are the flags shared by verify, probe and expect.
type options struct {
	output    string
	specPath  string
	workload  string
	container string
	profile   string
	pid       int
	procRoot  string
	failOn    string
	imageRoot string
	logLevel  string
	logFormat string
	watch     watchOptions
	getenv    func(string) string
}

func (o *options) register(fs *flag.FlagSet, cmd string, getenv func(string) string) {
	o.getenv = getenv
	o.output = "json" // watch writes JSON lines only
	if cmd != "watch" {
		fs.StringVar(&o.output, "o", "text", "output format: json or text")
		fs.StringVar(&o.output, "output", "text", "output format: json or text (same as -o)")
		fs.IntVar(&o.pid, "pid", 0, "process to verify (0: secctx itself); it must be visible in this PID namespace")
	}
	defLevel, defFormat := "warn", "text"
	if cmd == "watch" {
		defLevel, defFormat = "info", "json"
	}
	fs.StringVar(&o.logLevel, "log-level", defLevel, "diagnostics on stderr: debug, info, warn, error")
	fs.StringVar(&o.logFormat, "log-format", defFormat, "diagnostics format on stderr: text or json")
	fs.StringVar(&o.procRoot, "proc", "/proc", "proc filesystem root to read (a fixture tree in tests)")
	if cmd == "probe" || cmd == "verify" || cmd == "expect" || cmd == "watch" {
		fs.StringVar(&o.specPath, "spec", "", "manifest file, or - for stdin (else $SECCTX_SPEC_FILE, $SECCTX_SPEC)")
		fs.StringVar(&o.workload, "workload", "", "the workload when the spec holds several: KIND/NAME, or NAMESPACE/KIND/NAME")
		fs.StringVar(&o.container, "container", getenv("SECCTX_CONTAINER"), "container name; env SECCTX_CONTAINER; empty: the only container")
		fs.StringVar(&o.profile, "profile", envOr(getenv, "SECCTX_PROFILE", expect.DefaultProfile),
			"runtime profile: "+strings.Join(expect.ProfileNames(), ", ")+"; env SECCTX_PROFILE")
	}
	if cmd == "verify" {
		fs.StringVar(&o.failOn, "fail-on", "low", "exit 1 when a drift has this severity or higher: critical, high, medium, low, info")
	}
	if cmd == "watch" {
		o.watch.register(fs, getenv)
	}
	if cmd == "expect" {
		fs.StringVar(&o.imageRoot, "image-root", "", "an unpacked image root whose etc/passwd and etc/group resolve the primary gid and groups")
	}
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// usageError is bad usage: exit 2 with one line on stderr.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	log := newLogger(stderr, "warn")
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	case "version", "--version":
		fmt.Fprintf(stdout, "secctx %s\n", version)
		return exitOK
	case "checks":
		return runChecks(rest, stdout, stderr)
	case "render":
		return runRender(rest, stdin, stdout, stderr)
	case "verify", "probe", "expect", "watch":
	default:
		log.Error().Msgf("unknown command %q; run secctx --help", cmd)
		return exitUsage
	}
	fs := flag.NewFlagSet("secctx "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	o.register(fs, cmd, getenv)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: secctx %s [flags]\n\nFlags:\n", cmd)
		fs.PrintDefaults()
		if cmd == "watch" {
			fmt.Fprint(stderr, "\nExit codes: 0 stopped by SIGTERM, SIGINT or --cycles; 2 bad usage or spec.\n")
		} else {
			fmt.Fprint(stderr, "\nExit codes: 0 no drift, 1 drift at or above --fail-on, 2 bad usage or spec, 3 state not observable.\n")
		}
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage // flag already printed the error
	}
	if fs.NArg() > 0 {
		log.Error().Msgf("unexpected argument %q", fs.Arg(0))
		return exitUsage
	}
	log = newLogger(stderr, o.logLevel)
	if o.logFormat == "json" {
		log = newJSONLogger(stderr, o.logLevel)
	}
	if o.output != "json" && o.output != "text" {
		log.Error().Msgf("--output %q: want json or text", o.output)
		return exitUsage
	}
	var code int
	var err error
	switch cmd {
	case "verify":
		code, err = runVerify(&o, stdin, stdout, log)
	case "probe":
		code, err = runProbe(&o, stdin, stdout, log)
	case "expect":
		code, err = runExpect(&o, stdin, stdout, log)
	case "watch":
		code, err = runWatch(&o, stdin, stdout, log)
	}
	if err != nil {
		log.Error().Msg(err.Error())
	}
	return code
}

// newJSONLogger writes diagnostics as JSON lines, for log pipelines.
func newJSONLogger(w io.Writer, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		lvl = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

func newLogger(w io.Writer, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		lvl = zerolog.WarnLevel
	}
	cw := zerolog.ConsoleWriter{Out: w, NoColor: true, PartsOrder: []string{zerolog.LevelFieldName, zerolog.MessageFieldName},
		FormatLevel: func(i any) string { return "secctx: " + strings.ToLower(fmt.Sprint(i)) + ":" }}
	return zerolog.New(cw).Level(lvl)
}

// target is a resolved verification target.
type target struct {
	loaded *manifest.Loaded
	wl     *manifest.Workload
	prof   *expect.Profile
	v      *verify.Verifier
}

// loadTarget finds, decodes and selects the spec; every error is bad input
// (exit 2) and names the source and field.
func loadTarget(o *options, stdin io.Reader) (*target, error) {
	prof, err := expect.LookupProfile(o.profile)
	if err != nil {
		return nil, &usageError{"--profile: " + err.Error()}
	}
	ld, err := manifest.Load(o.specPath, o.getenv, stdin)
	if err != nil {
		return nil, err
	}
	ws, err := manifest.Decode(ld.Name, ld.Data)
	if err != nil {
		return nil, err
	}
	wl, err := manifest.Select(ws, o.workload)
	if err != nil {
		return nil, err
	}
	container := o.container
	if ld.Default {
		container = "" // the embedded profile has one container
	}
	if _, _, err := wl.FindContainer(container); err != nil {
		return nil, err
	}
	if ld.Default {
		o.container = ""
	}
	v, err := verify.New(wl, o.container, prof, report.SpecRef{Source: ld.Source, Default: ld.Default}, probe.NewFS(o.procRoot))
	if err != nil {
		return nil, err
	}
	return &target{loaded: ld, wl: wl, prof: prof, v: v}, nil
}

func runVerify(o *options, stdin io.Reader, stdout io.Writer, log zerolog.Logger) (int, error) {
	failOn, err := report.ParseSeverity(o.failOn)
	if err != nil {
		return exitUsage, &usageError{"--fail-on: " + err.Error()}
	}
	t, err := loadTarget(o, stdin)
	if err != nil {
		return exitUsage, err
	}
	if t.loaded.Default {
		log.Info().Msg("no spec given: verifying against the Pod Security Standards restricted profile")
	}
	r, err := t.v.Verify(o.pid)
	var blind *verify.BlindError
	if errors.As(err, &blind) {
		return exitUnobserved, err
	} else if err != nil {
		return exitUsage, err
	}
	if err := write(o, stdout, r, func(w io.Writer) error { return report.WriteText(w, r) }); err != nil {
		return exitUsage, err
	}
	if r.Failing(failOn) {
		return exitDrift, nil
	}
	return exitOK, nil
}

func runProbe(o *options, stdin io.Reader, stdout io.Writer, log zerolog.Logger) (int, error) {
	t, err := loadTarget(o, stdin)
	if err != nil {
		return exitUsage, err
	}
	st := t.v.Observe(o.pid)
	if st.Blind() {
		return exitUnobserved, &verify.BlindError{PID: o.pid, Why: st.Missing(probe.ItemStatus)}
	}
	return exitOK, write(o, stdout, st, func(w io.Writer) error { return writeFields(w, st) })
}

func runExpect(o *options, stdin io.Reader, stdout io.Writer, log zerolog.Logger) (int, error) {
	t, err := loadTarget(o, stdin)
	if err != nil {
		return exitUsage, err
	}
	// The image's user database is read by the probe's own reader, rooted
	// at the unpacked image; cap_last_cap as the probe reads it.
	fs := probe.NewFS(o.procRoot)
	st := &probe.State{Pod: fs.ObservePod(probe.Request{})}
	if o.imageRoot != "" {
		st.Container = fs.ObserveImage(o.imageRoot)
		for _, it := range []probe.Item{probe.ItemPasswd, probe.ItemGroupFile} {
			if re := st.Container.Unread.Missing(it); re != nil && re.Reason != probe.ReasonAbsent {
				return exitUsage, &usageError{"--image-root: " + re.Error()}
			}
		}
	} else {
		st.Container.Unread = probe.Unread{
			probe.ItemPasswd:    {Path: "etc/passwd", Reason: "not given (use --image-root)"},
			probe.ItemGroupFile: {Path: "etc/group", Reason: "not given (use --image-root)"},
		}
	}
	exp, err := t.v.Expected(st)
	if err != nil {
		return exitUsage, err
	}
	return exitOK, write(o, stdout, exp, func(w io.Writer) error { return writeFields(w, exp) })
}

func runChecks(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] != "-o" && args[0] != "--output" {
		fmt.Fprintf(stderr, "secctx: error: checks takes no arguments but -o json|text\n")
		return exitUsage
	}
	if len(args) >= 2 && args[1] == "json" {
		type row struct {
			ID          check.ID     `json:"id"`
			Reads       []probe.Item `json:"reads"`
			Expectation string       `json:"expectation"`
			Comparison  string       `json:"comparison"`
		}
		var rows []row
		for _, c := range report.Checks {
			rows = append(rows, row{c.ID, c.Reads, c.Expectation, c.Comparison})
		}
		if err := report.WriteJSON(stdout, rows); err != nil {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range report.Checks {
		fmt.Fprintf(stdout, "%s\n  expects:  %s\n  compares: %s\n", c.ID, c.Expectation, c.Comparison)
	}
	return exitOK
}

// write renders v as JSON or through text.
func write(o *options, w io.Writer, v any, text func(io.Writer) error) error {
	if o.output == "json" {
		return report.WriteJSON(w, v)
	}
	return text(w)
}

// runRender turns a report shipped as JSON (a log line, a file) back into
// the text table.
func runRender(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("secctx render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "-", "JSON report to read, - for stdin")
	output := fs.String("o", "text", "output format: text or json")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	log := newLogger(stderr, "warn")
	in := stdin
	name := "stdin"
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			log.Error().Msg(err.Error())
			return exitUsage
		}
		defer f.Close()
		in, name = f, *file
	}
	var r report.Report
	dec := json.NewDecoder(io.LimitReader(in, 16<<20))
	if err := dec.Decode(&r); err != nil || r.Kind != report.Kind {
		log.Error().Msgf("%s: not a %s %s JSON document", name, report.APIVersion, report.Kind)
		return exitUsage
	}
	var err error
	if *output == "json" {
		err = report.WriteJSON(stdout, &r)
	} else {
		err = report.WriteText(stdout, &r)
	}
	if err != nil {
		log.Error().Msg(err.Error())
		return exitUsage
	}
	return exitOK
}
