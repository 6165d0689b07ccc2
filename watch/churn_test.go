package watch_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/verify"
)

// churnPod declares the churning processes' container without a user, so
// that whoever runs the test, their findings stay the same cycle after
// cycle.
const churnPod = `apiVersion: v1
kind: Pod
metadata: {name: churn}
spec:
  containers:
  - name: app
    image: x
`

// churn starts short-lived processes named comm (a link to /bin/sleep)
// until ctx is done, each living 1 to 20 ms; it returns how many ran.
func churn(ctx context.Context, t *testing.T, comm string) *atomic.Int64 {
	t.Helper()
	n := &atomic.Int64{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				cmd := exec.Command(comm, "0.00"+string(rune('1'+(i+w)%9)))
				if err := cmd.Start(); err != nil {
					t.Errorf("starting %s: %v", comm, err)
					return
				}
				n.Add(1)
				// Reaped a little later: for a while each is a zombie.
				go func() { time.Sleep(5 * time.Millisecond); _ = cmd.Wait() }()
				time.Sleep(2 * time.Millisecond)
			}
		}(w)
	}
	t.Cleanup(wg.Wait)
	return n
}

// churnCommand makes a command named secctxchurn (a link to /bin/sleep)
// and starts one long-lived process of it.
func churnCommand(t *testing.T) string {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	comm := filepath.Join(t.TempDir(), "secctxchurn")
	if err := os.Symlink(sleep, comm); err != nil {
		t.Fatal(err)
	}
	steady := exec.Command(comm, "60")
	if err := steady.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = steady.Process.Kill(); _ = steady.Wait() })
	return comm
}

// TestChurnMakesNoLines: on the real /proc, processes that start, exit,
// linger as zombies and are reaped while the watcher scans them make no
// change line and no unknown finding, for a bounded time.
func TestChurnMakesNoLines(t *testing.T) {
	if testing.Short() {
		t.Skip("churn")
	}
	comm := churnCommand(t)
	h := newRealHarness(t, staticSpec(churnPod), "app=comm:secctxchurn")
	h.initial("app")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	started := churn(ctx, t, comm)
	cycles, seen := 0, 0
	for ctx.Err() == nil {
		h.advance(time.Second) // far from the hourly heartbeat
		lines := h.cycle()
		cycles++
		if len(lines) != 0 {
			t.Fatalf("cycle %d under churn wrote %d lines:\n%s", cycles, len(lines), rawLines(lines))
		}
		r := h.w.Snapshot().Reports[0]
		seen += len(r.Target.Processes)
		for _, f := range r.Findings {
			if f.Status == report.StatusUnknown {
				t.Fatalf("cycle %d: %s unknown: %s", cycles, f.Check, f.Message)
			}
		}
	}
	t.Logf("%d cycles, %d processes started, %d process observations", cycles, started.Load(), seen)
	if cycles < 10 || started.Load() < 50 || seen <= cycles {
		t.Errorf("too little churn to tell: %d cycles, %d processes, %d observations", cycles, started.Load(), seen)
	}
}

// TestSpecReloadUnderChurn: a spec rewritten while processes churn is
// applied at the next cycle, with one change line naming only what the new
// spec changes.
func TestSpecReloadUnderChurn(t *testing.T) {
	if testing.Short() {
		t.Skip("churn")
	}
	comm := churnCommand(t)
	path := filepath.Join(t.TempDir(), "pod.yaml")
	// The two specs differ in runAsGroup: not declared (the gid of the
	// process's uid in the image's passwd: ok), or declared as a gid the
	// processes do not run with (drift), so each reload is one change line,
	// a drift or its resolution.
	gid := os.Getgid() + 12345
	withGroup := strings.Replace(churnPod, "    image: x\n", "    image: x\n    securityContext: {runAsGroup: "+strconv.Itoa(gid)+"}\n", 1)
	writeSpec(t, path, churnPod)
	h := newRealHarness(t, fileSpec(path), "app=comm:secctxchurn")
	h.initial("app")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	churn(ctx, t, comm)
	reloads := 0
	for i := 0; ctx.Err() == nil; i++ {
		if i%5 == 4 {
			spec := churnPod
			if reloads%2 == 0 {
				spec = withGroup
			}
			writeSpec(t, path, spec)
			reloads++
		}
		h.advance(time.Second) // far from the hourly heartbeat
		lines := h.cycle()
		want := 0
		if i%5 == 4 {
			want = 1
		}
		if len(lines) != want {
			t.Fatalf("cycle %d (reload %v): %d lines, want %d:\n%s", i, i%5 == 4, len(lines), want, rawLines(lines))
		}
		for _, l := range lines {
			for _, c := range l.Changes {
				if c.Check != "runAsGroup" {
					t.Errorf("reload %d: change of %s: %s", reloads, c.Check, describe(c))
				}
			}
		}
	}
	if reloads < 3 {
		t.Errorf("only %d reloads", reloads)
	}
}

// newRealHarness is a harness over this machine's /proc.
func newRealHarness(t *testing.T, src verify.SpecSource, targets ...string) *harness {
	t.Helper()
	return newHarnessFS(t, probe.NewFS("/proc"), src, targets...)
}
