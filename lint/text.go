package lint

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// TextWidth is the width the text output fits in.
const TextWidth = 80

// WriteText writes the report for people: per workload its Pod Security
// Standards level, then its findings, grouped by pod and container, each
// with the field (relative to the pod spec), the rule, the effect and
// the check verify would report it under. Every line fits TextWidth.
func WriteText(w io.Writer, rep *Report) error {
	bw := bufio.NewWriter(w)
	writeGroups(bw, rep)
	writeTextTail(bw, usedRules(nil, rep.Findings), rep.Summary, rep.Profile, rep.PodSecurityVersion)
	return bw.Flush()
}

// writeGroups writes the workloads and findings of rep.
func writeGroups(w *bufio.Writer, rep *Report) {
	t := &textWriter{w: w}
	for _, g := range groups(rep) {
		t.group(g)
	}
}

// usedRules adds the rules of fs to used (rule id: source).
func usedRules(used map[string]string, fs []Finding) map[string]string {
	if used == nil {
		used = map[string]string{}
	}
	for _, f := range fs {
		if _, ok := used[f.Rule]; !ok {
			used[f.Rule] = f.Source
		}
	}
	return used
}

// writeTextTail writes the sources of the rules used and the summary.
func writeTextTail(w *bufio.Writer, seen map[string]string, s Summary, profile, pssVersion string) {
	t := &textWriter{w: w}
	if len(seen) > 0 {
		used := make([]string, 0, len(seen))
		for id := range seen {
			used = append(used, id)
		}
		sort.Strings(used)
		t.wrap("", "sources:")
		for _, id := range used {
			t.hang("  ", "      ", id+": "+seen[id])
		}
		t.w.WriteString("\n")
	}
	waived := ""
	if s.Waived > 0 {
		waived = fmt.Sprintf(" and %d waived", s.Waived)
	}
	t.wrap("", fmt.Sprintf("summary: %d finding%s (%d refused, %d ignored, %d changed, %d warning%s)%s in %d workload%s; Pod Security %s: %d restricted, %d baseline, %d privileged; profile %s",
		s.Findings, plural(s.Findings == 1, "", "s"), s.Refused, s.Ignored, s.Changed, s.Warning, plural(s.Warning == 1, "", "s"), waived,
		s.Workloads, plural(s.Workloads == 1, "", "s"), pssVersion,
		s.Levels[LevelRestricted], s.Levels[LevelBaseline], s.Levels[LevelPrivileged], profile))
}

// group is one workload (or one object that could not be decoded) and its
// findings.
type group struct {
	file     string
	doc      int
	name     string
	ns       string
	line     int
	wl       *Workload
	findings []Finding
}

func groups(rep *Report) []*group {
	var out []*group
	byKey := map[string]*group{}
	key := func(file string, doc, item int, name string) string {
		return fmt.Sprintf("%s\x00%d\x00%d\x00%s", file, doc, item, name)
	}
	for i := range rep.Workloads {
		w := &rep.Workloads[i]
		g := &group{file: w.File, doc: w.Doc, name: w.Workload, ns: w.Namespace, line: w.Line, wl: w}
		byKey[key(w.File, w.Doc, w.item, w.Workload)] = g
		out = append(out, g)
	}
	for _, f := range rep.Findings {
		k := key(f.File, f.Doc, f.item, f.Workload)
		g := byKey[k]
		if g == nil {
			g = &group{file: f.File, doc: f.Doc, name: f.Workload, line: f.Line}
			byKey[k] = g
			out = append(out, g)
		}
		g.findings = append(g.findings, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].file != out[j].file {
			return out[i].file < out[j].file
		}
		return out[i].doc < out[j].doc
	})
	return out
}

type textWriter struct{ w *bufio.Writer }

// wrap writes s in lines of at most TextWidth runes, each starting with
// indent; a word longer than a line is cut.
func (t *textWriter) wrap(indent, s string) { t.hang(indent, indent, s) }

// hang is wrap with a different indent after the first line.
func (t *textWriter) hang(first, rest, s string) {
	indent := first
	width := TextWidth - utf8.RuneCountInString(indent)
	line := ""
	flush := func() {
		fmt.Fprintf(t.w, "%s%s\n", indent, line)
		line = ""
		indent = rest
		width = TextWidth - utf8.RuneCountInString(indent)
	}
	for _, word := range strings.Fields(s) {
		for utf8.RuneCountInString(word) > width {
			if line != "" {
				flush()
			}
			r := []rune(word)
			line = string(r[:width])
			flush()
			word = string(r[width:])
		}
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
			line += " " + word
		default:
			flush()
			line = word
		}
	}
	if line != "" {
		flush()
	}
}

func (t *textWriter) group(g *group) {
	t.groupHead(g)
	specPrefix := ""
	switch {
	case g.wl != nil:
		specPrefix = g.wl.SpecPath + "."
	case len(g.findings) > 0:
		specPrefix = specPathOf(g.findings)
	}
	var pod []Finding
	byCtr := map[string][]Finding{}
	for _, f := range g.findings {
		if f.Container == "" {
			pod = append(pod, f)
		} else {
			byCtr[f.Container] = append(byCtr[f.Container], f)
		}
	}
	if len(pod) > 0 {
		if g.wl != nil {
			t.wrap("  ", "pod")
		}
		for _, f := range pod {
			t.finding(f, specPrefix)
		}
	}
	if g.wl != nil {
		for _, c := range g.wl.Containers {
			fs := byCtr[c.Name]
			t.wrap("  ", fmt.Sprintf("%s %s: Pod Security %s, %d finding%s", c.Kind.Noun(), c.Name, c.Level, len(fs), plural(len(fs) == 1, "", "s")))
			for _, f := range fs {
				t.finding(f, specPrefix)
			}
		}
	}
	t.w.WriteString("\n")
}

// groupHead writes the file, line and name of a group, and the workload's
// Pod Security level with what blocks the next one.
func (t *textWriter) groupHead(g *group) {
	file := g.file
	if file == "-" {
		file = "stdin"
	}
	head := file
	if g.line > 0 {
		head = fmt.Sprintf("%s:%d", file, g.line)
	}
	head += " " + g.name
	if g.ns != "" {
		head += " (namespace " + g.ns + ")"
	}
	t.wrap("", head)
	if g.wl != nil {
		ps := g.wl.PodSecurity
		line := fmt.Sprintf("Pod Security %s: %s", ps.Version, ps.Level)
		if b := ps.Blocking(); len(b) > 0 {
			line += fmt.Sprintf(" (%s blocked by %s)", ps.nextLevel(), strings.Join(b, ", "))
		}
		t.wrap("  ", line)
	}
}

// specPathOf guesses the pod spec's path from the findings' fields, so
// that the text can show fields relative to it.
func specPathOf(fs []Finding) string {
	for _, f := range fs {
		for _, marker := range []string{".containers[", ".initContainers[", ".ephemeralContainers[", ".securityContext", ".hostUsers", ".volumes["} {
			if i := strings.Index(f.Field, marker); i >= 0 {
				return f.Field[:i+1]
			}
		}
	}
	return ""
}

// finding writes the effect, severity and rule, the field and its line,
// the message, and what verify will report; the rules' sources follow
// the report, once each.
func (t *textWriter) finding(f Finding, specPrefix string) {
	head := fmt.Sprintf("%s %s %s", strings.ToUpper(string(f.Effect)), f.Severity, f.Rule)
	if f.Waived != nil {
		head = "WAIVED " + head
	}
	t.wrap("    ", head)
	field := strings.TrimPrefix(f.Field, specPrefix)
	if field == "" {
		field = "(object)"
	}
	if f.Line > 0 {
		field += fmt.Sprintf(" (line %d)", f.Line)
	}
	t.wrap("      ", field)
	t.wrap("      ", f.Message)
	verify := "verify: " + string(f.Verify)
	if f.Check != "" {
		verify = fmt.Sprintf("verify %s: %s", f.Check, f.Verify)
	}
	t.wrap("      ", verify)
	if f.Waived != nil {
		t.wrap("      ", f.Waived.String())
	}
}

// plural picks the singular or the plural form.
func plural(one bool, singular, many string) string {
	if one {
		return singular
	}
	return many
}
