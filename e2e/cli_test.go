package e2e

import (
	"strings"
	"testing"
)

// TestCLIContract checks the exit codes and output channels of the CLI
// contract in a real container: --fail-on thresholds, a bad spec (exit 2)
// and a process that cannot be observed (exit 3).
func TestCLIContract(t *testing.T) {
	requireE2E(t)
	demo := scenarioByName(t, "b-security-context-demo")
	demoRC := containerdConfig(demo.pod, demo.image, host)
	// fsGroup drift has severity medium.
	noFSGroup := demoRC
	noFSGroup.AdditionalGids = []uint32{3000, 4000}
	priv := scenarioByName(t, "e-privileged")
	privRC := containerdConfig(priv.pod, priv.image, host)

	t.Run("fail-on-high-ignores-medium-drift", func(t *testing.T) {
		r := verify(t, demo.pod, demo.image, noFSGroup, "--fail-on", "high")
		if r.Exit != 0 || strings.Join(r.driftSet(), ",") != "fsGroup" {
			t.Errorf("exit %d, drift %v; want exit 0 with the fsGroup drift still reported\n%s", r.Exit, r.driftSet(), r.dump())
		}
	})
	t.Run("fail-on-medium-fails-medium-drift", func(t *testing.T) {
		r := verify(t, demo.pod, demo.image, noFSGroup, "--fail-on", "medium")
		if r.Exit != 1 {
			t.Errorf("exit %d, want 1\n%s", r.Exit, r.dump())
		}
	})
	t.Run("fail-on-info-fails-info-drift", func(t *testing.T) {
		// Only meaningful where the host cannot grant every capability.
		if len(host.AllCaps) == host.LastCap+1 {
			t.Skip("this host grants every capability: a privileged container has no info drift")
		}
		r := verify(t, priv.pod, priv.image, privRC, "--fail-on", "info")
		if r.Exit != 1 || strings.Join(r.driftSet(), ",") != "capabilities.bounding" {
			t.Errorf("exit %d, drift %v; want exit 1 for the info drift of capabilities.bounding\n%s", r.Exit, r.driftSet(), r.dump())
		}
	})
	t.Run("text-inside-a-container", func(t *testing.T) {
		// The text report fits 80 columns and does not warn that the
		// process looks like a host's.
		r := runSecctx(t, demo.pod.yaml(), demo.image, noFSGroup, "-o", "text", "--fail-on", "none")
		if r.Exit != 0 || !strings.HasPrefix(r.Stdout, "1 drift (medium), 0 unknown, ") {
			t.Fatalf("want exit 0 and the summary line first\n%s", r.dump())
		}
		if strings.Contains(r.Stdout, "containerised") {
			t.Errorf("the report says a container does not look containerised:\n%s", r.Stdout)
		}
		t.Logf("secctx verify -o text in a runc container:\n%s", r.Stdout)
		for _, l := range strings.Split(r.Stdout, "\n") {
			if n := len([]rune(l)); n > 80 {
				t.Errorf("line of %d columns: %q", n, l)
			}
		}
	})
	t.Run("bad-spec-exit-2", func(t *testing.T) {
		spec := "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - name: app\n    securityContext:\n      runAsUsr: 1000\n"
		r := runSecctx(t, spec, demo.image, demoRC)
		if r.Exit != 2 || strings.TrimSpace(r.Stdout) != "" || strings.TrimSpace(r.Stderr) == "" {
			t.Errorf("want exit 2, empty stdout and a diagnostic on stderr\n%s", r.dump())
		}
	})
	t.Run("unobservable-pid-exit-3", func(t *testing.T) {
		r := runSecctx(t, demo.pod.yaml(), demo.image, demoRC, "--pid", "99999")
		if r.Exit != 3 || strings.TrimSpace(r.Stdout) != "" || strings.TrimSpace(r.Stderr) == "" {
			t.Errorf("want exit 3, empty stdout and a diagnostic on stderr\n%s", r.dump())
		}
	})
}
