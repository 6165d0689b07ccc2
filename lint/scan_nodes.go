package lint

import "strings"

// node reads the node at the cursor. parent is the indentation of the
// enclosing block (-1 at the top): a block node's further lines are
// indented more. In flow context (inside brackets or braces) line breaks
// and indentation do not matter.
func (s *scanner) node(parent int, flow bool) *pnode {
	start := s.off
	mapValue := s.mapValue
	s.mapValue = false
	anchor, empty := s.properties(parent, flow, mapValue)
	if empty {
		n := s.at(start, pScalar)
		n.null = true
		return s.anchor(anchor, n)
	}
	var n *pnode
	switch c := s.peek(0); {
	case c == '*':
		n = s.at(start, pAlias)
		s.off++
		n.text = s.token(flow)
	case c == '[' || c == '{':
		n = s.flowNode(start)
	case c == '"' || c == '\'':
		keyStart := s.off
		text := s.quoted()
		if !flow && s.keyColon() {
			s.off = keyStart
			return s.anchor(anchor, s.blockMapping(start))
		}
		n = s.at(start, pScalar)
		n.text = text
	case flow:
		n = s.at(start, pScalar)
		n.text = s.flowPlain()
		n.null = plainNull(n.text)
	case c == '|' || c == '>':
		n = s.at(start, pScalar)
		s.skipDeeper(parent, false)
	case c == '-' && s.wsAfter(1):
		n = s.blockSequence(start)
	case c == '?' && s.wsAfter(1): // a complex key: not followed
		n = s.at(start, pUnknown)
		s.skipDeeper(parent, false)
	case s.plainKeyEnd() >= 0:
		n = s.blockMapping(start)
	default:
		n = s.at(start, pScalar)
		n.text = s.blockPlain(parent)
		n.null = plainNull(n.text)
	}
	return s.anchor(anchor, n)
}

// properties reads a node's anchor and tag, if any; empty when no content
// follows them (the lines below are not the node's).
func (s *scanner) properties(parent int, flow, mapValue bool) (anchor string, empty bool) {
	for c := s.peek(0); c == '&' || c == '!'; c = s.peek(0) {
		if t := s.token(flow); c == '&' {
			anchor = t[1:]
		}
		if flow {
			s.skipBlank()
			continue
		}
		s.skipSpaces()
		if s.atLineEnd() { // the node's content starts on a later line
			s.skipBlank()
			// A mapping's value may be a sequence at the key's column.
			compact := mapValue && s.col() == parent && s.peek(0) == '-' && s.wsAfter(1)
			if s.eof() || s.atMarker() || (s.col() <= parent && !compact) {
				return anchor, true
			}
		}
	}
	return anchor, false
}

// anchor records n under its anchor name, if it has one.
func (s *scanner) anchor(name string, n *pnode) *pnode {
	if name != "" && s.anchors != nil {
		s.anchors[name] = n
	}
	return n
}

// keyColon reports whether a ":" that ends a key follows (after blanks).
func (s *scanner) keyColon() bool {
	s.skipSpaces()
	return s.peek(0) == ':' && s.wsAfter(1)
}

// plainKeyEnd is the offset of the ":" that ends a plain key starting at
// the cursor, or -1 when the line holds no key.
func (s *scanner) plainKeyEnd() int {
	for i := s.off; i < len(s.src); i++ {
		switch c := s.src[i]; {
		case c == '\n':
			return -1
		case c == '#' && i > s.off && isBlank(s.src[i-1]):
			return -1
		case c == ':' && (i+1 >= len(s.src) || s.src[i+1] == '\n' || isBlank(s.src[i+1])):
			return i
		}
	}
	return -1
}

// blockMapping reads a block mapping whose first key is at the cursor;
// its other keys are at the same column. start is where the node starts
// (its anchor or tag, if any).
func (s *scanner) blockMapping(start int) *pnode {
	n := s.at(start, pMapping)
	kcol := s.col()
	for {
		k := s.at(s.off, pScalar)
		key, ok := s.blockKey()
		if !ok { // not a key where one belongs: the rest is not followed
			s.skipDeeper(kcol-1, false)
			return n
		}
		n.keys = append(n.keys, pentry{key: key, line: k.line, col: k.col, val: s.blockValue(kcol)})
		s.endLine()
		s.skipBlank()
		if s.eof() || s.atMarker() || s.col() != kcol || (s.peek(0) == '-' && s.wsAfter(1)) {
			return n
		}
	}
}

// blockKey reads a key and its ":".
func (s *scanner) blockKey() (string, bool) {
	if c := s.peek(0); c == '"' || c == '\'' {
		key := s.quoted()
		if !s.keyColon() {
			return "", false
		}
		s.off++
		return key, true
	}
	end := s.plainKeyEnd()
	if end < 0 {
		return "", false
	}
	key := strings.TrimRight(string(s.src[s.off:end]), " \t")
	s.off = end + 1
	return key, true
}

// blockValue reads the value after a key at column kcol: on the same line,
// or on the lines below, indented more (a sequence may sit at the key's
// column).
func (s *scanner) blockValue(kcol int) *pnode {
	s.skipSpaces()
	if s.atLineEnd() {
		s.skipBlank()
		if s.eof() || s.atMarker() || s.col() < kcol || (s.col() == kcol && (s.peek(0) != '-' || !s.wsAfter(1))) {
			return &pnode{kind: pScalar, null: true}
		}
	}
	s.mapValue = true
	return s.node(kcol, false)
}

// blockSequence reads a block sequence whose first "-" is at the cursor.
func (s *scanner) blockSequence(start int) *pnode {
	n := s.at(start, pSequence)
	dcol := s.col()
	for {
		s.off++ // the "-"
		s.skipSpaces()
		item := &pnode{kind: pScalar, null: true}
		if !s.atLineEnd() {
			item = s.node(dcol, false)
		} else if s.skipBlank(); !s.eof() && !s.atMarker() && s.col() > dcol {
			item = s.node(dcol, false)
		}
		n.items = append(n.items, item)
		s.endLine()
		s.skipBlank()
		if s.eof() || s.atMarker() || s.col() != dcol || s.peek(0) != '-' || !s.wsAfter(1) {
			return n
		}
	}
}

// endLine moves past the rest of the line when the cursor is not at the
// start of a line's content (a value read inline ends there).
func (s *scanner) endLine() {
	ls := s.lineStart(s.off)
	if strings.TrimLeft(string(s.src[ls:s.off]), " ") != "" {
		s.skipLine()
	}
}

// blockPlain reads a plain scalar and skips its continuation lines.
func (s *scanner) blockPlain(parent int) string {
	end := s.off
	for end < len(s.src) && s.src[end] != '\n' && !(s.src[end] == '#' && end > s.off && isBlank(s.src[end-1])) {
		end++
	}
	text := strings.TrimSpace(string(s.src[s.off:end]))
	s.skipDeeper(parent, true)
	return text
}

// flowNode reads a flow sequence or mapping ([...] or {...}), which may
// span lines.
func (s *scanner) flowNode(start int) *pnode {
	open := s.src[s.off]
	n := s.at(start, pSequence)
	if open == '{' {
		n.kind = pMapping
	}
	s.off++
	for {
		s.skipBlank()
		before := s.off
		switch c := s.peek(0); {
		case c == 0:
			return n
		case c == ']' || c == '}':
			s.off++
			return n
		case c == ',':
			s.off++
		case open == '{':
			n.keys = append(n.keys, s.flowEntry())
		default:
			item := s.node(-1, true)
			if s.skipBlank(); s.peek(0) == ':' { // a single-pair mapping
				s.off++
				e := pentry{key: item.text, line: item.line, col: item.col, val: s.flowValue()}
				item = &pnode{line: item.line, col: item.col, kind: pMapping, keys: []pentry{e}}
			}
			n.items = append(n.items, item)
		}
		if s.off == before { // nothing this scanner follows: step over it
			s.off++
		}
	}
}

// flowEntry reads one entry of a flow mapping.
func (s *scanner) flowEntry() pentry {
	if s.peek(0) == '?' && s.wsAfter(1) {
		s.off++
		s.skipBlank()
	}
	k := s.node(-1, true)
	e := pentry{key: k.text, line: k.line, col: k.col, val: &pnode{kind: pScalar, null: true}}
	if s.skipBlank(); s.peek(0) == ':' {
		s.off++
		e.val = s.flowValue()
	}
	return e
}

// flowValue reads the value after a ":" in flow context; null when there
// is none.
func (s *scanner) flowValue() *pnode {
	s.skipBlank()
	if c := s.peek(0); c == 0 || c == ',' || c == '}' || c == ']' {
		return &pnode{kind: pScalar, null: true}
	}
	return s.node(-1, true)
}

// flowPlain reads a plain scalar in flow context, across lines.
func (s *scanner) flowPlain() string {
	var parts []string
	for {
		start := s.off
		for !s.eof() {
			c := s.src[s.off]
			if c == '\n' || strings.IndexByte(",[]{}", c) >= 0 || (c == '#' && s.off > start && isBlank(s.src[s.off-1])) ||
				(c == ':' && (s.wsAfter(1) || strings.IndexByte(",[]{}", s.peek(1)) >= 0)) {
				break
			}
			s.off++
		}
		if t := strings.TrimSpace(string(s.src[start:s.off])); t != "" {
			parts = append(parts, t)
		}
		if s.peek(0) != '\n' {
			return strings.Join(parts, " ")
		}
		save := s.off
		s.skipBlank()
		if c := s.peek(0); c == 0 || c == ':' || strings.IndexByte(",[]{}", c) >= 0 {
			s.off = save
			return strings.Join(parts, " ")
		}
	}
}
