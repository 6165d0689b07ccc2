package manifest

import (
	"strings"
	"testing"
)

// FuzzSelect: --workload of any spelling never panics, and the workload it
// selects is named as the selector says.
func FuzzSelect(f *testing.F) {
	ws := []*Workload{
		{Kind: "Pod", Name: "web", Namespace: "shop", Source: "s"},
		{Kind: "Deployment", Name: "web", Namespace: "shop", Source: "s"},
		{Kind: "Job", Name: "batch", Namespace: "ops", Source: "s"},
		{Kind: "Pod", Name: "", Source: "s"},
	}
	for _, s := range []string{"", "web", "Pod/web", "shop/Deployment/web", "batch", "a/b/c/d", "/", "//", "pod/WEB", "Pod/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sel string) {
		w, err := Select(ws, sel)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error on two lines: %q", err)
			}
			return
		}
		parts := strings.Split(sel, "/")
		if w.Name != parts[len(parts)-1] {
			t.Fatalf("Select(%q) = %s/%s", sel, w.Kind, w.Name)
		}
		if len(parts) >= 2 && !strings.EqualFold(w.Kind, parts[len(parts)-2]) {
			t.Fatalf("Select(%q) = %s/%s", sel, w.Kind, w.Name)
		}
		if len(parts) == 3 && w.Namespace != parts[0] {
			t.Fatalf("Select(%q) = %s/%s/%s", sel, w.Namespace, w.Kind, w.Name)
		}
	})
}
