package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The README is the front door: at most this many lines, the rest in docs/.
const readmeMaxLines = 250

// repoRoot is the repository, seen from this package.
const repoRoot = "../.."

// TestReadmeIsShort: README.md stays a front door.
func TestReadmeIsShort(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := lineCount(string(b)); n > readmeMaxLines {
		t.Errorf("README.md has %d lines, more than %d: move the detail into a page under docs/ and link it", n, readmeMaxLines)
	}
}

// TestDocLinks: every relative link of README.md, CONTRIBUTING.md and
// docs/*.md names a file or directory that exists, and an anchor into a
// Markdown file names one of its headings.
func TestDocLinks(t *testing.T) {
	t.Parallel()
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{filepath.Join(repoRoot, "README.md"), filepath.Join(repoRoot, "CONTRIBUTING.md")}, pages...)
	var links int
	for _, p := range pages {
		n, bad := checkLinks(p)
		links += n
		for _, b := range bad {
			t.Errorf("%s: %s", strings.TrimPrefix(p, repoRoot+"/"), b)
		}
	}
	if links == 0 {
		t.Error("no relative link found: the link parser is broken")
	}
}

// TestCheckLinks holds the checker to pages with good and broken links.
func TestCheckLinks(t *testing.T) {
	t.Parallel()
	dir := copyTree(t, t.TempDir(), map[string]string{
		"docs/other.md": "# Other page\n\n## The `secctx exec` entrypoint: a test\n\n## Lint's rules\n\n## Lint's rules\n\n<a id=\"custom\"></a>\n\n```\n# not a heading\n```\n",
		"schema/x.json": "{}",
	})
	for _, tc := range []struct {
		name, body string
		links      int
		bad        []string
	}{
		{"file, directory, anchors", "[a](docs/other.md) [b](schema/) [c](docs/other.md#the-secctx-exec-entrypoint-a-test) [d](docs/other.md#lints-rules-1) [e](docs/other.md#custom) [f](#top)\n\n# Top\n", 6, nil},
		{"a link text over two lines", "[the\nother page](docs/other.md#other-page)\n", 1, nil},
		{"a reference link", "[x]: docs/other.md#other-page\n", 1, nil},
		{"external links and code are not checked", "[a](https://example.com/x.md) [b](mailto:a@b) `[c](missing.md)`\n\n```\n[d](missing.md)\n```\n", 0, nil},
		{"missing file", "[a](docs/missing.md)\n", 1, []string{`link "docs/missing.md": no such file`}},
		{"missing anchor", "[a](docs/other.md#no-such-heading)\n", 1, []string{`link "docs/other.md#no-such-heading": no heading or anchor "no-such-heading" in docs/other.md`}},
		{"a heading inside a code block is no anchor", "[a](docs/other.md#not-a-heading)\n", 1, []string{`link "docs/other.md#not-a-heading": no heading or anchor "not-a-heading" in docs/other.md`}},
		{"missing anchor in the page itself", "# Here\n\n[a](#there)\n", 1, []string{`link "#there": no heading or anchor "there" in page.md`}},
		{"an anchor into a file that is not Markdown", "[a](schema/x.json#L1)\n", 1, []string{`link "schema/x.json#L1": an anchor into a file that is not Markdown`}},
	} {
		p := filepath.Join(dir, "page.md")
		if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		n, bad := checkLinks(p)
		if n != tc.links || !slices.Equal(bad, tc.bad) {
			t.Errorf("%s: %d links, %q; want %d, %q", tc.name, n, bad, tc.links, tc.bad)
		}
	}
}

var (
	// inlineLink is [text](target "title"); the text may hold brackets of
	// code spans already removed, and newlines.
	inlineLink = regexp.MustCompile(`\[[^\[\]]*\]\(([^()\s]+)(?:\s+"[^"]*")?\)`)
	// refLink is a reference definition: [label]: target.
	refLink = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:\s*(\S+)`)
	// codeSpan is an inline code span.
	codeSpan = regexp.MustCompile("`[^`]*`")
	// htmlAnchor is an explicit anchor: <a id="x"> or <a name="x">.
	htmlAnchor = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	heading    = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	scheme     = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// checkLinks returns the number of relative links of the Markdown file at
// path, and one line for each that does not resolve.
func checkLinks(path string) (int, []string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, []string{err.Error()}
	}
	text := codeSpan.ReplaceAllString(strings.Join(prose(string(b)), "\n"), "")
	var targets []string
	for _, re := range []*regexp.Regexp{inlineLink, refLink} {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			targets = append(targets, m[1])
		}
	}
	var n int
	var bad []string
	for _, target := range targets {
		if scheme.MatchString(target) {
			continue
		}
		n++
		file, anchor, _ := strings.Cut(target, "#")
		dest := path
		if file != "" {
			dest = filepath.Join(filepath.Dir(path), file)
		}
		fi, err := os.Stat(dest)
		if err != nil {
			bad = append(bad, fmt.Sprintf("link %q: no such file", target))
			continue
		}
		if anchor == "" {
			continue
		}
		if fi.IsDir() || !strings.HasSuffix(dest, ".md") {
			bad = append(bad, fmt.Sprintf("link %q: an anchor into a file that is not Markdown", target))
			continue
		}
		if !slices.Contains(anchors(dest), anchor) {
			name := file
			if name == "" {
				name = filepath.Base(path)
			}
			bad = append(bad, fmt.Sprintf("link %q: no heading or anchor %q in %s", target, anchor, name))
		}
	}
	return n, bad
}

// prose returns the lines of a Markdown text outside fenced code blocks.
func prose(text string) []string {
	var out []string
	fence := ""
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimLeft(l, " ")
		switch {
		case fence != "" && strings.HasPrefix(t, fence):
			fence = ""
		case fence != "":
		case strings.HasPrefix(t, "```"), strings.HasPrefix(t, "~~~"):
			fence = t[:3]
		default:
			out = append(out, l)
		}
	}
	return out
}

// anchors returns the anchors of a Markdown file: its headings' as GitHub
// makes them (lowercase, punctuation removed, spaces to hyphens, -1, -2
// for repeats), and explicit <a id> and <a name> anchors.
func anchors(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	seen := map[string]int{}
	for _, l := range prose(string(b)) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(l, -1) {
			out = append(out, m[1])
		}
		m := heading.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		// A link in a heading counts by its text.
		h := inlineLink.ReplaceAllStringFunc(m[1], func(s string) string { return s[1:strings.Index(s, "](")] })
		slug := strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '-'
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				return unicode.ToLower(r)
			}
			return -1
		}, h)
		if k := seen[slug]; k > 0 {
			out = append(out, fmt.Sprintf("%s-%d", slug, k))
		} else {
			out = append(out, slug)
		}
		seen[slug]++
	}
	return out
}

// lineCount is the number of lines of a text, the last one counted
// whether or not it ends in a newline.
func lineCount(s string) int {
	n := strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}
