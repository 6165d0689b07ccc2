package report

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
)

// The canonical renderings of Finding.Expected and Finding.Observed. Each
// kind of value has exactly one (docs/report.md, "Value shapes", lists them):
//
//	number           1000
//	four ids         1000 when the real, effective, saved and fs ids agree,
//	                 else real=0,effective=1000,saved=0,fs=1000
//	list of numbers  [1000,50000] (groups; [] when empty)
//	capability set   [CHOWN,NET_BIND_SERVICE], names sorted ([] when empty)
//	flag             true, false
//	seccomp mode     disabled, strict, filter
//	anything else    the text itself (a sysctl value with its whitespace
//	                 collapsed, a path state, a label)
//	alternatives     the legitimate values joined with " | "

// Alternatives is the separator between legitimate values in Expected.
const Alternatives = " | "

func renderInt(v int64) string { return strconv.FormatInt(v, 10) }

func renderBool(b bool) string { return strconv.FormatBool(b) }

// renderIDs renders the four ids of a process.
func renderIDs(ids probe.IDs) string {
	if ids.All(ids.Real) {
		return renderInt(ids.Real)
	}
	return fmt.Sprintf("real=%d,effective=%d,saved=%d,fs=%d", ids.Real, ids.Effective, ids.Saved, ids.FS)
}

// renderInts renders a list of numbers in its order.
func renderInts(vs []int64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(renderInt(v))
	}
	b.WriteByte(']')
	return b.String()
}

// capNames lists a set's names, sorted.
func capNames(s caps.Set) []string {
	names := s.Names()
	sort.Strings(names)
	return names
}

func renderCaps(s caps.Set) string { return "[" + strings.Join(capNames(s), ",") + "]" }

// renderAlternatives joins legitimate values, each once, in order.
func renderAlternatives(values []string) string {
	var out []string
	for _, v := range values {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return strings.Join(out, Alternatives)
}

// renderSELinux renders declared seLinuxOptions as a label pattern:
// user:role:type:level, "*" for a part not declared.
func renderSELinux(o *manifest.SELinuxOptions) string {
	part := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	return part(o.User) + ":" + part(o.Role) + ":" + part(o.Type) + ":" + part(o.Level)
}

// outcomesOf turns the resolver's typed outcomes into the report's, with
// render giving each value's canonical text, and marks the one observed.
func outcomesOf[T any](os []expect.Outcome[T], render func(T) string, observed string) *Outcomes {
	out := &Outcomes{Legitimate: make([]Outcome, len(os))}
	for i, o := range os {
		out.Legitimate[i] = Outcome{Value: render(o.Value), When: o.When}
		if out.Seen == nil && out.Legitimate[i].Value == observed {
			seen := out.Legitimate[i]
			out.Seen = &seen
		}
	}
	return out
}

// expectedText is the Expected rendering of a set of outcomes.
func (o *Outcomes) expectedText() string {
	values := make([]string, len(o.Legitimate))
	for i, l := range o.Legitimate {
		values[i] = l.Value
	}
	return renderAlternatives(values)
}

// others describes the legitimate outcomes other than the one seen, for
// messages.
func (o *Outcomes) others() string {
	var parts []string
	for _, l := range o.Legitimate {
		if o.Seen == nil || l.Value != o.Seen.Value {
			parts = append(parts, l.Value+" where "+l.When)
		}
	}
	return strings.Join(parts, "; ")
}
