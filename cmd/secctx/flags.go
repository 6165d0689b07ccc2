package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/verify"
)

// options are the parsed flags of a command. Each command registers the
// flags it takes, with the methods below, in its flags function.
type options struct {
	output    string
	color     string
	specPath  string
	workload  string
	container string
	profile   string
	// seccompDefault is --seccomp-default: "" (unknown), true or false.
	seccompDefault string
	pid            int
	target         string
	procRoot       string
	failOn         string
	imageRoot      string
	logLevel       string
	logFormat      string
	file           string
	warnOnly       bool
	lint           lintOptions
	watch          watchOptions
	waiver         waiverOptions
	getenv         func(string) string
}

// Flag annotations the completion scripts read.
const (
	annotFiles = "secctx_files" // the value is a file
	annotDirs  = "secctx_dirs"  // the value is a directory
)

// enumValue is a string flag that takes one of a fixed list of values;
// the list is its help, its error and its shell completion.
type enumValue struct {
	value   *string
	choices []string
	typ     string // what the help calls the value
}

func (e *enumValue) String() string { return *e.value }

// Type names the value in the help ("-o, --output format").
func (e *enumValue) Type() string { return e.typ }

// Set accepts one of the choices.
func (e *enumValue) Set(s string) error {
	for _, c := range e.choices {
		if s == c {
			*e.value = s
			return nil
		}
	}
	return fmt.Errorf("want %s", orList(e.choices))
}

// orList writes "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// enum registers a flag taking one of choices, with the default def; typ
// names the value in the help.
func enum(fs *pflag.FlagSet, p *string, name, short, typ, def string, choices []string, usage string) {
	*p = def
	fs.VarP(&enumValue{value: p, choices: choices, typ: typ}, name, short, usage)
}

// files marks flags whose value is a path, for shell completion.
func files(fs *pflag.FlagSet, annot string, names ...string) {
	for _, n := range names {
		_ = fs.SetAnnotation(n, annot, []string{"true"})
	}
}

// severities are the values of --fail-on, lowest last.
var severities = []string{"critical", "high", "medium", "low", "info"}

// outputFlag registers -o/--output with the formats a command writes.
func (o *options) outputFlag(fs *pflag.FlagSet, def string, formats []string, what string) {
	enum(fs, &o.output, "output", "o", "format", def, formats, what+": "+orList(formats))
}

// colorFlag registers --color.
func (o *options) colorFlag(fs *pflag.FlagSet, stream string) {
	enum(fs, &o.color, "color", "", "when", "auto", []string{"auto", "always", "never"},
		"colour the text output: auto (when "+stream+" is a terminal and $NO_COLOR is unset or empty), always or never")
}

// logFlags: the diagnostics on stderr, with the command's defaults.
func (o *options) logFlags(fs *pflag.FlagSet, level, format string) {
	o.logLevelFlag(fs, level)
	enum(fs, &o.logFormat, "log-format", "", "format", format, []string{"text", "json"}, "diagnostics on stderr as text or json lines")
}

// logLevelFlag: --log-level.
func (o *options) logLevelFlag(fs *pflag.FlagSet, level string) {
	enum(fs, &o.logLevel, "log-level", "", "level", level, []string{"debug", "info", "warn", "error"}, "diagnostics on stderr at this level or above: debug, info, warn or error")
}

// specFlags: where the spec comes from, which workload and container of
// it, and the runtime profile.
func (o *options) specFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.specPath, "spec", "", "manifest file, or - for stdin (else $SECCTX_SPEC_FILE, then $SECCTX_SPEC, then the Pod Security Standards restricted profile)")
	fs.StringVar(&o.workload, "workload", "", "the workload, when the spec holds several: KIND/NAME or NAMESPACE/KIND/NAME")
	fs.StringVarP(&o.container, "container", "c", o.getenv("SECCTX_CONTAINER"), "container name, init and ephemeral containers included (env SECCTX_CONTAINER; default: the only container)")
	o.profileFlag(fs, "runtime profile")
	enum(fs, &o.seccompDefault, "seccomp-default", "", "true|false", o.getenv("SECCTX_SECCOMP_DEFAULT"), []string{"true", "false"},
		"the kubelet's seccompDefault, true or false, when known; unset: a container without seccompProfile may be unconfined or filtered (env SECCTX_SECCOMP_DEFAULT)")
	files(fs, annotFiles, "spec")
}

// profileFlag: --profile, defaulting to $SECCTX_PROFILE (checked with
// the other values, see check).
func (o *options) profileFlag(fs *pflag.FlagSet, what string) {
	names := expect.ProfileNames()
	enum(fs, &o.profile, "profile", "", "name", envOr(o.getenv, "SECCTX_PROFILE", expect.DefaultProfile), names,
		what+": "+orList(names)+" (env SECCTX_PROFILE)")
}

// procFlag: the proc root.
func (o *options) procFlag(fs *pflag.FlagSet) {
	fs.StringVar(&o.procRoot, "proc", probe.DefaultProcRoot, "proc filesystem to read (a fixture tree in tests)")
	files(fs, annotDirs, "proc")
}

// pidFlag: the process to read.
func (o *options) pidFlag(fs *pflag.FlagSet, what string) {
	fs.IntVar(&o.pid, "pid", 0, what+" (0: secctx itself); it must be visible in this PID namespace")
}

// failOnFlag: the severity that fails the run.
func (o *options) failOnFlag(fs *pflag.FlagSet, what string) {
	enum(fs, &o.failOn, "fail-on", "", "severity", "low", append(append([]string(nil), severities...), "none"),
		what+" at this severity or higher: "+strings.Join(severities, ", ")+", or none to never fail (report only)")
}

// check validates the values the flag parser cannot: those taken from the
// environment, and numbers.
func (o *options) check(fs *pflag.FlagSet) error {
	if fs.Lookup("profile") != nil {
		if _, err := expect.LookupProfile(o.profile); err != nil {
			return usagef("$SECCTX_PROFILE %q: want %s", o.profile, orList(expect.ProfileNames()))
		}
	}
	if fs.Lookup("seccomp-default") != nil {
		if _, err := o.node(); err != nil {
			return err
		}
	}
	if err := o.checkSkip(); err != nil {
		return err
	}
	if fs.Lookup("pid") != nil && o.pid < 0 {
		return usagef("--pid %d: want 0 (secctx itself) or a process id", o.pid)
	}
	for _, name := range []string{"spec", "proc", "image-root", "file", "workload", "container", "target", "waivers"} {
		if f := fs.Lookup(name); f != nil && f.Changed && f.Value.String() == "" {
			return usagef("--%s: empty value", name)
		}
	}
	return nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// failOnSeverity is the --fail-on threshold; never is true for none.
func (o *options) failOnSeverity() (sev report.Severity, never bool) {
	if o.failOn == "none" {
		return report.SeverityCritical, true
	}
	return report.Severity(o.failOn), false
}

// threshold is --fail-on for the outputs that show it (JUnit).
func (o *options) threshold() report.Threshold {
	if o.failOn == "" { // a command without --fail-on: its default
		return report.Threshold{Severity: report.SeverityLow}
	}
	sev, never := o.failOnSeverity()
	return report.Threshold{Severity: sev, Never: never}
}

// node is what the flags say of the node the container runs on. The flag
// takes true or false only; the environment may hold any of
// strconv.ParseBool's spellings.
func (o *options) node() (expect.Node, error) {
	var node expect.Node
	if o.seccompDefault != "" {
		sd, err := strconv.ParseBool(o.seccompDefault)
		if err != nil {
			return node, usagef("$SECCTX_SECCOMP_DEFAULT %q: want true or false", o.seccompDefault)
		}
		node.SeccompDefault = &sd
	}
	return node, nil
}

// pipeline is the verification pipeline the flags describe.
func (o *options) pipeline(stdin io.Reader) (*verify.Pipeline, error) {
	prof, err := expect.LookupProfile(o.profile)
	if err != nil {
		return nil, usagef("--profile: %v", err)
	}
	node, err := o.node()
	if err != nil {
		return nil, err
	}
	ws, err := o.waivers()
	if err != nil {
		return nil, err
	}
	return &verify.Pipeline{
		Waivers:  ws,
		Source:   manifest.Locator{Path: o.specPath, Getenv: o.getenv, Stdin: stdin},
		Workload: o.workload,
		Profile:  prof,
		Node:     node,
		FS:       probe.NewFS(o.procRoot),
	}, nil
}

// verifier runs the pipeline for the --container; every error is bad input
// (exit 2) and names the source and field.
func (o *options) verifier(stdin io.Reader) (*verify.Spec, *verify.Verifier, error) {
	p, err := o.pipeline(stdin)
	if err != nil {
		return nil, nil, err
	}
	spec, err := p.Load()
	if err != nil {
		return nil, nil, err
	}
	v, err := spec.Verifier(o.container)
	if err != nil {
		return nil, nil, err
	}
	return spec, v, nil
}

// podRef is the pod a PolicyReport is about, from the downward API's
// values in the environment.
func (o *options) podRef() report.PodRef {
	return report.PodRef{Name: o.getenv("SECCTX_POD_NAME"), Namespace: o.getenv("SECCTX_POD_NAMESPACE"), UID: o.getenv("SECCTX_POD_UID")}
}
