package main

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/report"
)

// failOn is --fail-on: a severity, or none to never fail.
type failOn struct {
	sev   report.Severity
	never bool
}

// failOnHelp is --fail-on's help after what.
const failOnHelp = " at this severity or higher: critical, high, medium, low, info, or none to never fail (report only)"

// parseFailOn parses --fail-on.
func parseFailOn(s string) (failOn, error) {
	if s == "none" {
		return failOn{never: true}, nil
	}
	sev, err := report.ParseSeverity(s)
	if err != nil {
		return failOn{}, usageErr("--fail-on: %v, or none", err)
	}
	return failOn{sev: sev}, nil
}

// failing reports whether r has drift at or above f.
func (f failOn) failing(r *report.Report) bool { return !f.never && r.Failing(f.sev) }

// command is one entry of the command table, with its help.
type command struct {
	name    string
	usage   string // what follows "kubectl secctx NAME"
	summary string // one line, for the command list
	long    string // what the command does
	example string
	exits   string
	// kube is true for a command that talks to the cluster (kubectl's
	// connection flags and -v).
	kube bool
	// flags registers the command's own flags and returns its run.
	flags func(fs *pflag.FlagSet, kube *kubeFlags) func(ctx context.Context, args []string, e *env) error
}

// exitsVerify are verify's exit codes, as secctx verify's.
const exitsVerify = `  0  no drift at or above --fail-on (or --fail-on none)
  1  drift at or above --fail-on
  2  bad usage: flags, the pod or the container not found, a bad spec (one line on stderr)
  3  the container could not be verified at all (not running, the API refused, secctx saw nothing)`

// commands is the command table, in the order of the help.
var commands []*command

func init() { commands = []*command{verifyCommand, podsCommand, versionCommand, helpCommand} }

var verifyCommand = &command{
	name:    "verify",
	usage:   "POD [-c CONTAINER] [flags]",
	summary: "verify a live pod's container against the pod's own securityContext",
	long: `Run secctx against a running container of POD, in an ephemeral container
that shares its process namespace (or, with --exec, streamed into the
container itself), with the pod's own manifest as the expected spec, and
print the VerificationReport. The runtime profile comes from the node and
the container runtime unless --profile names it; -v=1 or --verbose says on
stderr which profile, identity and privileges were chosen, and why.`,
	example: `  # Verify the only container of pod web in namespace shop
  kubectl secctx verify web -n shop

  # One container, as JSON, failing only on high or critical drift
  kubectl secctx verify web -c app -o json --fail-on high

  # Where ephemeral containers are not allowed: stream secctx in
  kubectl secctx verify web --exec

  # The highest severity only
  kubectl secctx verify web -o jsonpath='{.summary.highestSeverity}'`,
	exits: exitsVerify,
	kube:  true,
	flags: verifyFlagSet,
}

var podsCommand = &command{
	name:    "pods",
	usage:   "[-n NAMESPACE | -A] [-l SELECTOR] [flags]",
	summary: "list the pods running the secctx sidecar, with its last report",
	long: `List the pods that run the secctx sidecar (secctx watch), in the namespace
or every namespace (-A), optionally only those matching a label selector
(-l), with each sidecar's last report read from its /report endpoint
through the API server's pod proxy.`,
	example: `  # Every sidecar in the cluster
  kubectl secctx pods -A

  # The pods of app=web, with the sidecars' ports and full counts
  kubectl secctx pods -l app=web -o wide

  # namespace/pod of every sidecar, one per line
  kubectl secctx pods -A -o jsonpath='{range .items[*]}{.namespace}/{.pod}{"\n"}{end}'

  # Only list, never fail on drift
  kubectl secctx pods -A --fail-on none`,
	exits: `  0  no sidecar reports drift at or above --fail-on (or --fail-on none)
  1  a sidecar reports drift at or above --fail-on
  2  bad usage (one line on stderr)
  3  the pods could not be listed`,
	kube:  true,
	flags: podsFlagSet,
}

var versionCommand = &command{
	name:    "version",
	usage:   "",
	summary: "print the plugin's version, commit and Go version, and its default secctx image",
	long:    "Print the plugin's version, the commit and Go version it was built from, and the secctx image verify runs by default.",
	example: "  kubectl secctx version",
	exits:   "  0  printed\n  2  bad usage",
	flags: noFlags(func(args []string, e *env) error {
		if len(args) != 0 {
			return usageErr("version takes no arguments")
		}
		fmt.Fprintf(e.stdout, "kubectl-secctx %s (commit %s, %s, %s/%s; default image %s)\n",
			version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH, defaultImage())
		return nil
	}),
}

// noFlags is the flags function of a command without flags of its own
// that talks to no cluster: run gets its arguments.
func noFlags(run func(args []string, e *env) error) func(*pflag.FlagSet, *kubeFlags) func(context.Context, []string, *env) error {
	return func(*pflag.FlagSet, *kubeFlags) func(context.Context, []string, *env) error {
		return func(_ context.Context, args []string, e *env) error { return run(args, e) }
	}
}

var helpCommand = &command{
	name:    "help",
	usage:   "[COMMAND]",
	summary: "show the help of the plugin or of a command",
	long:    "Show the help of the plugin, or of COMMAND (the same as 'kubectl secctx COMMAND --help').",
	example: "  kubectl secctx help verify",
	exits:   "  0  printed\n  2  bad usage: an unknown command",
	flags: noFlags(func(args []string, e *env) error {
		switch {
		case len(args) == 0:
			fmt.Fprint(e.stdout, mainHelp())
		case len(args) > 1:
			return usageErr("help takes at most one command")
		case lookup(args[0]) == nil:
			return usageErr("unknown command %q (want %s)", args[0], strings.Join(commandNames(), ", "))
		default:
			c := lookup(args[0])
			own, kube, _ := c.flagSets()
			fmt.Fprint(e.stdout, c.help(own, kube))
		}
		return nil
	}),
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func commandNames() []string {
	var out []string
	for _, c := range commands {
		out = append(out, c.name)
	}
	return out
}

// flagSets registers the command's own flags and, for a command that
// talks to the cluster, kubectl's, and returns them apart (for the help)
// and the run.
func (c *command) flagSets() (own, kube *pflag.FlagSet, run func(context.Context, []string, *env) error) {
	own = pflag.NewFlagSet("kubectl secctx "+c.name, pflag.ContinueOnError)
	kf := &kubeFlags{}
	run = c.flags(own, kf)
	if c.kube {
		kube = pflag.NewFlagSet("kubectl", pflag.ContinueOnError)
		kf.register(kube)
	}
	return own, kube, run
}

// exec parses the command's flags and runs it; --help prints its help.
func (c *command) exec(ctx context.Context, args []string, e *env) error {
	own, kube, run := c.flagSets()
	fs := pflag.NewFlagSet("kubectl secctx "+c.name, pflag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {}
	fs.AddFlagSet(own)
	if kube != nil {
		fs.AddFlagSet(kube)
	}
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			fmt.Fprint(e.stdout, c.help(own, kube))
			return nil
		}
		return usageErr("%s: %v (see 'kubectl secctx %s --help')", c.name, err, c.name)
	}
	return run(ctx, fs.Args(), e)
}

// help is the command's help: usage, description, examples, flags,
// kubectl's flags and exit codes.
func (c *command) help(own, kube *pflag.FlagSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nUsage:\n  kubectl secctx %s %s\n\n", c.long, c.name, c.usage)
	fmt.Fprintf(&b, "Examples:\n%s\n\n", c.example)
	if u := own.FlagUsages(); u != "" {
		fmt.Fprintf(&b, "Flags:\n%s\n", u)
	}
	if kube != nil {
		fmt.Fprintf(&b, "Kubectl flags (connection and -v, as kubectl's):\n%s\n", kube.FlagUsages())
	}
	fmt.Fprintf(&b, "Exit codes:\n%s\n", c.exits)
	return b.String()
}

// mainHelp is the plugin's help: what it does and its commands.
func mainHelp() string {
	var b strings.Builder
	b.WriteString(`kubectl secctx: verify a live pod's securityContext with secctx

Usage:
  kubectl secctx COMMAND [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString(`
Examples:
  kubectl secctx verify web -n shop
  kubectl secctx pods -A -l app=web

verify and pods take kubectl's connection flags (--kubeconfig, --context,
-n, --as, --token, ...) and -v; client auth plugins (exec, OIDC) work as in
kubectl. "kubectl secctx COMMAND --help" shows a command's flags and exit
codes.

Exit codes:
` + exitsVerify + "\n")
	return b.String()
}

// run dispatches a command and turns its error into one line on stderr and
// an exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, mainHelp())
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help":
		fmt.Fprint(e.stdout, mainHelp())
		return exitOK
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(e.stderr, "kubectl-secctx: unknown command %q (want %s; see 'kubectl secctx --help')\n", args[0], strings.Join(commandNames(), ", "))
		return exitUsage
	}
	return exitCode(c.exec(ctx, args[1:], e), e)
}
