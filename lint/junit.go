package lint

import (
	"fmt"
	"io"
	"strings"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/report"
)

// WriteJUnit writes the report as JUnit XML: a testsuite per file, a
// testcase per rule that applies under the report's profile. A rule
// fails when one of its findings in the file is at or above th, is
// skipped when every one of its findings is waived, and passes otherwise
// (no finding, or findings below th, listed in the detail).
func WriteJUnit(w io.Writer, rep *Report, th report.Threshold) error {
	var files []string
	byFile := map[string][]Finding{}
	for _, wl := range rep.Workloads {
		if _, ok := byFile[wl.File]; !ok {
			files = append(files, wl.File)
			byFile[wl.File] = nil
		}
	}
	for _, f := range rep.Findings {
		if _, ok := byFile[f.File]; !ok {
			files = append(files, f.File)
		}
		byFile[f.File] = append(byFile[f.File], f)
	}
	prof, err := expect.LookupProfile(rep.Profile)
	if err != nil {
		return err
	}
	var suites []report.JUnitSuite
	for _, file := range files {
		s := report.JUnitSuite{Name: file, Properties: [][2]string{{"profile", rep.Profile}, {"podSecurityVersion", rep.PodSecurityVersion}}}
		for _, r := range Rules() {
			if !r.applies(prof) {
				continue
			}
			s.Cases = append(s.Cases, junitCase(file, r, byFile[file], th))
		}
		suites = append(suites, s)
	}
	return report.WriteJUnitSuites(w, "secctx lint", suites)
}

// junitCase is the testcase of one rule in one file.
func junitCase(file string, r *Rule, fs []Finding, th report.Threshold) report.JUnitCase {
	c := report.JUnitCase{ClassName: file, Name: r.ID}
	var lines []string
	var failing, open, waived int
	var worst report.Severity
	var reason string
	for _, f := range fs {
		if f.Rule != r.ID {
			continue
		}
		at := f.Workload
		if f.Container != "" {
			at += " container " + f.Container
		}
		line := fmt.Sprintf("%s %s %s (line %d): %s", strings.ToUpper(string(f.Effect)), f.Severity, at+" "+f.Field, f.Line, f.Message)
		if f.Waived != nil {
			waived++
			reason = f.Waived.String()
			line += " [" + f.Waived.String() + "]"
		} else {
			open++
			if th.Fails(f.Severity) {
				failing++
				if worst == "" || f.Severity.Rank() > worst.Rank() {
					worst = f.Severity
				}
			}
		}
		lines = append(lines, line)
	}
	switch {
	case failing > 0:
		c.Failure = fmt.Sprintf("%d finding%s at or above the threshold (worst %s): %s", failing, plural(failing == 1, "", "s"), worst, r.Summary)
		c.FailureType = string(r.Effect)
		c.Detail = strings.Join(lines, "\n")
	case open == 0 && waived > 0:
		c.Skipped = reason
		if waived > 1 {
			c.Skipped = fmt.Sprintf("%d findings waived; the first: %s", waived, reason)
		}
	}
	return c
}
