package main

import (
	"errors"
	"flag"
	"io"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/verify"
)

func verifyFlags(fs *flag.FlagSet, o *options) {
	o.processFlags(fs)
	fs.StringVar(&o.failOn, "fail-on", "low", "exit 1 when a drift has this severity or higher: critical, high, medium, low, info")
}

// runVerify compares the spec with the observed state of one process.
func runVerify(o *options, e *env, log zerolog.Logger) (int, error) {
	failOn, err := report.ParseSeverity(o.failOn)
	if err != nil {
		return exitUsage, &usageError{"--fail-on: " + err.Error()}
	}
	spec, v, err := o.verifier(e.stdin)
	if err != nil {
		return exitUsage, err
	}
	if spec.Loaded.Default {
		log.Info().Msg("no spec given: verifying against the Pod Security Standards restricted profile")
	}
	r, err := v.Verify(o.pid)
	var blind *verify.BlindError
	if errors.As(err, &blind) {
		return exitUnobserved, err
	} else if err != nil {
		return exitUsage, err
	}
	if err := write(o, e.stdout, r, func(w io.Writer) error { return report.WriteText(w, r) }); err != nil {
		return exitUsage, err
	}
	if r.Failing(failOn) {
		return exitDrift, nil
	}
	return exitOK, nil
}
