package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plant writes files (path relative to root: content) under a new root
// that holds the real defining file.
func plant(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	def, err := os.ReadFile(filepath.Join("..", "..", definingFile))
	if err != nil {
		t.Fatal(err)
	}
	files[definingFile] = string(def)
	for p, body := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestDomainLiterals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		file string
		body string
		want []string // "line: what the message says to use"
	}{
		{name: "comparison", file: "lint/x.go",
			body: "package lint\n\nfunc f(t string) bool {\n\treturn t == \"RuntimeDefault\"\n}\n",
			want: []string{"4: SeccompProfileTypeRuntimeDefault or manifest.AppArmorProfileTypeRuntimeDefault"}},
		{name: "raw string and switch case", file: "report/x.go",
			body: "package report\n\nfunc f(t string) int {\n\tswitch t {\n\tcase `Unmasked`:\n\t\treturn 1\n\tcase \"initContainer\":\n\t\treturn 2\n\t}\n\treturn 0\n}\n",
			want: []string{"5: UnmaskedProcMount", "7: KindInitContainer"}},
		{name: "a value of two types names both", file: "expect/x.go",
			body: "package expect\n\nvar p = \"Strict\"\nvar q = \"Localhost\"\n",
			want: []string{"3: SupplementalGroupsPolicyStrict", "4: SeccompProfileTypeLocalhost or manifest.AppArmorProfileTypeLocalhost"}},
		{name: "struct tag, import path, message and comment pass", file: "cmd/x/x.go",
			body: "package main\n\nimport \"fmt\"\n\n// Merge is a comment.\ntype T struct {\n\tA string `json:\"Strict\"`\n}\n\nfunc main() { fmt.Println(\"procMount Unmasked is refused\") }\n"},
		{name: "an ordinary word passes", file: "watch/x.go",
			body: "package watch\n\nvar scope = \"container\"\n"},
		{name: "a test file may state input", file: "lint/x_test.go",
			body: "package lint\n\nvar in = \"RuntimeDefault\"\n"},
		{name: "the defining package may", file: "manifest/other.go",
			body: "package manifest\n\nvar in = \"RuntimeDefault\"\n"},
		{name: "testdata is not code", file: "lint/testdata/x.go",
			body: "package x\n\nvar in = \"Unconfined\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := plant(t, map[string]string{tc.file: tc.body})
			uses, err := run(root)
			if err != nil {
				t.Fatal(err)
			}
			if len(uses) != len(tc.want) {
				t.Fatalf("found %v, want %v", uses, tc.want)
			}
			for i, u := range uses {
				line, constant, _ := strings.Cut(tc.want[i], ": ")
				if got := strings.TrimPrefix(u.pos.Filename, root+"/"); got != tc.file {
					t.Errorf("%v: file %s, want %s", u, got, tc.file)
				}
				if s := u.String(); !strings.Contains(s, ":"+line+":") || !strings.HasSuffix(s, "use manifest."+constant) {
					t.Errorf("%s, want line %s and manifest.%s", s, line, constant)
				}
			}
		})
	}
}

// TestDomainLiteralsRepository: the module itself holds none.
func TestDomainLiteralsRepository(t *testing.T) {
	t.Parallel()
	uses, err := run(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range uses {
		t.Error(u)
	}
}

// TestDomainValuesRead: every typed constant of the defining file is read,
// the ordinary words aside.
func TestDomainValuesRead(t *testing.T) {
	t.Parallel()
	values, err := domainValues(filepath.Join("..", "..", definingFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"RuntimeDefault", "Unconfined", "Localhost", "Default", "Unmasked", "Merge", "Strict", "initContainer", "ephemeralContainer"} {
		if _, ok := values[v]; !ok {
			t.Errorf("%q not read", v)
		}
	}
	if _, ok := values["container"]; ok {
		t.Error(`"container" read, though it is an ordinary word`)
	}
}
