package manifest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	sigsjson "sigs.k8s.io/json"
)

// What sigs.k8s.io/json cannot do, and this file does:
//   - it reports every unknown field; secctx refuses only those inside a
//     securityContext that are a close misspelling of a field the struct
//     has (a typo there must not weaken the expectation), with the field
//     meant; any other unknown securityContext field is collected (the
//     field of a newer Kubernetes than this build knows, reported as not
//     verified), and unknown fields elsewhere are ignored
//     (docs/unknown-fields.md);
//   - it keeps at most 100 strict errors, so a typo in a securityContext
//     could hide behind 100 unknown fields elsewhere: then each
//     securityContext object is decoded strictly on its own;
//   - its type errors name the field without array indices: the path is
//     found again from the error's byte offset.

// fieldError is a problem with one field.
type fieldError struct{ field, msg string }

// maxStrict is the number of strict errors sigs.k8s.io/json keeps.
const maxStrict = 100

// strictProblems sorts the strict errors: the first that matters (a
// duplicate field anywhere, a misspelt field inside a securityContext) is
// returned as an error; the other unknown fields inside a securityContext
// are returned by path. root is the type decoded into.
func strictProblems(raw []byte, root reflect.Type, errs []error) ([]string, *fieldError) {
	var unknown []string
	for _, err := range errs {
		fe, ok := err.(sigsjson.FieldError)
		if !ok {
			return nil, &fieldError{"", err.Error()}
		}
		// The library's two strict errors differ only in their text.
		if strings.HasPrefix(err.Error(), "duplicate field") {
			return nil, &fieldError{fe.FieldPath(), "duplicate field"}
		}
		u := resolveUnknown(root, fe.FieldPath())
		if !u.inSecurityContext {
			continue
		}
		if s := misspelt(u.key, u.parent); s != "" {
			return nil, &fieldError{u.path, "unknown field" + s}
		}
		unknown = append(unknown, u.path)
	}
	if len(errs) >= maxStrict {
		// The list may have stopped short: every securityContext again.
		return securityContextsStrict(raw)
	}
	return unknown, nil
}

// unknownField is an unknown field resolved against the decoded type.
type unknownField struct {
	path              string
	key               string
	parent            reflect.Type
	inSecurityContext bool
}

// resolveUnknown follows path ("spec.containers[0].securityContext.runAsUsr")
// through the struct type t: the known fields go down to the struct that lacks
// the rest, which is the unknown key (it may hold dots or brackets).
func resolveUnknown(t reflect.Type, path string) unknownField {
	u := unknownField{path: path}
	rest := path
	for {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if name, next, ok := knownPrefix(t, rest); ok {
			if name == "securityContext" {
				u.inSecurityContext = true
			}
			f, _ := jsonField(t, name)
			rest, t = next, f.Type
			continue
		}
		u.key, u.parent = rest, t
		return u
	}
}

// knownPrefix splits "name[0][1].rest" when name is a field of t, the
// indices are numbers and something follows.
func knownPrefix(t reflect.Type, path string) (name, rest string, ok bool) {
	i := strings.IndexAny(path, ".[")
	if i < 0 {
		return "", "", false
	}
	if _, known := jsonField(t, path[:i]); !known {
		return "", "", false
	}
	next := path[i:]
	for strings.HasPrefix(next, "[") {
		j := strings.IndexByte(next, ']')
		if j < 2 {
			return "", "", false
		}
		if _, err := strconv.Atoi(next[1:j]); err != nil {
			return "", "", false
		}
		next = next[j+1:]
	}
	if len(next) < 2 || next[0] != '.' {
		return "", "", false
	}
	return path[:i], next[1:], true
}

// jsonField finds the field of struct t whose JSON name is name.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// securityContextsStrict decodes every pod and container securityContext
// of the document on its own with DisallowUnknownFields, and sorts its
// unknown fields as strictProblems does.
func securityContextsStrict(raw []byte) ([]string, *fieldError) {
	var (
		unknown []string
		found   *fieldError
	)
	walkJSON(raw, func(path []string, start, end int64, composite bool) bool {
		n := len(path)
		if !composite || n < 2 || path[n-1] != ".securityContext" {
			return true
		}
		at := strings.TrimPrefix(strings.Join(path, ""), ".")
		if !isPodSpecPath(at) {
			return true
		}
		t := reflect.TypeOf(PodSecurityContext{})
		if strings.HasPrefix(path[n-2], "[") {
			t = reflect.TypeOf(SecurityContext{}) // containers[i].securityContext
		}
		errs, err := sigsjson.UnmarshalStrict(raw[start:end], reflect.New(t).Interface(), sigsjson.DisallowUnknownFields)
		if err != nil {
			return true // reported by the whole document's decoding
		}
		for _, e := range errs {
			fe, ok := e.(sigsjson.FieldError)
			if !ok {
				continue
			}
			u := resolveUnknown(t, fe.FieldPath())
			if s := misspelt(u.key, u.parent); s != "" {
				found = &fieldError{at + "." + u.path, "unknown field" + s}
				return false
			}
			unknown = append(unknown, at+"."+u.path)
		}
		return true
	})
	if found != nil {
		return nil, found
	}
	return unknown, nil
}

// isPodSpecPath reports whether a securityContext at path (without its last
// element) sits where a pod spec keeps one: spec.securityContext of a pod
// spec, or containers[i].securityContext (also init and ephemeral) of one.
func isPodSpecPath(path string) bool {
	p := strings.TrimSuffix(path, ".securityContext")
	if i := strings.LastIndexByte(p, '['); i >= 0 && strings.HasSuffix(p, "]") {
		p = p[:i]
		for _, l := range [...]string{".containers", ".initContainers", ".ephemeralContainers"} {
			if strings.HasSuffix(p, l) {
				return isPodSpec(strings.TrimSuffix(p, l))
			}
		}
		return false
	}
	return isPodSpec(p)
}

// isPodSpec reports whether path is where an object keeps its pod spec.
func isPodSpec(path string) bool {
	// A List's items: items[i].spec...
	if strings.HasPrefix(path, "items[") {
		path = path[strings.IndexByte(path, ']')+1:]
		path = strings.TrimPrefix(path, ".")
	}
	switch path {
	case "spec", "spec.template.spec", "spec.jobTemplate.spec.template.spec", "template.spec":
		return true
	}
	return false
}

// pathAt returns the path ("spec.containers[1].name") of the value of a JSON
// document that a decoding error's offset points at: the end of a scalar,
// or just after the opening bracket of an object or array.
func pathAt(raw []byte, offset int64) string {
	var found string
	walkJSON(raw, func(path []string, start, end int64, composite bool) bool {
		if (!composite && end == offset) || (composite && start+1 == offset) {
			found = strings.TrimPrefix(strings.Join(path, ""), ".")
			return false
		}
		return true
	})
	return found
}

// walkJSON calls visit for every value of a JSON document, with its path
// (".key" and "[i]" elements) and its byte range; a scalar is visited when
// read, an object or array when closed. visit returns false to stop.
func walkJSON(raw []byte, visit func(path []string, start, end int64, composite bool) bool) {
	dec := sigsjson.NewDecoderCaseSensitivePreserveInts(bytes.NewReader(raw))
	type frame struct {
		object bool
		start  int64
		index  int
		key    bool // the next token of an object is a key
	}
	var stack []frame
	var path []string
	done := func() { // a value ended: its parent moves on
		if n := len(stack); n > 0 {
			path = path[:len(path)-1]
			if stack[n-1].object {
				stack[n-1].key = true
			} else {
				stack[n-1].index++
			}
		}
	}
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return
		}
		n := len(stack)
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			top := stack[n-1]
			stack = stack[:n-1]
			if !visit(path, top.start, dec.InputOffset(), true) {
				return
			}
			done()
			continue
		}
		if n > 0 && stack[n-1].object && stack[n-1].key {
			path = append(path, "."+tok.(string))
			stack[n-1].key = false
			continue
		}
		if n > 0 && !stack[n-1].object {
			path = append(path, "["+strconv.Itoa(stack[n-1].index)+"]")
		}
		if d, ok := tok.(json.Delim); ok {
			start := dec.InputOffset() - 1
			stack = append(stack, frame{object: d == '{', start: start, key: d == '{'})
			continue
		}
		if !visit(path, before, dec.InputOffset(), false) {
			return
		}
		if n == 0 {
			return
		}
		done()
	}
}
