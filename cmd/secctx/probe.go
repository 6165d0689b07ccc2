package main

import (
	"flag"
	"io"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/verify"
)

func probeFlags(fs *flag.FlagSet, o *options) {
	o.processFlags(fs)
}

// runProbe prints the observed state of a process: what the spec asks to
// read (its sysctls and paths) besides the fixed items.
func runProbe(o *options, e *env, log zerolog.Logger) (int, error) {
	_, v, err := o.verifier(e.stdin)
	if err != nil {
		return exitUsage, err
	}
	st := v.Observe(o.pid)
	if st.Blind() {
		return exitUnobserved, &verify.BlindError{PID: o.pid, Why: st.Missing(probe.ItemStatus)}
	}
	return exitOK, write(o, e.stdout, st, func(w io.Writer) error { return writeFields(w, st) })
}
