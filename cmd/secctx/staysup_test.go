package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a buffer a process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestWatchBadSpec: the sidecar with a spec that does not load (a FIFO, a
// misspelt field, a target not in the spec) keeps running: /healthz and
// /readyz answer 200, /metrics has secctx_spec_error 1, stdout a
// spec_error line; when the file becomes good, verification starts; SIGTERM
// ends it with exit 0.
func TestWatchBadSpec(t *testing.T) {
	bin := secctxBinary(t)
	for _, tc := range []struct {
		name   string
		make   func(t *testing.T) string // the bad spec file
		target string
		want   string // in the spec_error line's error
	}{
		{"misspelt field", func(t *testing.T) string {
			return writeFile(t, "pod.yaml", strings.Replace(pod, "runAsUser", "runAsUsr", 1))
		}, "app=self",
			`spec.containers[0].securityContext.runAsUsr: unknown field (did you mean \"runAsUser\"?)`},
		{"malformed", func(t *testing.T) string { return writeFile(t, "pod.yaml", "kind: Pod\n  bad: [") }, "app=self", "malformed YAML"},
		{"a FIFO", fifo, "app=self", "not a regular file (a FIFO)"},
		{"unknown container", func(t *testing.T) string { return writeFile(t, "pod.yaml", pod) }, "nope=self", `no container \"nope\"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec, addr := tc.make(t), freeAddr(t)
			cmd := watchCmd(bin, "--spec", spec, "--target", tc.target, "--interval", "50ms", "--listen", addr)
			var stdout, stderr syncBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done, exited := make(chan error, 1), make(chan struct{})
			go func() { done <- cmd.Wait(); close(exited) }()
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			get := func(path string) (int, string) {
				resp, err := http.Get("http://" + addr + path)
				if err != nil {
					return 0, err.Error()
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				return resp.StatusCode, string(b)
			}
			waitFor(t, done, &stderr, "ready with a bad spec", func() bool { c, _ := get("/readyz"); return c == 200 })
			// Still running well after its first cycles.
			time.Sleep(300 * time.Millisecond)
			select {
			case err := <-done:
				t.Fatalf("watch exited (%v) with a bad spec; stderr:\n%s", err, stderr.String())
			default:
			}
			if c, body := get("/healthz"); c != 200 {
				t.Errorf("/healthz %d %q", c, body)
			}
			if c, body := get("/report"); c != 503 || !strings.Contains(body, "no spec in force") {
				t.Errorf("/report %d %q", c, body)
			}
			if _, m := get("/metrics"); !strings.Contains(m, "secctx_spec_error 1\n") || !strings.Contains(m, "secctx_spec_loaded 0\n") {
				t.Errorf("metrics do not show the spec error:\n%s", m)
			}
			lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("stdout: want one spec_error line, got:\n%s", stdout.String())
			}
			l := parseWatchLine(t, lines[0])
			if l.Event != "spec_error" || l.Level != "error" || !strings.Contains(lines[0], tc.want) {
				t.Errorf("line %s, want a spec_error naming %s", lines[0], tc.want)
			}
			// The file becomes good: verification starts.
			good := pod
			if strings.HasPrefix(tc.target, "nope=") {
				good = strings.Replace(pod, "name: app", "name: nope", 1)
			}
			// Swapped in at once, as a ConfigMap update swaps its files: a
			// cycle between a remove and a write would see a missing
			// file, another problem with a line of its own.
			tmp := spec + ".new"
			if err := os.WriteFile(tmp, []byte(good), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, spec); err != nil {
				t.Fatal(err)
			}
			waitFor(t, done, &stderr, "verification after the good spec", func() bool { c, _ := get("/report"); return c == 200 })
			if _, m := get("/metrics"); !strings.Contains(m, "secctx_spec_error 0\n") || !strings.Contains(m, "secctx_spec_loaded 1\n") {
				t.Errorf("metrics after recovery:\n%s", m)
			}
			// The line is written before /report answers, but reaches
			// stdout through a pipe: wait for it there.
			waitFor(t, done, &stderr, "the initial line", func() bool { return strings.Contains(stdout.String(), `"event":"initial"`) })
			var events []string
			sc := bufio.NewScanner(strings.NewReader(stdout.String()))
			for sc.Scan() {
				events = append(events, parseWatchLine(t, sc.Text()).Event)
			}
			if strings.Join(events, " ") != "spec_error spec_recovered initial" {
				t.Errorf("events %q, want spec_error spec_recovered initial", events)
			}
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				if code := exitCode(err); code != 0 {
					t.Errorf("exit %d after SIGTERM, want 0; stderr:\n%s", code, stderr.String())
				}
			case <-time.After(5 * time.Second):
				t.Fatal("still running 5s after SIGTERM")
			}
		})
	}
}

// waitFor polls cond for up to 10s, failing if watch exits first.
func waitFor(t *testing.T, done chan error, stderr *syncBuffer, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("%s: watch exited (%v); stderr:\n%s", what, err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 10s; stderr:\n%s", what, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWatchCyclesBadSpec: a bounded run that never had a spec in force
// exits 2 after its cycles, with the error on stderr and the spec_error
// line on stdout.
func TestWatchCyclesBadSpec(t *testing.T) {
	bin := secctxBinary(t)
	spec := writeFile(t, "pod.yaml", strings.Replace(pod, "runAsUser", "runAsUsr", 1))
	cmd := watchCmd(bin, "--spec", spec, "--cycles", "2", "--interval", "10ms")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if code := exitCode(err); code != exitUsage {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr.String())
	}
	if l := parseWatchLine(t, strings.TrimRight(stdout.String(), "\n")); l.Event != "spec_error" {
		t.Errorf("stdout %q, want one spec_error line", stdout.String())
	}
	if !strings.Contains(stderr.String(), "runAsUsr") {
		t.Errorf("stderr does not name the field:\n%s", stderr.String())
	}
}

// TestVerifyNewerField: a securityContext field secctx does not know is
// no bad input: verify runs, reports it unknown with its path and the
// version, and verifies the fields it knows.
func TestVerifyNewerField(t *testing.T) {
	t.Parallel()
	spec := writeFile(t, "pod.yaml", strings.Replace(pod, "runAsUser: 1000", "runAsUser: 1000\n      futureIsolation: strict", 1))
	code, out, errOut := runCLI(t, nil, "", "verify", "--spec", spec, "-o", "json")
	if code == exitUsage {
		t.Fatalf("exit 2 for a newer field; stderr %s", errOut)
	}
	var r struct {
		Summary  struct{ Unknown int }
		Findings []struct{ Check, Subject, Status, Message string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var unknown, runAsUser int
	for _, f := range r.Findings {
		switch f.Check {
		case "unknownField":
			unknown++
			if f.Status != "unknown" || f.Subject != "spec.containers[0].securityContext.futureIsolation" ||
				!strings.Contains(f.Message, "is not known to secctx dev") {
				t.Errorf("finding %+v", f)
			}
		case "runAsUser":
			runAsUser++
			if f.Status == "unknown" || f.Status == "skipped" {
				t.Errorf("runAsUser not verified: %+v", f)
			}
		}
	}
	if unknown != 1 || runAsUser != 1 || r.Summary.Unknown < 1 {
		t.Errorf("%d unknownField and %d runAsUser findings, summary unknown %d", unknown, runAsUser, r.Summary.Unknown)
	}
	// lint accepts it too: no refusal.
	if code, out, errOut := runCLI(t, nil, "", "lint", spec); code == exitUsage || strings.Contains(out, "k8s-invalid") {
		t.Errorf("lint exit %d for a newer field: %s%s", code, out, errOut)
	}
}

// TestLintMisspelling: lint reports a misspelt securityContext field as
// the API server's refusal, naming the field and the one meant, and exits
// 1 (a finding, as lint reports every invalid object).
func TestLintMisspelling(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, from, to, want string }{
		{"dropped letter", "runAsUser", "runAsUsr", `(did you mean "runAsUser"?)`},
		{"swapped letters", "runAsUser", "runAsUesr", `(did you mean "runAsUser"?)`},
		{"pod field in a container", "runAsUser: 1000", "fsGroup: 1000", "(fsGroup is a field of the pod's securityContext)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := writeFile(t, "pod.yaml", strings.Replace(pod, tc.from, tc.to, 1))
			code, out, _ := runCLI(t, nil, "", "lint", "-o", "json", spec)
			if code != 1 || !strings.Contains(out, "k8s-invalid") || !strings.Contains(out, "containers[0].securityContext.") ||
				!strings.Contains(strings.ReplaceAll(out, `\"`, `"`), tc.want) {
				t.Errorf("lint exit %d, want 1 with a k8s-invalid finding naming %s:\n%s", code, tc.want, out)
			}
		})
	}
}
