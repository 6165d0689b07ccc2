package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	sigsjson "sigs.k8s.io/json"
)

// writeFields renders v (an observed or expected state) as a two-column
// table derived from its JSON form, so that a field added to the type shows
// up without touching this file: one line per field of the top-level
// object, labelled with its JSON path; an object of plain values is one
// line of key=value pairs; a list of plain values is one line (a line an
// element for long lists of sentences); a list of objects is a line an
// element.
func writeFields(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	root, err := readNode(sigsjson.NewDecoderCaseSensitivePreserveInts(bytes.NewReader(b)))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// Labels and values come from the system and the spec: escaped, a
	// value is one line and holds nothing a terminal would act on.
	emit := func(label, value string) { fmt.Fprintf(tw, "%s\t%s\n", escape(label), escape(value)) }
	if obj, ok := root.(*object); ok {
		for i, k := range obj.keys {
			render(k, obj.vals[i], emit)
		}
	} else {
		render("value", root, emit)
	}
	return tw.Flush()
}

// object is a JSON object with its keys in order.
type object struct {
	keys []string
	vals []any
}

// readNode reads one JSON value, keeping the order of object keys.
func readNode(dec sigsjson.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		o := &object{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := readNode(dec)
			if err != nil {
				return nil, err
			}
			o.keys, o.vals = append(o.keys, k.(string)), append(o.vals, v)
		}
		_, err = dec.Token()
		return o, err
	default: // '['
		var list []any
		for dec.More() {
			v, err := readNode(dec)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err = dec.Token()
		if list == nil {
			list = []any{}
		}
		return list, err
	}
}

// plain reports whether v is a JSON scalar, and renders it.
func plain(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "-", true
	case string:
		return t, true
	case int64:
		return strconv.FormatInt(t, 10), true
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// inline renders an object of scalars as key=value pairs, or reports that
// it holds more than scalars.
func inline(o *object) (string, bool) {
	parts := make([]string, len(o.keys))
	for i, k := range o.keys {
		s, ok := plain(o.vals[i])
		if !ok {
			return "", false
		}
		if s == "" || strings.ContainsAny(s, " \t") {
			s = strconv.Quote(s)
		}
		parts[i] = k + "=" + s
	}
	return strings.Join(parts, " "), true
}

// maxLine is the longest list of scalars holding blanks (sentences) that is
// rendered on one line.
const maxLine = 100

func render(label string, v any, emit func(label, value string)) {
	if s, ok := plain(v); ok {
		emit(label, s)
		return
	}
	switch t := v.(type) {
	case *object:
		if s, ok := inline(t); ok && len(t.keys) > 0 {
			emit(label, s)
			return
		}
		for i, k := range t.keys {
			render(label+"."+k, t.vals[i], emit)
		}
	case []any:
		var items []string
		allPlain, spaced := true, false
		for _, e := range t {
			s, ok := plain(e)
			if !ok {
				allPlain = false
				break
			}
			spaced = spaced || strings.ContainsAny(s, " \t")
			items = append(items, s)
		}
		line := "[" + strings.Join(items, " ") + "]"
		if allPlain && (!spaced || len(line) <= maxLine) {
			emit(label, line)
			return
		}
		for i, e := range t {
			render(fmt.Sprintf("%s[%d]", label, i), e, emit)
		}
	}
}
