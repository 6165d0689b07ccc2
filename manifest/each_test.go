package manifest_test

import (
	"fmt"
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
		docs      int
		errs      []string // "N: substring", one per bad document, in order
		streamErr string
	}{
		{"all good", good("a") + "---\n" + good("b"), []string{"Pod/a", "Pod/b"}, 2, nil, ""},
		{"bad in the middle", good("a") + "---\n" + bad + "---\n---\n" + good("c"), []string{"Pod/a", "Pod/c"}, 3,
			[]string{"2: Pod/bad: spec.containers[0].securityContext.runAsUsr: unknown field"}, ""},
		{"invalid value", strings.Replace(good("a"), "- name: app", "- name: App", 1) + "---\n" + good("b"),
			[]string{"Pod/b"}, 2, []string{"1: Pod/a: spec.containers[0].name: invalid container name"}, ""},
		{"bad quantity", strings.Replace(good("a"), "- name: app", "- name: app\n    resources: {limits: {example.com/gpu: 1GB}}", 1),
			nil, 1, []string{"1: Pod/a: spec.containers[0].resources.limits[example.com/gpu]: \"1GB\" is not a quantity"}, ""},
		{"no workload", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", nil, 1, nil, ""},
		{"empty", "  \n", nil, 0, nil, "spec is empty"},
		{"malformed", good("a") + "---\nkind: [\n", nil, 0, nil, "malformed YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs []string
			ws, n, err := manifest.DecodeEach("f.yaml", []byte(tc.stream), func(doc int, e error) {
				errs = append(errs, fmt.Sprintf("%d: %v", doc, e))
			})
			if tc.streamErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.streamErr) {
					t.Fatalf("err = %v, want %q", err, tc.streamErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.docs {
				t.Errorf("%d documents, want %d", n, tc.docs)
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
				doc, msg, _ := strings.Cut(want, ": ")
				if !strings.HasPrefix(errs[i], doc+": f.yaml: ") || !strings.Contains(errs[i], msg) {
					t.Errorf("error %d = %q, want document %s, f.yaml and %q", i, errs[i], doc, msg)
				}
			}
		})
	}
}
