package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	sigsjson "sigs.k8s.io/json"
)

// Manifests are decoded by sigs.k8s.io/json, the API server's decoder:
// keys match exactly (case-sensitive), a key repeated in an object is an
// error (DisallowDuplicateFields), and unknown fields are reported with
// their full paths (DisallowUnknownFields); a close misspelling of a
// securityContext field is an error, the other unknown securityContext
// fields are kept (Workload.UnknownFields) and those elsewhere accepted, so
// that a newer cluster's manifest still decodes (see strict.go and
// docs/unknown-fields.md).

// objectMeta is the part of an object's metadata secctx reads.
type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace"`
	Annotations map[string]string `json:"annotations"`
}

// podTemplate is a pod template: its metadata and pod spec.
type podTemplate struct {
	Metadata objectMeta `json:"metadata"`
	Spec     *PodSpec   `json:"spec"`
}

// Decode parses a YAML or JSON stream (several documents, "---" separated, or
// concatenated JSON objects) and returns every pod template it holds, from
// Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
// Job, CronJob, PodTemplate and List objects. Objects of other kinds are
// skipped. source names the input in errors.
func Decode(source string, data []byte) ([]*Workload, error) {
	docs, err := documents(source, data)
	if err != nil {
		return nil, err
	}
	var out []*Workload
	for i, doc := range docs {
		d := &decoder{source: source, doc: i + 1}
		if err := d.object(doc, "", "", &out); err != nil {
			return nil, err
		}
		docs[i] = nil // let the collector have it
	}
	if len(out) == 0 {
		return nil, &Error{Source: source, Msg: "no workload found (want a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate or List)"}
	}
	return out, nil
}

// documents checks the stream's size and splits it into one JSON
// document per manifest; an error names the source.
func documents(source string, data []byte) ([][]byte, error) {
	if len(data) > MaxSpecSize {
		return nil, &Error{Source: source, Msg: fmt.Sprintf("spec is %d bytes, over the %d-byte limit", len(data), MaxSpecSize)}
	}
	docs, err := splitDocuments(data)
	var de *docError
	switch {
	case errors.As(err, &de):
		obj := de.object
		if obj == "" {
			obj = fmt.Sprintf("document %d", de.doc)
		}
		return nil, &Error{Source: source, Object: obj, Msg: de.msg}
	case err != nil:
		return nil, &Error{Source: source, Msg: err.Error()}
	}
	return docs, nil
}

type decoder struct {
	source string
	doc    int
}

func (d *decoder) errf(obj, field, format string, args ...interface{}) error {
	if obj == "" {
		obj = fmt.Sprintf("document %d", d.doc)
	}
	return &Error{Source: d.source, Object: obj, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// id names an object in errors.
func (d *decoder) id(kind, name string) string {
	if name == "" {
		return kind + fmt.Sprintf("/(unnamed, document %d)", d.doc)
	}
	return kind + "/" + name
}

// The objects that hold a pod template, by where they keep it (a Pod is
// its own: a podTemplate).
type (
	templatedObject struct { // Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, ReplicationController
		Metadata objectMeta `json:"metadata"`
		Spec     *struct {
			Template *podTemplate `json:"template"`
		} `json:"spec"`
	}
	cronJobObject struct {
		Metadata objectMeta `json:"metadata"`
		Spec     *struct {
			JobTemplate *struct {
				Spec *struct {
					Template *podTemplate `json:"template"`
				} `json:"spec"`
			} `json:"jobTemplate"`
		} `json:"spec"`
	}
	podTemplateObject struct {
		Metadata objectMeta   `json:"metadata"`
		Template *podTemplate `json:"template"`
	}
)

var templatedKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true,
	"ReplicaSet": true, "Job": true, "ReplicationController": true}

// object decodes one object and appends the workloads it holds; prefix is
// its path in the document (a List's items[i]), listKind the kind of an
// enclosing typed list (PodList), whose items carry no kind.
func (d *decoder) object(raw []byte, prefix, listKind string, out *[]*Workload) error {
	var head struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &head); err != nil {
		return d.decodeError("", raw, prefix, err)
	}
	kind := head.Kind
	if kind == "" && listKind != "" {
		kind = listKind
	}
	at := func(f string) string { return joinField(prefix, f) }
	var (
		target   any
		meta     func() objectMeta
		template func() (*podTemplate, string) // the pod template, or the path of the missing link
	)
	switch {
	case kind == "Pod":
		var o podTemplate
		target, meta = &o, func() objectMeta { return o.Metadata }
		template = func() (*podTemplate, string) { return &o, at("spec") }
	case templatedKinds[kind]:
		var o templatedObject
		target, meta = &o, func() objectMeta { return o.Metadata }
		template = func() (*podTemplate, string) {
			if o.Spec == nil || o.Spec.Template == nil {
				return nil, at("spec.template")
			}
			return o.Spec.Template, at("spec.template.spec")
		}
	case kind == "CronJob":
		var o cronJobObject
		target, meta = &o, func() objectMeta { return o.Metadata }
		template = func() (*podTemplate, string) {
			switch {
			case o.Spec == nil || o.Spec.JobTemplate == nil:
				return nil, at("spec.jobTemplate")
			case o.Spec.JobTemplate.Spec == nil || o.Spec.JobTemplate.Spec.Template == nil:
				return nil, at("spec.jobTemplate.spec.template")
			}
			return o.Spec.JobTemplate.Spec.Template, at("spec.jobTemplate.spec.template.spec")
		}
	case kind == "PodTemplate":
		var o podTemplateObject
		target, meta = &o, func() objectMeta { return o.Metadata }
		template = func() (*podTemplate, string) {
			if o.Template == nil {
				return nil, at("template")
			}
			return o.Template, at("template.spec")
		}
	case kind == "List" || strings.HasSuffix(kind, "List"):
		itemKind := strings.TrimSuffix(kind, "List") // PodList items are Pods
		for i, item := range head.Items {
			if err := d.object(item, fmt.Sprintf("%s[%d]", at("items"), i), itemKind, out); err != nil {
				return err
			}
		}
		return nil
	default:
		return nil // other kinds (ConfigMap, Service, ...) carry no pod
	}
	unknown, err := d.decode(raw, prefix, kind, target, meta)
	if err != nil {
		return err
	}
	m := meta()
	id := d.id(kind, m.Name)
	tmpl, path := template()
	switch {
	case tmpl == nil:
		return d.errf(id, path, "missing or malformed pod template")
	case tmpl.Spec == nil:
		return d.errf(id, path, "missing pod spec")
	}
	w := &Workload{Kind: kind, Name: m.Name, Namespace: m.Namespace, Annotations: tmpl.Metadata.Annotations,
		Spec: *tmpl.Spec, Source: d.source, Doc: d.doc, SpecPath: path}
	if len(w.Spec.Containers) == 0 {
		return d.errf(id, path+".containers", "no containers")
	}
	if err := validate(w, path); err != nil {
		err.Source, err.Object = d.source, id
		return err
	}
	w.UnknownFields = attribute(w, path, unknown)
	*out = append(*out, w)
	return nil
}

// decode decodes raw into target strictly (see strict.go) and turns the
// first problem into an error naming the object and the field; it returns
// the paths of the unknown securityContext fields it accepted.
func (d *decoder) decode(raw []byte, prefix, kind string, target any, meta func() objectMeta) ([]string, error) {
	strict, err := sigsjson.UnmarshalStrict(raw, target, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, d.decodeError(d.id(kind, meta().Name), raw, prefix, err)
	}
	unknown, fe := strictProblems(raw, reflect.TypeOf(target), strict)
	if fe != nil {
		return nil, d.errf(d.id(kind, meta().Name), joinField(prefix, fe.field), "%s", fe.msg)
	}
	if len(unknown) >= maxStrict {
		return nil, d.errf(d.id(kind, meta().Name), "", "%d or more securityContext fields unknown to secctx (the first: %s)", maxStrict, joinField(prefix, unknown[0]))
	}
	for i, u := range unknown {
		unknown[i] = joinField(prefix, u)
	}
	return unknown, nil
}

// decodeError describes a decoding error (a value of the wrong type) with
// the full path of the field, array indices included.
func (d *decoder) decodeError(obj string, raw []byte, prefix string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return d.errf(obj, joinField(prefix, pathAt(raw, te.Offset)), "%s", jsonErr(err))
	}
	return d.errf(obj, prefix, "%s", jsonErr(err))
}

func joinField(path, field string) string {
	if field == "" {
		return path
	}
	if path == "" {
		return field
	}
	return path + "." + field
}

// jsonErr turns a decoding error into a sentence about the value.
func jsonErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("expected %s, got a %s", goTypeName(te.Type), te.Value)
	}
	if ok, _ := sigsjson.SyntaxErrorOffset(err); ok {
		return "malformed JSON: " + err.Error()
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func goTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "an array"
	}
	return "an object"
}
