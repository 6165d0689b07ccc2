package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/lint"
	"github.com/secctx/secctx/report"
)

// lintOptions are the flags of `secctx lint`: the output, profile,
// --fail-on and diagnostics flags of options, and lint's own.
type lintOptions struct {
	options
	allowedSysctls string
	pssVersion     string
	parsedProfile  *expect.Profile
	parsedSysctls  []lint.SysctlPattern
	parsedPSS      int
	parsedFailOn   report.Severity
	failOnNone     bool
}

// lintFlags registers the flags of `secctx lint`.
func lintFlags(fs *flag.FlagSet, o *lintOptions) {
	fs.StringVar(&o.output, "o", "text", "output format: text, json or sarif")
	fs.StringVar(&o.output, "output", "text", "output format: text, json or sarif (same as -o)")
	fs.StringVar(&o.profile, "profile", envOr(o.getenv, "SECCTX_PROFILE", expect.DefaultProfile),
		"the platform to predict for: "+strings.Join(expect.ProfileNames(), ", ")+"; env SECCTX_PROFILE")
	fs.StringVar(&o.failOn, "fail-on", "low", "exit 1 when a finding has this severity or higher: critical, high, medium, low, info, or none")
	fs.StringVar(&o.allowedSysctls, "allowed-unsafe-sysctls", "", "the kubelet's --allowed-unsafe-sysctls: comma-separated sysctl names or prefixes ending in *")
	fs.StringVar(&o.pssVersion, "pss-version", "latest", fmt.Sprintf("Pod Security Standards version: latest (1.%d) or 1.%d to 1.%d", lint.LatestPSSVersion, lint.MinPSSVersion, lint.LatestPSSVersion))
	o.logFlags(fs, "warn", "text")
}

// parse checks the flag values; an error is bad usage.
func (o *lintOptions) parse() error {
	var err error
	switch o.output {
	case "text", "json", "sarif":
	default:
		return fmt.Errorf("--output %q: want text, json or sarif", o.output)
	}
	if o.parsedProfile, err = expect.LookupProfile(o.profile); err != nil {
		return fmt.Errorf("--profile: %v", err)
	}
	if o.failOn == "none" {
		o.failOnNone = true
	} else if o.parsedFailOn, err = report.ParseSeverity(o.failOn); err != nil {
		return fmt.Errorf("--fail-on: %v (or none)", err)
	}
	if o.parsedSysctls, err = lint.ParseSysctlPatterns(o.allowedSysctls); err != nil {
		return fmt.Errorf("--allowed-unsafe-sysctls: %v", err)
	}
	if o.parsedPSS, err = parsePSSVersion(o.pssVersion); err != nil {
		return fmt.Errorf("--pss-version: %v", err)
	}
	return nil
}

func parsePSSVersion(v string) (int, error) {
	if v == "latest" || v == "" {
		return lint.LatestPSSVersion, nil
	}
	minor, ok := strings.CutPrefix(strings.TrimPrefix(v, "v"), "1.")
	n, err := strconv.Atoi(minor)
	if !ok || err != nil || n < lint.MinPSSVersion || n > lint.LatestPSSVersion {
		return 0, fmt.Errorf("%q: want latest or 1.%d to 1.%d", v, lint.MinPSSVersion, lint.LatestPSSVersion)
	}
	return n, nil
}

const lintUsage = `Usage: secctx lint [flags] FILE|DIR|- ...

Predicts, offline, what the platform (--profile) will refuse, silently
ignore or change in each workload's securityContext, and the Pod Security
Standards level each pod and container meets. Reads every kind verify
reads, several documents per file, directories recursively (.yaml, .yml,
.json), and - for stdin.

Flags:
`

// runLint is `secctx lint`.
func runLint(args []string, e *env) int {
	o := &lintOptions{options: options{getenv: e.getenv}}
	fs := flag.NewFlagSet("secctx lint", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	lintFlags(fs, o)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, lintUsage)
		fs.PrintDefaults()
		fmt.Fprintln(e.stderr, "\nExit codes: 0 no finding at or above --fail-on, 1 a finding at or above --fail-on, 2 bad usage or input.")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	log := newLogger(e.stderr, o.logLevel)
	if o.logFormat == "json" {
		log = newJSONLogger(e.stderr, o.logLevel)
	}
	if err := o.parse(); err != nil {
		log.Error().Msg(err.Error())
		return exitUsage
	}
	if fs.NArg() == 0 {
		log.Error().Msg("lint needs a FILE, DIR or - (stdin); run secctx lint -h")
		return exitUsage
	}
	inputs, err := lint.Collect(fs.Args(), e.stdin)
	if err != nil {
		log.Error().Msg(err.Error())
		return exitUsage
	}
	res, err := lint.Run(inputs, lint.Options{Profile: o.parsedProfile, AllowedUnsafeSysctls: o.parsedSysctls, PSSVersion: o.parsedPSS})
	if err != nil {
		log.Error().Msg(err.Error())
		return exitUsage
	}
	if len(res.Workloads) == 0 && len(res.Findings) == 0 {
		log.Error().Msgf("%s: no workload found (want a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate or List)", strings.Join(fs.Args(), ", "))
		return exitUsage
	}
	rep := res.Report(o.parsedPSS)
	switch o.output {
	case "json":
		err = lint.WriteJSON(e.stdout, rep)
	case "sarif":
		err = lint.WriteSARIF(e.stdout, rep, version)
	default:
		err = lint.WriteText(e.stdout, rep)
	}
	if err != nil {
		log.Error().Msg(err.Error())
		return exitUsage
	}
	if !o.failOnNone && res.Failing(o.parsedFailOn) {
		return exitDrift
	}
	return exitOK
}
