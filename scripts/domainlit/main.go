// Command domainlit fails when a domain value of the securityContext (a
// seccomp or AppArmor profile type, a procMount type, a supplemental groups
// policy, a container kind) is written as a string literal in a non-test Go
// file outside the package that defines its typed constants
// (manifest/values.go): such a literal compiles with a typo, the constant
// does not. `make lint` runs it from the module's root.
//
// The values are read from the defining file itself, every constant of a
// type declared there, so a new constant is checked without a change here.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// definingFile holds the typed constants, relative to the module's root;
// its directory is the package where the literals belong.
const definingFile = "manifest/values.go"

// ordinary are values that are also ordinary words of the code base (a
// JSON key, a flag name, a probe scope): their constant is used where the
// domain value is meant, but the text alone says nothing.
var ordinary = map[string]bool{"container": true}

// use is a literal found outside the defining package.
type use struct {
	pos       token.Position
	value     string
	constants []string
}

func (u use) String() string {
	return fmt.Sprintf("%s: %q is a domain value: use manifest.%s", u.pos, u.value, strings.Join(u.constants, " or manifest."))
}

func main() {
	uses, err := run(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "domainlit:", err)
		os.Exit(2)
	}
	report(os.Stderr, uses)
	if len(uses) > 0 {
		os.Exit(1)
	}
}

func report(w io.Writer, uses []use) {
	for _, u := range uses {
		fmt.Fprintln(w, u)
	}
}

// run checks the module rooted at root.
func run(root string) ([]use, error) {
	values, err := domainValues(filepath.Join(root, definingFile))
	if err != nil {
		return nil, err
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("%s: no typed constants", definingFile)
	}
	own := filepath.Dir(filepath.Join(root, definingFile))
	var uses []use
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			if path == own {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		found, err := literals(path, values)
		uses = append(uses, found...)
		return err
	})
	return uses, err
}

// domainValues maps the text of each constant of a type declared in the
// file to the names of the constants that have it, in their order.
func domainValues(path string) (map[string][]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, err
	}
	types := map[string]bool{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, s := range g.Specs {
				types[s.(*ast.TypeSpec).Name.Name] = true
			}
		}
	}
	values := map[string][]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			typ, ok := vs.Type.(*ast.Ident)
			if !ok || !types[typ.Name] {
				continue
			}
			for i, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return nil, fmt.Errorf("%s: constant %s is not a string literal", path, vs.Names[i].Name)
				}
				text, err := strconv.Unquote(lit.Value)
				if err != nil {
					return nil, err
				}
				if !ordinary[text] {
					values[text] = append(values[text], vs.Names[i].Name)
				}
			}
		}
	}
	return values, nil
}

// literals lists the string literals of one file that are domain values;
// struct tags and import paths are not values.
func literals(path string, values map[string][]string) ([]use, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil, err
	}
	skip := map[*ast.BasicLit]bool{}
	for _, imp := range f.Imports {
		skip[imp.Path] = true
	}
	var out []use
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			if n.Tag != nil {
				skip[n.Tag] = true
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING || skip[n] {
				return true
			}
			text, err := strconv.Unquote(n.Value)
			if err != nil {
				return true
			}
			if c, ok := values[text]; ok {
				out = append(out, use{pos: fset.Position(n.Pos()), value: text, constants: c})
			}
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].pos.Offset < out[j].pos.Offset })
	return out, nil
}
