package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// Predicted and observed drift: for the manifests of the real-container
// tiers, `secctx lint` (offline, same profile) must not predict a drift
// that `secctx verify` in the running container does not report, and must
// not call "no drift" a check that does drift.

// lintManifest runs the binary's lint on a manifest (stdin).
func lintManifest(t *testing.T, profile string, manifest []byte) []e2eutil.LintFinding {
	t.Helper()
	cmd := exec.Command(secctxBin, "lint", "--profile", profile, "-o", "json", "--fail-on", "none", "-")
	cmd.Stdin = bytes.NewReader(manifest)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("secctx lint: %v: %s\n%s", err, errb.String(), manifest)
	}
	var rep struct {
		Findings []e2eutil.LintFinding `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("secctx lint -o json: %v", err)
	}
	for _, f := range rep.Findings {
		if f.Check != "" && !slices.Contains(checkIDs, f.Check) {
			t.Errorf("lint finding %s names check %q, which verify does not have", f.Rule, f.Check)
		}
	}
	return rep.Findings
}

// comparePrediction checks lint's findings for one container (and the
// pod-level ones, when podWide) against the drift verify observed.
// noDriftToo also requires that a check lint predicts no drift for does
// not drift (only for configs the runtime produced, not injected drift).
func comparePrediction(t *testing.T, name string, fs []e2eutil.LintFinding, container string, podWide bool, observed []string, noDriftToo bool) {
	t.Helper()
	var lines []string
	for _, f := range fs {
		if f.Container != container && !(podWide && f.Container == "") {
			continue
		}
		outcome := "not observed"
		if slices.Contains(observed, f.Check) {
			outcome = "observed drift"
		}
		lines = append(lines, fmt.Sprintf("%s %s %s check=%s verify=%s: %s", f.Rule, f.Effect, f.Field, f.Check, f.Verify, outcome))
		switch {
		case f.Verify == "drift" && !slices.Contains(observed, f.Check):
			t.Errorf("%s: lint predicts %s drift (%s at %s), verify observed drift only in %v", name, f.Check, f.Rule, f.Field, observed)
		case f.Verify == "no-drift" && noDriftToo && f.Check != "" && slices.Contains(observed, f.Check):
			t.Errorf("%s: lint predicts no %s drift (%s at %s), verify observed it", name, f.Check, f.Rule, f.Field)
		}
	}
	sort.Strings(lines)
	t.Logf("%s: observed drift %v; lint:\n  %s", name, observed, strings.Join(lines, "\n  "))
}

// TestLintPredictsRuncTier: every scenario and drift case of the runc tier.
func TestLintPredictsRuncTier(t *testing.T) {
	requireE2E(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := verify(t, sc.pod, sc.image, sc.config())
			fs := lintManifest(t, "containerd", []byte(sc.pod.yaml()))
			comparePrediction(t, sc.name, fs, "app", true, r.driftSet(), true)
		})
	}
	for _, dc := range driftCases {
		t.Run("drift/"+dc.name, func(t *testing.T) {
			base, manifest, rc := dc.setup(t)
			r := verify(t, manifest, base.image, rc)
			fs := lintManifest(t, "containerd", []byte(manifest.yaml()))
			comparePrediction(t, dc.name, fs, "app", true, r.driftSet(), false)
		})
	}
}

// platformCases are manifests for which lint predicts drift, run with a
// runtime config that does what the platform does: containerd's own
// handling of a CAP_-prefixed name (containerdConfig follows it), and the
// documented behaviour of Docker and ECI, written into the config. Each
// must show the predicted drift in verify's report, under the same check.
var platformCases = []struct {
	name, profile, base string
	manifest            func(p *pod)
	config              func(rc *runtimeConfig, p pod)
}{
	{
		// containerd prefixes CAP_ again; runc ignores CAP_CAP_NET_RAW.
		name: "containerd-cap-prefix", profile: "containerd", base: "a-defaults-root",
		manifest: func(p *pod) {
			p.Container = &securityContext{Capabilities: &capabilities{Drop: []string{"CAP_NET_RAW"}}}
		},
	},
	{
		// Docker applies adds after drops.
		name: "docker-add-beats-drop", profile: "docker", base: "a-defaults-root",
		manifest: func(p *pod) {
			p.Container = &securityContext{Capabilities: &capabilities{Add: []string{"NET_ADMIN"}, Drop: []string{"NET_ADMIN"}}}
		},
		config: func(rc *runtimeConfig, _ pod) {
			for _, set := range []*[]string{&rc.Bounding, &rc.Effective, &rc.Permitted} {
				*set = withCap(*set, "CAP_NET_ADMIN")
			}
		},
	},
	{
		// ECI: the root filesystem is always read-only; pod-level
		// runAsGroup, fsGroup and supplementalGroups are not applied (uid
		// 1000 has no passwd entry: gid 0, no other group).
		name: "eci-pod-fields-and-rootfs", profile: "eci", base: "b-security-context-demo",
		config: func(rc *runtimeConfig, _ pod) {
			rc.ReadonlyRoot = true
			rc.GID, rc.AdditionalGids = 0, []uint32{0}
		},
	},
	{
		// ECI: a capability outside its 17 is not granted.
		name: "eci-capability-not-addable", profile: "eci", base: "a-defaults-root",
		manifest: func(p *pod) {
			p.Container = &securityContext{ReadOnlyRootFilesystem: bl(true), Capabilities: &capabilities{Add: []string{"SYS_TIME"}}}
		},
		config: func(rc *runtimeConfig, p pod) {
			p.Container.Capabilities = nil
			*rc = containerdConfig(p, busyboxImage, host)
		},
	},
}

// TestLintPredictsPlatformDrift: lint's drift predictions for what a
// platform changes show up in verify's report.
func TestLintPredictsPlatformDrift(t *testing.T) {
	requireE2E(t)
	for _, pc := range platformCases {
		t.Run(pc.name, func(t *testing.T) {
			base := scenarioByName(t, pc.base)
			manifest := base.pod.clone()
			if pc.manifest != nil {
				pc.manifest(&manifest)
			}
			rc := containerdConfig(manifest, base.image, host)
			if pc.config != nil {
				pc.config(&rc, manifest.clone())
			}
			r := verify(t, manifest, base.image, rc, "--profile", pc.profile)
			fs := lintManifest(t, pc.profile, []byte(manifest.yaml()))
			predicted := 0
			for _, f := range fs {
				if f.Verify == "drift" {
					predicted++
				}
			}
			if predicted == 0 {
				t.Fatalf("lint predicts no drift: %+v", fs)
			}
			comparePrediction(t, pc.name, fs, "app", true, r.driftSet(), true)
		})
	}
}

func mustYAML(t *testing.T, v any) []byte {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
