package lint

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// docRow is a rule's row in the rule table of docs/lint.md.
func docRow(r *Rule) string {
	check := "`" + string(r.Check) + "`"
	if r.Check == "" {
		check = "the field's"
	}
	profiles := r.Doc()
	return fmt.Sprintf("| <a id=\"%s\"></a>`%s` | %s | %s | %s | %s | %s |", r.ID, r.ID, r.Effect, check, r.Verify, profiles, r.Source)
}

// pssRow is a Pod Security Standards control's row in docs/lint.md.
func pssRow(id, name, help string) string {
	return fmt.Sprintf("| <a id=\"%s\"></a>`%s` | %s | %s |", id, id, name, help)
}

// tableRows returns the rows of the table whose header line starts with
// header.
func tableRows(doc, header string) []string {
	var rows []string
	in := false
	for _, l := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(l, header):
			in = true
		case in && strings.HasPrefix(l, "|---"):
		case in && strings.HasPrefix(l, "| "):
			rows = append(rows, l)
		case in:
			in = false
		}
	}
	return rows
}

// TestDocRuleTable: the rule table of docs/lint.md lists every rule as the
// registry has it, and nothing else.
func TestDocRuleTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/lint.md")
	if err != nil {
		t.Fatal(err)
	}
	// The table is the block of rows under its header line, up to the
	// first line that is not a table row.
	rows := tableRows(string(b), "| rule | effect |")
	var want []string
	for _, r := range Rules() {
		want = append(want, docRow(r))
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("docs/lint.md rule table differs from the registry; want:\n%s", strings.Join(want, "\n"))
	}
}

// TestDocPSSTable: docs/lint.md lists every Pod Security Standards control
// that SARIF names, with the anchor its helpUri points at.
func TestDocPSSTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/lint.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := tableRows(string(b), "| control id | control |")
	var want []string
	for _, c := range pssControls {
		want = append(want, pssRow(c.id, c.name, c.help))
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("docs/lint.md control table differs from pssControls; want:\n%s", strings.Join(want, "\n"))
	}
}

// TestSARIFHelpAnchors: every helpUri of the SARIF rules points at an
// anchor docs/lint.md has.
func TestSARIFHelpAnchors(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/lint.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sarifRules() {
		frag, ok := strings.CutPrefix(r.HelpURI, DocsURL+"lint.md#")
		if !ok {
			t.Errorf("%s: helpUri %q is not into docs/lint.md", r.ID, r.HelpURI)
			continue
		}
		if !strings.Contains(string(b), `<a id="`+frag+`"></a>`) {
			t.Errorf("%s: docs/lint.md has no anchor %q", r.ID, frag)
		}
	}
}
