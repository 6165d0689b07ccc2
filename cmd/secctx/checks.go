package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
)

var checksCommand = &command{
	name:    "checks",
	usage:   "[flags]",
	summary: "list the check ids, what each reads and how it compares",
	long: `List the registry of checks verify runs, in report order: each check's id
(a stable contract that reports, metrics and PolicyReport rules use), the
probe items it reads, how its expectation is derived and how it compares.`,
	example: "  secctx checks\n  secctx checks -o json | jq -r '.[].id'",
	exits:   exitsPrint,
	flags: func(fs *pflag.FlagSet, o *options) {
		o.outputFlag(fs, formatText, documentFormats, "output format")
	},
	run: runChecks,
}

// checkRow is one check as checks -o json prints it.
type checkRow struct {
	ID          check.ID     `json:"id"`
	Reads       []probe.Item `json:"reads"`
	Expectation string       `json:"expectation"`
	Comparison  string       `json:"comparison"`
}

// runChecks lists the registry.
func runChecks(c *call) int {
	rows := make([]checkRow, 0, len(report.Checks))
	for _, ck := range report.Checks {
		rows = append(rows, checkRow{ck.ID, ck.Reads, ck.Expectation, ck.Comparison})
	}
	err := c.writeDocument(c.env.stdout, rows, func(w io.Writer) error {
		for _, r := range rows {
			if _, err := fmt.Fprintf(w, "%s\n  expects:  %s\n  compares: %s\n", r.ID, r.Expectation, r.Comparison); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return c.fail(exitUsage, err)
	}
	return exitOK
}
