package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/secctx/secctx/internal/poddump"
)

// maxRSS is the peak resident memory any command that reads a spec may
// reach, whatever the spec up to the size limit.
const maxRSS = 32 << 20

// specCommands are the commands that read a spec, as run here.
var specCommands = [][]string{
	{"verify", "-o", "json"},
	{"expect", "-o", "json"},
	{"probe", "-o", "json"},
	{"watch", "--cycles", "1", "--interval", "10ms"},
}

// memorySpecs are the largest and most pathological specs: valid ones at
// the limits (size, YAML nodes, sysctls) and refused ones.
func memorySpecs(t *testing.T) []struct {
	name, spec string
	args       []string // selection flags
	exit2      bool     // refused
} {
	const max = 1 << 20
	pod := func(extra string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: b}]}\n" + extra
	}
	fill := func(head, unit, tail string, limit int) string {
		var b strings.Builder
		b.WriteString(head)
		for b.Len()+len(unit)+len(tail) < limit {
			b.WriteString(unit)
		}
		b.WriteString(tail)
		return b.String()
	}
	var containers strings.Builder
	containers.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: many}\nspec:\n  containers:\n")
	for i := 0; i < 1400; i++ {
		fmt.Fprintf(&containers, "  - name: c%d\n    image: registry.example.com/app:1.0\n    securityContext: {runAsUser: 1000, runAsGroup: 3000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}\n", i)
	}
	var env strings.Builder
	env.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: env}\nspec:\n  containers:\n  - name: app\n    image: x\n    env:\n")
	for i := 0; i < 11900; i++ {
		fmt.Fprintf(&env, "    - name: E%d\n      value: v%d\n", i, i)
	}
	jsonContainers := func() string {
		sc := `{"runAsUser":1000,"runAsGroup":3000,"readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]},"seccompProfile":{"type":"RuntimeDefault"}}`
		var b strings.Builder
		b.WriteString(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"many"},"spec":{"containers":[`)
		for i := 0; b.Len() < max-400; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"name":"c%d","image":"x","securityContext":%s}`, i, sc)
		}
		b.WriteString(`]}}`)
		return b.String()
	}
	var list strings.Builder
	list.WriteString(`{"apiVersion":"v1","kind":"List","items":[`)
	for i := 0; list.Len() < max-300; i++ {
		if i > 0 {
			list.WriteByte(',')
		}
		fmt.Fprintf(&list, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p%d"},"spec":{"containers":[{"name":"app","image":"x","securityContext":{"runAsUser":1000}}]}}`, i)
	}
	list.WriteString("]}")
	var sysctls strings.Builder
	sysctls.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    sysctls:\n")
	for i := 0; i < 512; i++ {
		fmt.Fprintf(&sysctls, "    - {name: net.ipv4.conf.eth%d.forwarding, value: \"1\"}\n", i)
	}
	sysctls.WriteString("  containers: [{name: a, image: b}]\n")
	type spec = struct {
		name, spec string
		args       []string
		exit2      bool
	}
	specs := []spec{
		{"YAML at the size limit (one long annotation)", fill("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a: \"", "x", "\"\nspec: {containers: [{name: a, image: b}]}\n", max), nil, false},
		{"YAML, 1400 containers (near the node budget)", containers.String(), []string{"--container", "c0"}, false},
		{"YAML, 11900 env entries (near the node budget)", env.String(), nil, false},
		{"YAML, a flow sequence of 29900 scalars (near the node budget)", pod("x: [" + strings.Repeat("0,", 29900) + "0]\n"), nil, false},
		{"YAML, 512 sysctls", sysctls.String(), nil, false},
		{"YAML, 9999-deep nesting (the parser's limit)", pod("x: " + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + "\n"), nil, false},
		{"JSON at the size limit, containers", jsonContainers(), []string{"--container", "c0"}, false},
		{"JSON at the size limit, a List of pods", list.String(), []string{"--workload", "Pod/p0"}, false},
		{"JSON at the size limit, a flow of scalars", fill(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"b"}]},"x":[0`, ",0", "]}", max), nil, false},
		{"YAML over the node budget (a megabyte of scalars)", fill(pod("x: [0"), ",0", "]\n", max), nil, true},
		{"YAML over the node budget (200000-deep nesting)", pod("x: " + strings.Repeat("{a: ", 200000) + "1" + strings.Repeat("}", 200000) + "\n"), nil, true},
		{"JSON 400000-deep nesting", `{"kind":"Pod","x":` + strings.Repeat("[", 400000) + strings.Repeat("]", 400000) + "}", nil, true},
		{"YAML alias expansion", pod("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"), nil, true},
		{"over the size limit", fill(pod("#"), "x", "\n", max+2), nil, true},
		{"too many sysctls", strings.Replace(sysctls.String(), "  containers:", "    - {name: kernel.shmmni, value: \"1\"}\n  containers:", 1), nil, true},
	}
	for _, s := range specs {
		if !s.exit2 && len(s.spec) > max {
			t.Fatalf("%s: %d bytes, over the limit", s.name, len(s.spec))
		}
	}
	return specs
}

// TestSpecMemory: every command that reads a spec stays under 32 MiB of
// resident memory on the largest valid specs and on the pathological ones,
// measured by the kernel as the command's peak RSS (maxrss). The command
// runs under /usr/bin/time, which forks it from its own small process: a
// child started straight from this test binary would inherit, in maxrss,
// the test binary's own RSS at the fork.
func TestSpecMemory(t *testing.T) {
	requireE2E(t)
	timeBin, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		t.Fatal("/usr/bin/time is not installed (run scripts/install-deps.sh)")
	}
	dir := t.TempDir()
	var table strings.Builder
	for i, sp := range memorySpecs(t) {
		path := filepath.Join(dir, fmt.Sprintf("spec%d", i))
		if strings.HasPrefix(sp.spec, "{") {
			path += ".json"
		} else {
			path += ".yaml"
		}
		if err := os.WriteFile(path, []byte(sp.spec), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&table, "%-52s %8d B", sp.name, len(sp.spec))
		for _, c := range specCommands {
			args := append(append([]string{c[0], "--spec", path}, sp.args...), c[1:]...)
			out := filepath.Join(dir, "maxrss")
			cmd := exec.Command(timeBin, append([]string{"-f", "%M", "-o", out, secctxBin}, args...)...)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = nil, &stderr
			err := cmd.Run()
			code := cmd.ProcessState.ExitCode()
			rss := readMaxRSS(t, out)
			fmt.Fprintf(&table, "  %s %5.1f MiB", c[0], float64(rss)/(1<<20))
			if rss > maxRSS {
				t.Errorf("%s on %s: peak RSS %.1f MiB, over %d MiB", c[0], sp.name, float64(rss)/(1<<20), maxRSS>>20)
			}
			switch {
			case sp.exit2 && code != 2:
				t.Errorf("%s on %s: exit %d (%v), want 2", c[0], sp.name, code, err)
			case !sp.exit2 && code == 2:
				t.Errorf("%s on %s: refused: %s", c[0], sp.name, stderr.String())
			case sp.exit2 && (strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 && c[0] != "watch"):
				t.Errorf("%s on %s: more than one line on stderr:\n%s", c[0], sp.name, stderr.String())
			}
		}
		table.WriteByte('\n')
	}
	t.Logf("peak RSS per command and spec:\n%s", table.String())
}

// maxLintRSS is the peak resident memory of `secctx lint` on a cluster's
// dump, whatever its size.
const maxLintRSS = 64 << 20

// TestLintScaleMemory: `secctx lint -` reads a 50,000-pod dump (a List as
// `kubectl get pods -A -o yaml` prints it, about 60 MB) item by item and
// spools its report, staying under 64 MiB of peak RSS in the JSON report
// (the largest: the text report spools the same way), measured as
// TestSpecMemory measures.
func TestLintScaleMemory(t *testing.T) {
	requireE2E(t)
	timeBin, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		t.Fatal("/usr/bin/time is not installed (run scripts/install-deps.sh)")
	}
	dir := t.TempDir()
	dump := filepath.Join(dir, "pods.yaml")
	f, err := os.Create(dump)
	if err != nil {
		t.Fatal(err)
	}
	if err := poddump.Write(f, 50000, false); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, format := range []string{"json"} {
		in, err := os.Open(dump)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "maxrss")
		var stdout countWriter
		var stderr bytes.Buffer
		cmd := exec.Command(timeBin, "-f", "%M", "-o", out, secctxBin, "lint", "-o", format, "-")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &stdout, &stderr
		err = cmd.Run()
		in.Close()
		if code := cmd.ProcessState.ExitCode(); code != 1 {
			t.Fatalf("-o %s: exit %d (%v), want 1 (findings): %s", format, code, err, stderr.String())
		}
		rss := readMaxRSS(t, out)
		t.Logf("-o %s: peak RSS %.1f MiB, %d bytes of report", format, float64(rss)/(1<<20), stdout.n)
		if rss > maxLintRSS {
			t.Errorf("-o %s: peak RSS %.1f MiB, over %d MiB", format, float64(rss)/(1<<20), maxLintRSS>>20)
		}
		if stdout.n < 50000*100 {
			t.Errorf("-o %s: a report of %d bytes for 50000 pods", format, stdout.n)
		}
	}
}

// countWriter counts what is written to it.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// readMaxRSS reads the peak RSS, in bytes, that /usr/bin/time -f %M wrote
// to path.
func readMaxRSS(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// time writes "Command exited with non-zero status N" first.
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	kib, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		t.Fatalf("/usr/bin/time wrote %q", b)
	}
	return kib << 10
}
