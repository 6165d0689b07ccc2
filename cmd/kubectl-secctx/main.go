// Command kubectl-secctx is the kubectl plugin of secctx: `kubectl secctx
// verify POD` runs secctx against a live pod's container, in an ephemeral
// container that shares its process namespace (or, with --exec, streamed
// into the container itself), against the pod's own manifest, and prints the
// report; `kubectl secctx pods` lists the pods that run the secctx sidecar
// with their last report, read through the API server's pod proxy.
//
// Unlike secctx itself, the plugin links client-go: it runs beside kubectl,
// never inside a container.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
)

// version and commit are set at build time (-ldflags "-X main.version=...
// -X main.commit=...": make plugin, make release).
var (
	version = "dev"
	commit  = "unknown"
)

// Exit codes, as secctx verify's.
const (
	exitOK         = 0 // no drift at or above --fail-on
	exitDrift      = 1 // drift at or above --fail-on
	exitUsage      = 2 // bad usage: flags, pod or container not found, a bad spec
	exitUnobserved = 3 // the container could not be verified at all
)

// exitError carries an exit code and one line for stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Sprintf(format, args...)}
}

func blindErr(format string, args ...any) error {
	return &exitError{exitUnobserved, fmt.Sprintf(format, args...)}
}

// env is the process's outside world, replaceable in tests.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

func exitCode(err error, e *env) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	var xe *exitError
	if errors.As(err, &xe) {
		if xe.msg != "" {
			fmt.Fprintln(e.stderr, "kubectl-secctx: "+oneLine(xe.msg))
		}
		return xe.code
	}
	fmt.Fprintln(e.stderr, "kubectl-secctx: "+oneLine(err.Error()))
	return exitUnobserved
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// defaultImage is the secctx image of this plugin's version.
func defaultImage() string {
	tag := version
	if tag == "" || tag == "dev" || strings.HasSuffix(tag, "-dirty") {
		tag = "latest"
	}
	return "ghcr.io/secctx/secctx:" + tag
}
