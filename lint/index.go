package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// The decoder (package manifest) gives the declared securityContext but no
// positions: sigs.k8s.io/yaml and go-yaml v2 keep none. The index parses the
// same stream again with go-yaml v3, whose nodes carry line and column, so
// that a finding's field path can be turned into a line, and reads the few
// pod fields only lint needs (volumes, host ports, probe hosts, resources,
// os). Documents are numbered as the decoder numbers them: the non-empty
// ones, a bare JSON array's items each counting as one.

// fileIndex holds the documents of one stream, in the decoder's order.
type fileIndex struct {
	docs []indexedDoc
}

// indexedDoc is one document's root node and the templates it holds.
type indexedDoc struct {
	root      *yaml.Node
	lineShift int // added to node lines (JSON values parsed on their own)
	templates []*template
}

// template is one pod template found in a document, where the decoder
// finds it.
type template struct {
	kind, name string
	specPath   string // the pod spec's path: "spec", "spec.template.spec", "items[1].spec"
	metaPath   string // the pod template's metadata: "metadata", "spec.template.metadata"
	spec       *yaml.Node
	used       bool
}

// newIndex parses data; an error means the positions (and the fields
// below) cannot be had.
func newIndex(data []byte) (*fileIndex, error) {
	ix := &fileIndex{}
	trimmed := bytes.TrimSpace(data)
	isJSON := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	roots, err := yamlRoots(data)
	if err != nil && isJSON {
		roots, err = jsonRoots(trimmed, lineOf(data, bytes.Index(data, trimmed)))
	}
	if err != nil {
		return nil, err
	}
	for _, r := range roots {
		if isJSON && r.node.Kind == yaml.SequenceNode {
			for _, item := range r.node.Content {
				ix.docs = append(ix.docs, indexedDoc{root: item, lineShift: r.shift})
			}
			continue
		}
		ix.docs = append(ix.docs, indexedDoc{root: r.node, lineShift: r.shift})
	}
	for i := range ix.docs {
		d := &ix.docs[i]
		d.templates = findTemplates(d.root, "", "")
	}
	return ix, nil
}

type rootNode struct {
	node  *yaml.Node
	shift int
}

// yamlRoots returns the root node of every non-empty document.
func yamlRoots(data []byte) ([]rootNode, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []rootNode
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := resolve(doc.Content[0])
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // an empty document, as the decoder skips it
		}
		out = append(out, rootNode{node: root})
	}
}

// jsonRoots splits concatenated JSON values (which are not one YAML
// stream) and parses each on its own; lines count from the stream's start.
func jsonRoots(data []byte, firstLine int) ([]rootNode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []rootNode
	for {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		// The value starts after any white space the decoder skipped.
		for start < int64(len(data)) && isSpace(data[start]) {
			start++
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			return nil, err
		}
		if len(doc.Content) == 0 {
			continue
		}
		out = append(out, rootNode{node: resolve(doc.Content[0]), shift: firstLine - 1 + lineOf(data, int(start)) - 1})
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// lineOf is the 1-based line of byte offset off.
func lineOf(data []byte, off int) int {
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// templatedKinds hold their pod template at spec.template.
var templatedKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true,
	"ReplicaSet": true, "Job": true, "ReplicationController": true}

// findTemplates lists the pod templates of an object the way the decoder
// finds them; prefix is the object's path, listKind the kind of an
// enclosing typed list.
func findTemplates(obj *yaml.Node, prefix, listKind string) []*template {
	if obj == nil || obj.Kind != yaml.MappingNode {
		return nil
	}
	kind := scalar(child(obj, "kind"))
	if kind == "" && listKind != "" {
		kind = listKind
	}
	at := func(p string) string { return joinPath(prefix, p) }
	name := scalar(child(child(obj, "metadata"), "name"))
	t := &template{kind: kind, name: name}
	switch {
	case kind == "Pod":
		t.specPath, t.metaPath = at("spec"), at("metadata")
	case templatedKinds[kind]:
		t.specPath, t.metaPath = at("spec.template.spec"), at("spec.template.metadata")
	case kind == "CronJob":
		t.specPath, t.metaPath = at("spec.jobTemplate.spec.template.spec"), at("spec.jobTemplate.spec.template.metadata")
	case kind == "PodTemplate":
		t.specPath, t.metaPath = at("template.spec"), at("template.metadata")
	case kind == "List" || strings.HasSuffix(kind, "List"):
		var out []*template
		items := child(obj, "items")
		if items != nil && items.Kind == yaml.SequenceNode {
			for i, item := range items.Content {
				out = append(out, findTemplates(resolve(item), at("items["+strconv.Itoa(i)+"]"), strings.TrimSuffix(kind, "List"))...)
			}
		}
		return out
	default:
		return nil
	}
	t.spec = lookup(obj, strings.TrimPrefix(strings.TrimPrefix(t.specPath, prefix), "."))
	return []*template{t}
}

// template returns the unused template of document doc (1-based) with
// this kind and name, or nil.
func (ix *fileIndex) template(doc int, kind, name string) *template {
	if ix == nil || doc < 1 || doc > len(ix.docs) {
		return nil
	}
	for _, t := range ix.docs[doc-1].templates {
		if !t.used && t.kind == kind && t.name == name {
			t.used = true
			return t
		}
	}
	return nil
}

// position returns the line and column of path in document doc: the
// field's key, an item's node, or, when the path does not exist (a field
// left unset), the deepest part of it that does. 0, 0 when unknown.
func (ix *fileIndex) position(doc int, path string) (line, col int) {
	if ix == nil || doc < 1 || doc > len(ix.docs) {
		return 0, 0
	}
	d := ix.docs[doc-1]
	n := d.root
	line, col = n.Line, n.Column
	for _, seg := range splitPath(path) {
		var key *yaml.Node
		key, n = step(n, seg)
		if n == nil {
			break
		}
		if key != nil {
			line, col = key.Line, key.Column
		} else {
			line, col = n.Line, n.Column
		}
	}
	if line == 0 {
		return 0, 0
	}
	if d.lineShift != 0 && line == 1 {
		col = 0 // the column of a value's first line is not known
	}
	return line + d.lineShift, col
}

// segment is one step of a field path: a key or an index.
type segment struct {
	key   string
	index int // -1 for a key
}

// splitPath splits "a.b[2].c[key.with.dots]" into its segments.
func splitPath(p string) []segment {
	var out []segment
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return append(out, segment{key: p[1:], index: -1})
			}
			in := p[1:end]
			if i, err := strconv.Atoi(in); err == nil && i >= 0 {
				out = append(out, segment{index: i})
			} else {
				out = append(out, segment{key: in, index: -1})
			}
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out = append(out, segment{key: p[:end], index: -1})
			p = p[end:]
		}
	}
	return out
}

// step follows one segment; key is the mapping key node, when there is one.
func step(n *yaml.Node, s segment) (key, value *yaml.Node) {
	n = resolve(n)
	if n == nil {
		return nil, nil
	}
	if s.index >= 0 {
		if n.Kind != yaml.SequenceNode || s.index >= len(n.Content) {
			return nil, nil
		}
		return nil, resolve(n.Content[s.index])
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == s.key {
			return n.Content[i], resolve(n.Content[i+1])
		}
	}
	return nil, nil
}

// lookup follows a path from n; nil when it does not exist.
func lookup(n *yaml.Node, path string) *yaml.Node {
	for _, seg := range splitPath(path) {
		if _, n = step(n, seg); n == nil {
			return nil
		}
	}
	return resolve(n)
}

// child is the value of key in mapping n, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	_, v := step(n, segment{key: key, index: -1})
	return v
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// scalar is a scalar node's text; "" for anything else (and for null).
func scalar(n *yaml.Node) string {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// isNull reports whether n is absent or null.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func joinPath(prefix, p string) string {
	switch {
	case prefix == "":
		return p
	case p == "":
		return prefix
	}
	return prefix + "." + p
}
