package report

import (
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/probe"
)

// filesystemChecks are the filesystem and mount checks: the root mount and the masked and read-only paths.
var filesystemChecks = []Check{
	{ID: check.ReadOnlyRootFilesystem, Scope: ScopeContainer, Reads: []probe.Item{probe.ItemMounts},
		Expectation: "readOnlyRootFilesystem",
		Comparison:  "the visible mount at / is read-only exactly when expected",
		run:         checkReadOnlyRoot},
	{ID: check.ProcMount, Scope: ScopeContainer, Reads: []probe.Item{probe.ItemMounts},
		Expectation: "Default: the runtime's masked and read-only paths; Unmasked or privileged: none",
		Comparison:  "each existing masked path is masked and each read-only path read-only; for Unmasked, a default masked path still masked is low drift; absent paths are not drift",
		run:         checkProcMount},
}

func checkReadOnlyRoot(c *comparison) []Finding {
	want, have := c.exp.ReadOnlyRootFilesystem, c.obs.Mounts.RootReadOnly
	if want == have {
		return []Finding{c.ok("/", want, have, "The root filesystem is %s, as declared.", map[bool]string{true: "read-only", false: "writable"}[have])}
	}
	if want {
		return []Finding{c.drift("/", SeverityHigh, want, have,
			"readOnlyRootFilesystem is true but / is mounted writable, so an intruder can modify the container's binaries and files.")}
	}
	return []Finding{c.drift("/", SeverityLow, want, have,
		"readOnlyRootFilesystem is not true but / is mounted read-only, so writes outside volumes fail.")}
}

func checkProcMount(c *comparison) []Finding {
	var out []Finding
	checked, absent := 0, 0
	look := func(p string) (probe.PathState, bool) {
		st, ok := c.obs.Mounts.Paths[p]
		if why := c.obs.Missing(probe.PathItem(p)); why != nil && !st.Exists {
			out = append(out, c.unknown(p, nil, why))
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
			out = append(out, c.drift(p, SeverityHigh, "masked", "visible",
				"%s should be masked (procMount %s) but is visible, exposing host kernel information to the container.", p, c.exp.ProcMount))
		}
	}
	for _, p := range c.exp.ReadonlyPaths {
		if st, ok := look(p); ok && !st.ReadOnly && !st.Masked {
			out = append(out, c.drift(p, SeverityHigh, "read-only", "writable",
				"%s should be read-only (procMount %s) but is writable, letting the container change host kernel settings.", p, c.exp.ProcMount))
		}
	}
	for _, p := range c.exp.UnmaskedPaths {
		if st, ok := look(p); ok && st.Masked {
			out = append(out, c.drift(p, SeverityLow, "unmasked", "masked",
				"procMount is %s (or the container is privileged) but %s is still masked (cri-o#6009).", c.exp.ProcMount, p))
		}
	}
	if len(out) == 0 {
		out = append(out, c.ok("", c.exp.ProcMount, c.exp.ProcMount,
			"All %d existing default paths are as procMount %s requires (%d absent on this node, which is not drift).", checked, c.exp.ProcMount, absent))
	}
	return out
}
