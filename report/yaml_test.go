package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestWriteYAML: the YAML form decodes (with kubectl's YAML library) to
// exactly what the JSON form decodes to, keeps the JSON field order, and
// quotes strings YAML would read as something else.
func TestWriteYAML(t *testing.T) {
	t.Parallel()
	tricky := map[string]any{}
	for i, s := range []string{"true", "no", "y", "1000", "0x1f", "1e3", "null", "~", "", "a: b", "- x", "#c", "multi\nline\n",
		"\x1b[31m", "tab\tc", "ünï", " lead", "trail ", "@at", "'q'", `"dq"`, "010", ".inf", "2026-03-01"} {
		tricky[string(rune('a'+i))] = s
	}
	for name, v := range map[string]any{
		"report":        driftReport(),
		"policy report": NewPolicyReport([]*Report{driftReport(), longReport()}, PodRef{Name: "p"}),
		"tricky":        tricky,
		"numbers":       []any{0, -1, 1.5, int64(1) << 62, true, nil, []any{}, map[string]any{}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var y, j bytes.Buffer
			if err := WriteYAML(&y, v); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&j, v); err != nil {
				t.Fatal(err)
			}
			fromYAML, err := yaml.YAMLToJSON(y.Bytes())
			if err != nil {
				t.Fatalf("%v\n%s", err, y.String())
			}
			var a, b any
			if err := json.Unmarshal(fromYAML, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(j.Bytes(), &b); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("YAML and JSON differ:\n%s\n%s", y.String(), j.String())
			}
		})
	}
	var y bytes.Buffer
	if err := WriteYAML(&y, driftReport()); err != nil {
		t.Fatal(err)
	}
	keys := []string{"apiVersion:", "kind:", "time:", "target:", "profile:", "spec:", "summary:", "findings:"}
	last := -1
	for _, k := range keys {
		i := strings.Index(y.String(), "\n"+k)
		if k == "apiVersion:" && strings.HasPrefix(y.String(), k) {
			i = 0
		}
		if i <= last {
			t.Errorf("%s out of order:\n%s", k, y.String())
		}
		last = i
	}
}
