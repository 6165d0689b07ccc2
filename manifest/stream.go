package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	sigsjson "sigs.k8s.io/json"
)

// A stream of any size is read a part at a time (secctx lint of a
// cluster's dump: `kubectl get pods -A -o yaml`, tens of megabytes). Each
// document is held whole while it stays within the per-document limits
// (MaxSpecSize, MaxYAMLNodes) and is then decoded exactly as Decode does.
// A List over them is read item by item, each item a part within the same
// limits, so that memory is bounded by the largest item, not the stream:
//
//   - YAML, as kubectl prints it: `items:` at the start of a line and each
//     item starting with "- " at the start of a line, its other lines
//     indented. The split is by lines (a bounded line reader); each item's
//     text then goes through the YAML parser alone, and its positions are
//     those of the stream. A document over the limits in any other layout
//     is refused, naming the layout it needs; a line that is not a
//     top-level key inside such a document ends its chance to be split.
//   - JSON, in any layout: encoding/json's tokens find the "items" array
//     of each top-level object, whose values are read one at a time.
//
// A typed List whose items carry no kind (a PodList from the API, not from
// kubectl) names the kind after the items in both printers; such items are
// held until the kind is read, within MaxSpecSize in all.

// Part is one piece of a stream decoded on its own: a whole document, or
// one item of a List over the per-document limits.
type Part struct {
	// Doc is the document's number in the stream, as Workload.Doc.
	Doc int
	// Item is the item's index in the List's items; -1 for a document.
	Item int
	// Data is the part's text: a document, or an item indented as in the
	// stream (a YAML item's "- " as blanks, a JSON item after the
	// blanks that precede it on its line).
	Data []byte
	// Line is the stream's line of Data's first line (from 1), Col the
	// column of its first byte (in bytes, from 1).
	Line, Col int
	// Docs is the number of documents Data holds, First the number of the
	// first: a stream within the limits is decoded whole, as DecodeEach
	// does, and each of its documents is a part whose Data is the stream.
	Docs, First int
	// Workloads are the workloads the part holds.
	Workloads []*Workload
	// Bad is why the part did not decode or validate (the stream goes on).
	Bad error
}

// Stream reads the parts of a YAML or JSON stream; see Next.
type Stream struct {
	source string
	br     *bufio.Reader
	next   func() (*Part, error)
	queue  []*Part
	doc    int // documents seen, empty ones not counted
	err    error
}

// NewStream reads r, named source in errors.
func NewStream(source string, r io.Reader) *Stream {
	return &Stream{source: source, br: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next part, io.EOF after the last. Any other error is
// the stream's (malformed YAML or JSON, a part over the limits), after
// which Next returns it again; a stream that holds nothing is not one.
func (s *Stream) Next() (*Part, error) {
	for len(s.queue) == 0 {
		if s.err != nil {
			return nil, s.err
		}
		if s.next == nil {
			if err := s.start(); err != nil {
				s.err = err
				continue
			}
		}
		p, err := s.next()
		if err != nil {
			s.err = err
			continue
		}
		if p != nil {
			s.queue = append(s.queue, p)
		}
	}
	p := s.queue[0]
	s.queue[0] = nil
	s.queue = s.queue[1:]
	return p, nil
}

// start reads the stream up to MaxSpecSize: one within it (and within
// MaxYAMLNodes) is decoded whole, exactly as DecodeEach decodes it; a
// larger one is read a part at a time, YAML or JSON by its first byte
// that is not white space.
func (s *Stream) start() error {
	head, err := io.ReadAll(io.LimitReader(s.br, MaxSpecSize+1))
	if err != nil {
		return s.readErr(err)
	}
	t := bytes.TrimSpace(head)
	if len(t) == 0 && len(head) <= MaxSpecSize {
		return io.EOF // nothing but white space: no part
	}
	json := len(t) > 0 && (t[0] == '{' || t[0] == '[')
	if len(head) <= MaxSpecSize && (json || yamlNodes(head, MaxYAMLNodes) <= MaxYAMLNodes) {
		return s.whole(head)
	}
	r := io.MultiReader(bytes.NewReader(head), s.br)
	if json {
		s.next = newJSONStream(s, r).next
	} else {
		s.next = (&yamlStream{s: s, lr: bufio.NewReaderSize(r, 64<<10), line: 1}).next
	}
	return nil
}

// whole decodes a stream within the limits as DecodeEach does.
func (s *Stream) whole(data []byte) error {
	docs, err := documents(s.source, data)
	if err != nil {
		return err
	}
	for i, doc := range docs {
		p := &Part{Doc: i + 1, Item: -1, Data: data, Line: 1, Col: 1, Docs: len(docs), First: 1}
		d := &decoder{source: s.source, doc: i + 1}
		if err := d.object(doc, "", "", &p.Workloads); err != nil {
			p.Bad = err
		}
		docs[i] = nil
		s.queue = append(s.queue, p)
	}
	s.doc = len(docs)
	s.next = func() (*Part, error) { return nil, io.EOF }
	return nil
}

func (s *Stream) readErr(err error) error {
	return &Error{Source: s.source, Msg: "cannot read: " + errText(err)}
}

// overLimit is the error for a document over MaxSpecSize that is not a
// List secctx can split.
func (s *Stream) overLimit(doc int, layout string) error {
	return &Error{Source: s.source, Object: fmt.Sprintf("document %d", doc),
		Msg: fmt.Sprintf("spec is over the %d-byte limit (a List over it is read item by item %s)", MaxSpecSize, layout)}
}

// wholePart decodes a document held whole; nil for an empty one, which
// is not counted.
func (s *Stream) wholePart(data []byte, line, col int) (*Part, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	docs, err := documents(s.source, data)
	if err != nil {
		var me *Error
		if errors.As(err, &me) && strings.HasPrefix(me.Object, "document ") {
			me.Object = fmt.Sprintf("document %d", s.doc+1)
			me.Msg = shiftLine(me.Msg, line-1)
		}
		if errors.As(err, &me) && strings.HasPrefix(me.Msg, "spec is empty") {
			return nil, nil // comments alone
		}
		return nil, err
	}
	if len(docs) == 0 {
		return nil, nil // a null document
	}
	var p *Part
	for _, doc := range docs { // one, or a bare JSON array's items
		s.doc++
		p = &Part{Doc: s.doc, Item: -1, Data: data, Line: line, Col: col, Docs: 1, First: s.doc}
		d := &decoder{source: s.source, doc: s.doc}
		if err := d.object(doc, "", "", &p.Workloads); err != nil {
			p.Bad = err
		}
		if len(docs) > 1 {
			s.queue = append(s.queue, p)
		}
	}
	if len(docs) > 1 {
		return nil, nil
	}
	return p, nil
}

// listItems is the List being read item by item, in either syntax.
type listItems struct {
	s    *Stream
	doc  int
	kind string // the List's kind, once known
	// held are the items that carry no kind, before the List's kind is
	// known; heldSize their bytes.
	held     []heldItem
	heldSize int
}

// heldItem is an item waiting for the List's kind, with its JSON form.
type heldItem struct {
	p   *Part
	raw []byte
}

// queueItem decodes an item, or holds it, and queues what is decoded.
func (s *Stream) queueItem(l *listItems, it pendingItem) error {
	p, err := l.item(it)
	if p != nil {
		s.queue = append(s.queue, p)
	}
	return err
}

// item decodes one item, or holds it until the List's kind is known.
func (l *listItems) item(it pendingItem) (*Part, error) {
	p := &Part{Doc: l.doc, Item: it.i, Data: it.data, Line: it.line, Col: it.col, Docs: 1, First: l.doc}
	docs, err := documents(l.s.source, it.data)
	if err != nil {
		var me *Error
		if !errors.As(err, &me) {
			return nil, err
		}
		p.Bad = &Error{Source: l.s.source, Object: fmt.Sprintf("document %d", l.doc), Field: fmt.Sprintf("items[%d]", it.i),
			Msg: fmt.Sprintf("the item at line %d: %s", it.line, shiftLine(me.Msg, it.line-1))}
		return p, nil
	}
	if len(docs) == 0 {
		return nil, nil // a null item: nothing to lint, as in a List decoded whole
	}
	raw := docs[0]
	if l.kind == "" || len(l.held) > 0 {
		var head struct {
			Kind string `json:"kind"`
		}
		_ = sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &head) // a malformed head fails in object
		if head.Kind == "" || len(l.held) > 0 {
			l.heldSize += len(raw) + len(it.data)
			if l.heldSize > MaxSpecSize {
				return nil, &Error{Source: l.s.source, Object: fmt.Sprintf("document %d", l.doc),
					Msg: fmt.Sprintf("the List's items carry no kind and the List's kind follows them: over %d bytes of items cannot be held until it is read (give each item its kind, as kubectl does, or the List's kind first)", MaxSpecSize)}
			}
			l.held = append(l.held, heldItem{p, raw})
			return nil, nil
		}
	}
	l.decode(p, raw)
	return p, nil
}

// shiftLine moves the line number of a go-yaml message ("malformed YAML:
// line 3: ...") by delta, from a part's lines to the stream's.
func shiftLine(msg string, delta int) string {
	const at = "malformed YAML: line "
	rest, ok := strings.CutPrefix(msg, at)
	if !ok || delta == 0 {
		return msg
	}
	n := 0
	i := 0
	for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
		n = n*10 + int(rest[i]-'0')
	}
	if i == 0 {
		return msg
	}
	return fmt.Sprintf("%s%d%s", at, n+delta, rest[i:])
}

// decode decodes one item with the List's item kind.
func (l *listItems) decode(p *Part, raw []byte) {
	d := &decoder{source: l.s.source, doc: l.doc}
	if err := d.object(raw, fmt.Sprintf("items[%d]", p.Item), strings.TrimSuffix(l.kind, "List"), &p.Workloads); err != nil {
		p.Bad = err
	}
}

// end is the end of the List: kind is the List's kind; the held items are
// decoded with it.
func (l *listItems) end(kind string) error {
	if kind != "List" && !strings.HasSuffix(kind, "List") {
		return &Error{Source: l.s.source, Object: fmt.Sprintf("document %d", l.doc),
			Msg: fmt.Sprintf("spec is over the %d-byte limit (its items were read as a List's, but its kind is %q)", MaxSpecSize, kind)}
	}
	l.kind = kind
	for _, h := range l.held {
		l.decode(h.p, h.raw)
		l.s.queue = append(l.s.queue, h.p)
	}
	l.held = nil
	return nil
}

// listKind reads the kind of a List's document from its text without the
// items ("" when it has none yet).
func (l *listItems) listKind(shell []byte) (string, error) {
	docs, err := documents(l.s.source, shell)
	if err != nil || len(docs) == 0 {
		return "", err
	}
	var head struct {
		Kind json.RawMessage `json:"kind"`
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(docs[0], &head); err != nil {
		return "", &Error{Source: l.s.source, Object: fmt.Sprintf("document %d", l.doc), Msg: jsonErr(err)}
	}
	var kind string
	_ = sigsjson.UnmarshalCaseSensitivePreserveInts(head.Kind, &kind)
	return kind, nil
}
