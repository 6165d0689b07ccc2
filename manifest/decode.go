package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	sigsyaml "sigs.k8s.io/yaml"
)

// Manifests are decoded key by key with exact, case-sensitive names, as
// the API server decodes them: encoding/json alone would match "HostUsers"
// to hostUsers and honour what Kubernetes ignores.

type objectMeta struct {
	Name        string
	Namespace   string
	Annotations map[string]string
}

// fields decodes the named keys of a JSON object into their destinations,
// ignoring every other key; path names the object in errors.
func fields(raw json.RawMessage, path string, dst map[string]any) *fieldError {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		var v any
		_ = json.Unmarshal(raw, &v)
		return &fieldError{path, "expected an object, got " + jsonType(v)}
	}
	keys := make([]string, 0, len(dst))
	for k := range dst {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the first bad field deterministically
	for _, k := range keys {
		v, ok := m[k]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, dst[k]); err != nil {
			return &fieldError{joinField(joinField(path, k), fieldOf(err)), jsonErr(err)}
		}
	}
	return nil
}

func (d *decoder) meta(raw json.RawMessage, path string) (objectMeta, *fieldError) {
	var m objectMeta
	if len(raw) == 0 {
		return m, nil
	}
	return m, fields(raw, path, map[string]any{"name": &m.Name, "namespace": &m.Namespace, "annotations": &m.Annotations})
}

// Decode parses a YAML or JSON stream (several documents, "---" separated, or
// concatenated JSON objects) and returns every pod template it holds, from
// Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
// Job, CronJob, PodTemplate and List objects. Objects of other kinds are
// skipped. source names the input in errors.
func Decode(source string, data []byte) ([]*Workload, error) {
	if len(data) > MaxSpecSize {
		return nil, &Error{Source: source, Msg: fmt.Sprintf("spec is %d bytes, over the %d-byte limit", len(data), MaxSpecSize)}
	}
	docs, err := splitDocuments(data)
	if err != nil {
		return nil, &Error{Source: source, Msg: err.Error()}
	}
	var out []*Workload
	for i, doc := range docs {
		d := &decoder{source: source, doc: i + 1}
		if err := d.object(doc, "", "", &out); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, &Error{Source: source, Msg: "no workload found (want a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate or List)"}
	}
	return out, nil
}

// splitDocuments turns the stream into one JSON document per manifest.
func splitDocuments(data []byte) ([]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("spec is empty")
	}
	var docs []json.RawMessage
	if trimmed[0] == '{' || trimmed[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		for n := 1; ; n++ {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err == io.EOF {
				return docs, nil
			} else if err != nil {
				return nil, fmt.Errorf("document %d: malformed JSON: %v", n, err)
			}
			if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '[' {
				// A bare JSON array is treated as a list of objects.
				var items []json.RawMessage
				if err := json.Unmarshal(raw, &items); err != nil {
					return nil, fmt.Errorf("document %d: %v", n, err)
				}
				docs = append(docs, items...)
				continue
			}
			docs = append(docs, raw)
		}
	}
	// go-yaml's decoder splits the stream; each document is then converted
	// to JSON by sigs.k8s.io/yaml, whose conversion kubectl shares.
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var v interface{}
		if err := dec.Decode(&v); err == io.EOF {
			return docs, nil
		} else if err != nil {
			return nil, fmt.Errorf("document %d: malformed YAML: %v", n, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		if v == nil {
			continue // empty document ("---" at the end)
		}
		y, err := yamlv2.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("document %d: %v", n, err)
		}
		j, err := sigsyaml.YAMLToJSON(y)
		if err != nil {
			return nil, fmt.Errorf("document %d: %v", n, err)
		}
		docs = append(docs, j)
	}
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

func (d *decoder) fail(obj string, fe *fieldError) error { return d.errf(obj, fe.field, "%s", fe.msg) }

// podTemplatePaths says where each workload kind keeps its pod template,
// below spec.
var podTemplatePaths = map[string][]string{
	"Deployment": {"template"}, "StatefulSet": {"template"}, "DaemonSet": {"template"},
	"ReplicaSet": {"template"}, "Job": {"template"}, "ReplicationController": {"template"},
	"CronJob": {"jobTemplate", "spec", "template"},
}

// object decodes one object and appends the workloads it holds; listKind is
// the kind of an enclosing typed list (PodList), whose items carry no kind.
func (d *decoder) object(raw json.RawMessage, prefix, listKind string, out *[]*Workload) error {
	var kind string
	var metaRaw, spec, tmpl json.RawMessage
	var items []json.RawMessage
	if fe := fields(raw, prefix, map[string]any{"kind": &kind, "metadata": &metaRaw, "spec": &spec, "template": &tmpl, "items": &items}); fe != nil {
		return d.fail("", fe)
	}
	if kind == "" && listKind != "" {
		kind = listKind
	}
	meta, fe := d.meta(metaRaw, joinField(prefix, "metadata"))
	if fe != nil {
		return d.fail("", fe)
	}
	id := kind + "/" + meta.Name
	if meta.Name == "" {
		id = kind + fmt.Sprintf("/(unnamed, document %d)", d.doc)
	}
	at := func(f string) string { return joinField(prefix, f) }
	switch {
	case kind == "Pod":
		return d.pod(kind, meta, meta, spec, at("spec"), out)
	case podTemplatePaths[kind] != nil:
		raw, path := spec, at("spec")
		for _, f := range podTemplatePaths[kind] {
			var next json.RawMessage
			if fe := fields(raw, path, map[string]any{f: &next}); fe != nil {
				return d.fail(id, fe)
			}
			raw, path = next, path+"."+f
			if len(raw) == 0 {
				return d.errf(id, path, "missing or malformed pod template")
			}
		}
		return d.template(kind, meta, raw, path, out)
	case kind == "PodTemplate":
		if len(tmpl) == 0 {
			return d.errf(id, at("template"), "missing or malformed pod template")
		}
		return d.template(kind, meta, tmpl, at("template"), out)
	case kind == "List" || strings.HasSuffix(kind, "List"):
		itemKind := strings.TrimSuffix(kind, "List") // PodList items are Pods
		for i, item := range items {
			if err := d.object(item, fmt.Sprintf("%s[%d]", at("items"), i), itemKind, out); err != nil {
				return err
			}
		}
	}
	return nil // other kinds (ConfigMap, Service, ...) carry no pod
}

// template decodes a pod template (metadata and spec).
func (d *decoder) template(kind string, meta objectMeta, raw json.RawMessage, path string, out *[]*Workload) error {
	id := kind + "/" + meta.Name
	var tmetaRaw, spec json.RawMessage
	if fe := fields(raw, path, map[string]any{"metadata": &tmetaRaw, "spec": &spec}); fe != nil {
		return d.fail(id, fe)
	}
	tmeta, fe := d.meta(tmetaRaw, path+".metadata")
	if fe != nil {
		return d.fail(id, fe)
	}
	return d.pod(kind, meta, tmeta, spec, path+".spec", out)
}

func (d *decoder) pod(kind string, meta, tmplMeta objectMeta, raw json.RawMessage, path string, out *[]*Workload) error {
	id := kind + "/" + meta.Name
	if meta.Name == "" {
		id = kind + fmt.Sprintf("/(unnamed, document %d)", d.doc)
	}
	if len(raw) == 0 {
		return d.errf(id, path, "missing pod spec")
	}
	w := &Workload{Kind: kind, Name: meta.Name, Namespace: meta.Namespace, Annotations: tmplMeta.Annotations, Source: d.source, Doc: d.doc}
	var sc json.RawMessage
	var lists [3][]json.RawMessage
	if fe := fields(raw, path, map[string]any{
		"securityContext": &sc, "hostNetwork": &w.Spec.HostNetwork, "hostPID": &w.Spec.HostPID,
		"hostIPC": &w.Spec.HostIPC, "hostUsers": &w.Spec.HostUsers, "shareProcessNamespace": &w.Spec.ShareProcessNamespace,
		"containers": &lists[0], "initContainers": &lists[1], "ephemeralContainers": &lists[2],
	}); fe != nil {
		return d.fail(id, fe)
	}
	if len(sc) > 0 {
		field := path + ".securityContext"
		if err := strictFields(sc, podSecurityContextSchema, field); err != nil {
			return d.fail(id, err)
		}
		w.Spec.SecurityContext = new(PodSecurityContext)
		if err := json.Unmarshal(sc, w.Spec.SecurityContext); err != nil {
			return d.errf(id, joinField(field, fieldOf(err)), "%s", jsonErr(err))
		}
	}
	dsts := [3]*[]Container{&w.Spec.Containers, &w.Spec.InitContainers, &w.Spec.EphemeralContainers}
	for li, name := range [3]string{"containers", "initContainers", "ephemeralContainers"} {
		for i, rc := range lists[li] {
			cpath := fmt.Sprintf("%s.%s[%d]", path, name, i)
			var c Container
			var csc json.RawMessage
			if fe := fields(rc, cpath, map[string]any{"name": &c.Name, "image": &c.Image, "securityContext": &csc}); fe != nil {
				return d.fail(id, fe)
			}
			if len(csc) > 0 {
				field := cpath + ".securityContext"
				if err := strictFields(csc, securityContextSchema, field); err != nil {
					return d.fail(id, err)
				}
				c.SecurityContext = new(SecurityContext)
				if err := json.Unmarshal(csc, c.SecurityContext); err != nil {
					return d.errf(id, joinField(field, fieldOf(err)), "%s", jsonErr(err))
				}
			}
			*dsts[li] = append(*dsts[li], c)
		}
	}
	if kind == "Pod" {
		w.Annotations = meta.Annotations
	}
	if len(w.Spec.Containers) == 0 {
		return d.errf(id, path+".containers", "no containers")
	}
	if err := validate(w, path); err != nil {
		err.Source, err.Object = d.source, id
		return err
	}
	*out = append(*out, w)
	return nil
}

// schema lists the fields a securityContext object may hold; a nil value is a
// leaf, a non-nil one the schema of a nested object (or of each element of an
// array of objects). Unknown fields here are errors: a typo such as runAsUsr
// must not silently weaken the expectation.
type schema map[string]schema

var (
	seLinuxSchema            = schema{"user": nil, "role": nil, "type": nil, "level": nil}
	windowsSchema            = schema{"gmsaCredentialSpecName": nil, "gmsaCredentialSpec": nil, "runAsUserName": nil, "hostProcess": nil}
	profileSchema            = schema{"type": nil, "localhostProfile": nil}
	sysctlSchema             = schema{"name": nil, "value": nil}
	capsSchema               = schema{"add": nil, "drop": nil}
	podSecurityContextSchema = schema{
		"seLinuxOptions": seLinuxSchema, "windowsOptions": windowsSchema,
		"runAsUser": nil, "runAsGroup": nil, "runAsNonRoot": nil,
		"supplementalGroups": nil, "supplementalGroupsPolicy": nil, "fsGroup": nil,
		"sysctls": sysctlSchema, "fsGroupChangePolicy": nil,
		"seccompProfile": profileSchema, "appArmorProfile": profileSchema,
		"seLinuxChangePolicy": nil,
	}
	securityContextSchema = schema{
		"capabilities": capsSchema, "privileged": nil, "seLinuxOptions": seLinuxSchema,
		"windowsOptions": windowsSchema, "runAsUser": nil, "runAsGroup": nil,
		"runAsNonRoot": nil, "readOnlyRootFilesystem": nil, "allowPrivilegeEscalation": nil,
		"procMount": nil, "seccompProfile": profileSchema, "appArmorProfile": profileSchema,
	}
)

type fieldError struct{ field, msg string }

// strictFields walks raw JSON and rejects keys the schema does not know,
// naming the full field path.
func strictFields(raw json.RawMessage, s schema, path string) *fieldError {
	var v interface{}
	if err := json.Unmarshal(raw, &v); err != nil {
		return &fieldError{path, jsonErr(err)}
	}
	return walkSchema(v, s, path)
}

func walkSchema(v interface{}, s schema, path string) *fieldError {
	switch t := v.(type) {
	case map[string]interface{}:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub, known := s[k]
			if !known {
				return &fieldError{path + "." + k, "unknown field" + suggest(k, s)}
			}
			if sub != nil {
				if err := walkSchema(t[k], sub, path+"."+k); err != nil {
					return err
				}
			}
		}
	case []interface{}:
		for i, e := range t {
			if err := walkSchema(e, s, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case nil:
	default:
		return &fieldError{path, fmt.Sprintf("expected an object, got %s", jsonType(v))}
	}
	return nil
}

// suggest names a known field that differs from k only in case or by a
// dropped or added letter, the usual typo.
func suggest(k string, s schema) string {
	for known := range s {
		if strings.EqualFold(known, k) || editDistanceOne(known, k) {
			return fmt.Sprintf(" (did you mean %q?)", known)
		}
	}
	return ""
}

func editDistanceOne(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a)-len(b) > 1 || a == b {
		return false
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:]
	}
	return a[i+1:] == b[i:]
}

func jsonType(v interface{}) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []interface{}:
		return "an array"
	}
	return "an object"
}

// fieldOf extracts the field path encoding/json reports for a type error.
func fieldOf(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
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

// jsonErr turns encoding/json's errors into a sentence about the value.
func jsonErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("expected %s, got a %s", goTypeName(te.Type.String()), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "malformed JSON: " + se.Error()
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func goTypeName(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case strings.HasPrefix(t, "int"):
		return "an integer"
	case t == "bool":
		return "a boolean"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "an object"
}
