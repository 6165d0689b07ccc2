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
type field struct {
	path string
	get  func(*corev1.Pod) any
	zero func(any) bool
}

func isNil(v any) bool {
	rv := reflect.ValueOf(v)
	return !rv.IsValid() || (rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice || rv.Kind() == reflect.Pointer) && rv.IsNil()
}

var fields = []field{
	{"/metadata/annotations", func(p *corev1.Pod) any { return p.Annotations }, isNil},
	{"/spec/shareProcessNamespace", func(p *corev1.Pod) any { return p.Spec.ShareProcessNamespace }, isNil},
	{"/spec/initContainers", func(p *corev1.Pod) any { return p.Spec.InitContainers }, isNil},
	{"/spec/containers", func(p *corev1.Pod) any { return p.Spec.Containers }, isNil},
	{"/spec/volumes", func(p *corev1.Pod) any { return p.Spec.Volumes }, isNil},
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
		switch {
		case string(ja) == string(jb):
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
