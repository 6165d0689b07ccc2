package report

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/checks.md from the check registry")

// checksDoc is docs/checks.md as the registry gives it.
func checksDoc() string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	code := func(s string) string { return "`" + s + "`" }
	var b strings.Builder
	b.WriteString(`# Checks

The checks ` + "`secctx verify`" + ` runs, in report order. Each id is a contract
that reports, metrics labels, PolicyReport rules and profile hints use: it
is never renamed. ` + "`secctx checks`" + ` prints the same registry.

This page is generated from ` + "`report.Checks`" + `; edit the registry, then run
` + "`go test ./report/ -run TestChecksDoc -update`" + `.

- **scope**: what the observation is shared by. A watcher verifying many
  processes runs a container check once per container and a pod check once
  per pod; their findings carry ` + "`scope`" + `.
- **reads**: the probe items the check needs; when one is unread, the check
  reports ` + "`unknown`" + ` with the reason instead of comparing (` + "`sysctls`" + ` reads
  each sysctl it compares).
- **drift severities**: the severities a drift of the check can carry, highest
  first; ok, skipped and unknown findings are ` + "`info`" + `.
- **typed values**: the keys of typed values its findings may carry beside
  ` + "`expected`" + ` and ` + "`observed`" + ` (the schema allows them on these checks only).

| id | family | scope | reads | expectation | comparison | drift severities | typed values |
|---|---|---|---|---|---|---|---|
`)
	for _, c := range Checks {
		reads := make([]string, len(c.Reads))
		for i, it := range c.Reads {
			reads[i] = code(string(it))
		}
		if len(reads) == 0 {
			reads = []string{"each sysctl compared"}
		}
		sevs := make([]string, len(c.Severities))
		for i, s := range c.Severities {
			sevs[i] = string(s)
		}
		var values []string
		for _, k := range ValueKinds {
			if c.Values&k.Value != 0 {
				values = append(values, code(k.Key))
			}
		}
		b.WriteString("| " + strings.Join([]string{code(string(c.ID)), string(c.Family), c.Scope.String(),
			strings.Join(reads, ", "), cell(c.Expectation), cell(c.Comparison), strings.Join(sevs, ", "),
			strings.Join(values, ", ")}, " | ") + " |\n")
	}
	return b.String()
}

// TestChecksDoc: docs/checks.md is the registry's; -update writes it.
func TestChecksDoc(t *testing.T) {
	const file = "../docs/checks.md"
	want := checksDoc()
	have, err := os.ReadFile(file)
	if err != nil && !*update {
		t.Fatal(err)
	}
	if string(have) == want {
		return
	}
	if *update {
		if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s differs from the check registry; run go test ./report/ -run TestChecksDoc -update", file)
}

// TestValueKinds: each typed value is named by the JSON key of the field
// of Finding it stands for, and Carried sees each one.
func TestValueKinds(t *testing.T) {
	t.Parallel()
	ft := reflect.TypeOf(Finding{})
	fields := map[Values]string{ValuesIDs: "IDs", ValuesGroups: "Groups", ValuesCapabilities: "Capabilities", ValuesOutcomes: "Outcomes"}
	var all Values
	for _, k := range ValueKinds {
		all |= k.Value
		sf, ok := ft.FieldByName(fields[k.Value])
		if !ok {
			t.Fatalf("%b: no field %q", k.Value, fields[k.Value])
		}
		if tag, _, _ := strings.Cut(sf.Tag.Get("json"), ","); tag != k.Key {
			t.Errorf("%s: key %q, but the field's JSON key is %q", sf.Name, k.Key, tag)
		}
		f := Finding{}
		reflect.ValueOf(&f).Elem().FieldByIndex(sf.Index).Set(reflect.New(sf.Type.Elem()))
		if f.Carried() != k.Value {
			t.Errorf("a finding with %s carries %b, want %b", sf.Name, f.Carried(), k.Value)
		}
	}
	if len(ValueKinds) != len(fields) || all != ValuesIDs|ValuesGroups|ValuesCapabilities|ValuesOutcomes {
		t.Errorf("ValueKinds %v does not list every typed value once", ValueKinds)
	}
}
