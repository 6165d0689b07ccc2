package lint

import (
	"slices"
	"sort"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/report"
)

// Rule is one prediction rule: a stable id, what the platform does, the
// check `secctx verify` reports it under, and where the rule comes from.
// A finding takes these defaults; some rules adjust the severity, check or
// prediction per finding (the rule table of docs/lint.md says which).
type Rule struct {
	// ID is stable: reports, SARIF and suppressions key on it.
	ID       string
	Effect   Effect
	Severity report.Severity
	// Check is the verify check id; "" when no check observes it, or when
	// it depends on the field (pod-level fields on ECI).
	Check  check.ID
	Verify Prediction
	// Profiles are the profiles the rule applies under; nil means all.
	Profiles []string
	// Summary is one line; Help says what to do about it.
	Summary, Help string
	// Source is the document and section, or the upstream function.
	Source string
	run    func(p *pod)
}

// applies reports whether the rule applies under the named profile.
func (r *Rule) applies(profile string) bool {
	return r.Profiles == nil || slices.Contains(r.Profiles, profile)
}

// Profile groups.
var (
	profilesECI    = []string{"eci"}
	profilesPodman = []string{"podman"}
	// profilesKubelet run a real kubelet in front of a CRI runtime.
	profilesKubelet = []string{"containerd", "crio", "docker"}
	// profilesCRI are the profiles where the kubelet's (or ECI's
	// containerd-based) container creation applies.
	profilesCRI = []string{"containerd", "crio", "docker", "eci"}
)

// rules is the registry, in the order findings of one field are listed.
var rules []*Rule

func init() {
	rules = append(rules, k8sRules...)
	rules = append(rules, eciRules...)
	rules = append(rules, podmanRules...)
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			panic("lint: duplicate rule id " + r.ID)
		}
		seen[r.ID] = true
	}
}

// Rules returns the registry sorted by id, for documentation and SARIF.
func Rules() []*Rule {
	out := append([]*Rule(nil), rules...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ruleByID returns a registered rule; it panics on an unknown id, which is
// a programming error caught by the tests.
func ruleByID(id string) *Rule {
	for _, r := range rules {
		if r.ID == id {
			return r
		}
	}
	panic("lint: no rule " + id)
}
