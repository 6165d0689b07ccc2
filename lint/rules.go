package lint

import (
	"sort"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
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
	// Requires says whether the rule applies under a profile, from the
	// profile's properties (never its name); nil means under all.
	Requires *Selector
	// Summary is one line; Help says what to do about it.
	Summary, Help string
	// Source is the document and section, or the upstream function.
	Source string
	run    func(p *pod)
}

// applies reports whether the rule applies under the profile.
func (r *Rule) applies(p *expect.Profile) bool {
	return r.Requires == nil || r.Requires.Match(p)
}

// Selector is a property of a profile that rules select by: what it
// means, for the rule table, and its test.
type Selector struct {
	// Doc says which profiles it selects, in the rule table's words.
	Doc string
	// Match reports whether a profile has the property.
	Match func(*expect.Profile) bool
}

// Doc says under which profiles the rule applies, by property.
func (r *Rule) Doc() string {
	if r.Requires == nil {
		return "all"
	}
	return r.Requires.Doc
}

// Profiles names the known profiles the rule applies under, sorted; nil
// when it applies under all.
func (r *Rule) Profiles() []string {
	if r.Requires == nil {
		return nil
	}
	var out []string
	for _, p := range expect.Profiles() {
		if r.Requires.Match(p) {
			out = append(out, p.Name)
		}
	}
	return out
}

// The profile properties rules select by.
var (
	// onKubeletNode: a kubelet on a node of one's own, whose flags,
	// runtime version and LSMs decide.
	onKubeletNode = &Selector{"kubelet node", func(p *expect.Profile) bool { return p.Platform == expect.PlatformKubelet }}
	// onOwnNode: a node of one's own, with or without a kubelet.
	onOwnNode = &Selector{"own node", func(p *expect.Profile) bool { return p.Platform != expect.PlatformECI }}
	// onECI: ECI's documents say which fields apply.
	onECI = &Selector{"ECI", func(p *expect.Profile) bool { return p.Platform == expect.PlatformECI }}
	// onKubePlay: podman kube play reads the manifest.
	onKubePlay = &Selector{"kube play", func(p *expect.Profile) bool { return p.Platform == expect.PlatformKubePlay }}
	// underKubelet: the kubelet creates the containers (its own checks
	// run).
	underKubelet = &Selector{"kubelet-driven", func(p *expect.Profile) bool { return p.Kubelet }}
	// noAmbientForNonRoot: the runtime raises no ambient capability for a
	// non-root user.
	noAmbientForNonRoot = &Selector{"no ambient for non-root", func(p *expect.Profile) bool { return p.Ambient != expect.AmbientAddsNonRoot }}
	// capPrefixIgnored: a capability written with CAP_ has no effect.
	capPrefixIgnored = &Selector{"CAP_ prefix ignored", func(p *expect.Profile) bool { return p.CapPrefixIgnored }}
	// addBeatsDrop: a capability both added and dropped is kept.
	addBeatsDrop = &Selector{"add beats drop", func(p *expect.Profile) bool { return p.CapConflict == expect.AddWins }}
	// podGroupNeedsUser: the sandbox refuses a pod runAsGroup without
	// runAsUser.
	podGroupNeedsUser = &Selector{"pod runAsGroup needs runAsUser", func(p *expect.Profile) bool { return p.PodGroupNeedsUser }}
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
