package manifest

import (
	"fmt"
	"strings"
)

// The YAML parser builds a tree of every node of a document before it is
// decoded, about 200 bytes a node: a spec of a megabyte of tiny scalars
// ("[0,0,0,...]") would take 100 MiB. secctx keeps the memory of any spec
// within bounds by counting, before parsing, an upper estimate of the
// nodes of the stream (yamlNodes) and refusing a stream over MaxYAMLNodes.
// A real manifest has a few thousand; JSON, whose decoder builds no such
// tree, has only the size limit.

// MaxYAMLNodes bounds the nodes of a YAML spec (see yamlNodes).
const MaxYAMLNodes = 60000

// tooManyNodes is the error for a YAML stream over MaxYAMLNodes.
func tooManyNodes() error {
	return fmt.Errorf("spec has more than %d YAML nodes (a manifest has a few thousand; as JSON, it is not limited this way)", MaxYAMLNodes)
}

// yamlNodes estimates from above the number of nodes the parser builds for
// data, stopping once past limit. It counts what can start a node: each
// line with content (a key, an entry, a scalar), each ": " (a value), each
// "- " (an entry), each alias, and twice each '[' '{' ',' and ": " of a flow
// collection (where an entry may imply a mapping or a null);
// the content of quoted and block scalars and of comments counts as one
// scalar; each document adds itself and its root.
func yamlNodes(data []byte, limit int) int {
	// The first document and its root collection.
	n := 2
	i := 0
	// blockIndent >= 0 while inside a block scalar: lines indented deeper
	// than it belong to the scalar.
	blockIndent := -1
	// flow is the depth of flow collections ([...] and {...}), which may
	// span lines.
	flow := 0
	for i < len(data) && n <= limit {
		// Start of a line: its indentation.
		indent := 0
		for i < len(data) && data[i] == ' ' {
			indent++
			i++
		}
		lineStart := i
		for i < len(data) && data[i] == '\t' {
			i++
		}
		if i >= len(data) {
			break
		}
		if data[i] == '\n' || data[i] == '\r' {
			i++
			continue // blank lines belong to any block scalar
		}
		if blockIndent >= 0 {
			if indent > blockIndent {
				i = skipLine(data, i)
				continue
			}
			blockIndent = -1
		}
		if data[i] == '#' {
			i = skipLine(data, i)
			continue
		}
		if indent == 0 && (hasPrefixAt(data, i, "---") || hasPrefixAt(data, i, "...")) {
			n += 2 // another document and its root
		}
		n++ // the line starts a node
		lastIndicator := byte(0)
		for i < len(data) && data[i] != '\n' {
			c := data[i]
			switch c {
			case '"', '\'':
				if c == '"' {
					i = skipDoubleQuoted(data, i+1)
				} else {
					i = skipSingleQuoted(data, i+1)
				}
				n++
				if i < len(data) && data[i] == ':' {
					n += 2 // a quoted key, whose ':' needs no space after it
					i++
				}
				continue
			case '#':
				if i == lineStart || data[i-1] == ' ' || data[i-1] == '\t' {
					i = skipLine(data, i)
					continue
				}
			case '[', '{', ',':
				// The collection or the entry that follows, and what that
				// entry may imply in a flow: "[a: b]" is a sequence of a
				// mapping, "{a}" a key with an implicit null.
				n += 2
				if c != ',' {
					flow++
				}
			case ']', '}':
				flow = max(flow-1, 0)
			case '*':
				n++
			case ':', '-', '?':
				if i+1 >= len(data) || strings.IndexByte(" \t\n\r,]}", data[i+1]) >= 0 {
					n++ // a value
					if flow > 0 {
						n++ // and the mapping it may imply in a flow
					}
					lastIndicator = c
				}
			case '|', '>':
				// A block scalar: "key: |", "- >-", "|2" ... its lines
				// follow, indented deeper than this one.
				if (i == lineStart || lastIndicator != 0) && blockHeader(data, i+1) {
					blockIndent = indent
					i = skipLine(data, i)
					continue
				}
			}
			if c != ' ' && c != '\t' && c != ':' && c != '-' && c != '?' {
				lastIndicator = 0
			}
			i++
		}
		if i < len(data) {
			i++ // the newline
		}
	}
	return n
}

// hasPrefixAt reports whether data holds p at i.
func hasPrefixAt(data []byte, i int, p string) bool {
	return len(data)-i >= len(p) && string(data[i:i+len(p)]) == p
}

// blockHeader reports whether what follows a '|' or '>' is a block scalar
// header: indentation and chomping indicators, then a comment or the end
// of the line.
func blockHeader(data []byte, i int) bool {
	for ; i < len(data); i++ {
		switch c := data[i]; {
		case c == '-' || c == '+' || (c >= '1' && c <= '9') || c == ' ' || c == '\t' || c == '\r':
		case c == '\n' || c == '#':
			return true
		default:
			return false
		}
	}
	return true
}

// skipLine returns the index of the newline ending the line at i.
func skipLine(data []byte, i int) int {
	for i < len(data) && data[i] != '\n' {
		i++
	}
	return i
}

// skipDoubleQuoted returns the index after the closing quote of a
// double-quoted scalar opened before i (which may span lines).
func skipDoubleQuoted(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case '\\':
			i += 2
			continue
		case '"':
			return i + 1
		}
		i++
	}
	return i
}

// skipSingleQuoted returns the index after the closing quote of a
// single-quoted scalar opened before i (a doubled single quote is a
// quote inside it).
func skipSingleQuoted(data []byte, i int) int {
	for i < len(data) {
		if data[i] == '\'' {
			if i+1 < len(data) && data[i+1] == '\'' {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return i
}
