package manifest

import (
	"strconv"
	"strings"
)

// Error is a bad-input error that names where the problem is: the source
// (file, environment variable, stdin), the object and the field path.
type Error struct {
	Source string // "pod.yaml", "env SECCTX_SPEC", "stdin"
	Object string // "Pod/demo", "document 2", or ""
	Field  string // "spec.containers[0].securityContext.runAsUsr", or ""
	Msg    string
}

// Error renders one line: names and keys come from the input, so control
// characters in them are escaped rather than allowed to split the line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(oneLine(e.Source))
	if e.Object != "" {
		b.WriteString(": ")
		b.WriteString(oneLine(e.Object))
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(oneLine(e.Field))
	}
	b.WriteString(": ")
	b.WriteString(oneLine(e.Msg))
	return b.String()
}

func oneLine(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
