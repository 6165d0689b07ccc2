package lint

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secctx/secctx/expect"
)

// The seed manifests (lint/testdata/seeds): the demo pods of the
// Kubernetes "Configure a Security Context" page (004) and the ECI
// examples (000, 001), linted under three profiles with every finding and
// the Pod Security level pinned. Fields are abbreviated: "pod:" is
// spec.securityContext., "ctr:" spec.containers[0].securityContext..
var seedPins = []struct {
	profile, file string
	level         Level
	findings      []string // "rule field", in report order
}{
	{"eci", "000-api-examples.yaml", "privileged", []string{"eci-host-sysctls-ticket metadata.annotations[k8s.aliyun.com/eci-host-sysctls]", "k8s-nonroot-capabilities ctr:capabilities.add", "eci-privileged-ticket ctr:privileged"}},
	{"eci", "001-host-sysctls-annotation.yaml", "baseline", []string{"eci-host-sysctls-malformed metadata.annotations[k8s.aliyun.com/eci-host-sysctls]", "eci-readonly-rootfs-fixed ctr:readOnlyRootFilesystem"}},
	{"eci", "001-net-admin-example.yaml", "privileged", []string{"eci-readonly-rootfs-fixed ctr:readOnlyRootFilesystem"}},
	{"eci", "001-sysctl-example.yaml", "privileged", []string{"eci-readonly-rootfs-fixed ctr:readOnlyRootFilesystem"}},
	{"eci", "004-security-context-2.yaml", "baseline", []string{"eci-readonly-rootfs-fixed ctr:readOnlyRootFilesystem", "eci-field-undocumented ctr:allowPrivilegeEscalation"}},
	{"eci", "004-security-context-3.yaml", "baseline", []string{"eci-readonly-rootfs-fixed ctr:readOnlyRootFilesystem"}},
	{"eci", "004-security-context-4.yaml", "privileged", []string{"eci-readonly-rootfs-fixed ctr:readOnlyRootFilesystem", "eci-capability-not-addable ctr:capabilities.add[1]"}},
	{"eci", "004-security-context-5.yaml", "baseline", []string{"eci-pod-field-unsupported pod:runAsGroup", "eci-pod-field-unsupported pod:supplementalGroups", "eci-readonly-rootfs-fixed ctr:readOnlyRootFilesystem", "eci-field-undocumented ctr:allowPrivilegeEscalation"}},
	{"eci", "004-security-context-6.yaml", "baseline", []string{"eci-pod-field-unsupported pod:runAsGroup", "eci-pod-field-unsupported pod:supplementalGroups", "eci-pod-field-unsupported pod:supplementalGroupsPolicy", "eci-readonly-rootfs-fixed ctr:readOnlyRootFilesystem", "eci-field-undocumented ctr:allowPrivilegeEscalation"}},
	{"eci", "004-security-context.yaml", "baseline", []string{"eci-pod-field-unsupported pod:runAsGroup", "eci-pod-field-unsupported pod:fsGroup", "eci-pod-field-unsupported pod:supplementalGroups", "eci-readonly-rootfs-fixed ctr:readOnlyRootFilesystem", "eci-field-undocumented ctr:allowPrivilegeEscalation"}},
	{"containerd", "000-api-examples.yaml", "privileged", []string{"k8s-nonroot-capabilities ctr:capabilities.add"}},
	{"containerd", "001-host-sysctls-annotation.yaml", "baseline", []string{}},
	{"containerd", "001-net-admin-example.yaml", "privileged", []string{}},
	{"containerd", "001-sysctl-example.yaml", "privileged", []string{"k8s-sysctl-unsafe pod:sysctls[0].name", "k8s-sysctl-unsafe pod:sysctls[1].name"}},
	{"containerd", "004-security-context-2.yaml", "baseline", []string{}},
	{"containerd", "004-security-context-3.yaml", "baseline", []string{}},
	{"containerd", "004-security-context-4.yaml", "privileged", []string{}},
	{"containerd", "004-security-context-5.yaml", "baseline", []string{}},
	{"containerd", "004-security-context-6.yaml", "baseline", []string{"k8s-strict-groups-unsupported pod:supplementalGroupsPolicy"}},
	{"containerd", "004-security-context.yaml", "baseline", []string{}},
	{"podman", "000-api-examples.yaml", "privileged", []string{"podman-sysctls-ignored pod:sysctls[0]", "podman-runasnonroot-ignored ctr:runAsNonRoot"}},
	{"podman", "001-host-sysctls-annotation.yaml", "baseline", []string{}},
	{"podman", "001-net-admin-example.yaml", "privileged", []string{}},
	{"podman", "001-sysctl-example.yaml", "privileged", []string{"podman-sysctls-ignored pod:sysctls[0]", "podman-sysctls-ignored pod:sysctls[1]"}},
	{"podman", "004-security-context-2.yaml", "baseline", []string{}},
	{"podman", "004-security-context-3.yaml", "baseline", []string{}},
	{"podman", "004-security-context-4.yaml", "privileged", []string{}},
	{"podman", "004-security-context-5.yaml", "baseline", []string{}},
	{"podman", "004-security-context-6.yaml", "baseline", []string{"podman-strict-groups-ignored pod:supplementalGroupsPolicy"}},
	{"podman", "004-security-context.yaml", "baseline", []string{"podman-fsgroup-ignored pod:fsGroup"}},
}

func seedInputs(t *testing.T) []Input {
	t.Helper()
	paths, err := filepath.Glob("testdata/seeds/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no seed manifests: %v", err)
	}
	var ins []Input
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, Input{Name: filepath.Base(p), Data: b})
	}
	return ins
}

func TestSeedsPinned(t *testing.T) {
	t.Parallel()
	ins := seedInputs(t)
	got := map[string]map[string][]string{} // profile → file → findings
	levels := map[string]map[string]Level{}
	for _, profile := range []string{"eci", "containerd", "podman"} {
		res := lintInputs(t, profile, ins, Options{})
		got[profile], levels[profile] = map[string][]string{}, map[string]Level{}
		for _, w := range res.Workloads {
			levels[profile][w.File] = w.PodSecurity.Level
			got[profile][w.File] = []string{}
		}
		for _, f := range res.Findings {
			short := strings.NewReplacer("spec.containers[0].securityContext.", "ctr:", "spec.securityContext.", "pod:").Replace(f.Field)
			got[profile][f.File] = append(got[profile][f.File], f.Rule+" "+short)
			if f.Line == 0 {
				t.Errorf("%s %s %s: no line", profile, f.File, f.Rule)
			}
		}
	}
	pinned := map[string]bool{}
	for _, p := range seedPins {
		pinned[p.profile+" "+p.file] = true
		if levels[p.profile][p.file] != p.level {
			t.Errorf("%s %s: level %s, want %s", p.profile, p.file, levels[p.profile][p.file], p.level)
		}
		if g := got[p.profile][p.file]; strings.Join(g, "\n") != strings.Join(p.findings, "\n") {
			t.Errorf("%s %s: findings\n  %s\nwant\n  %s", p.profile, p.file, strings.Join(g, "\n  "), strings.Join(p.findings, "\n  "))
		}
	}
	for _, in := range ins {
		for _, profile := range []string{"eci", "containerd", "podman"} {
			if !pinned[profile+" "+in.Name] {
				t.Errorf("seed %s is not pinned under %s", in.Name, profile)
			}
		}
	}
}

// TestTextFitsWidth: under every profile, every line of the text report
// of the seeds fits 80 columns, and each finding's rule shows.
func TestTextFitsWidth(t *testing.T) {
	t.Parallel()
	ins := seedInputs(t)
	for _, profile := range expect.ProfileNames() {
		res := lintInputs(t, profile, ins, Options{})
		var b bytes.Buffer
		if err := WriteText(&b, res.Report()); err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(b.String(), "\n") {
			if n := utf8.RuneCountInString(l); n > TextWidth {
				t.Errorf("%s: line %d has %d columns: %q", profile, i+1, n, l)
			}
		}
		for _, f := range res.Findings {
			if !strings.Contains(b.String(), f.Rule) {
				t.Errorf("%s: text lacks rule %s", profile, f.Rule)
			}
		}
		if !strings.Contains(b.String(), "summary: ") {
			t.Errorf("%s: no summary line", profile)
		}
	}
}
