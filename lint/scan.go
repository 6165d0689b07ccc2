package lint

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"
)

// scanner reads the structure of a YAML or JSON stream for the position
// index (position.go): mappings with their keys, sequences with their
// items, and where each starts. It does not resolve scalars (the decoder
// did, with go-yaml v2, which keeps no positions); what it does not follow
// (a complex key, say) becomes a node of unknown kind, and positions below
// it fall back to the nearest enclosing field.
type scanner struct {
	src     []byte
	off     int
	lines   []int // the offset of each line's start
	anchors map[string]*pnode
	// mapValue tells node that it reads a mapping's value.
	mapValue bool
}

// pkind is a node's kind.
type pkind uint8

const (
	pUnknown pkind = iota
	pScalar
	pMapping
	pSequence
	pAlias
)

// pnode is one node of a document: where it starts (1-based line and
// column, in characters), and its entries, items or text.
type pnode struct {
	line, col int
	kind      pkind
	keys      []pentry
	items     []*pnode
	text      string // a scalar's text; an alias's anchor
	null      bool   // a plain scalar that YAML reads as null
}

// pentry is one mapping entry; its position is the key's.
type pentry struct {
	key       string
	line, col int
	val       *pnode
}

func newScanner(src []byte) *scanner {
	s := &scanner{src: src, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
	return s
}

func (s *scanner) peek(i int) byte {
	if s.off+i < len(s.src) {
		return s.src[s.off+i]
	}
	return 0
}

func (s *scanner) eof() bool { return s.off >= len(s.src) }

// lineStart is the offset of the start of the line holding off.
func (s *scanner) lineStart(off int) int {
	i := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > off })
	return s.lines[i-1]
}

// col is the cursor's 0-based column in bytes (indentation is spaces).
func (s *scanner) col() int { return s.off - s.lineStart(s.off) }

// at makes a node of kind k at the cursor.
func (s *scanner) at(off int, k pkind) *pnode {
	i := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > off })
	return &pnode{line: i, col: utf8.RuneCount(s.src[s.lines[i-1]:off]) + 1, kind: k}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// wsAfter reports whether the byte at i is white space, a line end or the
// end of the stream.
func (s *scanner) wsAfter(i int) bool {
	c := s.peek(i)
	return c == 0 || c == '\n' || isBlank(c)
}

// skipSpaces skips blanks on the current line.
func (s *scanner) skipSpaces() {
	for !s.eof() && isBlank(s.src[s.off]) {
		s.off++
	}
}

// atLineEnd reports whether only a comment or nothing is left on the line.
func (s *scanner) atLineEnd() bool { c := s.peek(0); return c == 0 || c == '\n' || c == '#' }

// skipLine moves to the start of the next line.
func (s *scanner) skipLine() {
	if i := bytes.IndexByte(s.src[s.off:], '\n'); i >= 0 {
		s.off += i + 1
	} else {
		s.off = len(s.src)
	}
}

// skipBlank skips white space, line ends and comments, up to the next
// content or document marker.
func (s *scanner) skipBlank() {
	for !s.eof() {
		switch c := s.src[s.off]; {
		case isBlank(c) || c == '\n':
			s.off++
		case c == '#':
			s.skipLine()
		default:
			return
		}
	}
}

// atMarker reports whether the cursor is on a document marker ("---" or
// "..." at the start of a line).
func (s *scanner) atMarker() bool {
	if s.col() != 0 || s.off+3 > len(s.src) {
		return false
	}
	m := string(s.src[s.off : s.off+3])
	return (m == "---" || m == "...") && s.wsAfter(3)
}

// lineIndent is the indentation of the line starting at off, and whether
// it holds nothing but blanks or a comment.
func (s *scanner) lineIndent(off int) (int, bool) {
	i := off
	for i < len(s.src) && s.src[i] == ' ' {
		i++
	}
	if i >= len(s.src) || s.src[i] == '\n' || s.src[i] == '\r' || s.src[i] == '#' {
		return i - off, true
	}
	return i - off, false
}

// skipDeeper skips the lines after the current one that are blank or
// indented more than parent, as a block scalar's or a plain scalar's
// continuation; comments end a plain scalar.
func (s *scanner) skipDeeper(parent int, commentsEnd bool) {
	s.skipLine()
	for !s.eof() {
		ind, empty := s.lineIndent(s.off)
		if s.atMarker() || (!empty && ind <= parent) || (empty && commentsEnd && s.commentLine(s.off)) {
			return
		}
		s.skipLine()
	}
}

func (s *scanner) commentLine(off int) bool {
	ind, _ := s.lineIndent(off)
	return off+ind < len(s.src) && s.src[off+ind] == '#'
}

// token reads an anchor, alias or tag: up to white space, or a flow
// indicator in flow context.
func (s *scanner) token(flow bool) string {
	start := s.off
	for !s.eof() && !s.wsAfter(0) && !(flow && strings.IndexByte(",[]{}", s.src[s.off]) >= 0) {
		s.off++
	}
	return string(s.src[start:s.off])
}

// quoted reads a single- or double-quoted scalar, which may span lines.
func (s *scanner) quoted() string {
	q := s.src[s.off]
	s.off++
	var b strings.Builder
	for !s.eof() {
		c := s.src[s.off]
		switch {
		case q == '"' && c == '\\' && s.off+1 < len(s.src):
			b.WriteByte(s.src[s.off+1])
			s.off += 2
			continue
		case c == q && q == '\'' && s.peek(1) == '\'':
			b.WriteByte('\'')
			s.off += 2
			continue
		case c == q:
			s.off++
			return b.String()
		}
		b.WriteByte(c)
		s.off++
	}
	return b.String()
}

// plainNull reports whether a plain scalar reads as null.
func plainNull(t string) bool {
	switch t {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}
