package waiver

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v2"

	"github.com/secctx/secctx/manifest"
)

// MaxFileBytes bounds a waiver file.
const MaxFileBytes = 1 << 20

// Error is a waiver that cannot be read: Field is its path in the
// annotation's value or the file ("waivers[2].id", "line 3").
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// entry is one waiver as written in a list.
type entry struct {
	ID        string `yaml:"id"`
	Reason    string `yaml:"reason"`
	Container string `yaml:"container"`
	Workload  string `yaml:"workload"`
}

// fileDoc is a waiver file.
type fileDoc struct {
	Waivers []entry `yaml:"waivers"`
}

// ParseAnnotation reads the value of the secctx.io/waive annotation. It
// takes two forms:
//
//   - lines of "ID[,ID...]: REASON", one waiver per id, for every
//     container of the pod;
//   - a YAML or JSON list of {id, reason, container}, container optional
//     (a value starting with "[" or "- ").
//
// Every waiver needs a reason; the annotation cannot name a workload (it
// is the workload's own).
func ParseAnnotation(value string, cat Catalog) (Set, error) {
	v := strings.TrimSpace(value)
	if strings.HasPrefix(v, "[") || strings.HasPrefix(v, "-") {
		var es []entry
		if err := yaml.UnmarshalStrict([]byte(v), &es); err != nil {
			return nil, &Error{Msg: "not a list of {id, reason, container}: " + oneLine(err.Error())}
		}
		return entries(es, "", cat, SourceAnnotation, false)
	}
	var out Set
	for i, line := range strings.Split(v, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		field := fmt.Sprintf("line %d", i+1)
		ids, reason, ok := strings.Cut(line, ":")
		reason = strings.TrimSpace(reason)
		if !ok || reason == "" {
			return nil, &Error{Field: field, Msg: `want "ID[,ID...]: REASON"`}
		}
		for _, id := range strings.Split(ids, ",") {
			w, err := cat.waiver(strings.TrimSpace(id))
			if err != nil {
				return nil, &Error{Field: field, Msg: err.Error()}
			}
			w.Reason, w.Source = reason, SourceAnnotation
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return nil, &Error{Msg: "no waiver (want \"ID[,ID...]: REASON\" lines or a list of {id, reason})"}
	}
	return out, nil
}

// ParseFile reads a waiver file (YAML or JSON):
//
//	waivers:
//	- id: k8s-sysctl-unsafe
//	  reason: the nodes allow net.core.somaxconn
//	  workload: Deployment/web   # optional: every workload
//	  container: app             # optional: every container
//
// Errors name the file and the field.
func ParseFile(name string, data []byte, cat Catalog) (Set, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: over %d bytes", name, MaxFileBytes)
	}
	var doc fileDoc
	if err := yaml.UnmarshalStrict(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not a waiver file (want waivers: a list of {id, reason, workload, container}): %s", name, oneLine(err.Error()))
	}
	if len(doc.Waivers) == 0 {
		return nil, fmt.Errorf("%s: waivers: empty or missing", name)
	}
	s, err := entries(doc.Waivers, "waivers", cat, SourceFile, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// entries checks a list's entries; list is its field name ("" for the
// annotation's top-level list).
func entries(es []entry, list string, cat Catalog, src Source, workloads bool) (Set, error) {
	out := make(Set, 0, len(es))
	for i, e := range es {
		at := fmt.Sprintf("%s[%d]", list, i)
		w, err := cat.waiver(strings.TrimSpace(e.ID))
		if err != nil {
			return nil, &Error{Field: at + ".id", Msg: err.Error()}
		}
		if strings.TrimSpace(e.Reason) == "" {
			return nil, &Error{Field: at + ".reason", Msg: "empty: every waiver says why the finding is accepted"}
		}
		if e.Workload != "" {
			if !workloads {
				return nil, &Error{Field: at + ".workload", Msg: "an annotation waives findings of its own workload only"}
			}
			if k, n, ok := strings.Cut(e.Workload, "/"); !ok || k == "" || n == "" {
				return nil, &Error{Field: at + ".workload", Msg: fmt.Sprintf("%q: want KIND/NAME", e.Workload)}
			}
		}
		w.Reason, w.Source = strings.TrimSpace(e.Reason), src
		w.Workload, w.Container = e.Workload, e.Container
		out = append(out, w)
	}
	return out, nil
}

// oneLine joins a multi-line parser error into one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// OfWorkload reads the annotation of a workload's pod template; the
// waivers are limited to that workload. An error is a *manifest.Error
// that names the source, the object and the annotation's field.
func OfWorkload(w *manifest.Workload, cat Catalog) (Set, error) {
	v, ok := w.Annotations[Annotation]
	if !ok {
		return nil, nil
	}
	s, err := ParseAnnotation(v, cat)
	if err != nil {
		field := strings.TrimSuffix(w.SpecPath, "spec") + "metadata.annotations[" + Annotation + "]"
		return nil, &manifest.Error{Source: w.Source, Object: w.ID(), Field: field, Msg: err.Error()}
	}
	for i := range s {
		s[i].Workload = w.ID()
	}
	return s, nil
}
