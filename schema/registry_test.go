package schema_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/secctx/secctx/report"
)

var update = flag.Bool("update", false, "rewrite the parts of report.schema.json that follow the check registry")

// generated is how the parts that follow the registry say so.
const generated = "Generated from report.Checks: go test ./schema/ -run TestSchemaFollowsRegistry -update."

// quoted is s as a JSON string.
func quoted(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// quotedList is the ids as a JSON list on one line.
func quotedList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = quoted(id)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// checkIDDef is $defs.checkID: the registry's ids, wrapped as the rest of
// the file is.
func checkIDDef() string {
	var b strings.Builder
	b.WriteString("{\n      \"description\": " + quoted("The check ids, a contract: never renamed. "+generated) + ",\n      \"enum\": [\n")
	line := ""
	ids := report.CheckIDs()
	for i, id := range ids {
		item := quoted(string(id))
		if i < len(ids)-1 {
			item += ","
		}
		if line != "" && len(line)+1+len(item) > 80 {
			b.WriteString("        " + line + "\n")
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += item
	}
	b.WriteString("        " + line + "\n      ]\n    }")
	return b.String()
}

// checkValuesDef is $defs.checkValues: for each typed value, a finding of
// a check that does not declare it must not carry it.
func checkValuesDef() string {
	var conds []string
	for _, k := range report.ValueKinds {
		var ids []string
		for _, c := range report.Checks {
			if c.Values&k.Value != 0 {
				ids = append(ids, string(c.ID))
			}
		}
		forbid := `{"not": {"required": [` + quoted(k.Key) + `]}}`
		if len(ids) == 0 {
			conds = append(conds, "        "+forbid)
			continue
		}
		conds = append(conds, "        {\n"+
			`          "if": {"not": {"properties": {"check": {"enum": `+quotedList(ids)+"}}}},\n"+
			`          "then": `+forbid+"\n        }")
	}
	return "{\n      \"description\": " + quoted("The typed values a finding of each check may carry (its Values in the registry). "+generated) +
		",\n      \"allOf\": [\n" + strings.Join(conds, ",\n") + "\n      ]\n    }"
}

// defSpan returns where the value of $defs.name lies in doc.
func defSpan(doc []byte, name string) (start, end int, err error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.Token(); err != nil {
		return 0, 0, err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0, 0, err
		}
		if key != "$defs" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, 0, err
			}
			continue
		}
		if _, err := dec.Token(); err != nil {
			return 0, 0, err
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return 0, 0, err
			}
			after := int(dec.InputOffset())
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return 0, 0, err
			}
			if k == name {
				end = int(dec.InputOffset())
				start = end - len(bytes.TrimLeft(doc[after:end], " \t\r\n:"))
				return start, end, nil
			}
		}
	}
	return 0, 0, fmt.Errorf("no $defs.%s", name)
}

// followRegistry returns doc with the definitions that follow the
// registry written from it.
func followRegistry(doc []byte) ([]byte, error) {
	for _, d := range []struct {
		name string
		text string
	}{
		{"checkID", checkIDDef()},
		{"checkValues", checkValuesDef()},
	} {
		start, end, err := defSpan(doc, d.name)
		if err != nil {
			return nil, err
		}
		doc = append(append(append([]byte(nil), doc[:start]...), d.text...), doc[end:]...)
	}
	return doc, nil
}

// TestSchemaFollowsRegistry: the report schema's check ids and the typed
// values each check may carry are the registry's; -update writes them.
func TestSchemaFollowsRegistry(t *testing.T) {
	const file = "report.schema.json"
	have, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want, err := followRegistry(have)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(want) {
		t.Fatalf("the generated schema is not JSON:\n%s", want)
	}
	if bytes.Equal(have, want) {
		return
	}
	if *update {
		if err := os.WriteFile(file, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s differs from the check registry; run go test ./schema/ -run TestSchemaFollowsRegistry -update", file)
}
