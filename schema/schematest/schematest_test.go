package schematest

import (
	"strings"
	"testing"
)

// specError is a spec_error line as the watcher writes it.
const specError = `{"level":"error","event":"spec_error","spec":"file:/etc/secctx/pod.yaml",` +
	`"error":"pod.yaml: Pod/web: spec.containers[0].securityContext.runAsUsr: unknown field (did you mean \"runAsUser\"?)",` +
	`"lastGood":false,"time":"2026-03-01T12:01:00.000Z","message":"spec rejected: nothing is verified until a good one loads"}`

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
		{"an error on a container line", strings.Replace(good, `"drift":1,`, `"drift":1,"error":"x",`, 1), false},
		{"a container line at level error", strings.Replace(good, `"level":"warn"`, `"level":"error"`, 1), false},
		{"a spec error", specError, true},
		{"a spec error without lastGood", strings.Replace(specError, `"lastGood":false,`, "", 1), false},
		{"a spec error without its error", strings.Replace(specError, `"error":"pod.yaml: Pod/web: spec.containers[0].securityContext.runAsUsr: unknown field (did you mean \"runAsUser\"?)",`, "", 1), false},
		{"a spec error at level info", strings.Replace(specError, `"level":"error"`, `"level":"info"`, 1), false},
		{"a spec error with a container", strings.Replace(specError, `"lastGood":false,`, `"lastGood":false,"container":"app",`, 1), false},
		{"a spec error with an unbounded error", strings.Replace(specError, `"error":"pod.yaml`, `"error":"`+strings.Repeat("x", 500), 1), false},
		{"a spec recovered", `{"level":"info","event":"spec_recovered","spec":"file:/etc/secctx/pod.yaml","time":"2026-03-01T12:02:00.000Z","message":"the spec loads again; verification resumes"}`, true},
		{"a spec recovered with an error", `{"level":"info","event":"spec_recovered","error":"x","time":"2026-03-01T12:02:00.000Z","message":"m"}`, false},
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
