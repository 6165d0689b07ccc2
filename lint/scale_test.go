package lint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/secctx/secctx/internal/poddump"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/report"
)

// TestListOverTheLimit: a List of 1,500 pods, over the per-document size
// limit (and the YAML node budget), as kubectl prints it in YAML and in
// JSON, is read item by item, and its findings and workloads are those of
// its pods linted one by one, at the item's path and at the stream's
// lines.
func TestListOverTheLimit(t *testing.T) {
	t.Parallel()
	const n = 1500 // the dump of the issue: 1.8 MB of YAML
	for _, asJSON := range []bool{false, true} {
		t.Run(map[bool]string{false: "yaml", true: "json"}[asJSON], func(t *testing.T) {
			t.Parallel()
			var dump bytes.Buffer
			if err := poddump.Write(&dump, n, asJSON); err != nil {
				t.Fatal(err)
			}
			if dump.Len() <= manifest.MaxSpecSize {
				t.Fatalf("the dump is %d bytes, not over the limit", dump.Len())
			}
			got, err := Run([]Input{{Name: "dump", Data: dump.Bytes()}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Where each item starts, and how far its lines are indented.
			var starts []int
			sc := bufio.NewScanner(bytes.NewReader(dump.Bytes()))
			for line := 1; sc.Scan(); line++ {
				if l := sc.Text(); (!asJSON && strings.HasPrefix(l, "- ")) || (asJSON && l == "        {") {
					starts = append(starts, line)
				}
			}
			if len(starts) != n {
				t.Fatalf("%d items found in the dump", len(starts))
			}
			indent := map[bool]int{false: 2, true: 8}[asJSON]
			want := &Result{}
			for i := 0; i < n; i++ {
				var pod []byte
				if asJSON {
					pod, err = json.MarshalIndent(poddump.Pod(i), "", "    ")
				} else {
					pod, err = yaml.Marshal(poddump.Pod(i))
				}
				if err != nil {
					t.Fatal(err)
				}
				one, err := Run([]Input{{Name: "dump", Data: pod}}, Options{})
				if err != nil {
					t.Fatal(err)
				}
				at := fmt.Sprintf("items[%d]", i)
				for _, f := range one.Findings {
					f.Field = joinPath(at, f.Field)
					f.Line, f.Column = f.Line+starts[i]-1, f.Column+indent
					f.item = i + 1
					want.Findings = append(want.Findings, f)
				}
				for _, w := range one.Workloads {
					w.Line += starts[i] - 1
					w.SpecPath = joinPath(at, w.SpecPath)
					w.item = i + 1
					for j := range w.PodSecurity.Violations {
						v := &w.PodSecurity.Violations[j]
						v.Field = joinPath(at, v.Field)
						v.Line += starts[i] - 1
					}
					want.Workloads = append(want.Workloads, w)
				}
			}
			if len(got.Findings) == 0 || len(got.Workloads) != n {
				t.Fatalf("%d findings, %d workloads", len(got.Findings), len(got.Workloads))
			}
			if len(got.Findings) != len(want.Findings) {
				t.Fatalf("%d findings, linted one by one %d", len(got.Findings), len(want.Findings))
			}
			for i := range got.Findings {
				if !reflect.DeepEqual(got.Findings[i], want.Findings[i]) {
					t.Fatalf("finding %d:\n got %+v\nwant %+v", i, got.Findings[i], want.Findings[i])
				}
			}
			for i := range got.Workloads {
				if !reflect.DeepEqual(got.Workloads[i], want.Workloads[i]) {
					g, _ := json.Marshal(got.Workloads[i])
					w, _ := json.Marshal(want.Workloads[i])
					t.Fatalf("workload %d:\n got %s\nwant %s", i, g, w)
				}
			}
		})
	}
}

// TestOutput: the report Output renders part by part, through its spool
// in memory and in a file, has the bytes of the writers of a whole
// report, in every format.
func TestOutput(t *testing.T) {
	var dump bytes.Buffer
	if err := poddump.Write(&dump, 300, false); err != nil {
		t.Fatal(err)
	}
	inputs := []Input{{Name: "b.yaml", Data: dump.Bytes()},
		{Name: "a.yaml", Data: []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {containers: [{name: a, image: b, securityContext: {runAsUser: -1}}]}\n---\n" +
			"apiVersion: v1\nkind: Pod\nmetadata: {name: \"es\\u001b[31mc\"}\nspec: {containers: [{name: a, image: b}]}\n")}}
	res, err := Run(inputs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report()
	const version = "1.2.3"
	cases := []struct {
		format Format
		write  func(*bytes.Buffer) error
	}{
		{FormatText, func(b *bytes.Buffer) error {
			var raw bytes.Buffer
			err := WriteText(&raw, rep)
			b.WriteString(report.EscapeLines(raw.String()))
			return err
		}},
		{FormatJSON, func(b *bytes.Buffer) error { return WriteJSON(b, rep) }},
		{FormatYAML, func(b *bytes.Buffer) error { return report.WriteYAML(b, rep) }},
		{FormatSARIF, func(b *bytes.Buffer) error { return WriteSARIF(b, rep, version) }},
	}
	for _, memory := range []int{1 << 20, 1 << 10} {
		spoolMemory = memory
		for _, c := range cases {
			var want, got bytes.Buffer
			if err := c.write(&want); err != nil {
				t.Fatal(err)
			}
			out := NewOutput(c.format, res.Profile, LatestPSSVersion, version)
			if err := RunEach(inputs, Options{}, out.Add); err != nil {
				t.Fatal(err)
			}
			if memory < 1<<20 && out.a.f == nil {
				t.Fatalf("format %d: the spool stayed in memory", c.format)
			}
			if err := out.Write(&got); err != nil {
				t.Fatal(err)
			}
			out.Close()
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				g, w := got.String(), want.String()
				i := 0
				for i < len(g) && i < len(w) && g[i] == w[i] {
					i++
				}
				t.Errorf("format %d, spool %d: differs at byte %d:\n got %q\nwant %q", c.format, memory, i, g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
			}
			if out.Failing(rep.Summary.HighestSeverity) != res.Failing(rep.Summary.HighestSeverity) || out.Summary().Findings != rep.Summary.Findings {
				t.Errorf("format %d: summary or failing differs", c.format)
			}
		}
	}
	spoolMemory = 1 << 20
}

// BenchmarkRunEachList lints the 1,500-pod dump, a List over the
// limits read item by item, into the JSON report's spool.
func BenchmarkRunEachList(b *testing.B) {
	var dump bytes.Buffer
	if err := poddump.Write(&dump, 1500, false); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(dump.Len()))
	for b.Loop() {
		out := NewOutput(FormatJSON, "containerd", LatestPSSVersion, "dev")
		if err := RunEach([]Input{{Name: "-", Data: dump.Bytes()}}, Options{}, out.Add); err != nil {
			b.Fatal(err)
		}
		if out.Summary().Workloads != 1500 {
			b.Fatalf("%d workloads", out.Summary().Workloads)
		}
		out.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1500/1e3, "µs/pod")
}
