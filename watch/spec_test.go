package watch_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secctx/secctx/watch"
)

// respond asks the watcher's endpoints, as a probe or a scrape would.
func respond(w *watch.Watcher, path string) (int, string) {
	r := watch.NewServer(w, "v1").Respond("GET", path)
	return r.Status, string(r.Body)
}

// TestInitialSpecBad: a spec that does not load at start does not stop the
// watcher: it runs with nothing to verify, is alive and ready after its
// first cycle (the pod stays Ready), and says why in a spec_error line,
// its metrics and /report; the first good spec is applied, and the
// containers get their initial lines.
func TestInitialSpecBad(t *testing.T) {
	for _, tc := range []struct {
		name    string
		spoil   func(t *testing.T, path string) // makes the file bad
		targets []string
		want    string // in the error
	}{
		{"malformed", func(t *testing.T, p string) { writeSpec(t, p, "kind: Pod\n  bad: [") }, nil, "malformed YAML"},
		{"misspelt field", func(t *testing.T, p string) { writeSpec(t, p, strings.Replace(podYAML, "runAsUser", "runAsUsr", 1)) }, nil,
			`spec.securityContext.runAsUsr: unknown field (did you mean "runAsUser"?)`},
		{"unknown container", func(t *testing.T, p string) { writeSpec(t, p, podYAML) }, []string{"nope=others"}, `no container "nope"`},
		{"missing file", func(*testing.T, string) {}, nil, "cannot read"},
		{"not a regular file", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}, nil, "not a regular file"},
		{"a directory", func(t *testing.T, p string) {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, nil, "pod.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt := appPod(t, 2)
			path := filepath.Join(t.TempDir(), "pod.yaml")
			tc.spoil(t, path)
			targets := tc.targets
			if targets == nil {
				targets = []string{"app=others"}
			}
			h := newHarness(t, pt, fileSpec(path), targets...)
			if code, body := respond(h.w, "/healthz"); code != 200 {
				t.Errorf("/healthz before the first cycle: %d %q", code, body)
			}
			lines := h.cycle()
			if len(lines) != 1 || lines[0].Event != "spec_error" || lines[0].Level != "error" || lines[0].LastGood ||
				!strings.Contains(lines[0].Error, tc.want) || lines[0].Spec != "file:"+path {
				t.Fatalf("first cycle: want one spec_error line (not lastGood, naming %q), got:\n%s", tc.want, rawLines(lines))
			}
			st := h.w.Snapshot()
			if !st.Ready() || st.SpecLoaded || !strings.Contains(st.SpecError, tc.want) || st.SpecErrors != 0 || len(st.Reports) != 0 {
				t.Errorf("status %+v", st)
			}
			for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/report": 503} {
				if code, body := respond(h.w, path); code != want {
					t.Errorf("%s: %d %q, want %d", path, code, body, want)
				}
			}
			if _, body := respond(h.w, "/report"); !strings.Contains(body, "no spec in force") || !strings.Contains(body, filepath.Base(path)) {
				t.Errorf("/report does not say why: %q", body)
			}
			_, metrics := respond(h.w, "/metrics")
			// No reload was rejected: there was nothing to keep in force.
			for _, m := range []string{"secctx_spec_error 1\n", "secctx_spec_loaded 0\n", "secctx_spec_reload_errors_total 0\n", "secctx_verify_cycles_total 1\n"} {
				if !strings.Contains(metrics, m) {
					t.Errorf("metrics lack %q:\n%s", m, metrics)
				}
			}
			// Still bad: no more lines until the heartbeat, nothing counted again.
			h.advance(time.Minute)
			if lines := h.cycle(); len(lines) != 0 {
				t.Errorf("the same bad spec wrote again:\n%s", rawLines(lines))
			}
			h.advance(time.Hour)
			if lines := h.cycle(); len(lines) != 1 || lines[0].Event != "spec_error" {
				t.Errorf("no spec_error line with the heartbeat:\n%s", rawLines(lines))
			}
			if st := h.w.Snapshot(); st.SpecErrors != 0 {
				t.Errorf("SpecErrors = %d, want 0", st.SpecErrors)
			}
			// Good: applied on the next cycle.
			if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			}
			good := podYAML
			if tc.targets != nil {
				good = strings.Replace(podYAML, "name: app", "name: nope", 1)
			}
			writeSpec(t, path, good)
			h.advance(time.Minute)
			lines = h.cycle()
			want := strings.TrimSuffix(targets[0], "=others")
			if len(lines) != 2 || lines[0].Event != "spec_recovered" || lines[1].Event != "initial" || lines[1].Container != want || lines[1].Drift != 0 {
				t.Fatalf("good spec not applied:\n%s", rawLines(lines))
			}
			st = h.w.Snapshot()
			if st.SpecError != "" || !st.SpecLoaded || len(st.Reports) != 1 || st.Reports[0].Spec.Error != "" {
				t.Errorf("status after recovery %+v", st)
			}
			if code, _ := respond(h.w, "/report"); code != 200 {
				t.Errorf("/report after recovery: %d", code)
			}
			_, metrics = respond(h.w, "/metrics")
			for _, m := range []string{"secctx_spec_error 0\n", "secctx_spec_loaded 1\n", "secctx_spec_reload_errors_total 0\n"} {
				if !strings.Contains(metrics, m) {
					t.Errorf("metrics after recovery lack %q", m)
				}
			}
		})
	}
}

// TestInitialSpecBadStatic: a bad spec that cannot change (inline, stdin)
// is reported and the watcher runs on, reporting it with each heartbeat.
func TestInitialSpecBadStatic(t *testing.T) {
	h := newHarness(t, appPod(t, 1), staticSpec("kind: Pod\n  bad: ["))
	lines := h.cycle()
	if len(lines) != 1 || lines[0].Event != "spec_error" || !strings.Contains(lines[0].Error, "malformed YAML") {
		t.Fatalf("want one spec_error line:\n%s", rawLines(lines))
	}
	if _, ok := lines[0].keys["spec"]; ok {
		t.Errorf("a spec that never loaded from no file is named: %s", lines[0].raw)
	}
	for i := 0; i < 3; i++ {
		h.advance(time.Hour)
		if lines := h.cycle(); len(lines) != 1 || lines[0].Event != "spec_error" {
			t.Errorf("heartbeat %d: %s", i, rawLines(lines))
		}
	}
	if code, _ := respond(h.w, "/readyz"); code != 200 {
		t.Errorf("/readyz %d", code)
	}
}

// TestSpecErrorLineBounded: an error as long as a manifest can make it
// stays within the line.
func TestSpecErrorLineBounded(t *testing.T) {
	pt := appPod(t, 1)
	path := filepath.Join(t.TempDir(), "pod.yaml")
	// A misspelt field with a very long container path: the error names it.
	long := strings.Replace(podYAML, "runAsUser", "runAsUsr", 1)
	long = strings.Replace(long, "name: web", "name: "+strings.Repeat("w", 5000), 1)
	writeSpec(t, path, long)
	h := newHarness(t, pt, fileSpec(path))
	lines := h.cycle() // parseLines holds it to the schema and the line bound
	if len(lines) != 1 || len([]rune(lines[0].Error)) > 401 || !strings.HasSuffix(lines[0].Error, "…") {
		t.Fatalf("want one bounded spec_error line:\n%.600s", rawLines(lines))
	}
}
