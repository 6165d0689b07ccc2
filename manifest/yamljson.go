package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
	sigsjson "sigs.k8s.io/json"
)

// splitDocuments turns the stream into one JSON document per manifest.
//
// JSON input is split with sigs.k8s.io/json's decoder. YAML input is split and parsed by
// go-yaml in strict mode, which refuses a key repeated in a mapping (as the
// API server's strict YAML decoding does) instead of keeping the last one,
// and each document is then written as JSON by appendJSON.
func splitDocuments(data []byte) ([][]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("spec is empty")
	}
	var docs [][]byte
	if trimmed[0] == '{' || trimmed[0] == '[' {
		dec := sigsjson.NewDecoderCaseSensitivePreserveInts(bytes.NewReader(trimmed))
		for n := 1; ; n++ {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err == io.EOF {
				return docs, nil
			} else if err != nil {
				return nil, fmt.Errorf("document %d: malformed JSON: %v", n, err)
			}
			if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
				// A bare JSON array is treated as a list of objects.
				var items []json.RawMessage
				if err := sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &items); err != nil {
					return nil, fmt.Errorf("document %d: %v", n, err)
				}
				for _, it := range items {
					docs = append(docs, it)
				}
				continue
			}
			docs = append(docs, raw)
		}
	}
	if yamlNodes(data, MaxYAMLNodes) > MaxYAMLNodes {
		return nil, tooManyNodes()
	}
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	dec.SetStrict(true)
	for n := 1; ; n++ {
		var v interface{}
		if err := dec.Decode(&v); err == io.EOF {
			return docs, nil
		} else if err != nil {
			return nil, yamlError(data, n, err)
		}
		if v == nil {
			continue // empty document ("---" at the end)
		}
		j, err := appendJSON(nil, v)
		if err != nil {
			return nil, &docError{doc: n, msg: err.Error()}
		}
		docs = append(docs, j)
	}
}

// docError is an error in one document of the stream; object names the
// workload when it is known.
type docError struct {
	doc    int
	object string
	msg    string
}

func (e *docError) Error() string { return fmt.Sprintf("document %d: %s", e.doc, e.msg) }

// yamlError describes a go-yaml error in document n in one line; a
// repeated key also names the workload, found by decoding the stream again
// without the strict check.
func yamlError(data []byte, n int, err error) error {
	var te *yamlv2.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return &docError{doc: n, object: objectAt(data, n), msg: "duplicate key: " + te.Errors[0]}
	}
	return &docError{doc: n, msg: "malformed YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
}

// objectAt returns "Kind/name" of document n, or "".
func objectAt(data []byte, n int) string {
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	for i := 1; i <= n; i++ {
		var v struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		if err := dec.Decode(&v); err != nil {
			return ""
		}
		if i == n && v.Kind != "" && v.Metadata.Name != "" {
			return v.Kind + "/" + v.Metadata.Name
		}
	}
	return ""
}

// appendJSON appends the JSON form of a value go-yaml decoded. Written out
// here because sigs.k8s.io/yaml's conversion marshals the value back to
// YAML and parses it again, two more copies of a document that may be a
// megabyte; the mapping of keys follows it (numbers and booleans become
// their text). Keys are sorted so that the first error is always the same.
func appendJSON(b []byte, v interface{}) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, t), nil
	case int:
		return strconv.AppendInt(b, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(b, t, 10), nil
	case uint64:
		return strconv.AppendUint(b, t, 10), nil
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return nil, fmt.Errorf("unsupported value %v", t)
		}
		return strconv.AppendFloat(b, t, 'g', -1, 64), nil
	case string:
		return appendString(b, t), nil
	case []interface{}:
		b = append(b, '[')
		for i, e := range t {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[interface{}]interface{}:
		keys := make([]string, 0, len(t))
		vals := make(map[string]interface{}, len(t))
		for k, e := range t {
			ks, err := keyString(k)
			if err != nil {
				return nil, err
			}
			keys = append(keys, ks)
			vals[ks] = e
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendJSON(b, vals[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// keyString is the JSON key of a YAML mapping key.
func keyString(k interface{}) (string, error) {
	switch t := k.(type) {
	case string:
		return t, nil
	case int:
		return strconv.Itoa(t), nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case uint64:
		return strconv.FormatUint(t, 10), nil
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(t), nil
	}
	return "", fmt.Errorf("unsupported map key %v", k)
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD,
// as encoding/json writes it.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
