package manifest_test

import (
	"strings"
	"testing"

	"github.com/secctx/secctx/manifest"
)

func TestDecodeEachGoesOnPastABadDocument(t *testing.T) {
	t.Parallel()
	good := func(name string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  containers:\n  - name: app\n"
	}
	bad := "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - name: app\n    securityContext: {runAsUsr: 1}\n"
	for _, tc := range []struct {
		name      string
		stream    string
		workloads []string
		errs      []string // substrings, one per bad document, in order
		streamErr string
	}{
		{"all good", good("a") + "---\n" + good("b"), []string{"Pod/a", "Pod/b"}, nil, ""},
		{"bad in the middle", good("a") + "---\n" + bad + "---\n" + good("c"), []string{"Pod/a", "Pod/c"},
			[]string{"Pod/bad: spec.containers[0].securityContext.runAsUsr: unknown field"}, ""},
		{"invalid value", strings.Replace(good("a"), "- name: app", "- name: App", 1) + "---\n" + good("b"),
			[]string{"Pod/b"}, []string{"Pod/a: spec.containers[0].name: invalid container name"}, ""},
		{"no workload", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", nil, nil, ""},
		{"empty", "  \n", nil, nil, "spec is empty"},
		{"malformed", good("a") + "---\nkind: [\n", nil, nil, "malformed YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs []string
			ws, err := manifest.DecodeEach("f.yaml", []byte(tc.stream), func(e error) { errs = append(errs, e.Error()) })
			if tc.streamErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.streamErr) {
					t.Fatalf("err = %v, want %q", err, tc.streamErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, w := range ws {
				ids = append(ids, w.ID())
			}
			if strings.Join(ids, ",") != strings.Join(tc.workloads, ",") {
				t.Errorf("workloads %v, want %v", ids, tc.workloads)
			}
			if len(errs) != len(tc.errs) {
				t.Fatalf("errors %q, want %d", errs, len(tc.errs))
			}
			for i, want := range tc.errs {
				if !strings.HasPrefix(errs[i], "f.yaml: ") || !strings.Contains(errs[i], want) {
					t.Errorf("error %d = %q, want it to name f.yaml and hold %q", i, errs[i], want)
				}
			}
		})
	}
}
