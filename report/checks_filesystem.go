package report

import (
	"path"
	"sort"
	"strings"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/probe"
)

// filesystemChecks are the filesystem and mount checks: the root mount and the masked and read-only paths.
var filesystemChecks = []Check{
	{ID: check.ReadOnlyRootFilesystem, Scope: ScopeContainer, Reads: []probe.Item{probe.ItemMounts},
		Expectation: "readOnlyRootFilesystem (ECI: either state when undeclared)",
		Comparison:  "the visible mount at / is read-only exactly when expected",
		Values:      ValuesOutcomes,
		Severities:  []Severity{SeverityHigh, SeverityLow},
		run:         checkReadOnlyRoot},
	{ID: check.ProcMount, Scope: ScopeContainer, Reads: []probe.Item{probe.ItemMounts},
		Expectation: "Default: the runtime's masked and read-only paths, and the paths its version or the kubelet's masks or not; Unmasked or privileged: none",
		Comparison:  "each existing masked path is masked and each read-only path read-only; for Unmasked, a default masked path still masked is low drift; absent paths are not drift; a version-dependent path is either",
		Values:      ValuesOutcomes,
		Severities:  []Severity{SeverityHigh, SeverityLow},
		run:         checkProcMount},
}

func checkReadOnlyRoot(c *comparison) []Finding {
	want, have := c.exp.ReadOnlyRootFilesystem, c.obs.Mounts.RootReadOnly
	w, h := renderBool(want), renderBool(have)
	state := map[bool]string{true: "read-only", false: "writable"}
	if len(c.exp.RootOutcomes) > 0 {
		c.outcomes = outcomesOf(c.exp.RootOutcomes, renderBool, h)
		// Every state of a flag is legitimate here.
		return []Finding{c.ok("/", c.outcomes.expectedText(), h,
			"The root filesystem is %s, a legitimate outcome of an undeclared readOnlyRootFilesystem: %s.", state[have], c.outcomes.Seen.When)}
	}
	if want == have {
		return []Finding{c.ok("/", w, h, "The root filesystem is %s, as declared.", state[have])}
	}
	if want {
		return []Finding{c.drift("/", SeverityHigh, w, h,
			"readOnlyRootFilesystem is true but / is mounted writable, so an intruder can modify the container's binaries and files.")}
	}
	return []Finding{c.drift("/", SeverityLow, w, h,
		"readOnlyRootFilesystem is not true but / is mounted read-only, so writes outside volumes fail.")}
}

// matchPaths returns the observed paths a pattern stands for: itself when
// it is a plain path, else the requested paths it matches (path.Match),
// sorted.
func matchPaths(m probe.Mounts, pattern string) []string {
	if !strings.ContainsAny(pattern, "*?[") {
		return []string{pattern}
	}
	var out []string
	for p := range m.Paths {
		if ok, _ := path.Match(pattern, p); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// Path states as findings render them.
const (
	stateMasked   = "masked"
	stateVisible  = "visible"
	stateReadOnly = "read-only"
	stateWritable = "writable"
	stateUnmasked = "unmasked"
)

func checkProcMount(c *comparison) []Finding {
	var out []Finding
	checked, absent := 0, 0
	look := func(p string) (probe.PathState, bool) {
		st, ok := c.obs.Mounts.Paths[p]
		if why := c.obs.Missing(probe.PathItem(p)); why != nil && !st.Exists {
			out = append(out, c.unknown(p, "", why))
			return st, false
		}
		if !ok || !st.Exists {
			absent++ // runtimes skip masking paths that do not exist
			return st, false
		}
		checked++
		return st, true
	}
	for _, p := range c.exp.MaskedPaths {
		if st, ok := look(p); ok && !st.Masked {
			out = append(out, c.drift(p, SeverityHigh, stateMasked, stateVisible,
				"%s should be masked (procMount %s) but is visible, exposing host kernel information to the container.", p, c.exp.ProcMount))
		}
	}
	for _, p := range c.exp.ReadonlyPaths {
		if st, ok := look(p); ok && !st.ReadOnly && !st.Masked {
			out = append(out, c.drift(p, SeverityHigh, stateReadOnly, stateWritable,
				"%s should be read-only (procMount %s) but is writable, letting the container change host kernel settings.", p, c.exp.ProcMount))
		}
	}
	for _, pattern := range c.exp.UnmaskedPaths {
		for _, p := range matchPaths(c.obs.Mounts, pattern) {
			if st, ok := look(p); ok && st.Masked {
				out = append(out, c.drift(p, SeverityLow, stateUnmasked, stateMasked,
					"procMount is %s (or the container is privileged) but %s is still masked (cri-o#6009).", c.exp.ProcMount, p))
			}
		}
	}
	// The paths the runtime's or the kubelet's version masks or not: each
	// one present is a finding of its own, saying which outcome it shows.
	var node []Finding
	for _, np := range c.exp.NodeMaskedPaths {
		for _, p := range matchPaths(c.obs.Mounts, np.Path) {
			st, ok := look(p)
			if !ok {
				continue
			}
			seen := stateVisible
			if st.Masked {
				seen = stateMasked
			}
			c.outcomes = &Outcomes{Legitimate: []Outcome{{Value: stateMasked, When: np.Masked}, {Value: stateVisible, When: np.Visible}}}
			if st.Masked {
				c.outcomes.Seen = &c.outcomes.Legitimate[0]
			} else {
				c.outcomes.Seen = &c.outcomes.Legitimate[1]
			}
			node = append(node, c.ok(p, c.outcomes.expectedText(), seen,
				"%s is %s, a legitimate outcome where %s (the other: %s).", p, seen, c.outcomes.Seen.When, c.outcomes.others()))
			c.outcomes = nil
		}
	}
	if len(out) == 0 {
		out = append(out, c.ok("", string(c.exp.ProcMount), string(c.exp.ProcMount),
			"All %d existing default paths are as procMount %s requires (%d absent on this node, which is not drift).", checked, c.exp.ProcMount, absent))
	}
	return append(out, node...)
}
