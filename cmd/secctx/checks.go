package main

import (
	"fmt"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
)

// runChecks lists the registry: each check id, what it reads, how the
// expectation is derived and how it compares.
func runChecks(args []string, e *env) int {
	if len(args) > 0 && args[0] != "-o" && args[0] != "--output" {
		fmt.Fprintf(e.stderr, "secctx: error: checks takes no arguments but -o json|text\n")
		return exitUsage
	}
	if len(args) >= 2 && args[1] == "json" {
		type row struct {
			ID          check.ID     `json:"id"`
			Reads       []probe.Item `json:"reads"`
			Expectation string       `json:"expectation"`
			Comparison  string       `json:"comparison"`
		}
		var rows []row
		for _, c := range report.Checks {
			rows = append(rows, row{c.ID, c.Reads, c.Expectation, c.Comparison})
		}
		if err := report.WriteJSON(e.stdout, rows); err != nil {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range report.Checks {
		fmt.Fprintf(e.stdout, "%s\n  expects:  %s\n  compares: %s\n", c.ID, c.Expectation, c.Comparison)
	}
	return exitOK
}
