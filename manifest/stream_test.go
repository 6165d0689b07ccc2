package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readParts reads every part of data.
func readParts(data string) ([]*Part, error) {
	st := NewStream("s", strings.NewReader(data))
	var out []*Part
	for {
		p, err := st.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
}

// TestStreamSmallIsDecodeEach: within the limits, the parts of a stream
// hold the workloads and errors DecodeEach finds, document by document.
func TestStreamSmallIsDecodeEach(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/fidelity/*")
	streams := []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\n---\n---\n# only a comment\n---\nkind: ConfigMap\n---\napiVersion: v1\nkind: List\nitems:\n- {kind: Pod, metadata: {name: b}, spec: {containers: [{name: c, image: i}]}}\n- kind: Pod\n  metadata: {name: bad}\n  spec: {containers: []}\n",
		"%YAML 1.1\n---\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\n...\n",
		`[{"kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}, {"kind":"Pod"}]` + "\n" + `{"kind":"PodList","items":[{"metadata":{"name":"b"},"spec":{"containers":[{"name":"c","image":"i"}]}}]}`,
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, string(b))
	}
	for i, s := range streams {
		var bad []string
		want, n, werr := DecodeEach("s", []byte(s), func(doc int, err error) { bad = append(bad, fmt.Sprintf("%d %v", doc, err)) })
		parts, gerr := readParts(s)
		if (werr == nil) != (gerr == nil) {
			t.Errorf("stream %d: DecodeEach: %v; Stream: %v", i, werr, gerr)
			continue
		}
		if werr != nil {
			continue
		}
		var got []*Workload
		var gotBad []string
		for _, p := range parts {
			if p.Item != -1 {
				t.Errorf("stream %d: a part of a small stream is item %d", i, p.Item)
			}
			got = append(got, p.Workloads...)
			if p.Bad != nil {
				gotBad = append(gotBad, fmt.Sprintf("%d %v", p.Doc, p.Bad))
			}
		}
		if len(parts) != n || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotBad, bad) {
			t.Errorf("stream %d: %d parts, %d workloads, bad %q; DecodeEach: %d documents, %d workloads, bad %q", i, len(parts), len(got), gotBad, n, len(want), bad)
		}
	}
}

// bigList is a List over the size limit: head, then items made by item
// (its index), then tail.
func bigList(head string, item func(int) string, tail string) string {
	var b strings.Builder
	b.WriteString(head)
	for i := 0; b.Len() < MaxSpecSize+4096; i++ {
		b.WriteString(item(i))
	}
	b.WriteString(tail)
	return b.String()
}

// TestStreamOverTheLimit: a List over the limits in kubectl's layout is
// read item by item in YAML and JSON; anything else over them is refused
// with a clear error, never parsed some other way.
func TestStreamOverTheLimit(t *testing.T) {
	t.Parallel()
	yamlItem := func(i int) string {
		return fmt.Sprintf("- kind: Pod\n  metadata:\n    name: p%d\n  # a comment\n\n  spec:\n    containers:\n    - name: c\n      image: i\n", i)
	}
	kindless := func(i int) string {
		return fmt.Sprintf("- metadata:\n    name: p%d\n  spec:\n    containers:\n    - {name: c, image: i}\n", i)
	}
	jsonItem := func(i int) string {
		sep := ","
		if i == 0 {
			sep = ""
		}
		return fmt.Sprintf(`%s{"metadata":{"name":"p%d"},"spec":{"containers":[{"name":"c","image":"i"}]}}`, sep, i)
	}
	cases := []struct {
		name, data string
		err        string // a part of the stream's error; "" for none
		kind       string // the kind of the workloads
		badItem    int    // an item that must be Bad, or -1
	}{
		{"kubectl YAML", bigList("apiVersion: v1\nitems:\n", yamlItem, "kind: List\nmetadata:\n  resourceVersion: \"\"\n"), "", "Pod", -1},
		{"YAML PodList, kind first", bigList("kind: PodList\n# the pods\nitems:\n", kindless, ""), "", "Pod", -1},
		{"YAML with a malformed item", bigList("kind: List\nitems:\n- kind: Pod\n  metadata: {name: [}\n", yamlItem, ""), "", "Pod", 0},
		{"JSON on one line, kind last", bigList(`{"items":[`, func(i int) string { return strings.Replace(jsonItem(i), `{"metadata"`, `{"kind":"Pod","metadata"`, 1) }, `],"kind":"List"}`), "", "Pod", -1},
		{"JSON PodList, kind first", bigList(`{"kind":"PodList","items":[`, jsonItem, `]}`), "", "Pod", -1},
		{"YAML PodList, kind last", bigList("items:\n", kindless, "kind: PodList\n"), "carry no kind", "", -1},
		{"YAML, items indented", bigList("kind: List\nitems:\n", func(i int) string { return "  " + strings.ReplaceAll(yamlItem(i), "\n", "\n  ") + "\n" }, ""), "read item by item when laid out as kubectl prints it", "", -1},
		{"YAML, a quoted key at the top", bigList("\"kind\": List\nitems:\n", yamlItem, ""), "read item by item when laid out", "", -1},
		{"YAML, not a List", bigList("kind: Deployment\nitems:\n", yamlItem, ""), `its kind is "Deployment"`, "", -1},
		{"YAML, one huge pod", "kind: Pod\nmetadata:\n  annotations:\n    a: \"" + strings.Repeat("x", MaxSpecSize) + "\"\n", "over the 1048576-byte limit", "", -1},
		{"YAML, one huge item", "kind: List\nitems:\n- kind: Pod\n  metadata:\n    annotations:\n" + strings.Repeat("      a: b\n", MaxSpecSize/10) + "    name: x\n", "the item at line 3 is over the 1048576-byte limit", "", -1},
		{"JSON, one huge pod", `{"kind":"Pod","metadata":{"annotations":{"a":"` + strings.Repeat("x", 3*MaxSpecSize) + `"}}}`, "over the 1048576-byte limit", "", -1},
		{"JSON, malformed after the limit", bigList(`{"kind":"List","items":[`, jsonItem, `,}`), "malformed JSON", "", -1},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			parts, err := readParts(c.data)
			switch {
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("error %v, want one with %q", err, c.err)
			case c.err == "" && err != nil:
				t.Fatal(err)
			case c.err != "":
				var me *Error
				if !errors.As(err, &me) || strings.Contains(err.Error(), "\n") {
					t.Errorf("not a one-line *Error: %q", err)
				}
				return
			}
			lines := bytes.Split([]byte(c.data), []byte("\n"))
			if len(parts) < 1000 {
				t.Fatalf("%d parts", len(parts))
			}
			for i, p := range parts {
				if p.Item != i || p.Doc != 1 {
					t.Fatalf("part %d: item %d of document %d", i, p.Item, p.Doc)
				}
				if i == c.badItem {
					// go-yaml's line for this error in the whole stream
					// (DecodeEach) is 3.
					if p.Bad == nil || !strings.Contains(p.Bad.Error(), "malformed YAML: line 3:") {
						t.Errorf("item %d: %v, want the malformed YAML at line 3", i, p.Bad)
					}
					continue
				}
				if p.Bad != nil || len(p.Workloads) != 1 {
					t.Fatalf("item %d: %v, %d workloads", i, p.Bad, len(p.Workloads))
				}
				w := p.Workloads[0]
				if w.Kind != c.kind || w.SpecPath != fmt.Sprintf("items[%d].spec", i) || w.Doc != 1 {
					t.Fatalf("item %d: %s %s at %s, document %d", i, w.Kind, w.Name, w.SpecPath, w.Doc)
				}
				if p.Line < 1 || p.Line > len(lines) || !bytes.HasPrefix(lines[p.Line-1][p.Col-1:], []byte(map[bool]string{true: `{"`, false: "- "}[c.data[0] == '{'])) ||
					!bytes.Contains(lines[p.Line-1][p.Col-1:], []byte(w.Name)) && c.data[0] == '{' {
					t.Fatalf("item %d at line %d, column %d", i, p.Line, p.Col)
				}
			}
		})
	}
}

// FuzzStreamIsDecodeEach: on any stream within the limits, the parts
// hold DecodeEach's workloads and bad documents, or both fail; and a
// stream error is one line.
func FuzzStreamIsDecodeEach(f *testing.F) {
	for _, seed := range []string{
		"kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n---\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: b}\n  spec: {containers: [{name: c}]}\n",
		"---\n# c\n...\n%YAML 1.1\n---\nkind: Pod\nspec: {containers: [{name: c}]}\n",
		`{"kind":"PodList","items":[{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}}]} [{"kind":"Pod"}]`,
		"kind: Pod\nmetadata:\n  name: |\n    x\n---\n  y: 1\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var bad []string
		want, _, werr := DecodeEach("s", []byte(s), func(doc int, err error) { bad = append(bad, fmt.Sprintf("%d %v", doc, err)) })
		parts, gerr := readParts(s)
		if gerr != nil && strings.Contains(gerr.Error(), "\n") {
			t.Fatalf("error spans lines: %q", gerr)
		}
		if werr != nil || gerr != nil {
			if (werr == nil) != (gerr == nil) && !strings.Contains(fmt.Sprint(werr), "spec is empty") {
				t.Fatalf("DecodeEach: %v; Stream: %v", werr, gerr)
			}
			return
		}
		var got []*Workload
		var gotBad []string
		for _, p := range parts {
			got = append(got, p.Workloads...)
			if p.Bad != nil {
				gotBad = append(gotBad, fmt.Sprintf("%d %v", p.Doc, p.Bad))
			}
		}
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotBad, bad) {
			t.Fatalf("Stream: %d workloads, bad %q; DecodeEach: %d workloads, bad %q", len(got), gotBad, len(want), bad)
		}
	})
}
