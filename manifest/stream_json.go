package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	sigsjson "sigs.k8s.io/json"
)

// jsonLayout is the layout a JSON List over the limits must have.
const jsonLayout = `when it is an object whose "items" is an array`

// tapeSlack is how far the tape may run past MaxSpecSize: the decoder's
// read-ahead.
const tapeSlack = 1 << 20

var errTapeFull = errors.New("a value over the size limit")

// tape is the reader under the JSON decoder: it keeps the bytes from the
// value being read on, and counts the lines of those it forgets.
type tape struct {
	r    io.Reader
	buf  []byte
	base int64 // the stream's offset of buf[0]
	line int   // the line of base, from 1
	bol  int64 // the offset of the start of that line
}

func (t *tape) Read(p []byte) (int, error) {
	if len(t.buf) > MaxSpecSize+tapeSlack {
		return 0, errTapeFull
	}
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// drop forgets the bytes before off.
func (t *tape) drop(off int64) {
	k := int(off - t.base)
	if k <= 0 {
		return
	}
	seg := t.buf[:k]
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		t.line += n
		t.bol = t.base + int64(bytes.LastIndexByte(seg, '\n')) + 1
	}
	t.base = off
	if rest := t.buf[k:]; cap(t.buf) > 2*len(rest)+(64<<10) {
		t.buf = append(make([]byte, 0, len(rest)+(64<<10)), rest...)
	} else {
		t.buf = rest
	}
}

// pos is the line and column (in bytes, from 1) of off, kept on the tape.
func (t *tape) pos(off int64) (line, col int) {
	seg := t.buf[:off-t.base]
	n := bytes.Count(seg, []byte{'\n'})
	if n == 0 {
		return t.line, int(off-t.bol) + 1
	}
	return t.line + n, len(seg) - bytes.LastIndexByte(seg, '\n')
}

// jsonStream reads top-level values with encoding/json's tokens: a bare
// array's items are documents, an object is held whole within the limit
// and its "items" read one at a time past it.
type jsonStream struct {
	s   *Stream
	t   *tape
	dec sigsjson.Decoder
	// obj is the top-level object being read; arr is true inside a bare
	// top-level array.
	obj *jsonObject
	arr bool
}

// jsonObject is a top-level object being read.
type jsonObject struct {
	start   int64
	inItems bool
	seen    bool // "items" was read
	kind    string
	n       int // the items read
	pending []pendingItem
	list    *listItems
}

func newJSONStream(s *Stream, r io.Reader) *jsonStream {
	t := &tape{r: r, line: 1}
	return &jsonStream{s: s, t: t, dec: sigsjson.NewDecoderCaseSensitivePreserveInts(t)}
}

// malformed is the error for bad JSON in the document after the last.
func (j *jsonStream) malformed(err error) error {
	if errors.Is(err, errTapeFull) {
		return j.s.overLimit(j.s.doc+1, jsonLayout)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if ok, _ := sigsjson.SyntaxErrorOffset(err); ok || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Source: j.s.source, Msg: fmt.Sprintf("document %d: malformed JSON: %v", j.s.doc+1, err)}
	}
	return j.s.readErr(err)
}

// next reads until a part is queued, or the stream ends.
func (j *jsonStream) next() (*Part, error) {
	for len(j.s.queue) == 0 {
		var err error
		switch {
		case j.obj != nil && j.obj.inItems:
			err = j.item()
		case j.obj != nil:
			err = j.key()
		case j.arr:
			err = j.element()
		default:
			err = j.top()
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// top starts the next top-level value.
func (j *jsonStream) top() error {
	j.t.drop(j.dec.InputOffset())
	tok, err := j.dec.Token()
	if err == io.EOF {
		return io.EOF
	}
	if err != nil {
		return j.malformed(err)
	}
	switch tok {
	case json.Delim('{'):
		j.obj = &jsonObject{start: j.dec.InputOffset() - 1}
	case json.Delim('['):
		j.arr = true
	default:
		return &Error{Source: j.s.source, Msg: fmt.Sprintf("document %d: not an object", j.s.doc+1)}
	}
	return nil
}

// element reads one item of a bare top-level array, a document.
func (j *jsonStream) element() error {
	if !j.dec.More() {
		j.arr = false
		if _, err := j.dec.Token(); err != nil {
			return j.malformed(err)
		}
		return nil
	}
	j.t.drop(j.dec.InputOffset())
	raw, start, err := j.value()
	if err != nil {
		return err
	}
	line, col := j.t.pos(start)
	p, err := j.s.wholePart(append([]byte(nil), raw...), line, col)
	if p != nil {
		j.s.queue = append(j.s.queue, p)
	}
	return err
}

// value decodes the next value and returns its text and offset.
func (j *jsonStream) value() (json.RawMessage, int64, error) {
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		return nil, 0, j.malformed(err)
	}
	return raw, j.dec.InputOffset() - int64(len(raw)), nil
}

// key reads one key of the top-level object and its value.
func (j *jsonStream) key() error {
	o := j.obj
	tok, err := j.dec.Token()
	if err != nil {
		return j.malformed(err)
	}
	if tok == json.Delim('}') {
		j.obj = nil
		return j.endObject(o)
	}
	if tok == "items" && !o.seen {
		o.seen = true
		return j.itemsValue(o)
	}
	raw, _, err := j.value()
	if err != nil {
		return err
	}
	if tok == "kind" {
		var k string
		if sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &k) == nil {
			o.kind = k
			if o.list != nil {
				o.list.kind = k
			}
		}
	}
	if o.list != nil {
		j.t.drop(j.dec.InputOffset())
	}
	return j.overCheck(o)
}

// overCheck refuses an object over the limit that is not being read item
// by item.
func (j *jsonStream) overCheck(o *jsonObject) error {
	if o.list == nil && j.dec.InputOffset()-o.start > MaxSpecSize {
		return j.s.overLimit(j.s.doc+1, jsonLayout)
	}
	return nil
}

// endObject ends a top-level object: a document held whole, or a List
// read item by item.
func (j *jsonStream) endObject(o *jsonObject) error {
	end := j.dec.InputOffset()
	if o.list != nil {
		return o.list.end(o.kind)
	}
	line, col := j.t.pos(o.start)
	data := append([]byte(nil), j.t.buf[o.start-j.t.base:end-j.t.base]...)
	p, err := j.s.wholePart(data, line, col)
	if p != nil {
		j.s.queue = append(j.s.queue, p)
	}
	return err
}

// itemsValue reads the first token of "items": an array is read item by
// item, anything else skipped.
func (j *jsonStream) itemsValue(o *jsonObject) error {
	tok, err := j.dec.Token()
	if err != nil {
		return j.malformed(err)
	}
	if tok == json.Delim('[') {
		o.inItems = true
		return nil
	}
	for depth := 0; ; {
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return j.overCheck(o)
		}
		if tok, err = j.dec.Token(); err != nil {
			return j.malformed(err)
		}
	}
}

// item reads one item of the top-level object's "items" array.
func (j *jsonStream) item() error {
	o := j.obj
	if !j.dec.More() {
		o.inItems = false
		if _, err := j.dec.Token(); err != nil {
			return j.malformed(err)
		}
		return nil
	}
	raw, start, err := j.value()
	if err != nil {
		return err
	}
	line, col := j.t.pos(start)
	it := pendingItem{i: o.n, line: line, col: col, data: append([]byte(nil), raw...)}
	o.n++
	if o.list == nil {
		o.pending = append(o.pending, it)
		if j.dec.InputOffset()-o.start > MaxSpecSize {
			return j.split(o)
		}
		return nil
	}
	j.t.drop(j.dec.InputOffset())
	return j.s.queueItem(o.list, it)
}

// split turns the object held whole into a List read item by item.
func (j *jsonStream) split(o *jsonObject) error {
	j.s.doc++
	o.list = &listItems{s: j.s, doc: j.s.doc, kind: o.kind}
	for _, it := range o.pending {
		if err := j.s.queueItem(o.list, it); err != nil {
			return err
		}
	}
	o.pending = nil
	j.t.drop(j.dec.InputOffset())
	return nil
}
