package lint

import (
	"bytes"
	"strconv"
	"strings"
)

// The decoder (package manifest) gives the declared fields but no
// positions: go-yaml v2, the one YAML parser secctx links, keeps none. The
// position index scans the same stream for its structure alone (scan.go)
// so that a finding's field path can be turned into a line and column.
// Documents are numbered as the decoder numbers them: the non-empty ones,
// a bare JSON array's items each counting as one. The tests compare every
// position with go-yaml v3's nodes.

// posIndex holds the documents of one stream, in the decoder's order.
type posIndex struct {
	docs []pdoc
	// A part of a stream (manifest.Part) is indexed on its own: first is
	// the number of its document, line and col what its positions are
	// moved by (col on its first line only), strip the List item's path
	// that its fields start with.
	first     int
	line, col int
	strip     string
	data      []byte // the text indexed
}

// doc returns document n, or nil.
func (ix *posIndex) doc(n int) *pdoc {
	if ix == nil {
		return nil
	}
	i := n - 1
	if ix.first > 0 {
		i = n - ix.first
	}
	if i < 0 || i >= len(ix.docs) {
		return nil
	}
	return &ix.docs[i]
}

// rel turns a field's path into the part's.
func (ix *posIndex) rel(path string) (string, bool) {
	if ix.strip == "" || path == "" {
		return path, true // "" is the object: the part's root
	}
	rest, ok := strings.CutPrefix(path, ix.strip)
	if !ok || (rest != "" && rest[0] != '.' && rest[0] != '[') {
		return "", false
	}
	return strings.TrimPrefix(rest, "."), true
}

// moved moves a part's position to the stream's.
func (ix *posIndex) moved(line, col int) (int, int) {
	if line == 0 {
		return 0, 0
	}
	if line == 1 {
		col += ix.col
	}
	return line + ix.line, col
}

// pdoc is one document: its root and its anchors.
type pdoc struct {
	root    *pnode
	anchors map[string]*pnode
}

// newPosIndex scans data.
func newPosIndex(data []byte) *posIndex {
	s := newScanner(data)
	ix := &posIndex{}
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		for s.skipBlank(); !s.eof(); s.skipBlank() {
			before := s.off
			root := s.node(-1, true)
			if root.kind == pSequence {
				for _, item := range root.items {
					ix.docs = append(ix.docs, pdoc{root: item})
				}
			} else {
				ix.docs = append(ix.docs, pdoc{root: root})
			}
			if s.off == before {
				s.off++
			}
		}
		return ix
	}
	for {
		s.skipBlank()
		for !s.eof() && s.col() == 0 && s.peek(0) == '%' { // a directive
			s.skipLine()
			s.skipBlank()
		}
		if s.eof() {
			return ix
		}
		if s.atMarker() {
			end := s.peek(0) == '.'
			s.off += 3
			if end {
				continue
			}
			if s.skipSpaces(); s.atLineEnd() {
				if s.skipBlank(); s.eof() || s.atMarker() {
					continue // an empty document
				}
			}
		}
		if d, ok := s.document(); ok {
			ix.docs = append(ix.docs, d)
		}
	}
}

// document reads one YAML document; false for one the decoder skips (an
// empty or null one).
func (s *scanner) document() (pdoc, bool) {
	s.anchors = map[string]*pnode{}
	root := s.node(-1, false)
	s.endLine()
	s.skipBlank()
	if !s.eof() && !s.atMarker() { // content the scanner did not follow
		root = &pnode{line: root.line, col: root.col, kind: pUnknown}
		for !s.eof() && !s.atMarker() {
			s.skipLine()
			s.skipBlank()
		}
	}
	return pdoc{root: root, anchors: s.anchors}, !(root.kind == pScalar && root.null)
}

// position returns the line and column of path in document doc: the
// field's key, an item's node, or, when the path does not exist (a field
// left unset), the deepest part of it that does. 0, 0 when unknown.
func (ix *posIndex) position(doc int, path string) (line, col int) {
	d := ix.doc(doc)
	if d == nil {
		return 0, 0
	}
	path, ok := ix.rel(path)
	if !ok {
		return 0, 0
	}
	n := d.resolve(d.root)
	line, col = n.line, n.col
	for _, seg := range splitPath(path) {
		var l, c int
		if l, c, n = d.step(n, seg); n == nil {
			break
		}
		line, col = l, c
	}
	return ix.moved(line, col)
}

// scalar returns the text of the scalar at path in document doc, and
// whether there is one.
func (ix *posIndex) scalar(doc int, path string) (string, bool) {
	d := ix.doc(doc)
	if d == nil {
		return "", false
	}
	path, ok := ix.rel(path)
	if !ok {
		return "", false
	}
	n := d.resolve(d.root)
	for _, seg := range splitPath(path) {
		if _, _, n = d.step(n, seg); n == nil {
			return "", false
		}
	}
	return n.text, n.kind == pScalar && !n.null
}

// step follows one segment from n: the position of the key or item, and
// the node it leads to (nil when there is none).
func (d *pdoc) step(n *pnode, s segment) (line, col int, next *pnode) {
	switch {
	case s.index >= 0 && n.kind == pSequence && s.index < len(n.items):
		next = d.resolve(n.items[s.index])
		return next.line, next.col, next
	case s.index < 0 && n.kind == pMapping:
		for _, e := range n.keys {
			if e.key == s.key {
				return e.line, e.col, d.resolve(e.val)
			}
		}
	}
	return 0, 0, nil
}

// resolve follows an alias to its anchored node.
func (d *pdoc) resolve(n *pnode) *pnode {
	if n.kind == pAlias {
		if a, ok := d.anchors[n.text]; ok && a.kind != pAlias {
			return a
		}
		return &pnode{line: n.line, col: n.col}
	}
	return n
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

func joinPath(prefix, p string) string {
	switch {
	case prefix == "":
		return p
	case p == "":
		return prefix
	}
	return prefix + "." + p
}
