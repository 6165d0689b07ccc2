package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// JUnit XML, for CI: a testsuite per container (verify) or per file
// (lint), a testcase per check or rule. A testcase fails when what it
// checks fails the run (--fail-on) and is skipped when nothing was
// compared or a waiver accepts it. The attributes are those the Ant JUnit
// schema (and GitHub, GitLab, Jenkins) read.

// Threshold is --fail-on: a drift or finding fails at Severity or above,
// never when Never is set.
type Threshold struct {
	Severity Severity
	Never    bool
}

// Fails reports whether a drift or finding of severity sev fails.
func (t Threshold) Fails(sev Severity) bool { return !t.Never && sev.Rank() >= t.Severity.Rank() }

// JUnitSuite is one testsuite.
type JUnitSuite struct {
	Name       string
	Timestamp  string // RFC 3339 without zone, or ""
	Properties [][2]string
	Cases      []JUnitCase
}

// JUnitCase is one testcase: passed, failed (Failure set) or skipped
// (Skipped set).
type JUnitCase struct {
	ClassName, Name string
	// Failure is the failure's one-line message, FailureType its kind
	// and Detail the text under it.
	Failure, FailureType, Detail string
	// Skipped is the reason the case was skipped.
	Skipped string
}

// junitDetailLines bounds the detail text of a case.
const junitDetailLines = 100

// WriteJUnitSuites writes suites as one testsuites document named name.
func WriteJUnitSuites(w io.Writer, name string, suites []JUnitSuite) error {
	bw := bufio.NewWriter(w)
	var tests, failures, skipped int
	for _, s := range suites {
		t, f, sk := s.counts()
		tests, failures, skipped = tests+t, failures+f, skipped+sk
	}
	fmt.Fprintf(bw, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n",
		xmlEscape(name), tests, failures, skipped)
	for i, s := range suites {
		t, f, sk := s.counts()
		fmt.Fprintf(bw, "  <testsuite name=\"%s\" id=\"%d\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"0\"", xmlEscape(s.Name), i, t, f, sk)
		if s.Timestamp != "" {
			fmt.Fprintf(bw, " timestamp=\"%s\"", xmlEscape(s.Timestamp))
		}
		bw.WriteString(">\n")
		if len(s.Properties) > 0 {
			bw.WriteString("    <properties>\n")
			for _, p := range s.Properties {
				fmt.Fprintf(bw, "      <property name=\"%s\" value=\"%s\"/>\n", xmlEscape(p[0]), xmlEscape(p[1]))
			}
			bw.WriteString("    </properties>\n")
		}
		for _, c := range s.Cases {
			fmt.Fprintf(bw, "    <testcase classname=\"%s\" name=\"%s\" time=\"0\"", xmlEscape(c.ClassName), xmlEscape(c.Name))
			switch {
			case c.Failure != "":
				fmt.Fprintf(bw, ">\n      <failure message=\"%s\" type=\"%s\">%s</failure>\n    </testcase>\n",
					xmlEscape(c.Failure), xmlEscape(c.FailureType), xmlEscapeText(boundLines(c.Detail, junitDetailLines), false))
			case c.Skipped != "":
				fmt.Fprintf(bw, ">\n      <skipped message=\"%s\"/>\n    </testcase>\n", xmlEscape(c.Skipped))
			default:
				bw.WriteString("/>\n")
			}
		}
		bw.WriteString("  </testsuite>\n")
	}
	bw.WriteString("</testsuites>\n")
	return bw.Flush()
}

func (s JUnitSuite) counts() (tests, failures, skipped int) {
	for _, c := range s.Cases {
		tests++
		switch {
		case c.Failure != "":
			failures++
		case c.Skipped != "":
			skipped++
		}
	}
	return tests, failures, skipped
}

// boundLines keeps the first max lines of s.
func boundLines(s string, max int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= max {
		return s
	}
	return strings.Join(lines[:max], "\n") + fmt.Sprintf("\n... and %d more lines", len(lines)-max)
}

// xmlEscape escapes s for an attribute or text: the five predefined
// entities, and every character XML 1.0 does not allow (control
// characters but tab and line breaks, invalid UTF-8) replaced by U+FFFD.
func xmlEscape(s string) string { return xmlEscapeText(s, true) }

// xmlEscapeText is xmlEscape; attr false keeps line breaks and tabs as
// they are (a text node).
func xmlEscapeText(s string, attr bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == '\n' || r == '\r' || r == '\t':
			if attr {
				fmt.Fprintf(&b, "&#x%X;", r)
			} else {
				b.WriteRune(r)
			}
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			b.WriteRune(utf8.RuneError) // invalid UTF-8 ranges as U+FFFD already
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// WriteJUnit writes verification reports as JUnit XML: a testsuite per
// report (a container), a testcase per finding, named by its check and
// subject. A drift the threshold fails is a failure; a drift below it
// passes; skipped, waived and unknown findings are skipped, with the
// reason.
func WriteJUnit(w io.Writer, reports []*Report, th Threshold) error {
	suites := make([]JUnitSuite, 0, len(reports))
	for _, r := range reports {
		class := r.Target.Workload + "/" + r.Target.Container
		s := JUnitSuite{Name: class, Timestamp: r.Time.UTC().Format("2006-01-02T15:04:05"),
			Properties: [][2]string{{"profile", r.Profile}, {"spec", r.Spec.Source}, {"namespace", r.Target.Namespace}}}
		for _, f := range r.Findings {
			name := string(f.Check)
			if f.Subject != "" {
				name += " " + f.Subject
			}
			c := JUnitCase{ClassName: class, Name: name}
			detail := "expected: " + f.Expected + "\nobserved: " + f.Observed + "\n" + f.Message
			if f.Hint != "" {
				detail += "\nhint: " + f.Hint
			}
			switch {
			case f.Waived != nil:
				c.Skipped = f.Waived.String()
			case f.Status == StatusDrift && th.Fails(f.Severity):
				c.Failure, c.FailureType, c.Detail = string(f.Severity)+" drift: "+f.Message, "drift", detail
			case f.Status == StatusUnknown, f.Status == StatusSkipped:
				c.Skipped = string(f.Status) + ": " + f.Message
			}
			s.Cases = append(s.Cases, c)
		}
		suites = append(suites, s)
	}
	return WriteJUnitSuites(w, "secctx verify", suites)
}
