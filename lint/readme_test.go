package lint

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// readmeRow is a rule's row in the README's rule table.
func readmeRow(r *Rule) string {
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

// TestReadmeRuleTable: the README's rule table lists every rule as the
// registry has it, and nothing else.
func TestReadmeRuleTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
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
		want = append(want, readmeRow(r))
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("README rule table differs from the registry; want:\n%s", strings.Join(want, "\n"))
	}
}
