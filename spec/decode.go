package spec

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

// MaxSpecSize bounds the manifest stream secctx accepts; a securityContext
// manifest is a few KiB, so anything larger is a mistake or an attack.
const MaxSpecSize = 1 << 20

// Error is a bad-input error that names where the problem is: the source
// (file, environment variable, stdin), the object and the field path.
type Error struct {
	Source string // "pod.yaml", "env SECCTX_SPEC", "stdin"
	Object string // "Pod/demo", "document 2", or ""
	Field  string // "spec.containers[0].securityContext.runAsUsr", or ""
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Object != "" {
		b.WriteString(": ")
		b.WriteString(e.Object)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// object is the envelope every Kubernetes object shares; only what is needed
// to reach a pod template is decoded, everything else is ignored.
type object struct {
	Kind     string            `json:"kind"`
	Metadata objectMeta        `json:"metadata"`
	Spec     json.RawMessage   `json:"spec"`
	Template json.RawMessage   `json:"template"` // PodTemplate
	Items    []json.RawMessage `json:"items"`    // List
}

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace"`
	Annotations map[string]string `json:"annotations"`
}

type podTemplate struct {
	Metadata objectMeta      `json:"metadata"`
	Spec     json.RawMessage `json:"spec"`
}

// rawPodSpec decodes a pod spec leniently (unknown fields elsewhere in a
// manifest are ignored) while keeping the securityContext objects raw so they
// can be decoded strictly.
type rawPodSpec struct {
	Containers            []rawContainer  `json:"containers"`
	InitContainers        []rawContainer  `json:"initContainers"`
	EphemeralContainers   []rawContainer  `json:"ephemeralContainers"`
	SecurityContext       json.RawMessage `json:"securityContext"`
	HostNetwork           bool            `json:"hostNetwork"`
	HostPID               bool            `json:"hostPID"`
	HostIPC               bool            `json:"hostIPC"`
	HostUsers             *bool           `json:"hostUsers"`
	ShareProcessNamespace *bool           `json:"shareProcessNamespace"`
}

type rawContainer struct {
	Name            string          `json:"name"`
	Image           string          `json:"image"`
	SecurityContext json.RawMessage `json:"securityContext"`
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
		if err := d.object(doc, "", &out); err != nil {
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

// object decodes one object and appends the workloads it holds.
func (d *decoder) object(raw json.RawMessage, prefix string, out *[]*Workload) error {
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		return d.errf("", prefix, "%s", jsonErr(err))
	}
	id := o.Kind + "/" + o.Metadata.Name
	switch o.Kind {
	case "Pod":
		return d.pod(o.Kind, o.Metadata, o.Metadata, o.Spec, "spec", out)
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController":
		var s struct {
			Template *podTemplate `json:"template"`
		}
		if err := json.Unmarshal(o.Spec, &s); err != nil || s.Template == nil {
			return d.errf(id, "spec.template", "missing or malformed pod template")
		}
		return d.pod(o.Kind, o.Metadata, s.Template.Metadata, s.Template.Spec, "spec.template.spec", out)
	case "CronJob":
		var s struct {
			JobTemplate *struct {
				Spec struct {
					Template *podTemplate `json:"template"`
				} `json:"spec"`
			} `json:"jobTemplate"`
		}
		if err := json.Unmarshal(o.Spec, &s); err != nil || s.JobTemplate == nil || s.JobTemplate.Spec.Template == nil {
			return d.errf(id, "spec.jobTemplate.spec.template", "missing or malformed pod template")
		}
		return d.pod(o.Kind, o.Metadata, s.JobTemplate.Spec.Template.Metadata, s.JobTemplate.Spec.Template.Spec, "spec.jobTemplate.spec.template.spec", out)
	case "PodTemplate":
		var t podTemplate
		if err := json.Unmarshal(o.Template, &t); err != nil {
			return d.errf(id, "template", "missing or malformed pod template")
		}
		return d.pod(o.Kind, o.Metadata, t.Metadata, t.Spec, "template.spec", out)
	}
	if o.Kind == "List" || strings.HasSuffix(o.Kind, "List") {
		for i, item := range o.Items {
			if err := d.object(item, fmt.Sprintf("items[%d]", i), out); err != nil {
				return err
			}
		}
	}
	return nil // other kinds (ConfigMap, Service, ...) carry no pod
}

func (d *decoder) pod(kind string, meta, tmplMeta objectMeta, raw json.RawMessage, path string, out *[]*Workload) error {
	id := kind + "/" + meta.Name
	if meta.Name == "" {
		id = kind + fmt.Sprintf("/(unnamed, document %d)", d.doc)
	}
	if len(raw) == 0 {
		return d.errf(id, path, "missing pod spec")
	}
	var rs rawPodSpec
	if err := json.Unmarshal(raw, &rs); err != nil {
		return d.errf(id, joinField(path, fieldOf(err)), "%s", jsonErr(err))
	}
	w := &Workload{Kind: kind, Name: meta.Name, Namespace: meta.Namespace, Annotations: tmplMeta.Annotations, Source: d.source, Doc: d.doc}
	if kind == "Pod" {
		w.Annotations = meta.Annotations
	}
	w.Spec.HostNetwork, w.Spec.HostPID, w.Spec.HostIPC = rs.HostNetwork, rs.HostPID, rs.HostIPC
	w.Spec.HostUsers, w.Spec.ShareProcessNamespace = rs.HostUsers, rs.ShareProcessNamespace
	if len(rs.SecurityContext) > 0 && string(rs.SecurityContext) != "null" {
		field := path + ".securityContext"
		if err := strictFields(rs.SecurityContext, podSecurityContextSchema, field); err != nil {
			return d.errf(id, err.field, "%s", err.msg)
		}
		w.Spec.SecurityContext = new(PodSecurityContext)
		if err := json.Unmarshal(rs.SecurityContext, w.Spec.SecurityContext); err != nil {
			return d.errf(id, joinField(field, fieldOf(err)), "%s", jsonErr(err))
		}
	}
	lists := []struct {
		name string
		raw  []rawContainer
		dst  *[]Container
	}{
		{"containers", rs.Containers, &w.Spec.Containers},
		{"initContainers", rs.InitContainers, &w.Spec.InitContainers},
		{"ephemeralContainers", rs.EphemeralContainers, &w.Spec.EphemeralContainers},
	}
	for _, l := range lists {
		for i, rc := range l.raw {
			c := Container{Name: rc.Name, Image: rc.Image}
			if len(rc.SecurityContext) > 0 && string(rc.SecurityContext) != "null" {
				field := fmt.Sprintf("%s.%s[%d].securityContext", path, l.name, i)
				if err := strictFields(rc.SecurityContext, securityContextSchema, field); err != nil {
					return d.errf(id, err.field, "%s", err.msg)
				}
				c.SecurityContext = new(SecurityContext)
				if err := json.Unmarshal(rc.SecurityContext, c.SecurityContext); err != nil {
					return d.errf(id, joinField(field, fieldOf(err)), "%s", jsonErr(err))
				}
			}
			*l.dst = append(*l.dst, c)
		}
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

// Select picks the workload named by sel ("Kind/name", kind matched without
// regard to case, or a bare name); with an empty sel the stream must hold
// exactly one workload.
func Select(ws []*Workload, sel string) (*Workload, error) {
	if len(ws) == 0 {
		return nil, errors.New("no workload")
	}
	src := ws[0].Source
	if sel == "" {
		if len(ws) == 1 {
			return ws[0], nil
		}
		return nil, &Error{Source: src, Msg: fmt.Sprintf("holds %d workloads (%s): choose one with --workload KIND/NAME", len(ws), workloadIDs(ws))}
	}
	kind, name, hasKind := strings.Cut(sel, "/")
	if !hasKind {
		name, kind = sel, ""
	}
	var found []*Workload
	for _, w := range ws {
		if w.Name == name && (kind == "" || strings.EqualFold(w.Kind, kind)) {
			found = append(found, w)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, &Error{Source: src, Field: "--workload", Msg: fmt.Sprintf("no workload %q (found %s)", sel, workloadIDs(ws))}
	}
	return nil, &Error{Source: src, Field: "--workload", Msg: fmt.Sprintf("%q matches %d workloads (%s): give KIND/NAME", sel, len(found), workloadIDs(found))}
}

func workloadIDs(ws []*Workload) string {
	ids := make([]string, len(ws))
	for i, w := range ws {
		ids[i] = w.ID()
	}
	return strings.Join(ids, ", ")
}

// Container kinds, as Expected.ContainerKind reports them.
const (
	KindContainer          = "container"
	KindInitContainer      = "initContainer"
	KindEphemeralContainer = "ephemeralContainer"
)

// FindContainer returns the named container of w, searching containers,
// then init and ephemeral containers. With an empty name, w must have
// exactly one (regular) container.
func (w *Workload) FindContainer(name string) (*Container, string, error) {
	if name == "" {
		if len(w.Spec.Containers) == 1 {
			return &w.Spec.Containers[0], KindContainer, nil
		}
		return nil, "", &Error{Source: w.Source, Object: w.ID(), Field: "--container",
			Msg: fmt.Sprintf("has %d containers (%s): choose one with --container or SECCTX_CONTAINER", len(w.Spec.Containers), containerNames(w))}
	}
	for _, l := range []struct {
		kind string
		cs   []Container
	}{{KindContainer, w.Spec.Containers}, {KindInitContainer, w.Spec.InitContainers}, {KindEphemeralContainer, w.Spec.EphemeralContainers}} {
		for i := range l.cs {
			if l.cs[i].Name == name {
				return &l.cs[i], l.kind, nil
			}
		}
	}
	return nil, "", &Error{Source: w.Source, Object: w.ID(), Field: "--container", Msg: fmt.Sprintf("no container %q (found %s)", name, containerNames(w))}
}

func containerNames(w *Workload) string {
	var names []string
	for _, c := range w.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range w.Spec.InitContainers {
		names = append(names, c.Name+" (init)")
	}
	for _, c := range w.Spec.EphemeralContainers {
		names = append(names, c.Name+" (ephemeral)")
	}
	return strings.Join(names, ", ")
}
