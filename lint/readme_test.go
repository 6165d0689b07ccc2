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
	if r.Profiles != nil {
		profiles = strings.Join(r.Profiles, ", ")
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
	var rows []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "| `") && (strings.Contains(l, "| refused |") || strings.Contains(l, "| ignored |") ||
			strings.Contains(l, "| changed |") || strings.Contains(l, "| warning |")) {
			rows = append(rows, l)
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
