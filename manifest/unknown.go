package manifest

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Version is the secctx version whose types decode manifests, the one an
// unknown field is "not known to"; the command sets it from its build
// version.
var Version = "dev"

// attribute gives each unknown field's path (relative to the document)
// the container whose securityContext holds it; specPath is where the
// workload keeps its pod spec. The fields come out in a fixed order: the
// pod's, then each container's in the order of ContainerLists, each
// object's by path.
func attribute(w *Workload, specPath string, paths []string) []UnknownField {
	if len(paths) == 0 {
		return nil
	}
	type ranked struct {
		u          UnknownField
		list, item int
	}
	rs := make([]ranked, 0, len(paths))
	lists := w.Spec.ContainerLists()
	for _, p := range paths {
		r := ranked{u: UnknownField{Path: p}, list: -1}
		rest := strings.TrimPrefix(p, specPath+".")
		for li, l := range lists {
			if i, ok := listIndex(rest, l.Field); ok && i < len(l.Items) {
				r.u.Container, r.list, r.item = l.Items[i].Name, li, i
			}
		}
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.list, b.list), cmp.Compare(a.item, b.item), strings.Compare(a.u.Path, b.u.Path))
	})
	out := make([]UnknownField, len(rs))
	for i, r := range rs {
		out[i] = r.u
	}
	return out
}

// listIndex reads i from "field[i]...".
func listIndex(path, field string) (int, bool) {
	rest, ok := strings.CutPrefix(path, field+"[")
	if !ok {
		return 0, false
	}
	n, _, ok := strings.Cut(rest, "]")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil && i >= 0
}

// The rule that tells a misspelling from a field this build does not know
// (docs/unknown-fields.md): an unknown key inside a securityContext is a
// mistake when it
//   - is not a field name at all: Kubernetes' JSON names are ASCII letters
//     and digits, starting with a lower-case letter,
//   - differs from a field of its object only in case ("RunAsUser"),
//   - is one edit from one (a letter dropped, added, changed, or two
//     neighbours swapped: "runAsUsr", "nmae"), or two edits from one of
//     at least minTwoEdits letters ("procMnt"),
//   - or is a field of the other securityContext (fsGroup in a
//     container's, privileged in the pod's), which the API server would
//     drop.
// Any other unknown key is a field of a newer Kubernetes, which the spec
// may hold.

// minTwoEdits is the length of a field name from which two edits still
// make a misspelling of it.
const minTwoEdits = 8

// maxKeyLen bounds a field name: a longer key is no Kubernetes field.
const maxKeyLen = 64

// misspelt says what an unknown key k of parent is a mistake for, as the
// end of the error message, or "" when it is not one.
func misspelt(k string, parent reflect.Type) string {
	if parent.Kind() != reflect.Struct || len(k) > maxKeyLen {
		return shape(k)
	}
	for i := 0; i < parent.NumField(); i++ {
		known, _, _ := strings.Cut(parent.Field(i).Tag.Get("json"), ",")
		if known == "" {
			continue
		}
		d := EditDistance(strings.ToLower(known), strings.ToLower(k))
		if strings.EqualFold(known, k) || d == 1 || (d == 2 && len(known) >= minTwoEdits) {
			return fmt.Sprintf(" (did you mean %q?)", known)
		}
	}
	for _, other := range [...][2]reflect.Type{
		{reflect.TypeOf(PodSecurityContext{}), reflect.TypeOf(SecurityContext{})},
		{reflect.TypeOf(SecurityContext{}), reflect.TypeOf(PodSecurityContext{})},
	} {
		if parent != other[0] {
			continue
		}
		if _, ok := jsonField(other[1], k); ok {
			where := "a container's securityContext"
			if other[1] == reflect.TypeOf(PodSecurityContext{}) {
				where = "the pod's securityContext"
			}
			return fmt.Sprintf(" (%s is a field of %s)", k, where)
		}
	}
	return shape(k)
}

// shape is the end of the error message for a key that is not shaped like
// a field name, or "".
func shape(k string) string {
	if !fieldName(k) {
		return " (not a Kubernetes field name)"
	}
	return ""
}

// fieldName reports whether k is shaped like a Kubernetes JSON field name
// (lowerCamelCase: "runAsUser", "seLinuxOptions"), of at most maxKeyLen
// characters.
func fieldName(k string) bool {
	if k == "" || len(k) > maxKeyLen || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// EditDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours, each one
// edit; the usual measure of a typo. It is exact up to 2; for strings
// whose lengths differ by more it returns that difference (a lower bound),
// since no typo is that far.
func EditDistance(a, b string) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a)-len(b) > 2 {
		return len(a) - len(b)
	}
	// rows i-2, i-1 and i of the table
	pp, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[len(b)]
}
