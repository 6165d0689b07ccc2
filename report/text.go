package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/secctx/secctx/probe"
)

// TextWidth is the width the default text form fits: every line of it is
// at most this many characters.
const TextWidth = 80

// TextOptions choose the text form of a report.
type TextOptions struct {
	// Wide keeps every value whole: the subject and the processes get
	// columns of their own and no line is cut or wrapped to TextWidth.
	Wide bool
	// Color marks statuses and the summary with ANSI colours, for a
	// terminal.
	Color bool
}

// ANSI colours.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiFaint  = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

var statusOrder = map[Status]int{StatusDrift: 0, StatusUnknown: 1, StatusOK: 2, StatusSkipped: 3}

// WriteText writes the report for people: a summary line (counts, the
// workload, container and profile), the processes and the spec's source,
// a warning when the process does not look containerised, then a table,
// drift first (worst first), then unknown, ok and skipped, and below it
// the message, hint and processes of every finding that is not ok.
//
// By default every line fits TextWidth: the subject joins the check id,
// long values end in an ellipsis and the details are wrapped; o.Wide
// keeps every column at full width. Every value taken from the report
// (process names, paths, labels, messages) is escaped (see Escape), so a
// report cannot write control sequences to a terminal.
func WriteText(w io.Writer, r *Report, o TextOptions) error {
	bw := bufio.NewWriter(w)
	t := &textOut{w: bw, o: o}
	fs := append([]Finding(nil), r.Findings...)
	sort.SliceStable(fs, func(i, j int) bool {
		if statusOrder[fs[i].Status] != statusOrder[fs[j].Status] {
			return statusOrder[fs[i].Status] < statusOrder[fs[j].Status]
		}
		return fs[i].Severity.Rank() > fs[j].Severity.Rank()
	})
	t.header(r)
	t.table(fs)
	t.details(fs)
	return bw.Flush()
}

// textOut writes the text form.
type textOut struct {
	w *bufio.Writer
	o TextOptions
}

// paint wraps s in colour when colours are on.
func (t *textOut) paint(color, s string) string {
	if !t.o.Color || color == "" || s == "" {
		return s
	}
	return color + s + ansiReset
}

func countsText(s Summary) string {
	drift := fmt.Sprintf("%d drift", s.Drift)
	if s.Drift > 0 && s.HighestSeverity != "" {
		drift += " (" + Escape(string(s.HighestSeverity)) + ")"
	}
	out := fmt.Sprintf("%s, %d unknown, %d ok, %d skipped", drift, s.Unknown, s.OK, s.Skipped)
	if s.Waived > 0 {
		out += fmt.Sprintf(" (%d waived)", s.Waived)
	}
	return out
}

func subjectText(r *Report) string {
	wl := Escape(r.Target.Workload)
	if r.Target.Namespace != "" {
		wl += " (namespace " + Escape(r.Target.Namespace) + ")"
	}
	return fmt.Sprintf("%s %s %s, profile %s", wl, r.Target.ContainerKind.Noun(), Escape(r.Target.Container), Escape(r.Profile))
}

// processesText names the processes verified: "pid 1 (app)", or the
// first few of several.
func processesText(tg Target) string {
	procs := tg.Processes
	if len(procs) == 0 {
		s := "pid " + strconv.Itoa(tg.PID)
		if tg.Comm != "" {
			s += " (" + Escape(tg.Comm) + ")"
		}
		return s
	}
	return fmt.Sprintf("%d process%s: %s", len(procs), plural(len(procs), "es"), processList(procs, 4))
}

// processList names up to max processes ("12 (nginx), 13 (nginx), and 3
// more"); max 0 names them all.
func processList(procs []Process, max int) string {
	var parts []string
	for i, p := range procs {
		if max > 0 && i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(procs)-max))
			break
		}
		s := strconv.Itoa(p.PID)
		if p.Comm != "" {
			s += " (" + Escape(p.Comm) + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func plural(n int, suffix string) string {
	if n == 1 {
		return ""
	}
	return suffix
}

func (t *textOut) header(r *Report) {
	counts := countsText(r.Summary)
	color := ansiGreen
	switch {
	case r.Summary.Drift > 0:
		color = ansiRed
	case r.Summary.Unknown > 0:
		color = ansiYellow
	}
	t.para("", "  ", counts+" — "+subjectText(r), func(first string) string {
		// Only the counts are coloured; they always fit the first line.
		if rest, ok := strings.CutPrefix(first, counts); ok {
			return t.paint(ansiBold+color, counts) + rest
		}
		return first
	})
	t.para("", "  ", processesText(r.Target)+"; spec "+Escape(r.Spec.Source), nil)
	if c := r.Target.Containerised; c != nil && !*c {
		why := "no sign of a container was found"
		if d := (probe.Containment{Signs: r.Target.ContainerSigns}).Describe(); d != "" {
			why = Escape(d)
		}
		msg := "this process does not look containerised: " + why +
			"; the drift below may be this host's own state rather than a runtime's."
		t.para("", "  ", msg, func(line string) string { return t.paint(ansiBold+ansiYellow, line) })
	}
	t.w.WriteString("\n")
}

// para writes s as a paragraph: one line in wide mode, else wrapped to
// TextWidth with the first and later lines indented as given. paint, if
// set, decorates each line after wrapping.
func (t *textOut) para(first, rest, s string, paint func(string) string) {
	var lines []string
	if t.o.Wide {
		lines = []string{first + s}
	} else {
		lines = wrap(first, rest, s, TextWidth)
	}
	for _, l := range lines {
		if paint != nil {
			l = paint(l)
		}
		t.w.WriteString(l)
		t.w.WriteByte('\n')
	}
}

// column is one column of the table.
type column struct {
	head  string
	cells []string
	width int
	// min is the narrowest the column is cut to; 0 never cuts it.
	min int
}

func (t *textOut) table(fs []Finding) {
	cols := []*column{{head: "STATUS"}, {head: "SEVERITY"}, {head: "CHECK", min: 30}}
	if t.o.Wide {
		cols = append(cols, &column{head: "SUBJECT"})
	}
	cols = append(cols, &column{head: "EXPECTED", min: 12}, &column{head: "OBSERVED", min: 12})
	if t.o.Wide {
		cols = append(cols, &column{head: "PROCESSES"})
	}
	for _, f := range fs {
		cells := []string{Escape(string(f.Status)), Escape(string(f.Severity))}
		if f.Waived != nil {
			cells[1] = "waived"
		}
		if t.o.Wide {
			cells = append(cells, Escape(string(f.Check)), dash(Escape(f.Subject)))
		} else {
			id := Escape(string(f.Check))
			if f.Subject != "" {
				id += " " + Escape(f.Subject)
			}
			cells = append(cells, id)
		}
		cells = append(cells, Escape(short(f.Expected)), Escape(short(f.Observed)))
		if t.o.Wide {
			cells = append(cells, dash(processList(f.Processes, 0)))
		}
		for i, c := range cells {
			cols[i].cells = append(cols[i].cells, c)
		}
	}
	for _, c := range cols {
		c.width = utf8.RuneCountInString(c.head)
		for _, s := range c.cells {
			c.width = max(c.width, utf8.RuneCountInString(s))
		}
	}
	if !t.o.Wide {
		fit(cols, TextWidth)
	}
	row := func(cells []string, paint func(i int, padded string) string) {
		var b strings.Builder
		for i, c := range cols {
			s := cut(cells[i], c.width)
			if i < len(cols)-1 {
				s += strings.Repeat(" ", c.width-utf8.RuneCountInString(s))
			}
			if paint != nil {
				s = paint(i, s)
			}
			b.WriteString(s)
			if i < len(cols)-1 {
				b.WriteString("  ")
			}
		}
		t.w.WriteString(strings.TrimRight(b.String(), " "))
		t.w.WriteByte('\n')
	}
	heads := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = c.head
	}
	row(heads, func(_ int, s string) string { return t.paint(ansiBold, s) })
	for j, f := range fs {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = c.cells[j]
		}
		color := statusColor(f)
		row(cells, func(i int, s string) string {
			if i > 1 {
				return s
			}
			trimmed := strings.TrimRight(s, " ")
			return t.paint(color, trimmed) + s[len(trimmed):]
		})
	}
}

func statusColor(f Finding) string {
	switch f.Status {
	case StatusDrift:
		if f.Severity.Rank() >= SeverityHigh.Rank() {
			return ansiBold + ansiRed
		}
		return ansiRed
	case StatusUnknown:
		return ansiYellow
	case StatusOK:
		return ansiGreen
	}
	return ansiFaint
}

// fit narrows the columns that may be cut, the widest first, until the
// table fits width (two spaces between columns).
func fit(cols []*column, width int) {
	total := 2 * (len(cols) - 1)
	for _, c := range cols {
		total += c.width
	}
	for total > width {
		var widest *column
		for _, c := range cols {
			if c.min > 0 && c.width > c.min && (widest == nil || c.width > widest.width) {
				widest = c
			}
		}
		if widest == nil {
			return
		}
		widest.width--
		total--
	}
}

// cut shortens s to width runes, ending it with an ellipsis.
func cut(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

func (t *textOut) details(fs []Finding) {
	first := true
	for _, f := range fs {
		if f.Status != StatusDrift && f.Status != StatusUnknown && f.Waived == nil {
			continue
		}
		if first {
			t.w.WriteString("\ndetails:\n")
			first = false
		}
		subj := Escape(string(f.Check))
		if f.Subject != "" {
			subj += " " + Escape(f.Subject)
		}
		label := Escape(string(f.Status))
		if f.Status == StatusDrift {
			label += ", " + Escape(string(f.Severity))
		}
		msg := Escape(f.Message)
		if w := f.Waived; w != nil {
			label += ", waived " + Escape(string(w.Status))
			if w.Status == StatusDrift {
				label += " " + Escape(string(w.Severity))
			}
			msg = Escape(w.String()) + ". " + msg
		}
		t.para("- ", "  ", subj+" ["+label+"]: "+msg, nil)
		if f.Hint != "" {
			t.para("  hint: ", "    ", Escape(f.Hint), nil)
		}
		if len(f.Processes) > 0 {
			n := 8
			if t.o.Wide {
				n = 0
			}
			t.para("  processes: ", "    ", processList(f.Processes, n), nil)
		}
	}
}

// wrap breaks s into lines of at most width runes, the first starting
// with first, the others with rest; a word longer than a line is cut.
func wrap(first, rest, s string, width int) []string {
	var lines []string
	indent := first
	line := ""
	room := func() int { return width - utf8.RuneCountInString(indent) }
	flush := func() {
		lines = append(lines, indent+line)
		line, indent = "", rest
	}
	for _, word := range strings.Split(s, " ") {
		if word == "" {
			continue
		}
		for utf8.RuneCountInString(word) > room() {
			if line != "" {
				flush()
				continue
			}
			// Cut after the last comma that fits (a list), else at the
			// edge.
			r := []rune(word)
			at := room()
			if i := strings.LastIndex(string(r[:at]), ","); i > 0 {
				at = utf8.RuneCountInString(string(r[:at])[:i+1])
			}
			line = string(r[:at])
			word = string(r[at:])
			flush()
		}
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= room():
			line += " " + word
		default:
			flush()
			line = word
		}
	}
	if line != "" || len(lines) == 0 {
		flush()
	}
	return lines
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// short renders a value (see render.go) for a table cell: "-" when
// there is none, tabs as blanks.
func short(s string) string {
	if s == "" {
		return "-" // nothing expected, or nothing read
	}
	return strings.ReplaceAll(s, "\t", " ")
}
