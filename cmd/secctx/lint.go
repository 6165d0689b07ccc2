package main

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/lint"
)

// lintMemoryLimit is the soft heap limit of lint.
const lintMemoryLimit = 24 << 20

// lintOptions are the flags of `secctx lint` beyond the shared ones.
type lintOptions struct {
	allowedSysctls string
	pssVersion     string
}

var lintCommand = &command{
	name:    "lint",
	usage:   "[flags] FILE|DIR|- ...",
	summary: "predict, offline, what the platform refuses, ignores or changes",
	long: `Predict, offline, what the platform (--profile) will refuse, silently ignore
or change in each workload's securityContext, with the check verify will
report it under, and the Pod Security Standards level each pod and
container meets. Reads every kind verify reads, several documents per
file, directories recursively (.yaml, .yml, .json), and - for stdin.

Waivers accept a known finding: the pod template's secctx.io/waive
annotation, --skip and --waivers FILE name rule ids with a reason; a waived
finding is reported as waived and never fails the run (docs/waivers.md).
Outputs: text, json, yaml, sarif (for code scanning) and junit (a testcase
per rule and file, for CI).`,
	example: `  # Every manifest below deploy/, for Alibaba Cloud ECI
  secctx lint --profile eci deploy/

  # SARIF for code scanning
  kubectl get deploy web -o yaml | secctx lint -o sarif - > lint.sarif`,
	exits: "  0  no finding at or above --fail-on (or --fail-on none)\n  1  a finding at or above --fail-on\n  2  bad usage or bad input (one line on stderr, nothing on stdout)",
	args:  argsFiles,
	flags: func(fs *pflag.FlagSet, o *options) {
		o.outputFlag(fs, formatText, []string{formatText, formatJSON, formatYAML, formatSARIF, formatJUnit}, "output format")
		o.profileFlag(fs, "the platform to predict for")
		o.failOnFlag(fs, "exit 1 when a finding is")
		o.waiverFlags(fs, "findings of lint rules")
		fs.StringVar(&o.lint.allowedSysctls, "allowed-unsafe-sysctls", "", "the kubelet's --allowed-unsafe-sysctls: comma-separated sysctl names or prefixes ending in *")
		fs.StringVar(&o.lint.pssVersion, "pss-version", "latest", fmt.Sprintf("Pod Security Standards version: latest (1.%d) or 1.%d to 1.%d", lint.LatestPSSVersion, lint.MinPSSVersion, lint.LatestPSSVersion))
		o.logFlags(fs, "warn", "text")
	},
	run: runLint,
}

func parsePSSVersion(v string) (int, error) {
	if v == "latest" {
		return lint.LatestPSSVersion, nil
	}
	minor, ok := strings.CutPrefix(strings.TrimPrefix(v, "v"), "1.")
	n, err := strconv.Atoi(minor)
	if !ok || err != nil || n < lint.MinPSSVersion || n > lint.LatestPSSVersion {
		return 0, fmt.Errorf("want latest or 1.%d to 1.%d", lint.MinPSSVersion, lint.LatestPSSVersion)
	}
	return n, nil
}

// runLint is `secctx lint`.
func runLint(c *call) int {
	o := &c.o.lint
	sysctls, err := lint.ParseSysctlPatterns(o.allowedSysctls)
	if err != nil {
		return c.usage(usagef("--allowed-unsafe-sysctls: %v", err))
	}
	pss, err := parsePSSVersion(o.pssVersion)
	if err != nil {
		return c.usage(usagef("--pss-version %q: %v", o.pssVersion, err))
	}
	prof, _ := expect.LookupProfile(c.o.profile) // checked with the flags
	waivers, err := c.o.waivers()
	if err != nil {
		return c.fail(exitUsage, err)
	}
	// A cluster's dump is read a part at a time, each part garbage once
	// linted: a soft limit has the collector run before the heap doubles,
	// so that peak memory stays that of the largest part (a List item),
	// whatever the dump's size. $GOMEMLIMIT overrides it.
	if c.env.getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(lintMemoryLimit)
	}
	inputs, err := lint.Collect(c.args, c.env.stdin)
	if err != nil {
		return c.fail(exitUsage, err)
	}
	opts := lint.Options{Profile: prof, AllowedUnsafeSysctls: sysctls, PSSVersion: pss, Waivers: waivers}
	if c.o.output == formatJUnit {
		// JUnit groups by file and rule: the whole result is held.
		return c.lintJUnit(inputs, opts)
	}
	format := map[string]lint.Format{formatJSON: lint.FormatJSON, formatYAML: lint.FormatYAML, formatSARIF: lint.FormatSARIF}[c.o.output]
	out := lint.NewOutput(format, prof.Name, pss, version)
	defer out.Close()
	if err := lint.RunEach(inputs, opts, out.Add); err != nil {
		return c.fail(exitUsage, err)
	}
	if s := out.Summary(); s.Workloads == 0 && s.Findings == 0 {
		return c.fail(exitUsage, noWorkload(c.args))
	}
	if err := out.Write(c.env.stdout); err != nil {
		return c.fail(exitUsage, err)
	}
	if sev, never := c.o.failOnSeverity(); !never && out.Failing(sev) {
		return exitDrift
	}
	return exitOK
}

// lintJUnit is `secctx lint -o junit`: JUnit groups the findings by file
// and rule, so the whole result is held in memory.
func (c *call) lintJUnit(inputs []lint.Input, opts lint.Options) int {
	res, err := lint.Run(inputs, opts)
	if err != nil {
		return c.fail(exitUsage, err)
	}
	if len(res.Workloads) == 0 && len(res.Findings) == 0 {
		return c.fail(exitUsage, noWorkload(c.args))
	}
	if err := lint.WriteJUnit(c.env.stdout, res.Report(), c.o.threshold()); err != nil {
		return c.fail(exitUsage, err)
	}
	if sev, never := c.o.failOnSeverity(); !never && res.Failing(sev) {
		return exitDrift
	}
	return exitOK
}

// noWorkload is the error of inputs that hold no workload.
func noWorkload(args []string) error {
	return fmt.Errorf("%s: no workload found (want a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate or List)", strings.Join(args, ", "))
}
