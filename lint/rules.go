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
	Requires func(*expect.Profile) bool
	// Summary is one line; Help says what to do about it.
	Summary, Help string
	// Source is the document and section, or the upstream function.
	Source string
	run    func(p *pod)
}

// applies reports whether the rule applies under the profile.
func (r *Rule) applies(p *expect.Profile) bool {
	return r.Requires == nil || r.Requires(p)
}

// Profiles names the known profiles the rule applies under, sorted; nil
// when it applies under all.
func (r *Rule) Profiles() []string {
	if r.Requires == nil {
		return nil
	}
	var out []string
	for _, p := range expect.Profiles() {
		if r.Requires(p) {
			out = append(out, p.Name)
		}
	}
	return out
}

// The profile properties rules select by.

// onKubeletNode: a kubelet on a node of one's own, whose flags, runtime
// version and LSMs decide.
func onKubeletNode(p *expect.Profile) bool { return p.Platform == expect.PlatformKubelet }

// onOwnNode: a node of one's own, with or without a kubelet.
func onOwnNode(p *expect.Profile) bool { return p.Platform != expect.PlatformECI }

// onECI: ECI's documents say which fields apply.
func onECI(p *expect.Profile) bool { return p.Platform == expect.PlatformECI }

// onKubePlay: podman kube play reads the manifest.
func onKubePlay(p *expect.Profile) bool { return p.Platform == expect.PlatformKubePlay }

// underKubelet: the kubelet creates the containers (its own checks run).
func underKubelet(p *expect.Profile) bool { return p.Kubelet }

// noAmbientForNonRoot: the runtime raises no ambient capability for a
// non-root user.
func noAmbientForNonRoot(p *expect.Profile) bool { return p.Ambient != expect.AmbientAddsNonRoot }

// capPrefixIgnored: a capability written with CAP_ has no effect.
func capPrefixIgnored(p *expect.Profile) bool { return p.CapPrefixIgnored }

// addBeatsDrop: a capability both added and dropped is kept.
func addBeatsDrop(p *expect.Profile) bool { return p.CapConflict == expect.AddWins }

// podGroupNeedsUser: the sandbox refuses a pod runAsGroup without runAsUser.
func podGroupNeedsUser(p *expect.Profile) bool { return p.PodGroupNeedsUser }

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
