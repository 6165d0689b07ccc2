package main

import (
	"errors"
	"flag"
	"io"

	sigsjson "sigs.k8s.io/json"

	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/report"
)

// runRender turns a report shipped as JSON (a log line, a file) back into
// the text table.
func runRender(args []string, e *env) int {
	fs := flag.NewFlagSet("secctx render", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	file := fs.String("file", "-", "JSON report to read, - for stdin")
	output := fs.String("o", "text", "output format: text or json")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	log := newLogger(e.stderr, "warn")
	in := e.stdin
	name := "stdin"
	if *file != "-" {
		f, err := manifest.OpenRegular(*file)
		if err != nil {
			log.Error().Msg(err.Error())
			return exitUsage
		}
		defer f.Close()
		in, name = f, *file
	}
	var r report.Report
	dec := sigsjson.NewDecoderCaseSensitivePreserveInts(io.LimitReader(in, 16<<20))
	if err := dec.Decode(&r); err != nil || r.Kind != report.Kind {
		log.Error().Msgf("%s: not a %s %s JSON document", name, report.APIVersion, report.Kind)
		return exitUsage
	}
	var err error
	if *output == "json" {
		err = report.WriteJSON(e.stdout, &r)
	} else {
		err = report.WriteText(e.stdout, &r)
	}
	if err != nil {
		log.Error().Msg(err.Error())
		return exitUsage
	}
	return exitOK
}
