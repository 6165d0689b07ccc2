package inject

import (
	"encoding/json"
	"reflect"

	corev1 "k8s.io/api/core/v1"
)

// Op is one JSONPatch (RFC 6902) operation.
type Op struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// field is one part of the pod the injector may change, as a whole: a
// patch replaces what differs, so applying it twice is applying it once.
// A defaulted field is the same as what the injector wrote when every value
// it wrote is there (the API server defaults the object again after each
// webhook's patch: a container's terminationMessagePath, a probe's
// timeoutSeconds, a port's protocol), so a re-invocation does not rewrite
// what only defaulting added to.
type field struct {
	path      string
	get       func(*corev1.Pod) any
	zero      func(any) bool
	defaulted bool
}

func isNil(v any) bool {
	rv := reflect.ValueOf(v)
	return !rv.IsValid() || (rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice || rv.Kind() == reflect.Pointer) && rv.IsNil()
}

var fields = []field{
	{"/metadata/annotations", func(p *corev1.Pod) any { return p.Annotations }, isNil, false},
	{"/spec/shareProcessNamespace", func(p *corev1.Pod) any { return p.Spec.ShareProcessNamespace }, isNil, false},
	{"/spec/initContainers", func(p *corev1.Pod) any { return p.Spec.InitContainers }, isNil, true},
	{"/spec/containers", func(p *corev1.Pod) any { return p.Spec.Containers }, isNil, true},
	{"/spec/volumes", func(p *corev1.Pod) any { return p.Spec.Volumes }, isNil, true},
}

// diff is the patch from cur to want over the injector's fields, compared
// by their JSON form (what the API server stores).
func diff(cur, want *corev1.Pod) ([]Op, error) {
	var ops []Op
	for _, f := range fields {
		a, b := f.get(cur), f.get(want)
		ja, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		jb, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		same := string(ja) == string(jb)
		if !same && f.defaulted && !f.zero(a) && !f.zero(b) {
			if same, err = covers(ja, jb); err != nil {
				return nil, err
			}
		}
		switch {
		case same:
		case f.zero(b):
			ops = append(ops, Op{Op: "remove", Path: f.path})
		case f.zero(a):
			ops = append(ops, Op{Op: "add", Path: f.path, Value: json.RawMessage(jb)})
		default:
			ops = append(ops, Op{Op: "replace", Path: f.path, Value: json.RawMessage(jb)})
		}
	}
	return ops, nil
}

// covers reports whether the JSON value cur holds every value of want: the
// same scalars, lists of the same length whose items cover want's, and
// objects with every key of want (and perhaps more: the defaults).
func covers(cur, want []byte) (bool, error) {
	var c, w any
	if err := json.Unmarshal(cur, &c); err != nil {
		return false, err
	}
	if err := json.Unmarshal(want, &w); err != nil {
		return false, err
	}
	return coversValue(c, w), nil
}

func coversValue(cur, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		c, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if cv, ok := c[k]; !ok || !coversValue(cv, v) {
				return false
			}
		}
		return true
	case []any:
		c, ok := cur.([]any)
		if !ok || len(c) != len(w) {
			return false
		}
		for i := range w {
			if !coversValue(c[i], w[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(cur, want)
}
