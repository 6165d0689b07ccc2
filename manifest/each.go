package manifest

import (
	"errors"
	"fmt"
)

// DecodeEach is Decode for a tool that reports on every document of a
// stream (secctx lint): a document that does not decode or validate does
// not end the stream; its error goes to bad, and decoding goes on with the
// next document. Errors of the stream itself (the size limit, an empty
// stream, malformed YAML or JSON, after which no next document can be
// found) are returned. A stream that holds no workload is not an error
// here: it returns no workloads.
func DecodeEach(source string, data []byte, bad func(error)) ([]*Workload, error) {
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
	var out []*Workload
	for i, doc := range docs {
		d := &decoder{source: source, doc: i + 1}
		if err := d.object(doc, "", "", &out); err != nil {
			bad(err)
		}
	}
	return out, nil
}
