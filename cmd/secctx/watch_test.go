package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secctx/secctx/schema/schematest"
)

// The watch command is tested as a process: it installs signal handlers
// and a soft memory limit, neither of which belongs in the test binary.

// secctxBinary returns the command built once for the package (see
// TestMain).
func secctxBinary(tb testing.TB) string {
	tb.Helper()
	bin, err := built.get()
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

// watchCmd prepares `BIN watch ARGS` with an environment free of SECCTX_
// settings.
func watchCmd(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, append([]string{"watch"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SECCTX_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}

// watchLine is the part of a stdout line these tests look at.
type watchLine struct {
	Level, Time, Event, Container string
	FirstProcesses                []struct{ PID int } `json:"firstProcesses"`
}

// parseWatchLine decodes a line, which must match the line schema.
func parseWatchLine(t *testing.T, s string) watchLine {
	t.Helper()
	schematest.CheckWatchLines(t, s)
	var l watchLine
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		t.Fatalf("stdout line is not JSON: %v\n%s", err, s)
	}
	return l
}

// TestWatchStopsOnSignal: after the first line, SIGTERM or SIGINT ends the
// loop (and the HTTP server) with exit 0 within a second.
func TestWatchStopsOnSignal(t *testing.T) {
	bin := secctxBinary(t)
	spec := writeFile(t, "pod.yaml", pod)
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		args []string
	}{
		{"SIGTERM", syscall.SIGTERM, nil},
		{"SIGINT", syscall.SIGINT, nil},
		{"SIGTERM with listener", syscall.SIGTERM, []string{"--listen", "127.0.0.1:0"}},
		{"SIGINT with listener", syscall.SIGINT, []string{"--listen", "127.0.0.1:0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := watchCmd(bin, append([]string{"--interval", "100ms", "--spec", spec}, tc.args...)...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			first := make(chan string, 1)
			rest := make(chan string, 1)
			go func() {
				br := bufio.NewReader(stdout)
				line, _ := br.ReadString('\n')
				first <- line
				more, _ := io.ReadAll(br)
				rest <- string(more)
			}()
			var line string
			select {
			case line = <-first:
			case <-time.After(20 * time.Second):
				t.Fatalf("no stdout line within 20s; stderr:\n%s", stderr.String())
			}
			l := parseWatchLine(t, line)
			if l.Event != "initial" || l.Container != "app" || len(l.FirstProcesses) != 1 || l.FirstProcesses[0].PID != cmd.Process.Pid {
				t.Errorf("first line: event %q container %q processes %+v (secctx is %d)", l.Event, l.Container, l.FirstProcesses, cmd.Process.Pid)
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			done := make(chan error, 1)
			go func() {
				<-rest // Wait must not close the pipe before it is drained
				done <- cmd.Wait()
			}()
			select {
			case err := <-done:
				if code := exitCode(err); code != 0 {
					t.Errorf("exit %d (%v) after %v, want 0; stderr:\n%s", code, err, tc.sig, stderr.String())
				}
				if d := time.Since(start); d > time.Second {
					t.Errorf("took %v to exit after %v, want under 1s", d, tc.sig)
				}
			case <-time.After(time.Second):
				t.Fatalf("still running 1s after %v; stderr:\n%s", tc.sig, stderr.String())
			}
			if !strings.Contains(stderr.String(), "stopped") {
				t.Errorf("stderr lacks the stop message:\n%s", stderr.String())
			}
		})
	}
}

// fifo makes a FIFO that no one writes.
func fifo(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "spec.fifo")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWatchUsage: bad flags are exit 2 before anything runs. A bad spec
// is not one: TestWatchBadSpec.
func TestWatchUsage(t *testing.T) {
	bin := secctxBinary(t)
	spec := writeFile(t, "pod.yaml", pod)
	for _, tc := range []struct {
		name    string
		args    []string
		env     []string
		oneLine bool   // stderr must be exactly one line
		want    string // in stderr
	}{
		{"interval too short", []string{"--interval", "1ms"}, nil, true, "--interval"},
		{"negative cycles", []string{"--cycles", "-1"}, nil, true, "--cycles"},
		{"bad target", []string{"--target", "bogus"}, nil, false, "bogus"},
		{"reserved port 10250", []string{"--listen", ":10250"}, nil, true, "10250"},
		{"reserved port 111", []string{"--listen", "127.0.0.1:111"}, nil, true, "111"},
		{"listen without port", []string{"--listen", "9102"}, nil, true, "--listen"},
		{"bad interval env", nil, []string{"SECCTX_INTERVAL=soon"}, true, "SECCTX_INTERVAL"},
		{"bad target env", nil, []string{"SECCTX_TARGET=self,pid:x"}, true, "SECCTX_TARGET"},
		{"container twice", []string{"--target", "app=self", "--target", "app=others"}, nil, true, "twice"},
		{"unknown profile", []string{"--profile", "rkt"}, nil, true, "--profile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !slices.Contains(args, "--spec") {
				args = append([]string{"--spec", spec}, args...)
			}
			cmd := watchCmd(bin, args...)
			cmd.Env = append(cmd.Env, tc.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running after 10s (it should refuse at once); stdout:\n%.300s", stdout.String())
			}
			if code := exitCode(err); code != exitUsage {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty:\n%.300s", stdout.String())
			}
			if n := strings.Count(strings.TrimRight(stderr.String(), "\n"), "\n") + 1; tc.oneLine && n != 1 {
				t.Errorf("stderr has %d lines, want 1:\n%s", n, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr.String())
			}
		})
	}
}

// TestWatchCycles: --cycles N runs N cycles and exits 0 by itself; an
// unchanging process gives one line, the initial one.
func TestWatchCycles(t *testing.T) {
	bin := secctxBinary(t)
	spec := writeFile(t, "pod.yaml", pod)
	cmd := watchCmd(bin, "--cycles", "3", "--interval", "10ms", "--spec", spec)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 {
			t.Fatalf("exit %d (%v); stderr:\n%s", code, err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("--cycles 3 still running after 20s; stderr:\n%s", stderr.String())
	}
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d stdout lines, want one initial line:\n%s", len(lines), stdout.String())
	}
	if l := parseWatchLine(t, lines[0]); l.Event != "initial" || l.Container != "app" {
		t.Errorf("line: event %q container %q", l.Event, l.Container)
	}
	// Diagnostics are JSON lines too.
	for _, s := range strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil || m["level"] == nil {
			t.Errorf("stderr line is not a JSON log line: %q", s)
		}
	}
}

// TestWatchCyclesWithListen: --cycles ends watch with --listen too; the
// server stops with the loop.
func TestWatchCyclesWithListen(t *testing.T) {
	bin := secctxBinary(t)
	spec := writeFile(t, "pod.yaml", pod)
	cmd := watchCmd(bin, "--cycles", "2", "--interval", "10ms", "--spec", spec, "--listen", "127.0.0.1:0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 {
			t.Fatalf("exit %d (%v); stderr:\n%s", code, err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("--cycles 2 --listen still running after 20s; stderr:\n%s", stderr.String())
	}
}
