package manifest_test

import (
	"strings"
	"testing"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must return workloads
// or a one-line *manifest.Error, and never panic. Any workload it returns must
// resolve under every profile.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, securityContext: {runAsUser: 1, capabilities: {add: [NET_ADMIN], drop: [ALL]}}}]\n",
		"kind: List\nitems:\n- kind: Pod\n  metadata: {name: b}\n  spec: {securityContext: {sysctls: [{name: kernel.shm_rmid_forced, value: '1'}]}, containers: [{name: c}]}\n",
		`{"kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"hostUsers":false,"containers":[{"name":"c","securityContext":{"procMount":"Unmasked"}}]}}}}`,
		"kind: CronJob\nmetadata: {name: j}\nspec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c}]}}}}}\n---\nkind: ConfigMap\n",
		"kind: Pod\nspec: {containers: [{name: c, securityContext: {runAsUsr: 1}}]}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ws, err := manifest.Decode("fuzz.yaml", data)
		if err != nil {
			if _, ok := err.(*manifest.Error); !ok {
				t.Fatalf("error %T, want a *manifest.Error: %v", err, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err.Error())
			}
			return
		}
		for _, w := range ws {
			for _, name := range expect.ProfileNames() {
				p, _ := expect.LookupProfile(name)
				c := ""
				if len(w.Spec.Containers) > 0 {
					c = w.Spec.Containers[0].Name
				}
				if _, err := expect.Resolve(expect.Input{Workload: w, Container: c, Profile: p, LastCap: 40}); err != nil {
					t.Fatalf("resolve %s/%s under %s: %v", w.ID(), c, name, err)
				}
			}
		}
	})
}
