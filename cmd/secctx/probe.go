package main

import (
	"io"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/verify"
)

var probeCommand = &command{
	name:    "probe",
	usage:   "[flags]",
	summary: "print the security state a process really has",
	long: `Print the security state a process really has, read from /proc, without
comparing it with anything: capability sets, uid/gid/groups, no_new_privs,
seccomp, the LSM label, the mount table's read-only root and the state of
each masked and read-only path, the sysctls, the user-namespace maps and
cap_last_cap, and every item that could not be read, with the reason.

The spec (--spec, or the environment, or the default) only chooses what to
read besides the fixed items: the sysctls and paths its container
(--container) declares or its runtime profile injects.`,
	example: `  # This process
  secctx probe

  # Another process, as JSON
  secctx probe --pid 42 -o json`,
	exits: "  0  printed\n  2  bad usage or bad spec (one line on stderr, nothing on stdout)\n  3  the process's state could not be observed at all",
	flags: func(fs *pflag.FlagSet, o *options) {
		o.outputFlag(fs, formatText, documentFormats, "output format")
		o.pidFlag(fs, "process to read")
		o.specFlags(fs)
		o.procFlag(fs)
		o.logFlags(fs, "warn", "text")
	},
	run: runProbe,
}

// runProbe prints the observed state of a process.
func runProbe(c *call) int {
	_, v, err := c.o.verifier(c.env.stdin)
	if err != nil {
		return c.fail(exitUsage, err)
	}
	st := v.Observe(c.o.pid)
	if st.Blind() {
		return c.fail(exitUnobserved, &verify.BlindError{PID: c.o.pid, Why: st.Missing(probe.ItemStatus)})
	}
	if err := c.writeDocument(c.env.stdout, st, func(w io.Writer) error { return writeFields(w, st) }); err != nil {
		return c.fail(exitUsage, err)
	}
	return exitOK
}
