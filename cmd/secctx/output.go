package main

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/watch"
)

// Output formats.
const (
	formatJSON         = "json"
	formatYAML         = "yaml"
	formatText         = "text"
	formatWide         = "wide"
	formatPolicyReport = "policyreport"
	formatOpenReport   = "openreport"
	formatJUnit        = "junit"
	formatSARIF        = "sarif"
	formatLine         = "line"
)

// reportFormats are the formats of a VerificationReport.
var reportFormats = []string{formatText, formatWide, formatJSON, formatYAML, formatPolicyReport, formatOpenReport, formatJUnit, formatLine}

// documentFormats are the formats of the commands that print one
// document other than a report.
var documentFormats = []string{formatText, formatJSON, formatYAML}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// colored decides --color for output written to w: always, never, or
// (auto) on a terminal unless $NO_COLOR holds any value (an empty one
// counts as unset, as no-color.org says).
func (c *call) colored(w io.Writer) bool {
	switch c.o.color {
	case "always":
		return true
	case "never":
		return false
	}
	return c.env.getenv("NO_COLOR") == "" && c.env.terminal(w)
}

// writeReport writes a verification report in the chosen format.
func (c *call) writeReport(w io.Writer, r *report.Report) error {
	switch c.o.output {
	case formatJSON:
		return report.WriteJSON(w, r)
	case formatYAML:
		return report.WriteYAML(w, r)
	case formatPolicyReport:
		return report.WriteJSON(w, report.NewPolicyReport([]*report.Report{r}, c.o.podRef()))
	case formatOpenReport:
		return report.WriteJSON(w, report.NewPolicyReportFor(report.APIOpenReports, []*report.Report{r}, c.o.podRef()))
	case formatJUnit:
		return report.WriteJUnit(w, []*report.Report{r}, c.o.threshold())
	case formatLine:
		return watch.WriteLine(w, r)
	}
	return report.WriteText(w, r, report.TextOptions{Wide: c.o.output == formatWide, Color: c.colored(w)})
}

// writeDocument writes v as JSON or YAML, or as text through text.
func (c *call) writeDocument(w io.Writer, v any, text func(io.Writer) error) error {
	switch c.o.output {
	case formatJSON:
		return report.WriteJSON(w, v)
	case formatYAML:
		return report.WriteYAML(w, v)
	}
	return writeEscaped(w, text)
}

// writeEscaped runs text into a buffer and writes it with every control
// character but the line breaks escaped (see report.Escape), so that no
// value shown to people can write control sequences to a terminal.
func writeEscaped(w io.Writer, text func(io.Writer) error) error {
	var b bytes.Buffer
	if err := text(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, report.EscapeLines(b.String()))
	return err
}

// escape is report.Escape, for one-line messages.
func escape(s string) string { return report.Escape(s) }
