package report

import (
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
)

// unknownFieldHint says what to do about a field secctx does not know.
const unknownFieldHint = "A field of a newer Kubernetes than this secctx knows; a secctx that knows it verifies it (docs/unknown-fields.md)."

// specChecks are the checks of the spec itself: what it declares that
// secctx cannot verify.
var specChecks = []Check{
	{ID: check.UnknownField, Scope: ScopeContainer, Reads: nil,
		Expectation: "each securityContext field (pod and container) is one secctx knows; a close misspelling of one is refused when the spec loads",
		Comparison:  "none: each field secctx does not know is reported unknown, with its path",
		run:         checkUnknownFields},
}

func checkUnknownFields(c *comparison) []Finding {
	if len(c.exp.UnknownFields) == 0 {
		return []Finding{c.ok("", "", "", "Every securityContext field declared is known to secctx %s.", manifest.Version)}
	}
	out := make([]Finding, 0, len(c.exp.UnknownFields))
	for _, path := range c.exp.UnknownFields {
		f := c.finding(path, StatusUnknown, SeverityInfo, "", "", "Field %s is not known to secctx %s: what it does is not verified.", path, manifest.Version)
		f.Hint = c.hintWith(unknownFieldHint)
		out = append(out, f)
	}
	return out
}
