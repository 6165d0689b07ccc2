package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

var update = flag.Bool("update", false, "rewrite the generated part of docs/cli.md")

// cliDoc is the CLI reference page; the part between the markers is
// generated from the command table.
const (
	cliDoc      = "../../docs/cli.md"
	cliDocBegin = "<!-- BEGIN generated: go test ./cmd/secctx -run TestCLIReference -update -->\n"
	cliDocEnd   = "<!-- END generated -->\n"
)

// cliReference writes the command table as Markdown: the list of commands,
// then each command's help text, usage, flags (from its flag set, with
// the defaults of an empty environment), examples and exit codes.
func cliReference() string {
	var b strings.Builder
	b.WriteString("## Commands\n\n")
	b.WriteString("Generated from the command table (`cmd/secctx/commands.go`) and each\n")
	b.WriteString("command's flag set, as `secctx COMMAND --help` prints them. The defaults\n")
	b.WriteString("are those of an empty environment: where a flag's meaning names a\n")
	b.WriteString("variable (env SECCTX_PROFILE), that variable sets the default.\n\n")
	b.WriteString("| command | what it does |\n|---|---|\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "| [`secctx %s`](#secctx-%s) | %s |\n", c.name, c.name, mdCell(c.summary))
	}
	for _, c := range commands {
		fs := c.flagSet(&options{getenv: func(string) string { return "" }})
		fmt.Fprintf(&b, "\n### secctx %s\n\n", c.name)
		fmt.Fprintf(&b, "```\nsecctx %s %s\n```\n\n", c.name, c.usage)
		fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(c.long))
		b.WriteString("| flag | value | default | meaning |\n|---|---|---|---|\n")
		fs.VisitAll(func(f *pflag.Flag) {
			name := "`--" + f.Name + "`"
			if f.Shorthand != "" {
				name = "`-" + f.Shorthand + "`, " + name
			}
			value, def := "", f.DefValue
			if f.Value.Type() != "bool" {
				value = "`" + f.Value.Type() + "`"
			}
			switch def {
			case "", "[]":
				def = ""
			default:
				def = "`" + def + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdCell(name), mdCell(value), mdCell(def), mdCell(f.Usage))
		})
		if c.example != "" {
			fmt.Fprintf(&b, "\nExamples:\n\n```sh\n%s\n```\n", strings.TrimRight(dedent(c.example), "\n"))
		}
		if c.exits != "" {
			fmt.Fprintf(&b, "\nExit codes:\n\n```\n%s\n```\n", dedent(c.exits))
		}
	}
	return b.String()
}

// mdCell makes s one cell of a Markdown table.
func mdCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// dedent removes the two spaces the help indents examples and exit codes
// with.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "  ")
	}
	return strings.Join(lines, "\n")
}

// TestCLIReference: docs/cli.md holds the reference cliReference writes
// from the command table; -update rewrites it.
func TestCLIReference(t *testing.T) {
	b, err := os.ReadFile(cliDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, cliDocBegin), strings.Index(doc, cliDocEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: no generated part between %q and %q", cliDoc, cliDocBegin, cliDocEnd)
	}
	want := cliReference()
	got := doc[i+len(cliDocBegin) : j]
	if got == want {
		return
	}
	if *update {
		doc = doc[:i+len(cliDocBegin)] + want + doc[j:]
		if err := os.WriteFile(cliDoc, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale: run go test ./cmd/secctx -run TestCLIReference -update, and see git diff", cliDoc)
}

// TestCLIReferenceCoversTheTable: every command, every flag and every
// example of the table appear in the reference, so that a change to the
// writer cannot drop one unnoticed.
func TestCLIReferenceCoversTheTable(t *testing.T) {
	t.Parallel()
	ref := cliReference()
	for _, c := range commands {
		if !strings.Contains(ref, "\n### secctx "+c.name+"\n") {
			t.Errorf("no section for %s", c.name)
		}
		if !strings.Contains(ref, "secctx "+c.name+" "+c.usage+"\n") {
			t.Errorf("%s: no usage line", c.name)
		}
		fs := c.flagSet(&options{getenv: func(string) string { return "" }})
		fs.VisitAll(func(f *pflag.Flag) {
			if !strings.Contains(ref, "`--"+f.Name+"` |") {
				t.Errorf("%s: no row for --%s", c.name, f.Name)
			}
		})
		for _, l := range strings.Split(dedent(c.example+"\n"+c.exits), "\n") {
			if !strings.Contains(ref, l) {
				t.Errorf("%s: line %q of its examples or exit codes is missing", c.name, l)
			}
		}
	}
}
