package report

import (
	"bytes"
	"encoding/json"
	"io"

	yamlv2 "go.yaml.in/yaml/v2"
	sigsjson "sigs.k8s.io/json"
)

// WriteYAML writes v as one YAML document: the same fields as its JSON
// form, in the same order. It uses the YAML library the manifest decoder
// (and kubectl, through sigs.k8s.io/yaml) reads with, so strings it would
// read as another type ("true", "no", "1000", "null") come out quoted.
func WriteYAML(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	val, err := yamlValue(sigsjson.NewDecoderCaseSensitivePreserveInts(bytes.NewReader(b)))
	if err != nil {
		return err
	}
	out, err := yamlv2.Marshal(val)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// yamlValue reads one JSON value, objects as ordered yaml.MapSlice.
func yamlValue(dec sigsjson.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			list := []any{}
			for dec.More() {
				v, err := yamlValue(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
		m := yamlv2.MapSlice{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := yamlValue(dec)
			if err != nil {
				return nil, err
			}
			m = append(m, yamlv2.MapItem{Key: k, Value: v})
		}
		_, err := dec.Token()
		return m, err
	}
	return tok, nil // string, int64, float64, bool, nil
}
