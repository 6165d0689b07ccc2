package e2e

import (
	"slices"
	"testing"
)

// honouredOnlyByFixtures are the checks whose honoured direction cannot
// run in a container on this machine: it has neither AppArmor nor SELinux,
// so no runtime can put a declared profile or label in force. Their ok
// path is tested on fixture trees (probe/, report/); their drift path runs
// here for real.
var honouredOnlyByFixtures = map[string]string{
	"appArmorProfile": "no AppArmor on this machine",
	"seLinuxOptions":  "no SELinux on this machine",
}

// neverDrift are the checks that compare no process state, so that no
// runtime can drift them; their unknown path is tested on fixtures
// (report/, manifest/) and through the binary (cmd/secctx).
var neverDrift = map[string]string{
	"unknownField": "reports the spec's fields secctx does not know (docs/unknown-fields.md)",
}

// TestEveryCheckBothWays: every check id the binary registers is exercised
// in a real container in both directions: ok where the runtime honours the
// field (a scenario lists it in mustOK, which TestNoDrift asserts), and
// drift where drift is injected (a drift case wants it, which TestDrift
// asserts exactly). The exceptions are named above, with the reason.
func TestEveryCheckBothWays(t *testing.T) {
	requireE2E(t)
	honoured, drifted := map[string]bool{}, map[string]bool{}
	for _, sc := range scenarios {
		for _, id := range sc.mustOK {
			honoured[id] = true
		}
	}
	for _, dc := range driftCases {
		for _, id := range dc.want {
			drifted[id] = true
		}
	}
	if len(checkIDs) == 0 {
		t.Fatal("no check ids from the binary")
	}
	for _, id := range checkIDs {
		why, excepted := honouredOnlyByFixtures[id]
		switch {
		case !honoured[id] && !excepted:
			t.Errorf("%s: no scenario exercises it where the runtime honours it (mustOK)", id)
		case honoured[id] && excepted:
			t.Errorf("%s: listed as fixture-only (%s) but a scenario exercises it: drop the exception", id, why)
		}
		_, cannot := neverDrift[id]
		switch {
		case !drifted[id] && !cannot:
			t.Errorf("%s: no drift case injects drift in it", id)
		case drifted[id] && cannot:
			t.Errorf("%s: listed as never drifting but a drift case wants it", id)
		}
	}
	for _, m := range []map[string]string{honouredOnlyByFixtures, neverDrift} {
		for id := range m {
			if !slices.Contains(checkIDs, id) {
				t.Errorf("exception %s is not a check id", id)
			}
		}
	}
}
