package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/secctx/secctx/probe"
)

var workers = []Process{{PID: 10, Comm: "nginx"}, {PID: 11, Comm: "nginx"}, {PID: 12, Comm: "nginx"}}

// processFindings compares every process in full, as a one-shot verify of
// each would, with mod applied to the state of the process with that pid.
func processFindings(mods map[int]func(*probe.State)) []Finding {
	var out []Finding
	for _, p := range workers {
		o := obsNonRoot()
		o.PID, o.Comm = p.PID, p.Comm
		if m := mods[p.PID]; m != nil {
			m(o)
		}
		out = append(out, Compare(expNonRoot(), o)...)
	}
	return out
}

func pids(ps []Process) []int {
	out := make([]int, len(ps))
	for i, p := range ps {
		out[i] = p.PID
	}
	return out
}

func TestMerge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		mods map[int]func(*probe.State)
		// want maps "check status" to the pids of the merged finding;
		// nil means no Processes (shared scope).
		want map[string][]int
		n    int
	}{
		{name: "three identical processes",
			want: map[string][]int{"runAsUser ok": {10, 11, 12}, "capabilities.effective ok": {10, 11, 12},
				"fsGroup skipped": {10, 11, 12}, "procMount ok": nil, "hostUsers ok": nil,
				"readOnlyRootFilesystem ok": nil, "sysctls ok " + pingRange: nil},
			n: 21},
		{name: "one process runs as another uid",
			mods: map[int]func(*probe.State){11: func(s *probe.State) { s.UID = ids(1001) }},
			// runAsNonRoot's message names the uid, so it splits too
			want: map[string][]int{"runAsUser ok": {10, 12}, "runAsUser drift": {11},
				"runAsGroup ok": {10, 11, 12}, "procMount ok": nil},
			n: 23},
		{name: "two processes differ the same way",
			mods: map[int]func(*probe.State){
				10: func(s *probe.State) { s.NoNewPrivs = true },
				12: func(s *probe.State) { s.NoNewPrivs = true },
			},
			want: map[string][]int{"allowPrivilegeEscalation drift": {10, 12}, "allowPrivilegeEscalation ok": {11}},
			n:    22},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := processFindings(tc.mods)
			before := fmt.Sprint(in)
			got := Merge(in)
			if fmt.Sprint(in) != before {
				t.Error("Merge changed its input")
			}
			if len(got) != tc.n {
				t.Errorf("%d merged findings, want %d", len(got), tc.n)
			}
			byKey := map[string][]Finding{}
			for _, f := range got {
				k := string(f.Check) + " " + string(f.Status)
				if f.Subject != "" && f.Check == "sysctls" {
					k += " " + f.Subject
				}
				byKey[k] = append(byKey[k], f)
			}
			for k, w := range tc.want {
				fs := byKey[k]
				if len(fs) != 1 {
					t.Errorf("%s: %d findings, want 1", k, len(fs))
					continue
				}
				f := fs[0]
				if w == nil {
					if f.Processes != nil || f.Scope == "" {
						t.Errorf("%s: shared-scope finding with scope %q lists %v", k, f.Scope, f.Processes)
					}
					continue
				}
				if !slices.Equal(pids(f.Processes), w) {
					t.Errorf("%s: processes %v, want %v", k, pids(f.Processes), w)
				}
				if f.PID != w[0] {
					t.Errorf("%s: pid %d, want the first process %d", k, f.PID, w[0])
				}
				for _, p := range f.Processes {
					if p.Comm != "nginx" {
						t.Errorf("%s: process %+v", k, p)
					}
				}
			}
			// Merging keeps the order of first appearance: a differing
			// process's finding comes after those of the first process.
			var order []string
			for _, f := range got {
				if !slices.Contains(order, string(f.Check)) {
					order = append(order, string(f.Check))
				}
			}
			if !slices.Equal(order, contractIDs) {
				t.Errorf("order %q", order)
			}
		})
	}
}

func TestMergeEdges(t *testing.T) {
	t.Parallel()
	if got := Merge(nil); got == nil || len(got) != 0 {
		t.Errorf("Merge(nil) = %#v, want an empty list", got)
	}
	// A finding without a process (pid 0) lists none.
	fs := Merge([]Finding{{Check: "runAsUser", Status: StatusOK}, {Check: "runAsUser", Status: StatusOK}})
	if len(fs) != 1 || fs[0].Processes != nil {
		t.Errorf("pid-0 findings merged to %+v", fs)
	}
	// Processes the caller grouped already are kept and joined, and the
	// merged list is the merge's own (appending does not write through to
	// the caller's slice).
	shared := make([]Process, 1, 4)
	shared[0] = Process{PID: 8, Comm: "b"}
	fs = Merge([]Finding{
		{Check: "runAsUser", Status: StatusOK, PID: 7, Comm: "a"},
		{Check: "runAsUser", Status: StatusOK, Processes: shared},
		{Check: "runAsUser", Status: StatusOK, Processes: []Process{{PID: 9, Comm: "c"}}},
	})
	if len(fs) != 1 || !slices.Equal(pids(fs[0].Processes), []int{7, 8, 9}) || fs[0].PID != 7 {
		t.Errorf("grouped processes merged to %+v", fs)
	}
	fs = Merge([]Finding{{Check: "runAsUser", Status: StatusOK, Processes: shared}, {Check: "runAsUser", Status: StatusOK, PID: 5}})
	if shared[:2][1].PID == 5 {
		t.Errorf("Merge appended into the caller's slice")
	}
	if len(fs) != 1 || !slices.Equal(pids(fs[0].Processes), []int{8, 5}) || fs[0].PID != 8 {
		t.Errorf("grouped-first merge: %+v", fs)
	}
	// Equal expected values of different dynamic types stay apart only if
	// they encode differently; a different observed value splits.
	fs = Merge([]Finding{
		{Check: "c", Status: StatusDrift, Severity: SeverityHigh, Expected: "1", Observed: "a", PID: 1},
		{Check: "c", Status: StatusDrift, Severity: SeverityHigh, Expected: "1", Observed: "b", PID: 2},
		{Check: "c", Status: StatusDrift, Severity: SeverityHigh, Expected: "1", Observed: "a", PID: 3},
	})
	if len(fs) != 2 || !slices.Equal(pids(fs[0].Processes), []int{1, 3}) || !slices.Equal(pids(fs[1].Processes), []int{2}) {
		t.Errorf("split by observed value: %+v", fs)
	}
	// Subjects keep findings apart.
	fs = Merge([]Finding{
		{Check: "sysctls", Subject: "a", Status: StatusOK, Scope: "pod", PID: 1},
		{Check: "sysctls", Subject: "b", Status: StatusOK, Scope: "pod", PID: 1},
		{Check: "sysctls", Subject: "a", Status: StatusOK, Scope: "pod", PID: 2},
	})
	if len(fs) != 2 || fs[0].Processes != nil || fs[0].PID != 1 {
		t.Errorf("pod-scope merge: %+v", fs)
	}
}

// TestNewMerged follows the watcher: per-process checks for each process,
// container and pod checks once.
func TestNewMerged(t *testing.T) {
	t.Parallel()
	e := expNonRoot()
	var in []Finding
	for i, p := range workers {
		o := obsNonRoot()
		o.PID, o.Comm = p.PID, p.Comm
		if p.PID == 12 {
			o.Comm = "sh"
			o.UID = ids(1001)
		}
		if i == 0 {
			in = append(in, CompareScope(e, o, func(s Scope) bool { return s != ScopeProcess })...)
		}
		in = append(in, CompareScope(e, o, func(s Scope) bool { return s == ScopeProcess })...)
	}
	procs := []Process{workers[0], workers[1], {PID: 12, Comm: "sh"}}
	r := NewMerged(e, procs, in, SpecRef{Source: "deploy.yaml"}, testTime)

	if r.APIVersion != APIVersion || r.Kind != Kind || r.Profile != "containerd" || r.Target.Container != "app" ||
		r.Target.Workload != "Deployment/web" || r.Target.Namespace != "shop" || r.Target.ContainerKind != "container" {
		t.Errorf("header %+v", r)
	}
	if !slices.Equal(r.Target.Processes, procs) || r.Target.PID != 10 || r.Target.Comm != "nginx" {
		t.Errorf("target %+v", r.Target)
	}
	if r.Summary != Summarize(r.Findings) || r.Summary.Drift != 1 || r.Summary.HighestSeverity != SeverityHigh {
		t.Errorf("summary %+v", r.Summary)
	}
	for _, f := range r.Findings {
		switch {
		case f.Check == "runAsUser" && f.Status == StatusDrift:
			if !slices.Equal(pids(f.Processes), []int{12}) || f.PID != 12 || f.Comm != "sh" {
				t.Errorf("differing process: %+v", f)
			}
		case f.Check == "runAsUser" || f.Check == "runAsNonRoot": // their messages name the uid
			if !slices.Equal(pids(f.Processes), []int{10, 11}) && !slices.Equal(pids(f.Processes), []int{12}) {
				t.Errorf("agreeing processes: %+v", f)
			}
		default:
			// holds for every process: Target.Processes says which
			if f.Processes != nil {
				t.Errorf("%s lists %v although it holds for all", f.Check, f.Processes)
			}
		}
	}

	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Target struct {
			PID       int              `json:"pid"`
			Processes []map[string]any `json:"processes"`
		} `json:"target"`
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Target.PID != 10 || len(doc.Target.Processes) != 3 || doc.Target.Processes[2]["comm"] != "sh" {
		t.Errorf("JSON target %+v", doc.Target)
	}
	listed := 0
	for _, f := range doc.Findings {
		if _, has := f["processes"]; has {
			listed++
		}
	}
	if listed != 4 {
		t.Errorf("%d findings list processes, want 4 (runAsUser and runAsNonRoot, twice each)", listed)
	}

	// Without processes the target stays empty.
	r = NewMerged(e, nil, nil, SpecRef{}, testTime)
	if r.Target.PID != 0 || r.Target.Processes != nil || len(r.Findings) != 0 || r.Summary != (Summary{}) {
		t.Errorf("empty merged report %+v", r)
	}
}
