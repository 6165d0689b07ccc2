package manifest

import (
	"bytes"
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
)

// treeNodes counts the nodes of a decoded YAML value: a collection and
// each of its keys and values.
func treeNodes(v interface{}) int {
	switch t := v.(type) {
	case []interface{}:
		n := 1
		for _, e := range t {
			n += treeNodes(e)
		}
		return n
	case map[interface{}]interface{}:
		n := 1
		for k, e := range t {
			n += treeNodes(k) + treeNodes(e)
		}
		return n
	}
	return 1
}

// parsedNodes decodes every document of data and counts their nodes; ok is
// false when the stream does not parse.
func parsedNodes(data []byte) (int, bool) {
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var v interface{}
		if err := dec.Decode(&v); err != nil {
			return n, err.Error() == "EOF"
		}
		n += treeNodes(v)
	}
}

// TestYAMLNodes: the estimate is never below the nodes the parser builds,
// and the content of scalars and comments does not count.
func TestYAMLNodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   string
		max  int // the estimate may not exceed it either
	}{
		{"block mapping", "a: 1\nb: 2\nc:\n  d: 3\n", 10},
		{"block sequence", "a:\n- 1\n- 2\n- 3\n", 10},
		{"flow sequence", "a: [1, 2, 3, 4]\n", 14},
		{"flow mapping", "a: {b: 1, c: 2}\n", 14},
		{"double-quoted with indicators inside", `a: "x: [1, 2], {b: c} - # ' "` + "\n", 6},
		{"single-quoted with a quote inside", "a: 'it''s: [1, 2, 3]'\n", 6},
		{"a comment", "# a: [1, 2, 3], b: {c: d}\na: 1\n", 4},
		{"a trailing comment", "a: 1 # b: [1, 2, 3]\n", 4},
		{"a literal block scalar", "a: |\n  x: [1, 2, 3]\n  - y, z\n\n  {q: r}\nb: 1\n", 8},
		{"a folded block scalar with indicators", "- >-2\n   x: [1, 2]\n   y: {z}\n- 1\n", 8},
		{"a pipe inside a plain scalar", "a: x|y\nb: 'p|q'\n", 8},
		{"a document stream", "---\na: 1\n---\nb: [1, 2]\n", 20},
		{"a key with a colon inside", "a:b: 1\n", 4},
		{"the last-applied annotation", "metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"a\"}]}}\n", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := yamlNodes([]byte(tc.in), 1<<30)
			real, ok := parsedNodes([]byte(tc.in))
			if !ok {
				t.Fatalf("test input does not parse")
			}
			if got < real || got > tc.max {
				t.Errorf("estimate %d, parsed %d, want between them and at most %d", got, real, tc.max)
			}
		})
	}
}

// TestYAMLNodeBudget: a stream over the budget is refused before it is
// parsed, one just under it is decoded.
func TestYAMLNodeBudget(t *testing.T) {
	t.Parallel()
	head := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: b}]}\nx: ["
	// Each flow entry counts twice (see yamlNodes).
	under := head + strings.Repeat("0,", MaxYAMLNodes/2-40) + "0]\n"
	over := head + strings.Repeat("0,", MaxYAMLNodes/2+1) + "0]\n"
	if _, err := Decode("under.yaml", []byte(under)); err != nil {
		t.Errorf("just under the budget: %v", err)
	}
	_, err := Decode("over.yaml", []byte(over))
	if err == nil || !strings.Contains(err.Error(), "over.yaml: spec has more than 60000 YAML nodes") {
		t.Errorf("over the budget: %v", err)
	}
	// JSON has no such budget.
	j := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"b"}]},"x":[` +
		strings.Repeat("0,", MaxYAMLNodes) + "0]}"
	if _, err := Decode("big.json", []byte(j)); err != nil {
		t.Errorf("JSON with as many values: %v", err)
	}
}

// FuzzYAMLNodes: on any stream the parser accepts without aliases (which
// expand), the estimate is at least the nodes it builds.
func FuzzYAMLNodes(f *testing.F) {
	for _, s := range []string{"a: 1\n", "a: [1, {b: c}]\n", "a: |\n  x\nb: 'c''d'\n", "- - - a\n", "? a\n: b\n", "a: \"b\\\"c\"\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.Contains(s, "*") || strings.Contains(s, "<<") || len(s) > 4096 {
			return
		}
		real, ok := parsedNodes([]byte(s))
		if !ok {
			return
		}
		if got := yamlNodes([]byte(s), 1<<30); got < real {
			t.Fatalf("estimate %d below the %d nodes parsed from %q", got, real, s)
		}
	})
}
