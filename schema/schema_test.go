package schema_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/schema/schematest"
	"github.com/secctx/secctx/verify"
)

// realReport verifies this test process against a pod spec, as `secctx
// verify` would, and returns its JSON report decoded into a map.
func realReport(t *testing.T, profile, yaml string) map[string]any {
	t.Helper()
	ws, err := manifest.Decode("pod.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	wl, err := manifest.Select(ws, "")
	if err != nil {
		t.Fatal(err)
	}
	prof, err := expect.LookupProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(wl, "", prof, report.SpecRef{Source: "file:pod.yaml"}, probe.NewFS(""))
	if err != nil {
		t.Fatal(err)
	}
	r, err := v.Verify(0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const demo = `apiVersion: v1
kind: Pod
metadata: {name: demo}
spec:
  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000],
    sysctls: [{name: kernel.shm_rmid_forced, value: "1"}]}
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
  containers:
  - name: app
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {add: [NET_BIND_SERVICE]}
      seLinuxOptions: {level: "s0:c1,c2"}
`

// TestRealReportsValidate: what the code writes follows the schema, for
// every profile.
func TestRealReportsValidate(t *testing.T) {
	t.Parallel()
	for _, p := range expect.ProfileNames() {
		t.Run(p, func(t *testing.T) {
			schematest.ReportValue(t, realReport(t, p, demo))
		})
	}
}

// TestSchemaRejects: each change breaks the contract a consumer relies on,
// and the schema says so.
func TestSchemaRejects(t *testing.T) {
	t.Parallel()
	find := func(m map[string]any, check string) map[string]any {
		for _, f := range m["findings"].([]any) {
			if f := f.(map[string]any); f["check"] == check {
				return f
			}
		}
		t.Fatalf("no %s finding", check)
		return nil
	}
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
	}{
		{"expected as a number", func(m map[string]any) { find(m, "runAsUser")["expected"] = 1000 }},
		{"observed as a list", func(m map[string]any) { find(m, "supplementalGroups")["observed"] = []any{1000} }},
		{"expected missing", func(m map[string]any) { delete(find(m, "fsGroup"), "expected") }},
		{"expected null", func(m map[string]any) { find(m, "fsGroup")["expected"] = nil }},
		{"an unknown check id", func(m map[string]any) { find(m, "hostUsers")["check"] = "hostUser" }},
		{"an unknown field", func(m map[string]any) { find(m, "hostUsers")["value"] = "x" }},
		{"ok with a severity", func(m map[string]any) {
			f := find(m, "hostUsers")
			f["status"], f["severity"] = "ok", "high"
		}},
		{"skipped with an observed value", func(m map[string]any) {
			f := find(m, "seLinuxOptions")
			f["status"], f["severity"], f["observed"] = "skipped", "info", "x"
		}},
		{"typed ids on another check", func(m map[string]any) { find(m, "privileged")["ids"] = map[string]any{"expected": []any{}} }},
		{"ids expected as a number", func(m map[string]any) { find(m, "runAsUser")["ids"].(map[string]any)["expected"] = 1000 }},
		{"groups observed as text", func(m map[string]any) { find(m, "fsGroup")["groups"].(map[string]any)["observed"] = "[]" }},
		{"a lower-case capability name", func(m map[string]any) {
			find(m, "capabilities.bounding")["capabilities"].(map[string]any)["expected"] = []any{"net_admin"}
		}},
		{"one outcome only", func(m map[string]any) {
			f := find(m, "seccompProfile")
			f["outcomes"].(map[string]any)["legitimate"] = []any{map[string]any{"value": "filter", "when": "x"}}
		}},
		{"an outcome without its node configuration", func(m map[string]any) {
			f := find(m, "seccompProfile")
			f["outcomes"].(map[string]any)["legitimate"] = []any{map[string]any{"value": "filter"}, map[string]any{"value": "disabled", "when": "x"}}
		}},
		{"outcomes on a check without any", func(m map[string]any) {
			find(m, "privileged")["outcomes"] = find(m, "seccompProfile")["outcomes"]
		}},
		{"a time that is not one", func(m map[string]any) { m["time"] = "yesterday" }},
		{"another apiVersion", func(m map[string]any) { m["apiVersion"] = "secctx/v2" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := realReport(t, "containerd", demo)
			b, _ := json.Marshal(m)
			if err := schematest.CheckReport(b); err != nil {
				t.Fatalf("the unchanged report breaks the schema: %v", err)
			}
			tc.change(m)
			b, _ = json.Marshal(m)
			if err := schematest.CheckReport(b); err == nil {
				t.Errorf("the schema accepts a report with %s", tc.name)
			}
		})
	}
}

// TestBinaryDoesNotLinkTheValidator: the schema and its validator are for
// tests; the binary links neither.
func TestBinaryDoesNotLinkTheValidator(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", "github.com/secctx/secctx/cmd/secctx")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/secctx/secctx/report") {
		t.Fatalf("go list output looks wrong: %d packages", len(deps))
	}
	for _, d := range deps {
		if strings.Contains(d, "jsonschema") || strings.HasPrefix(d, "github.com/secctx/secctx/schema") {
			t.Errorf("the secctx binary links %s", d)
		}
	}
}
