package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secctx/secctx/e2e/e2eutil"
	"github.com/secctx/secctx/schema/schematest"
)

// runTimeout bounds one `runc run`; a run normally takes about 100 ms.
const runTimeout = 30 * time.Second

// containerSeq makes container ids unique within the suite.
var containerSeq atomic.Int64

// report is the part of secctx's VerificationReport the suite reads.
type report struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Target     map[string]any `json:"target"`
	Summary    struct {
		OK              int    `json:"ok"`
		Drift           int    `json:"drift"`
		Unknown         int    `json:"unknown"`
		Skipped         int    `json:"skipped"`
		HighestSeverity string `json:"highestSeverity"`
	} `json:"summary"`
	Findings []e2eutil.Finding `json:"findings"`
}

// checkIDs are the check ids the binary registers (`secctx checks -o
// json`; the ids themselves are pinned by report's unit tests): every
// report holds at least one finding for each, and no other. Set by
// TestMain.
var checkIDs []string

// loadCheckIDs asks the binary for its registry.
func loadCheckIDs(bin string) ([]string, error) {
	out, err := exec.Command(bin, "checks", "-o", "json").Output()
	if err != nil {
		return nil, fmt.Errorf("%s checks -o json: %v", bin, err)
	}
	var rows []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &rows); err != nil {
		return nil, fmt.Errorf("%s checks -o json: %v", bin, err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	if len(ids) < 19 {
		return nil, fmt.Errorf("%s checks -o json lists %d checks", bin, len(ids))
	}
	return ids, nil
}

// result is one container run.
type result struct {
	Exit   int
	Stdout string
	Stderr string
	Report *report
	Spec   string // the manifest, for failure messages
	Config runtimeConfig
	bundle string
}

// driftSet returns the sorted check ids that reported drift (any severity).
func (r *result) driftSet() []string { return e2eutil.DriftChecks(r.Report.Findings) }

// findings returns the findings of one check.
func (r *result) findings(check string) []e2eutil.Finding {
	return e2eutil.FindingsOf(r.Report.Findings, check)
}

// dump is everything needed to understand a failure.
func (r *result) dump() string {
	var b strings.Builder
	fmt.Fprintf(&b, "exit code %d\n--- manifest (/spec.yaml)\n%s", r.Exit, r.Spec)
	cfg, _ := json.MarshalIndent(r.Config, "", "  ")
	fmt.Fprintf(&b, "--- runtime config (what containerd would apply, as given to runc)\n%s\n", cfg)
	if r.Report != nil {
		fs, _ := json.MarshalIndent(r.Report, "", "  ")
		fmt.Fprintf(&b, "--- report\n%s\n", fs)
	} else {
		fmt.Fprintf(&b, "--- stdout\n%s\n", r.Stdout)
	}
	if r.Stderr != "" {
		fmt.Fprintf(&b, "--- stderr\n%s", r.Stderr)
	}
	return b.String()
}

// rootfsFiles are the files of one scenario's rootfs beyond busybox and
// secctx.
type rootfsFiles struct {
	Spec  string
	Image image
}

// makeBundle creates a bundle directory holding rootfs/ and config.json.
func makeBundle(t *testing.T, files rootfsFiles, rc runtimeConfig, args []string) string {
	t.Helper()
	bundle, err := os.MkdirTemp(workDir, "bundle-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(bundle) })
	if err := os.Chmod(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	rootfs := filepath.Join(bundle, "rootfs")
	for _, d := range []string{"bin", "proc", "sys", "dev", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{rootfs, filepath.Join(rootfs, "tmp")} {
		mode := os.FileMode(0o755)
		if strings.HasSuffix(d, "tmp") {
			mode = os.ModeSticky | 0o777 // 1777 (a FileMode's 0o1000 is not the sticky bit)
		}
		if err := os.Chmod(d, mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := copyFile(busyboxPath, filepath.Join(rootfs, "bin", "busybox"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"sh", "id", "cat", "ls"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", l)); err != nil {
			t.Fatal(err)
		}
	}
	if err := copyFile(secctxBin, filepath.Join(rootfs, "secctx"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(rootfs, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		// WriteFile honours the umask; the rootfs must be world-readable.
		if err := os.Chmod(filepath.Join(rootfs, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("spec.yaml", files.Spec)
	if files.Image.Passwd != "" {
		write("etc/passwd", files.Image.Passwd)
	}
	if files.Image.Group != "" {
		write("etc/group", files.Image.Group)
	}
	cfg, err := baseConfig(bundle)
	if err != nil {
		t.Fatal(err)
	}
	applyRuntime(cfg, rc, args)
	if err := writeConfig(bundle, cfg); err != nil {
		t.Fatal(err)
	}
	return bundle
}

// copyFile hard-links src to dst where possible, else copies it.
func copyFile(src, dst string, mode os.FileMode) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	return e2eutil.CopyFile(src, dst, mode)
}

// runcState is runc's --root for this suite, apart from other users' runc.
func runcState() string { return filepath.Join(workDir, "runc-state") }

// runContainer runs the bundle with `runc run` and returns exit code,
// stdout and stderr. The container is always deleted afterwards.
func runContainer(t *testing.T, bundle string) (int, string, string) {
	t.Helper()
	id := fmt.Sprintf("secctx-e2e-%d-%d", os.Getpid(), containerSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, runcBin, "--root", runcState(), "run", "--bundle", bundle, id)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	// Always remove the container, whatever happened.
	if out, derr := exec.Command(runcBin, "--root", runcState(), "delete", "-f", id).CombinedOutput(); derr != nil &&
		!strings.Contains(string(out), "does not exist") {
		t.Logf("runc delete -f %s: %v: %s", id, derr, out)
	}
	if ctx.Err() != nil {
		t.Fatalf("runc run %s timed out after %v\nstderr: %s", id, runTimeout, stderr.String())
	}
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("runc run %s: %v", id, err)
	}
	return code, stdout.String(), stderr.String()
}

// verify runs secctx in a container built from the manifest of p, the image
// and the runtime config rc, and parses its report.
func verify(t *testing.T, p pod, img image, rc runtimeConfig, extraArgs ...string) *result {
	t.Helper()
	r := runSecctx(t, p.yaml(), img, rc, extraArgs...)
	if r.Exit != 0 && r.Exit != 1 {
		t.Fatalf("secctx exited %d (want 0 or 1); runc or secctx failed\n%s", r.Exit, r.dump())
	}
	var rep report
	dec := json.NewDecoder(strings.NewReader(r.Stdout))
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("stdout is not one JSON report: %v\n%s", err, r.dump())
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value\n%s", r.dump())
	}
	schematest.Report(t, []byte(r.Stdout))
	r.Report = &rep
	checkContract(t, r, failOnOf(extraArgs))
	return r
}

// runSecctx runs `secctx verify` (secctxArgs plus extraArgs) in a container
// whose /spec.yaml is spec, without interpreting the outcome.
func runSecctx(t *testing.T, spec string, img image, rc runtimeConfig, extraArgs ...string) *result {
	t.Helper()
	args := append(append([]string(nil), secctxArgs...), extraArgs...)
	bundle := makeBundle(t, rootfsFiles{Spec: spec, Image: img}, rc, args)
	code, stdout, stderr := runContainer(t, bundle)
	return &result{Exit: code, Stdout: stdout, Stderr: stderr, Spec: spec, Config: rc, bundle: bundle}
}

// failOnOf returns the --fail-on value in args, else the default "low".
func failOnOf(args []string) string {
	for i, a := range args {
		if a == "--fail-on" && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--fail-on="); ok {
			return v
		}
	}
	return "low"
}

// checkContract asserts the report's shape: identity, summary counts that
// match the findings, valid statuses and severities, and a finding for
// every check id.
func checkContract(t *testing.T, r *result, failOn string) {
	t.Helper()
	rep := r.Report
	var problems []string
	if rep.APIVersion != "secctx/v1" || rep.Kind != "VerificationReport" {
		problems = append(problems, fmt.Sprintf("apiVersion/kind = %q/%q", rep.APIVersion, rep.Kind))
	}
	if rep.Target == nil {
		problems = append(problems, "no target")
	} else if c, _ := rep.Target["containerised"].(bool); !c {
		// In a runc container at least the bind-mounted rootfs and pid 1
		// give the container away.
		problems = append(problems, fmt.Sprintf("target.containerised is %v in a container; signs %v", rep.Target["containerised"], rep.Target["containerSigns"]))
	}
	counts := map[string]int{}
	rank := map[string]int{"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
	highest := ""
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		counts[f.Status]++
		seen[f.Check] = true
		if _, ok := rank[f.Severity]; !ok {
			problems = append(problems, fmt.Sprintf("%s: severity %q", f.Check, f.Severity))
		}
		switch f.Status {
		case "ok", "unknown", "skipped":
			if f.Severity != "info" {
				problems = append(problems, fmt.Sprintf("%s: status %s with severity %s", f.Check, f.Status, f.Severity))
			}
		case "drift":
			if highest == "" || rank[f.Severity] > rank[highest] {
				highest = f.Severity
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: status %q", f.Check, f.Status))
		}
		if !slices.Contains(checkIDs, f.Check) {
			problems = append(problems, fmt.Sprintf("unknown check id %q", f.Check))
		}
	}
	for _, id := range checkIDs {
		if !seen[id] {
			problems = append(problems, fmt.Sprintf("no finding for check %s", id))
		}
	}
	s := rep.Summary
	if s.OK != counts["ok"] || s.Drift != counts["drift"] || s.Unknown != counts["unknown"] || s.Skipped != counts["skipped"] {
		problems = append(problems, fmt.Sprintf("summary %+v does not count the findings %v", s, counts))
	}
	if s.HighestSeverity != highest {
		problems = append(problems, fmt.Sprintf("summary.highestSeverity %q, findings' highest drift %q", s.HighestSeverity, highest))
	}
	wantExit := 0
	if highest != "" && rank[highest] >= rank[failOn] {
		wantExit = 1
	}
	if r.Exit != wantExit {
		problems = append(problems, fmt.Sprintf("exit %d but the findings' highest drift is %q (want exit %d with --fail-on %s)", r.Exit, highest, wantExit, failOn))
	}
	if len(problems) > 0 {
		t.Errorf("report breaks the CLI contract:\n  %s\n%s", strings.Join(problems, "\n  "), r.dump())
	}
}

// diagnose runs the same container with a shell that prints what the kernel
// says, for failure messages: it shows whether runc applied the config.
func diagnose(t *testing.T, r *result) {
	t.Helper()
	script := "cat /proc/self/status; cat /proc/self/uid_map; cat /proc/self/mountinfo"
	args := []string{"/bin/sh", "-c", script}
	img := image{}
	if p, err := os.ReadFile(filepath.Join(r.bundle, "rootfs/etc/passwd")); err == nil {
		img.Passwd = string(p)
	}
	if g, err := os.ReadFile(filepath.Join(r.bundle, "rootfs/etc/group")); err == nil {
		img.Group = string(g)
	}
	bundle := makeBundle(t, rootfsFiles{Spec: r.Spec, Image: img}, r.Config, args)
	code, stdout, stderr := runContainer(t, bundle)
	t.Logf("diagnosis: the same container running %q (exit %d):\n%s%s", script, code, stdout, stderr)
}
