package main

import (
	"fmt"
	"io"
	"strings"

	sigsjson "sigs.k8s.io/json"

	"github.com/secctx/secctx/report"
)

// result is what one secctx run in the cluster produced.
type result struct {
	// report is the VerificationReport, nil when secctx wrote none (bad
	// spec, unobservable process).
	report *report.Report
	// exit is secctx's exit code.
	exit int
	// diagnostics are secctx's lines that are not the report.
	diagnostics []string
	// where says where secctx ran, for messages.
	where string
}

// parseOutput splits secctx's output (stdout and stderr, possibly
// interleaved, as a container log holds them) into the JSON report, which
// secctx writes as one indented object starting with a line "{", and the
// other lines.
func parseOutput(out []byte) (*report.Report, []string, error) {
	lines := strings.SplitAfter(string(out), "\n")
	var diags []string
	for i := 0; i < len(lines); i++ {
		if strings.TrimRight(lines[i], "\r\n") != "{" {
			if s := strings.TrimSpace(lines[i]); s != "" {
				diags = append(diags, s)
			}
			continue
		}
		rest := strings.Join(lines[i:], "")
		var r report.Report
		dec := sigsjson.NewDecoderCaseSensitivePreserveInts(strings.NewReader(rest))
		if err := dec.Decode(&r); err != nil {
			return nil, diags, fmt.Errorf("secctx's report does not decode: %v", err)
		}
		if r.Kind != report.Kind {
			return nil, diags, fmt.Errorf("secctx wrote a %q document, not a %s", r.Kind, report.Kind)
		}
		// What follows the object: more diagnostics.
		for _, l := range strings.Split(rest[dec.InputOffset():], "\n") {
			if s := strings.TrimSpace(l); s != "" {
				diags = append(diags, s)
			}
		}
		return &r, diags, nil
	}
	return nil, diags, nil
}

// print writes the report (or secctx's diagnostics when it wrote none) and
// returns the exit code as an error, the way secctx verify exits.
func (r *result) print(e *env, p *printer, failOn failOn) error {
	for _, d := range r.diagnostics {
		fmt.Fprintln(e.stderr, "secctx: "+strings.TrimPrefix(d, "secctx: "))
	}
	if r.report == nil {
		code := r.exit
		if code != exitUsage && code != exitUnobserved {
			code = exitUnobserved
		}
		return &exitError{code, fmt.Sprintf("secctx exited %d %s without a report", r.exit, r.where)}
	}
	text := func(w io.Writer, wide bool) error {
		return report.WriteText(w, r.report, report.TextOptions{Wide: wide})
	}
	if err := p.print(e.stdout, r.report, text, []string{resourceName(r.report.Target.Workload)}); err != nil {
		return blindErr("writing the report: %v", err)
	}
	if failOn.failing(r.report) {
		return &exitError{code: exitDrift}
	}
	return nil
}

// resourceName turns "Kind/name" into kubectl's -o name form, "kind/name".
func resourceName(workload string) string {
	kind, name, ok := strings.Cut(workload, "/")
	if !ok {
		return workload
	}
	return strings.ToLower(kind) + "/" + name
}
