package lint

import (
	"reflect"
	"testing"

	"github.com/secctx/secctx/expect"
)

// TestRulesFollowProfileProperties: a profile that has another's
// properties under a new name (what adding a data-only profile to
// expect/profile.go does) gets the same rules and the same findings, for
// the manifest of every rule's case; a rule selects profiles by their
// properties, never by name.
func TestRulesFollowProfileProperties(t *testing.T) {
	t.Parallel()
	cases := ruleCases(t)
	for _, orig := range expect.Profiles() {
		cp := *orig
		cp.Name = "copy-of-" + orig.Name
		t.Run(cp.Name, func(t *testing.T) {
			t.Parallel()
			applied := 0
			for _, r := range rules {
				if r.applies(&cp) != r.applies(orig) {
					t.Errorf("%s: applies %v under the copy, %v under %s", r.ID, r.applies(&cp), r.applies(orig), orig.Name)
				}
				if r.Requires != nil && r.applies(&cp) {
					applied++
				}
			}
			if applied == 0 {
				t.Errorf("no profile-specific rule applies under %s: the comparison says nothing", orig.Name)
			}
			tripped := 0
			for _, c := range cases {
				want := lintWith(t, orig, c.trip, c.opts)
				got := lintWith(t, &cp, c.trip, c.opts)
				if !reflect.DeepEqual(got.Findings, want.Findings) {
					t.Errorf("%s case %q: findings under the copy\n%+v\nunder %s\n%+v", c.rule, c.name, got.Findings, orig.Name, want.Findings)
				}
				for _, f := range got.Findings {
					if ruleByID(f.Rule).Requires != nil {
						tripped++
					}
				}
			}
			if tripped == 0 {
				t.Errorf("no profile-specific rule trips under the copy of %s: the comparison says nothing", orig.Name)
			}
		})
	}
}

// lintWith lints one stream under a profile that need not be registered.
func lintWith(t *testing.T, prof *expect.Profile, manifest string, opts Options) *Result {
	t.Helper()
	opts.Profile = prof
	res, err := Run([]Input{{Name: "m.yaml", Data: []byte(manifest)}}, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}
