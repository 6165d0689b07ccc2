package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/report"
)

// reportJSON renders a report with the given drift severities, as secctx
// verify -o json writes it.
func reportJSON(t *testing.T, sev ...report.Severity) (string, *report.Report) {
	t.Helper()
	r := &report.Report{APIVersion: report.APIVersion, Kind: report.Kind, Time: time.Date(2026, 11, 22, 21, 3, 12, 0, time.UTC),
		Target: report.Target{PID: 1, Comm: "sleep", Container: "app", Workload: "Pod/web"}, Profile: "containerd",
		Spec: report.SpecRef{Source: "env:SECCTX_SPEC"}}
	r.Findings = append(r.Findings, report.Finding{Check: "runAsNonRoot", Status: report.StatusOK, Severity: report.SeverityInfo, Expected: "non-root", Observed: "1000"})
	for _, s := range sev {
		r.Findings = append(r.Findings, report.Finding{Check: "runAsUser", Status: report.StatusDrift, Severity: s, Expected: "1000", Observed: "0", Message: "m"})
	}
	r.Summary = report.Summarize(r.Findings)
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String(), r
}

func TestParseOutput(t *testing.T) {
	t.Parallel()
	js, _ := reportJSON(t, report.SeverityCritical)
	cases := []struct {
		name   string
		out    string
		report bool
		diags  []string
		err    string
	}{
		{name: "report alone", out: js, report: true},
		{name: "diagnostics around it (a container log)", out: "secctx: warn: a\n" + js + "secctx: warn: b\n", report: true, diags: []string{"secctx: warn: a", "secctx: warn: b"}},
		{name: "no report (bad spec)", out: "secctx: error: env SECCTX_SPEC: Pod/web: spec.containers[0].securityContext.runAsUsr: unknown field\n",
			diags: []string{"secctx: error: env SECCTX_SPEC: Pod/web: spec.containers[0].securityContext.runAsUsr: unknown field"}},
		{name: "empty", out: ""},
		{name: "truncated", out: js[:len(js)/2], err: "does not decode"},
		{name: "another document", out: "{\n  \"kind\": \"Observed\"\n}\n", err: `"Observed"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, diags, err := parseOutput([]byte(tc.out))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || (r != nil) != tc.report || strings.Join(diags, "|") != strings.Join(tc.diags, "|") {
				t.Fatalf("report %v, diags %q, err %v", r != nil, diags, err)
			}
			if r != nil && (r.Summary.Drift != 1 || r.Findings[1].Observed != "0") {
				t.Errorf("decoded %+v", r.Summary)
			}
		})
	}
}

func TestResultPrint(t *testing.T) {
	t.Parallel()
	_, clean := reportJSON(t)
	_, low := reportJSON(t, report.SeverityLow)
	_, crit := reportJSON(t, report.SeverityCritical)
	cases := []struct {
		name   string
		res    *result
		output string
		failOn failOn
		code   int
		stdout string
		stderr string
	}{
		{name: "no drift", res: &result{report: clean}, output: "json", failOn: failOn{sev: report.SeverityLow}, code: 0, stdout: `"kind": "VerificationReport"`},
		{name: "drift", res: &result{report: crit, exit: 1}, output: "text", failOn: failOn{sev: report.SeverityLow}, code: 1, stdout: "1 drift (critical), 0 unknown, 1 ok, 0 skipped — Pod/web container app"},
		{name: "drift below --fail-on", res: &result{report: low, exit: 0}, output: "json", failOn: failOn{sev: report.SeverityMedium}, code: 0},
		{name: "bad spec", res: &result{exit: 2, diagnostics: []string{"secctx: error: x"}, where: "in ephemeral container secctx-a"}, code: 2,
			stderr: "secctx: error: x\nkubectl-secctx: secctx exited 2 in ephemeral container secctx-a without a report"},
		{name: "unobservable", res: &result{exit: 3}, code: 3},
		{name: "exit 0 without a report", res: &result{exit: 0}, code: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			e := &env{stdout: &out, stderr: &errb}
			p := &printer{output: tc.output}
			p.register(pflag.NewFlagSet("t", pflag.ContinueOnError))
			p.output = tc.output
			code := exitCode(tc.res.print(e, p, tc.failOn), e)
			if code != tc.code || !strings.Contains(out.String(), tc.stdout) || !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("exit %d (want %d)\nstdout %s\nstderr %s", code, tc.code, out.String(), errb.String())
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err    error
		code   int
		stderr string
	}{
		{nil, 0, ""},
		{usageErr("pod x not found"), 2, "kubectl-secctx: pod x not found\n"},
		{blindErr("refused:\n  a\tb"), 3, "kubectl-secctx: refused: a b\n"},
		{&exitError{code: 1}, 1, ""},
		{errors.New("other"), 3, "kubectl-secctx: other\n"},
	}
	for _, tc := range cases {
		var errb bytes.Buffer
		if code := exitCode(tc.err, &env{stderr: &errb}); code != tc.code || errb.String() != tc.stderr {
			t.Errorf("%v: exit %d, stderr %q", tc.err, code, errb.String())
		}
	}
}
