package kubelet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// Lint's predictions against what the node did. Every manifest of the tier
// is linted offline on the host (`secctx lint --profile=containerd`, with
// the node's --allowed-unsafe-sysctls), and each finding's prediction is
// held, per container and per node configuration, to what verify observed
// and to what the node refused:
//
//   - drift: the check drifts in the container's report;
//   - no-drift: the check does not drift;
//   - not-run: the node refuses the pod, on every configuration, for the
//     reason the rule names (refusalKinds);
//   - depends: free, but a refusal the node makes must be one that a
//     not-run or depends finding of the pod names.
//
// A pod the node refuses without any finding naming that refusal is a
// refusal lint missed. A pod of testdata/runtime is judged by the
// sidecar's first line about its app, before the app changes itself.

// lintProfile is the profile the node's runtime matches.
const lintProfile = "containerd"

// refusalKinds says, per rule that predicts a refusal (not-run, or depends
// on the node), how this node shows it: the refusal's reason and a part of
// its message (as findRefusal records them).
var refusalKinds = map[string]refusal{
	"k8s-invalid":                           {Reason: "Could not process manifest file"},
	"k8s-sysctl-unsafe":                     {Reason: "SysctlForbidden", Message: "forbidden sysctl"},
	"k8s-containerd-pod-group-without-user": {Reason: "CreatePodSandboxError", Message: "is specified without user"},
	"k8s-hostusers-runtime":                 {Reason: "CreatePodSandboxError", Message: "runtime does not support user namespaces"},
	"k8s-strict-groups-unsupported":         {Reason: "SupplementalGroupsPolicyNotSupported", Message: "SupplementalGroupsPolicy=Strict"},
	"k8s-runasnonroot-uid-0":                {Reason: "CreateContainerConfigError", Message: "runAsUser breaks non-root policy"},
	"k8s-runasnonroot-image-user":           {Reason: "CreateContainerConfigError", Message: "image will run as root"},
	"k8s-apparmor-node":                     {Reason: "AppArmor", Message: "AppArmor is not enabled"},
}

// lintRun is one manifest's lint result, computed once.
type lintRun struct {
	once     sync.Once
	findings []e2eutil.LintFinding
	err      error
}

var lintRuns = struct {
	sync.Mutex
	m map[string]*lintRun
}{m: map[string]*lintRun{}}

// lintPrepared lints the spec file secctx reads in the pod (the manifest
// as written plus the tier's wiring; for a workload, the whole stream) and
// returns the findings of the pod's workload.
func lintPrepared(p *prepared) ([]e2eutil.LintFinding, error) {
	lintRuns.Lock()
	r := lintRuns.m[p.Case.File]
	if r == nil {
		r = &lintRun{}
		lintRuns.m[p.Case.File] = r
	}
	lintRuns.Unlock()
	r.once.Do(func() { r.findings, r.err = runLint(p) })
	return r.findings, r.err
}

func lintWorkload(p *prepared) string {
	if p.Case.Workload != "" {
		return p.Case.Workload
	}
	return "Pod/" + p.Name
}

func runLint(p *prepared) ([]e2eutil.LintFinding, error) {
	cmd := exec.Command(secctxBin, "lint", "--profile="+lintProfile, "--output=json", "--fail-on=none",
		"--allowed-unsafe-sysctls="+strings.Join(allowedUnsafeSysctls, ","), "-")
	cmd.Stdin = bytes.NewReader(p.Spec)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("secctx lint %s: %v: %s", p.Case.File, err, stderr.String())
	}
	var rep struct {
		Kind      string `json:"kind"`
		Profile   string `json:"profile"`
		Workloads []struct{ Workload string }
		Findings  []e2eutil.LintFinding `json:"findings"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("secctx lint %s --output=json: %v", p.Case.File, err)
	}
	if rep.Kind != "LintReport" || rep.Profile != lintProfile {
		return nil, fmt.Errorf("secctx lint %s: kind %q, profile %q", p.Case.File, rep.Kind, rep.Profile)
	}
	// The workload is linted, or refused as invalid (k8s-invalid names it
	// without linting it further).
	want := lintWorkload(p)
	found := false
	for _, w := range rep.Workloads {
		found = found || w.Workload == want
	}
	var out []e2eutil.LintFinding
	for _, f := range rep.Findings {
		if f.Workload == want {
			out = append(out, f)
			found = found || f.Rule == "k8s-invalid"
		}
	}
	if !found {
		return nil, fmt.Errorf("secctx lint %s: no workload %s in %+v", p.Case.File, want, rep.Workloads)
	}
	return out, nil
}

// observation is what one pod did on one node configuration, as the
// comparison reads it.
type observation struct {
	Refusal *seenRefusal
	// Drift holds, per verified container, the checks that drift (for a
	// pod of testdata/runtime, in the sidecar's first line about the app).
	Drift map[string][]string
	// Problem says why there is nothing to compare (already a failure of
	// the pod's own test).
	Problem string
}

var observations = struct {
	sync.Mutex
	m map[string]map[string]observation // case file → config → observation
}{m: map[string]map[string]observation{}}

// noteObservations records what each pod did on nc.
func noteObservations(nc nodeConfig, res map[string]*podResult) {
	observations.Lock()
	defer observations.Unlock()
	for _, r := range res {
		o := observation{Refusal: r.Refusal, Drift: map[string][]string{}}
		switch {
		case r.Refusal != nil:
		case !r.Done:
			o.Problem = "neither ran nor was refused in time"
		case r.Prep.Case.RuntimeDrift != nil:
			first := firstAppLine(r.Lines)
			if first == nil {
				o.Problem = "no sidecar line about the app"
				break
			}
			var drift []string
			for _, d := range first.Drifts {
				if !slices.Contains(drift, d.Check) {
					drift = append(drift, d.Check)
				}
			}
			sort.Strings(drift)
			o.Drift["app"] = drift
		default:
			for _, v := range r.Verified {
				if v.Report == nil {
					o.Problem = v.Container + ": no report"
					continue
				}
				o.Drift[v.Container] = e2eutil.DriftChecks(v.Report.Findings)
			}
		}
		if observations.m[r.Prep.Case.File] == nil {
			observations.m[r.Prep.Case.File] = map[string]observation{}
		}
		observations.m[r.Prep.Case.File][nc.Name] = o
	}
}

// matchesRefusal reports whether the node's refusal is the one finding f
// names, of the container it names when the node refused a container.
func matchesRefusal(f e2eutil.LintFinding, seen *seenRefusal) bool {
	k, ok := refusalKinds[f.Rule]
	if c, isContainer := strings.CutPrefix(seen.Where, "container "); isContainer && f.Container != "" && c != f.Container {
		return false
	}
	return ok && seen.Reason == k.Reason && strings.Contains(seen.Message, k.Message)
}

// judgeLint compares one manifest's findings with what the node did on
// one configuration; it returns the mismatches and the table cell.
func judgeLint(fs []e2eutil.LintFinding, o observation) (problems []string, cell string) {
	if o.Problem != "" {
		return nil, "no observation (" + o.Problem + ")"
	}
	if o.Refusal != nil {
		cell = "refused: " + o.Refusal.Reason
		explained := false
		var notRun []string
		for _, f := range fs {
			if f.Verify != "not-run" && f.Verify != "depends" {
				continue
			}
			if _, known := refusalKinds[f.Rule]; !known && f.Verify == "not-run" {
				problems = append(problems, fmt.Sprintf("%s predicts not-run, but the tier does not know how the node shows that refusal (refusalKinds)", f.Rule))
			}
			if matchesRefusal(f, o.Refusal) {
				explained = true
			} else if f.Verify == "not-run" {
				notRun = append(notRun, f.Rule)
			}
		}
		// A not-run finding of another kind is neither confirmed nor
		// contradicted when the node refuses for a reason another finding
		// names (it stops at the first).
		if !explained {
			msg := fmt.Sprintf("the node refused the pod (%s, %s: %q), and no lint finding predicts that refusal", o.Refusal.Reason, o.Refusal.Where, o.Refusal.Message)
			if len(notRun) > 0 {
				msg += fmt.Sprintf(" (lint predicts a refusal of another kind: %s)", strings.Join(notRun, ", "))
			}
			problems = append(problems, msg)
		}
		return problems, cell
	}
	var containers []string
	for c := range o.Drift {
		containers = append(containers, c)
	}
	sort.Strings(containers)
	var parts []string
	for _, c := range containers {
		d := "no drift"
		if len(o.Drift[c]) > 0 {
			d = "drift " + strings.Join(o.Drift[c], ", ")
		}
		if len(containers) > 1 {
			d = c + ": " + d
		}
		parts = append(parts, d)
	}
	cell = strings.Join(parts, "; ")
	for _, f := range fs {
		if f.Verify == "not-run" {
			problems = append(problems, fmt.Sprintf("%s at %s predicts the pod is refused, but it ran", f.Rule, f.Field))
			continue
		}
		targets := containers // a pod-level finding holds for every container
		if f.Container != "" {
			if _, ok := o.Drift[f.Container]; !ok {
				if f.Verify != "depends" {
					problems = append(problems, fmt.Sprintf("%s (%s) is about container %s, which the tier does not verify", f.Rule, f.Verify, f.Container))
				}
				continue
			}
			targets = []string{f.Container}
		}
		for _, c := range targets {
			drifted := slices.Contains(o.Drift[c], f.Check)
			switch {
			case f.Verify == "drift" && !drifted:
				problems = append(problems, fmt.Sprintf("%s at %s predicts %s drift in container %s, which verify did not observe (drift: %v)", f.Rule, f.Field, f.Check, c, o.Drift[c]))
			case f.Verify == "no-drift" && drifted:
				problems = append(problems, fmt.Sprintf("%s at %s predicts no %s drift in container %s, which verify observed", f.Rule, f.Field, f.Check, c))
			}
		}
	}
	return problems, cell
}

// lintCells holds the comparison table: case file → config → cell.
var lintCells = struct {
	sync.Mutex
	m map[string]map[string]string
}{m: map[string]map[string]string{}}

// checkLint holds lint's predictions for every pod to what the node did on
// nc.
func checkLint(t *testing.T, nc nodeConfig, preps []*prepared) {
	observations.Lock()
	defer observations.Unlock()
	for _, p := range preps {
		o, ok := observations.m[p.Case.File][nc.Name]
		if !ok {
			continue
		}
		fs, err := lintPrepared(p)
		if err != nil {
			t.Error(err)
			continue
		}
		problems, cell := judgeLint(fs, o)
		for _, pr := range problems {
			t.Errorf("%s: lint's prediction does not hold on %s: %s", p.Case.File, nc.Name, pr)
			cell += " ✗"
		}
		lintCells.Lock()
		if lintCells.m[p.Case.File] == nil {
			lintCells.m[p.Case.File] = map[string]string{}
		}
		lintCells.m[p.Case.File][nc.Name] = cell
		lintCells.Unlock()
	}
}

// findingsText is a manifest's findings for the table.
func findingsText(fs []e2eutil.LintFinding) string {
	if len(fs) == 0 {
		return "none"
	}
	var out []string
	for _, f := range fs {
		where := "pod"
		if f.Container != "" {
			where = f.Container
		}
		check := f.Check
		if check == "" {
			check = "-"
		}
		if s := fmt.Sprintf("`%s` (%s) %s: %s", f.Rule, where, check, f.Verify); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, "; ")
}

// logLintTable prints manifest → lint findings → what each node
// configuration did, and checks that the tier's manifests trip every rule
// lint applies under the node's profile.
func logLintTable(t *testing.T, preps []*prepared) {
	lintCells.Lock()
	defer lintCells.Unlock()
	if len(lintCells.m) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("\nLint's predictions (--profile=" + lintProfile + ") against what the node did:\n\n")
	writeTableHead(&b, "manifest", "lint")
	sorted := append([]*prepared(nil), preps...)
	rowName := func(p *prepared) string { return strings.TrimSuffix(p.Case.File, ".yaml") }
	sort.Slice(sorted, func(i, j int) bool { return rowName(sorted[i]) < rowName(sorted[j]) })
	fired := map[string]bool{}
	for _, p := range sorted {
		row, ok := lintCells.m[p.Case.File]
		if !ok {
			continue
		}
		fs, _ := lintPrepared(p)
		for _, f := range fs {
			fired[f.Rule] = true
		}
		name := rowName(p)
		if p.Case.Workload != "" {
			name += " (" + p.Case.Workload + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s |", name, findingsText(fs))
		writeTableCells(&b, row)
	}
	t.Log(b.String())
	if out := os.Getenv("SECCTX_KUBELET_LINT_TABLE"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Errorf("writing the lint table to %s: %v", out, err)
		}
	}
	if os.Getenv("SECCTX_KUBELET_ONLY") != "" {
		return
	}
	rules, err := lintRules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if !fired[r] {
			t.Errorf("lint rule %s applies under --profile=%s, but no manifest of the tier trips it: its prediction is never held to a real node", r, lintProfile)
		}
	}
}

// lintRules lists the prediction rules that apply under lintProfile, from
// the registry the binary carries (the rules of its SARIF output).
func lintRules() ([]string, error) {
	cmd := exec.Command(secctxBin, "lint", "--profile="+lintProfile, "--output=sarif", "--fail-on=none", "-")
	cmd.Stdin = strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("secctx lint --output=sarif: %v", err)
	}
	var sarif struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string `json:"id"`
						Properties struct {
							Profiles []string `json:"profiles"`
							Verify   string   `json:"verify"`
						} `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &sarif); err != nil || len(sarif.Runs) != 1 {
		return nil, fmt.Errorf("secctx lint --output=sarif: %v", err)
	}
	var ids []string
	for _, r := range sarif.Runs[0].Tool.Driver.Rules {
		if r.Properties.Verify == "" { // a Pod Security Standards control, not a prediction
			continue
		}
		if r.Properties.Profiles == nil || slices.Contains(r.Properties.Profiles, lintProfile) {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("secctx lint --output=sarif lists no rule for --profile=%s", lintProfile)
	}
	return ids, nil
}

// TestJudgeLint holds the comparison itself to cases whose verdict is
// known, without a node.
func TestJudgeLint(t *testing.T) {
	t.Parallel()
	ran := func(drift map[string][]string) observation { return observation{Drift: drift} }
	refused := func(reason, msg string) observation {
		return observation{Refusal: &seenRefusal{Where: "pod status", Reason: reason, Message: msg}}
	}
	capPrefix := e2eutil.LintFinding{Rule: "k8s-containerd-cap-prefix", Container: "app", Check: "capabilities.bounding", Verify: "drift"}
	nonRootCaps := e2eutil.LintFinding{Rule: "k8s-nonroot-capabilities", Container: "app", Check: "capabilities.effective", Verify: "no-drift"}
	unsafe := e2eutil.LintFinding{Rule: "k8s-sysctl-unsafe", Check: "sysctls", Verify: "not-run"}
	strict := e2eutil.LintFinding{Rule: "k8s-strict-groups-unsupported", Check: "supplementalGroups", Verify: "depends"}
	selinux := e2eutil.LintFinding{Rule: "k8s-selinux-node", Check: "seLinuxOptions", Verify: "depends"}
	podDrift := e2eutil.LintFinding{Rule: "k8s-pod-level", Check: "fsGroup", Verify: "drift"}
	forbidden := refused("SysctlForbidden", `forbidden sysctl: "kernel.msgmax" not allowlisted`)
	uid0 := e2eutil.LintFinding{Rule: "k8s-runasnonroot-uid-0", Container: "app", Check: "runAsNonRoot", Verify: "not-run"}
	containerRefused := func(name string) observation {
		return observation{Refusal: &seenRefusal{Where: "container " + name, Reason: "CreateContainerConfigError",
			Message: "container's runAsUser breaks non-root policy (pod: \"p\", container: " + name + ")"}}
	}
	for _, tc := range []struct {
		name     string
		fs       []e2eutil.LintFinding
		o        observation
		problems int
		cell     string
	}{
		{"drift predicted and observed", []e2eutil.LintFinding{capPrefix}, ran(map[string][]string{"app": {"capabilities.bounding", "capabilities.effective"}}), 0, "drift capabilities.bounding, capabilities.effective"},
		{"drift predicted, not observed", []e2eutil.LintFinding{capPrefix}, ran(map[string][]string{"app": {}}), 1, "no drift"},
		{"drift predicted in another container only", []e2eutil.LintFinding{capPrefix}, ran(map[string][]string{"app": {}, "side": {"capabilities.bounding"}}), 1, "app: no drift; side: drift capabilities.bounding"},
		{"no-drift held", []e2eutil.LintFinding{nonRootCaps}, ran(map[string][]string{"app": {"capabilities.bounding"}}), 0, "drift capabilities.bounding"},
		{"no-drift broken", []e2eutil.LintFinding{nonRootCaps}, ran(map[string][]string{"app": {"capabilities.effective"}}), 1, "drift capabilities.effective"},
		{"pod-level drift must show in every container", []e2eutil.LintFinding{podDrift}, ran(map[string][]string{"a": {"fsGroup"}, "b": {}}), 1, "a: drift fsGroup; b: no drift"},
		{"depends is free", []e2eutil.LintFinding{selinux}, ran(map[string][]string{"app": {"seLinuxOptions"}}), 0, "drift seLinuxOptions"},
		{"not-run and refused for that reason", []e2eutil.LintFinding{unsafe}, forbidden, 0, "refused: SysctlForbidden"},
		{"not-run but ran", []e2eutil.LintFinding{unsafe}, ran(map[string][]string{"app": {}}), 1, "no drift"},
		{"not-run, refused for another reason", []e2eutil.LintFinding{unsafe}, refused("CreateContainerConfigError", "image will run as root"), 1, "refused: CreateContainerConfigError"},
		{"depends, refused for that reason", []e2eutil.LintFinding{strict}, refused("SupplementalGroupsPolicyNotSupported", "SupplementalGroupsPolicy=Strict is not supported"), 0, "refused: SupplementalGroupsPolicyNotSupported"},
		{"refused, nothing predicted", []e2eutil.LintFinding{selinux}, forbidden, 1, "refused: SysctlForbidden"},
		{"refusal of the container named", []e2eutil.LintFinding{uid0}, containerRefused("app"), 0, "refused: CreateContainerConfigError"},
		{"refusal of another container", []e2eutil.LintFinding{uid0}, containerRefused("side"), 1, "refused: CreateContainerConfigError"},
		{"a refusal kind the tier does not know", []e2eutil.LintFinding{{Rule: "k8s-new-refusal", Verify: "not-run"}, unsafe}, forbidden, 1, "refused: SysctlForbidden"},
		{"finding about a container not verified", []e2eutil.LintFinding{{Rule: "k8s-x", Container: "secctx", Check: "runAsUser", Verify: "no-drift"}}, ran(map[string][]string{"app": {}}), 1, "no drift"},
		{"no observation", []e2eutil.LintFinding{capPrefix}, observation{Problem: "app: no report"}, 0, "no observation (app: no report)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems, cell := judgeLint(tc.fs, tc.o)
			if len(problems) != tc.problems || cell != tc.cell {
				t.Errorf("got %d problems %q, cell %q; want %d problems, cell %q", len(problems), problems, cell, tc.problems, tc.cell)
			}
		})
	}
}
