package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"
	sigsjson "sigs.k8s.io/json"

	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/report"
)

// maxReportBytes bounds the report render reads.
const maxReportBytes = 16 << 20

var renderCommand = &command{
	name:    "render",
	usage:   "[flags]",
	summary: "print a saved JSON report again, in any of verify's formats",
	long: `Read a VerificationReport saved as JSON (verify -o json, exec -o json's
stderr, a watch sidecar's /report) and print it again in any of verify's
formats: the text table, wide, json, yaml, a PolicyReport or one line.
Every value of the report is escaped in the text forms, so a report from
elsewhere cannot write control sequences to the terminal.`,
	example: "  secctx render -f bin/demo/report.json\n  curl -s localhost:9102/report | secctx render -o wide",
	exits:   exitsPrint,
	flags: func(fs *pflag.FlagSet, o *options) {
		fs.StringVarP(&o.file, "file", "f", "-", "JSON report to read, - for stdin")
		o.outputFlag(fs, formatText, reportFormats, "output format")
		o.colorFlag(fs, "stdout")
		files(fs, annotFiles, "file")
	},
	run: runRender,
}

// runRender turns a report shipped as JSON back into a table or another
// format.
func runRender(c *call) int {
	in, name := c.env.stdin, "stdin"
	if c.o.file != "-" {
		f, err := manifest.OpenRegular(c.o.file)
		if err != nil {
			return c.fail(exitUsage, fmt.Errorf("--file: %v", err))
		}
		defer f.Close()
		in, name = f, c.o.file
	}
	var r report.Report
	dec := sigsjson.NewDecoderCaseSensitivePreserveInts(io.LimitReader(in, maxReportBytes))
	if err := dec.Decode(&r); err != nil || r.Kind != report.Kind || r.APIVersion != report.APIVersion {
		return c.fail(exitUsage, fmt.Errorf("%s: not a %s %s JSON document", name, report.APIVersion, report.Kind))
	}
	if err := c.writeReport(c.env.stdout, &r); err != nil {
		return c.fail(exitUsage, err)
	}
	return exitOK
}
