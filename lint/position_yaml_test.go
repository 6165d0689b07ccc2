package lint

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/secctx/secctx/manifest"
)

// The position index scans YAML itself (scan.go); go-yaml v3, whose nodes
// carry lines and columns, is its oracle here (test-only: the binary links
// go-yaml v2 alone, for the decoder). Every key and item of every document
// of the corpus must be found where v3 finds it, and the documents must be
// numbered as the decoder numbers them.

// trickyYAML holds the constructs the scanner must step over or follow.
const trickyYAML = "%YAML 1.1\n" + `---
# a comment: with a colon
a: 1
b:
  c: "quoted: with colon" # comment: here
  d: 'it''s: fine'
  e: |
    block: not a key
      - not an item
  f: >-
    folded: text
  g: plain
    continued, still plain
  h: [1, 2, {x: y, "z": [3, "4,5"]}]
  i: {p: q,
      r: [s,
          t], u: v}
  j: [multi
      line plain, other]
  list:
  - a
  - b: c
    d: e
  -   - nested
      - seq
  -
    late: item
  - - compact
    - nested
  anchors:
    base: &base {k: v, w: [1]}
    use: *base
    tagged: !!str 5
    anchored: &anc
      deep: 1
    again: *anc
    seq: &s
    - x
    ref: *s
  "quoted key": 1
  'single key': 2
  url: http://example.com:8080/x
  key with spaces: v
  "quoted: colon key": 3
  empty:
  after:	tabbed
  dotted.key: 1
  slash/key: 2
  "two\"quotes": 3
---
---
# only comments
---
- top
- level: {nested: [deep]}
...
---
~
---
[a, {b: c}]
--- |
  a root block scalar
---
key: value
`

// moreYAML: spacing, comments, multi-line quoted scalars, block scalar
// headers, trailing commas, content on a document marker, non-ASCII.
const moreYAML = `a  : 1
"b" : 2
c: "multi
  line: quoted"
d: 'multi
  line'
e: {x: 1, y: 2,}
f: [1, 2,]
g: |+
  keep

h: |2
    indented: text
i:
- |
  block: in seq
- >
  folded
- last
j: # comment after key
  k: 1
l:
  # comment line before the value
  m: 2
n: [  # comment in flow
  1,  # another
  {o: p},
  2
]
u: {v: é, w: "ü", z: x}
--- {o: 1, p: [2, {q: r}]}
---
- q
-   r: &anchor-name
      s: 1
- t: *anchor-name
- <<: {merged: 1}
  own: 2
`

// fallbackYAML holds constructs the scanner does not follow: a position
// below them may fall back to an enclosing field, but must not be wrong.
const fallbackYAML = `x:
  ? complex key
  : value
  after: 1
y:
  z: 2
---
list:
- ? [a, b]
  : c
  later: 3
- item
`

func TestPositionsMatchYAMLv3(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"tricky":      []byte(trickyYAML),
		"tricky-crlf": []byte(strings.ReplaceAll(trickyYAML, "\n", "\r\n")),
		"more":        []byte(moreYAML),
		"fallback":    []byte(fallbackYAML),
		"multi":       []byte(multiDoc),
		"json":        []byte("{\n \"kind\": \"Pod\",\n \"metadata\": {\"name\": \"a\", \"labels\": {\"x.y/z\": \"1\"}},\n \"spec\": {\"containers\": [\n  {\"name\": \"x\", \"args\": [\"a\\\"b\", \"[c]\"]}]}}\n"),
		"json-array":  []byte("[{\"kind\": \"Pod\"},\n {\"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"b\"}}]\n"),
	}
	for _, pat := range []string{"testdata/seeds/*.yaml", "../manifest/testdata/fidelity/*", "../deploy/*/*.yaml", "../deploy/*/*.json"} {
		names, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			files[n] = data
		}
	}
	if len(files) < 25 {
		t.Fatalf("corpus of %d files", len(files))
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			roots := v3Documents(t, data)
			ix := newPosIndex(data)
			if len(ix.docs) != len(roots) {
				t.Fatalf("%d documents, go-yaml v3 %d", len(ix.docs), len(roots))
			}
			if _, n, err := manifest.DecodeEach(name, data, func(int, error) {}); err == nil && n != len(roots) {
				t.Errorf("the decoder numbers %d documents, the index %d", n, len(roots))
			}
			checked := 0
			for i, root := range roots {
				found := map[string][2]int{"": {root.Line, root.Column}}
				walkV3(root, "", 0, func(path string, line, col int) {
					checked++
					found[path] = [2]int{line, col}
					l, c := ix.position(i+1, path)
					if l == line && c == col {
						return
					}
					if name == "fallback" && isAncestorPosition(found, path, l, c) {
						return
					}
					t.Errorf("document %d %q: %d:%d, go-yaml v3 %d:%d", i+1, path, l, c, line, col)
				})
			}
			if checked == 0 {
				t.Errorf("no position checked")
			}
		})
	}
}

// isAncestorPosition reports whether line:col is where v3 puts a field
// that encloses path.
func isAncestorPosition(found map[string][2]int, path string, line, col int) bool {
	for p := path; p != ""; {
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			p = ""
		} else {
			p = p[:i]
		}
		if pos, ok := found[p]; ok && pos == [2]int{line, col} {
			return true
		}
	}
	return false
}

// v3Documents returns the root of each document the decoder counts: the
// non-null ones, a bare JSON array's items each on its own.
func v3Documents(t *testing.T, data []byte) []*yaml.Node {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Content) == 0 || (doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null") {
			continue
		}
		root := doc.Content[0]
		if trimmed := bytes.TrimSpace(data); trimmed[0] == '[' && root.Kind == yaml.SequenceNode {
			out = append(out, root.Content...)
			continue
		}
		out = append(out, root)
	}
}

// walkV3 calls visit with the path and position of every key and item
// below n, in the index's path syntax.
func walkV3(n *yaml.Node, path string, depth int, visit func(path string, line, col int)) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if depth > 20 {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || seen[k.Value] || strings.Contains(k.Value, "]") || k.Value == "<<" {
				continue
			}
			seen[k.Value] = true
			p := joinPath(path, k.Value)
			if strings.ContainsAny(k.Value, ".[") {
				p = path + "[" + k.Value + "]"
			}
			visit(p, k.Line, k.Column)
			walkV3(n.Content[i+1], p, depth+1, visit)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			for item.Kind == yaml.AliasNode {
				item = item.Alias
			}
			visit(p, item.Line, item.Column)
			walkV3(item, p, depth+1, visit)
		}
	}
}
