package schematest

import (
	"strings"
	"testing"
)

// TestWatchLineSchema: the schema accepts a real line and refuses what a
// line must not be.
func TestWatchLineSchema(t *testing.T) {
	t.Parallel()
	good := `{"level":"warn","event":"change","container":"app","workload":"Pod/web","spec":"test","processes":3,` +
		`"firstProcesses":[{"pid":20,"comm":"nginx"}],"drift":1,"summary":{"ok":18,"drift":1,"unknown":0,"skipped":2,"highestSeverity":"high"},` +
		`"changes":[{"kind":"drift","check":"runAsUser","severity":"high","processes":{"count":1,"first":[{"pid":21,"comm":"nginx"}]},"observed":"1001","previous":"1000"}],` +
		`"drifts":[{"check":"runAsUser","severity":"high","processes":{"count":1,"first":[{"pid":21,"comm":"nginx"}]},"expected":"1000","observed":"0"}],` +
		`"time":"2026-03-01T12:01:00.000Z","message":"container app: state changed: 1 drift"}`
	for _, tc := range []struct {
		name string
		line string
		ok   bool
	}{
		{"a change line", good, true},
		{"a heartbeat", strings.Replace(strings.Replace(good, `"event":"change"`, `"event":"heartbeat"`, 1),
			`"changes":[{"kind":"drift","check":"runAsUser","severity":"high","processes":{"count":1,"first":[{"pid":21,"comm":"nginx"}]},"observed":"1001","previous":"1000"}],`, "", 1), true},
		{"changes on a heartbeat", strings.Replace(good, `"event":"change"`, `"event":"heartbeat"`, 1), false},
		{"the report", strings.Replace(good, `"drift":1,`, `"drift":1,"report":{},`, 1), false},
		{"no summary", strings.Replace(good, `"summary":{"ok":18,"drift":1,"unknown":0,"skipped":2,"highestSeverity":"high"},`, "", 1), false},
		{"unknown event", strings.Replace(good, `"event":"change"`, `"event":"changed"`, 1), false},
		{"unknown kind", strings.Replace(good, `"kind":"drift"`, `"kind":"new"`, 1), false},
		{"an unbounded process list", strings.Replace(good, `"firstProcesses":[{"pid":20,"comm":"nginx"}]`,
			`"firstProcesses":[`+strings.Repeat(`{"pid":20,"comm":"nginx"},`, 5)+`{"pid":20,"comm":"nginx"}]`, 1), false},
		{"a process list as an array", strings.Replace(good, `"processes":{"count":1,"first":[{"pid":21,"comm":"nginx"}]},"observed"`,
			`"processes":[{"pid":21,"comm":"nginx"}],"observed"`, 1), false},
		{"a long container name", strings.Replace(good, `"container":"app"`, `"container":"`+strings.Repeat("a", 200)+`"`, 1), false},
		{"a bad time", strings.Replace(good, `2026-03-01T12:01:00.000Z`, `yesterday`, 1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckWatchLine([]byte(tc.line))
			if (err == nil) != tc.ok {
				t.Fatalf("valid = %v, want %v: %v", err == nil, tc.ok, err)
			}
		})
	}
}

// TestCheckWatchLinesLength: a line over the bound fails the check.
func TestCheckWatchLinesLength(t *testing.T) {
	t.Parallel()
	ft := &fakeTB{TB: t}
	CheckWatchLines(ft, `{"level":"info","message":"`+strings.Repeat("x", MaxLineBytes)+`"}`+"\n")
	if ft.errors == 0 {
		t.Fatal("a line over 12 KiB passed")
	}
}

// fakeTB counts errors instead of failing.
type fakeTB struct {
	testing.TB
	errors int
}

func (f *fakeTB) Errorf(string, ...any) { f.errors++ }
func (f *fakeTB) Helper()               {}
