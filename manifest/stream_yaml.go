package manifest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// yamlLayout is the layout a YAML List over the limits must have.
const yamlLayout = "when laid out as kubectl prints it: \"items:\" at the start of a line, each item starting with \"- \" at the start of a line, every other line of an item indented"

// yamlStream splits a YAML stream into documents by its markers ("---"
// and "..." at the start of a line, which YAML reserves there), and a
// List's document into its items by lines (see stream.go).
type yamlStream struct {
	s    *Stream
	lr   *bufio.Reader
	line int // the number of the next line
	doc  *yamlDoc
	done bool
	// ended is true after "...": YAML wants "---" (or a directive) before
	// the next document's content.
	ended bool
}

// yamlDoc is the document being read.
type yamlDoc struct {
	line    int    // its first line
	buf     []byte // its text, while it is held whole
	content bool   // it has a line that is neither blank, a comment nor a directive
	// shapeOK is true while the document can still be split as a List:
	// every line at the start of a line is a key, a comment or an item.
	shapeOK bool
	items   int // 0 before "items:", 1 in the items, 2 after them
	shell   []byte
	// cur is the item being read: its text, first line and index.
	cur     []byte
	curLine int
	n       int // the items started
	// pending are the items read while the document is held whole.
	pending []pendingItem
	list    *listItems // non-nil once read item by item
}

// pendingItem is an item read before its List is known to be read item
// by item: its index, where it starts, and its text.
type pendingItem struct {
	i, line, col int
	data         []byte
}

// next reads lines until a part can be returned or queued.
func (y *yamlStream) next() (*Part, error) {
	for !y.done && len(y.s.queue) == 0 {
		ln, err := y.readLine()
		if err == io.EOF {
			y.done = true
			if err := y.endDoc(); err != nil {
				return nil, err
			}
			break
		}
		if err != nil {
			return nil, err
		}
		if err := y.add(ln); err != nil {
			return nil, err
		}
	}
	if y.done && len(y.s.queue) == 0 {
		return nil, io.EOF
	}
	return nil, nil
}

// readLine reads one line with its newline, up to MaxSpecSize.
func (y *yamlStream) readLine() ([]byte, error) {
	var ln []byte
	for {
		frag, err := y.lr.ReadSlice('\n')
		ln = append(ln, frag...)
		if len(ln) > MaxSpecSize {
			return nil, &Error{Source: y.s.source, Msg: fmt.Sprintf("line %d is over the %d-byte limit", y.line, MaxSpecSize)}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(ln) > 0:
			y.line++
			return ln, nil
		case err != nil && err != io.EOF:
			return nil, y.s.readErr(err)
		case err != nil:
			return nil, err
		}
		y.line++
		return ln, nil
	}
}

// marker reports whether ln is a document marker, "---" or "...".
func marker(ln []byte, m string) bool {
	return bytes.HasPrefix(ln, []byte(m)) && (len(ln) == 3 || bytes.IndexByte([]byte(" \t\r\n"), ln[3]) >= 0)
}

// add takes one line (numbered y.line-1).
func (y *yamlStream) add(ln []byte) error {
	at := y.line - 1
	// "---", or a directive (which libyaml reads at the start of a line
	// anywhere), ends a document that has content.
	if (marker(ln, "---") || ln[0] == '%') && y.doc != nil && y.doc.content {
		if err := y.endDoc(); err != nil {
			return err
		}
	}
	if y.ended {
		t := bytes.TrimSpace(ln)
		switch {
		case marker(ln, "---") || ln[0] == '%':
			y.ended = false
		case len(t) > 0 && t[0] != '#':
			// go-yaml's words and line (it counts this one from 0).
			return &Error{Source: y.s.source, Object: fmt.Sprintf("document %d", y.s.doc+1),
				Msg: fmt.Sprintf("malformed YAML: line %d: did not find expected <document start>", at-1)}
		}
	}
	d := y.doc
	if d == nil {
		d = &yamlDoc{line: at, shapeOK: true}
		y.doc = d
	}
	if d.list == nil {
		d.buf = append(d.buf, ln...)
	}
	end := false
	switch c := ln[0]; {
	case marker(ln, "---"):
		if rest := bytes.TrimSpace(ln[3:]); len(rest) > 0 && rest[0] != '#' {
			d.shapeOK, d.content = false, true
		}
	case marker(ln, "..."):
		end = true
	case c == '%':
		// a directive, before the document's "---"
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		blank := len(bytes.TrimSpace(ln)) == 0 || bytes.TrimSpace(ln)[0] == '#'
		switch {
		case d.items == 1 && d.cur != nil:
			d.cur = append(d.cur, ln...)
		case d.items == 1 && !blank:
			d.shapeOK = false // an indented sequence, or content before the first item
		case d.items != 1:
			d.shell = append(d.shell, ln...)
		}
		d.content = d.content || !blank
	case c == '#':
		if d.items == 1 && d.cur != nil {
			d.cur = append(d.cur, ln...)
		}
	case c == '-' && (len(ln) == 1 || bytes.IndexByte([]byte(" \t\r\n"), ln[1]) >= 0):
		d.content = true
		if d.items != 1 {
			d.shapeOK = false
			break
		}
		if err := y.endItem(); err != nil {
			return err
		}
		d.cur = append(append(make([]byte, 0, 4096), ' '), ln[1:]...)
		d.curLine = at
	default:
		d.content = true
		if d.items == 1 {
			if err := y.endItem(); err != nil {
				return err
			}
			d.items = 2
		}
		switch {
		case itemsKey(ln) && d.items == 0:
			d.items = 1
			d.shell = append(d.shell, "items: []\n"...)
		case keyLine(ln) && !itemsKey(ln):
			d.shell = append(d.shell, ln...)
			if d.list != nil && bytes.HasPrefix(ln, []byte("kind:")) {
				if err := y.setKind(); err != nil {
					return err
				}
			}
		default:
			d.shapeOK = false
		}
	}
	if d.list != nil && (len(d.cur) > MaxSpecSize || len(d.shell) > MaxSpecSize) {
		return &Error{Source: y.s.source, Object: fmt.Sprintf("document %d", d.list.doc),
			Msg: fmt.Sprintf("the item at line %d is over the %d-byte limit", d.curLine, MaxSpecSize)}
	}
	if d.list == nil && len(d.buf) > MaxSpecSize {
		if err := y.split(); err != nil {
			return err
		}
	}
	if end {
		y.ended = true
		return y.endDoc()
	}
	return nil
}

// itemsKey reports whether ln is "items:" with no value on its line.
func itemsKey(ln []byte) bool {
	rest, ok := bytes.CutPrefix(ln, []byte("items:"))
	rest = bytes.TrimSpace(rest)
	return ok && (len(rest) == 0 || rest[0] == '#')
}

// keyLine reports whether ln starts a plain key of a block mapping.
func keyLine(ln []byte) bool {
	c := ln[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
		return false
	}
	for i, c := range ln {
		switch c {
		case ':':
			return i+1 == len(ln) || bytes.IndexByte([]byte(" \t\r\n"), ln[i+1]) >= 0
		case '#', '{', '[', '"', '\'', '\n':
			return false
		}
	}
	return false
}

// endItem ends the item being read: held while the document is, decoded
// once it is read item by item.
func (y *yamlStream) endItem() error {
	d := y.doc
	if d.cur == nil {
		return nil
	}
	data, line, i := d.cur, d.curLine, d.n
	d.cur = nil
	d.n++
	if d.list == nil {
		d.pending = append(d.pending, pendingItem{i, line, 1, data})
		return nil
	}
	return y.s.queueItem(d.list, pendingItem{i, line, 1, data})
}

// split turns the document held whole into a List read item by item, or
// refuses it.
func (y *yamlStream) split() error {
	d := y.doc
	if !d.shapeOK || d.items == 0 {
		return y.s.overLimit(y.s.doc+1, yamlLayout)
	}
	y.s.doc++
	d.list = &listItems{s: y.s, doc: y.s.doc}
	d.buf = nil
	if err := y.setKind(); err != nil {
		return err
	}
	for _, it := range d.pending {
		if err := y.s.queueItem(d.list, it); err != nil {
			return err
		}
	}
	d.pending = nil
	return nil
}

// setKind reads the List's kind from the lines outside its items.
func (y *yamlStream) setKind() error {
	kind, err := y.doc.list.listKind(y.doc.shell)
	if err == nil && kind != "" {
		y.doc.list.kind = kind
	}
	return err
}

// endDoc ends the document being read.
func (y *yamlStream) endDoc() error {
	d := y.doc
	if d == nil {
		return nil
	}
	if d.items == 1 {
		if err := y.endItem(); err != nil {
			return err
		}
	}
	if d.list == nil && d.shapeOK && d.items > 0 && yamlNodes(d.buf, MaxYAMLNodes) > MaxYAMLNodes {
		if err := y.split(); err != nil {
			return err
		}
	}
	y.doc = nil
	if d.list == nil {
		p, err := y.s.wholePart(d.buf, d.line, 1)
		if p != nil {
			y.s.queue = append(y.s.queue, p)
		}
		return err
	}
	kind, err := d.list.listKind(d.shell)
	if err != nil {
		return err
	}
	return d.list.end(kind)
}
