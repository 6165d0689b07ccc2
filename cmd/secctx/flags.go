package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/verify"
)

// options are the parsed flags of a command. Each command registers the
// flags it takes, with the functions below, in its flags function.
type options struct {
	output    string
	specPath  string
	workload  string
	container string
	profile   string
	// seccompDefault is --seccomp-default: "" (unknown), true or false.
	seccompDefault string
	pid            int
	procRoot       string
	failOn         string
	imageRoot      string
	logLevel       string
	logFormat      string
	watch          watchOptions
	getenv         func(string) string
}

// processFlags are the flags of the commands that print one document about
// one process (verify, probe, expect): the output, diagnostics and spec
// flags.
func (o *options) processFlags(fs *flag.FlagSet) {
	o.outputFlags(fs)
	o.logFlags(fs, "warn", "text")
	o.specFlags(fs)
}

// outputFlags: -o/--output and --pid, for the commands that print one
// document about one process.
func (o *options) outputFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.output, "o", "text", "output format: json or text")
	fs.StringVar(&o.output, "output", "text", "output format: json or text (same as -o)")
	fs.IntVar(&o.pid, "pid", 0, "process to verify (0: secctx itself); it must be visible in this PID namespace")
}

// logFlags: the diagnostics on stderr, with the command's defaults.
func (o *options) logFlags(fs *flag.FlagSet, level, format string) {
	fs.StringVar(&o.logLevel, "log-level", level, "diagnostics on stderr: debug, info, warn, error")
	fs.StringVar(&o.logFormat, "log-format", format, "diagnostics format on stderr: text or json")
}

// specFlags: the proc root and where the spec comes from.
func (o *options) specFlags(fs *flag.FlagSet) {
	getenv := o.getenv
	fs.StringVar(&o.procRoot, "proc", "/proc", "proc filesystem root to read (a fixture tree in tests)")
	fs.StringVar(&o.specPath, "spec", "", "manifest file, or - for stdin (else $SECCTX_SPEC_FILE, $SECCTX_SPEC)")
	fs.StringVar(&o.workload, "workload", "", "the workload when the spec holds several: KIND/NAME, or NAMESPACE/KIND/NAME")
	fs.StringVar(&o.container, "container", getenv("SECCTX_CONTAINER"), "container name; env SECCTX_CONTAINER; empty: the only container")
	fs.StringVar(&o.profile, "profile", envOr(getenv, "SECCTX_PROFILE", expect.DefaultProfile),
		"runtime profile: "+strings.Join(expect.ProfileNames(), ", ")+"; env SECCTX_PROFILE")
	fs.StringVar(&o.seccompDefault, "seccomp-default", getenv("SECCTX_SECCOMP_DEFAULT"),
		"the kubelet's seccompDefault, true or false, when known; unset: a container without seccompProfile may be unconfined or filtered; env SECCTX_SECCOMP_DEFAULT")
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// pipeline is the verification pipeline the flags describe.
func (o *options) pipeline(stdin io.Reader) (*verify.Pipeline, error) {
	prof, err := expect.LookupProfile(o.profile)
	if err != nil {
		return nil, &usageError{"--profile: " + err.Error()}
	}
	var node expect.Node
	if o.seccompDefault != "" {
		sd, err := strconv.ParseBool(o.seccompDefault)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("--seccomp-default %q: want true or false", o.seccompDefault)}
		}
		node.SeccompDefault = &sd
	}
	return &verify.Pipeline{
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

// write renders v as JSON or as text.
func write(o *options, w io.Writer, v any, text func(io.Writer) error) error {
	if o.output == "json" {
		return report.WriteJSON(w, v)
	}
	return text(w)
}
