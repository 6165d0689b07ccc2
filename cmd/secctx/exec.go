package main

import (
	"errors"
	"os"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/launch"
	"github.com/secctx/secctx/probe"
)

var execCommand = &command{
	name:    "exec",
	usage:   "[flags] -- CMD [ARGS...]",
	summary: "verify this process, then run CMD in its place (an entrypoint)",
	long: `As a container's entrypoint: verify this very process against its spec, then
replace it with CMD (execve: the same pid, environment and file
descriptors; CMD is looked up in PATH as a shell does), so that the
application runs with exactly the state that was verified. With drift at
or above --fail-on CMD does not run, and the report goes to stderr: by
default one JSON line as the sidecar writes (-o line: the summary and the
drifts with their expected and observed values, at most 12 KiB, so a
container runtime never splits it in the log), or the whole report in any
of verify's formats; --warn-only reports and runs CMD anyway.`,
	example: `  # In a Dockerfile
  ENTRYPOINT ["/secctx", "exec", "--", "/app/server"]

  # Report drift as text, run anyway
  secctx exec --spec /etc/secctx/pod.yaml -o text --warn-only -- \
    /app/server --port 8080`,
	exits: "  CMD's own status once it runs\n  1    drift at or above --fail-on\n  2    bad usage or bad spec (one line on stderr)\n  3    the state could not be observed\n  126  CMD is not executable\n  127  CMD was not found",
	args:  argsCommand,
	flags: func(fs *pflag.FlagSet, o *options) {
		o.outputFlag(fs, formatLine, reportFormats, "format of the report written to stderr when there is drift")
		o.specFlags(fs)
		o.failOnFlag(fs, "refuse to run CMD (exit 1) when a drift is")
		fs.BoolVar(&o.warnOnly, "warn-only", false, "report drift, and run CMD anyway")
		o.colorFlag(fs, "stderr")
		o.procFlag(fs)
		o.logFlags(fs, "warn", "text")
	},
	run: runExec,
}

// execve replaces the process; tests replace it.
var execve = launch.Exec

// runExec is `secctx exec`.
func runExec(c *call) int {
	cmd := c.args
	// The command is looked up in the PATH it will run with.
	pathEnv, pathSet := os.LookupEnv("PATH")
	path, err := launch.LookPath(cmd[0], pathEnv, pathSet)
	if err != nil {
		return c.fail(statusOf(err), err)
	}
	code, run := c.verifySelf()
	if !run {
		return code
	}
	if err := execve(path, cmd, os.Environ()); err != nil {
		return c.fail(statusOf(err), err)
	}
	return exitOK // only a test's execve returns without error
}

// verifySelf verifies the calling process and writes the report on
// stderr when there is drift. It says whether CMD may run, and the exit
// code when it may not.
func (c *call) verifySelf() (int, bool) {
	_, v, err := c.o.verifier(c.env.stdin)
	if err != nil {
		return c.fail(exitUsage, err), false
	}
	r, err := v.Verify(0)
	switch {
	case unobserved(err):
		c.log.Error().Msg(err.Error())
		if c.o.warnOnly {
			return 0, true
		}
		return exitUnobserved, false
	case err != nil:
		return c.fail(exitUsage, err), false
	}
	r.Target.SetContainment(probe.NewFS(c.o.procRoot).ContainerSigns(0))
	if r.Summary.Drift > 0 {
		if err = c.writeReport(c.env.stderr, r); err != nil {
			c.log.Error().Msg(err.Error())
		}
	}
	if !c.o.warnOnly && failing(r, c.o) {
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
