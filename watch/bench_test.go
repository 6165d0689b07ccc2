package watch_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/secctx/secctx/watch"
)

// benchWatcher builds a pod of n processes in one "app" container, secctx
// in its own container, and a watcher with --target others; distinct gives
// every process its own uid, so that no two share a comparison.
func benchWatcher(b *testing.B, n int, distinct bool) *watch.Watcher {
	b.Helper()
	pt := newProcTree(b, appProc(7, "secctx", "secctx"))
	pt.add(pauseProc())
	for i := 0; i < n; i++ {
		p := appProc(100+i, "nginx", "app")
		if distinct {
			p.UID = allIDs(int64(10000 + i))
		}
		pt.add(p)
	}
	w, err := watch.New(watch.Config{
		Pipeline: pipeline(pt, staticSpec(podYAML)),
		Targets:  mustTargets(b, "others"),
		Interval: time.Minute,
		Out:      zerolog.New(io.Discard),
		Log:      zerolog.Nop(),
	})
	if err != nil {
		b.Fatal(err)
	}
	r := w.Cycle() // the initial line, and a check that all n are seen
	if got := len(r[0].Target.Processes); got != n {
		b.Fatalf("verified %d processes, want %d", got, n)
	}
	// Every uid differs from the declared 1000: one drift finding each.
	if distinct && len(findings(r[0], "runAsUser")) != n {
		b.Fatalf("%d runAsUser findings for %d distinct uids", len(findings(r[0], "runAsUser")), n)
	}
	return w
}

func runCycles(b *testing.B, w *watch.Watcher, n int) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Cycle()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/process")
}

// BenchmarkCycle is the time to verify N processes: one watcher cycle over
// N identical processes of one container (ns/op), which read each process's
// status and LSM label, the container's files once and compare once.
func BenchmarkCycle(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		// Built once: a sub-benchmark's function runs again for each b.N
		// tried, and writing the tree costs more than the cycles.
		w := benchWatcher(b, n, false)
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { runCycles(b, w, n) })
	}
}

// BenchmarkCycleDistinct is the worst case: every process in a state of its
// own, so every one is compared and reported separately.
func BenchmarkCycleDistinct(b *testing.B) {
	w := benchWatcher(b, 1000, true)
	b.Run("N=1000", func(b *testing.B) { runCycles(b, w, 1000) })
}

// maxLine is a writer that keeps the length of the longest line written.
type maxLine struct{ max, lines int }

func (m *maxLine) Write(p []byte) (int, error) {
	for _, l := range bytes.Split(bytes.TrimSuffix(p, []byte("\n")), []byte("\n")) {
		m.max = max(m.max, len(l)+1)
		m.lines++
	}
	return len(p), nil
}

// BenchmarkWatchLines1000 is a cycle over 1000 processes, each in a state
// of its own and drifting, that writes a line every cycle (a heartbeat:
// the summary and the drifts), after a first line and a change line in
// which all 1000 changed; it reports the longest line written.
func BenchmarkWatchLines1000(b *testing.B) {
	const n = 1000
	pt := newProcTree(b, appProc(7, "secctx", "secctx"))
	pt.add(pauseProc())
	for i := 0; i < n; i++ {
		p := appProc(100+i, "nginx", "app")
		p.UID = allIDs(int64(10000 + i))
		pt.add(p)
	}
	out := &maxLine{}
	now := t0
	w, err := watch.New(watch.Config{
		Pipeline:  pipeline(pt, staticSpec(podYAML)),
		Targets:   mustTargets(b, "others"),
		Interval:  time.Minute,
		Heartbeat: time.Nanosecond,
		Out:       zerolog.New(out).With().Timestamp().Logger(),
		Log:       zerolog.Nop(),
		Now:       func() time.Time { now = now.Add(time.Second); return now },
	})
	if err != nil {
		b.Fatal(err)
	}
	w.Cycle()
	for i := 0; i < n; i++ {
		pt.update(100+i, setUID(int64(30000+i)))
	}
	w.Cycle() // the change line: 2000 changes
	if out.lines != 2 {
		b.Fatalf("%d lines before the benchmark, want 2", out.lines)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Cycle()
	}
	b.StopTimer()
	b.ReportMetric(float64(out.max), "longest-line-bytes")
	if out.max >= watch.MaxLineBytes {
		b.Fatalf("a line of %d bytes", out.max)
	}
}
