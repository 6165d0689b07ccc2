package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"
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

// env is what a command runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one entry of the command table.
type command struct {
	name    string
	args    string // what follows the name in the usage line
	summary string
	// flags registers the command's flags (with their defaults) on fs;
	// the parsed values land in o.
	flags func(fs *flag.FlagSet, o *options)
	// exits is the exit-code line of the command's help.
	exits string
	// run runs the command with its parsed options.
	run func(o *options, e *env, log zerolog.Logger) (int, error)
	// raw, instead of flags and run, runs a command that parses its own
	// arguments.
	raw func(args []string, e *env) int
}

// exitsVerify is the exit-code line of the commands that verify a process.
const exitsVerify = "Exit codes: 0 no drift, 1 drift at or above --fail-on, 2 bad usage or spec, 3 state not observable."

// commands is the table, in the order the usage lists them.
var commands = []*command{
	{name: "verify", args: "[flags]", summary: "compare the declared spec with the observed state",
		flags: verifyFlags, exits: exitsVerify, run: runVerify},
	{name: "watch", args: "[flags]", summary: "verify on an interval as a sidecar; log changes as JSON",
		flags: watchFlags, exits: "Exit codes: 0 stopped by SIGTERM, SIGINT or --cycles; 2 bad usage or spec.", run: runWatch},
	{name: "probe", args: "[flags]", summary: "print the observed state of a process",
		flags: probeFlags, exits: exitsVerify, run: runProbe},
	{name: "expect", args: "[flags]", summary: "print the expected state resolved from a spec",
		flags: expectFlags, exits: exitsVerify, run: runExpect},
	{name: "lint", args: "FILE|DIR|-", summary: "predict, offline, what the platform refuses, ignores or changes",
		raw: runLint},
	{name: "exec", args: "-- CMD...", summary: "verify this process, then run CMD in its place (an entrypoint)",
		raw: runExec},
	{name: "checks", summary: "list the check ids and what each compares", raw: runChecks},
	{name: "render", args: "[flags]", summary: "print a saved JSON report (stdin or --file) as text", raw: runRender},
	{name: "version", summary: "print the version", raw: runVersion},
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usage is the help text.
func usage() string {
	var b strings.Builder
	b.WriteString(`secctx verifies that a container's processes really have the security
state their Kubernetes securityContext declares, and reports the drift.

Usage:
`)
	for _, c := range commands {
		line := c.name
		if c.args != "" {
			line = fmt.Sprintf("%-6s %s", c.name, c.args)
		}
		fmt.Fprintf(&b, "  secctx %-17s%s\n", line, c.summary)
	}
	b.WriteString(`
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
`)
	return b.String()
}

// usageError is bad usage: exit 2 with one line on stderr.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	log := newLogger(stderr, "warn")
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage())
		return exitOK
	case "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		log.Error().Msgf("unknown command %q; run secctx --help", name)
		return exitUsage
	}
	if c.raw != nil {
		return c.raw(rest, e)
	}
	fs := flag.NewFlagSet("secctx "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{getenv: getenv, output: "json"}
	c.flags(fs, o)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: secctx %s [flags]\n\nFlags:\n", c.name)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\n%s\n", c.exits)
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
	code, err := c.run(o, e, log)
	if err != nil {
		log.Error().Msg(err.Error())
	}
	return code
}
