package manifest

// DecodeEach is Decode for a tool that reports on every document of a
// stream (secctx lint): a document that does not decode or validate does
// not end the stream; its number and error go to bad, and decoding goes on
// with the next document. Errors of the stream itself (the size limit, an
// empty stream, malformed YAML or JSON, after which no next document can
// be found) are returned. A stream that holds no workload is not an error
// here: it returns no workloads. n is the number of documents, empty ones
// not counted, as Workload.Doc numbers them.
func DecodeEach(source string, data []byte, bad func(doc int, err error)) (ws []*Workload, n int, err error) {
	docs, err := documents(source, data)
	if err != nil {
		return nil, 0, err
	}
	for i, doc := range docs {
		d := &decoder{source: source, doc: i + 1}
		if err := d.object(doc, "", "", &ws); err != nil {
			bad(i+1, err)
		}
		docs[i] = nil // let the collector have it
	}
	return ws, len(docs), nil
}
