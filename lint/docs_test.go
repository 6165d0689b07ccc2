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
	profiles := "all"
	if r.Requires != nil {
		profiles = strings.Join(r.Profiles(), ", ")
	}
	return fmt.Sprintf("| `%s` | %s | %s | %s | %s | %s |", r.ID, r.Effect, check, r.Verify, profiles, r.Source)
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
	var rows []string
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, "| rule | effect |"):
			in = true
		case in && strings.HasPrefix(l, "|---"):
		case in && strings.HasPrefix(l, "| "):
			rows = append(rows, l)
		case in:
			in = false
		}
	}
	var want []string
	for _, r := range Rules() {
		want = append(want, docRow(r))
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("docs/lint.md rule table differs from the registry; want:\n%s", strings.Join(want, "\n"))
	}
}
