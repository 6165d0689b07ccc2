package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/probe"
)

// driftReport is a report with drift of every severity, an unknown, a
// hint and skipped checks.
func driftReport() *Report {
	e, o := expNonRoot(), obsNonRoot()
	e.Hints = map[check.ID]string{"readOnlyRootFilesystem": "PLATFORM NOTE"}
	o.NoNewPrivs = true                                                 // low
	o.Caps.Bounding |= netAdmin                                         // high
	o.UID = ids(0)                                                      // critical (runAsUser, runAsNonRoot) and root caps
	o.Caps.Permitted, o.Caps.Effective = containerdCaps, containerdCaps // root holds the set
	o.Mounts.Paths["/proc/kcore"] = probe.PathState{Exists: true}       // high
	e.ReadOnlyRootFilesystem = true                                     // high
	unread(o, probe.SysctlItem(pingRange), denied("/proc/sys/net/ipv4/ping_group_range"))
	return New(e, o, SpecRef{Source: "embedded restricted profile", Default: true}, testTime)
}

func writeText(t *testing.T, r *Report, o TextOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteText(&buf, r, o); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// checkWidth fails for a line longer than TextWidth (colours aside) or
// ending in a blank.
func checkWidth(t *testing.T, out string) {
	t.Helper()
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		plain := ansi.ReplaceAllString(l, "")
		if n := utf8.RuneCountInString(plain); n > TextWidth {
			t.Errorf("line %d has %d columns:\n%s", i+1, n, plain)
		}
		if strings.HasSuffix(plain, " ") {
			t.Errorf("line %d ends in a blank: %q", i+1, plain)
		}
	}
}

// tableRows returns the rows of the table, split on runs of two or more
// blanks.
func tableRows(t *testing.T, out string) (head []string, rows [][]string) {
	t.Helper()
	sep := regexp.MustCompile(`  +`)
	in := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "STATUS"):
			in = true
			head = sep.Split(line, -1)
		case in && line == "":
			return head, rows
		case in:
			rows = append(rows, sep.Split(line, -1))
		}
	}
	t.Fatalf("no table:\n%s", out)
	return nil, nil
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	r := driftReport()
	out := writeText(t, r, TextOptions{})
	checkWidth(t, out)
	lines := strings.Split(out, "\n")
	if want := "6 drift (critical), 1 unknown, "; !strings.HasPrefix(lines[0], want) {
		t.Errorf("summary line %q, want it to start with %q", lines[0], want)
	}
	header := strings.Join(lines[:3], " ")
	for _, s := range []string{"Deployment/web", "container app", "profile containerd", "pid 4242 (app)", "spec embedded restricted profile"} {
		if !strings.Contains(header, s) {
			t.Errorf("header lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "does not look containerised") {
		t.Errorf("a report that did not look at container signs warns:\n%s", out)
	}
	head, rows := tableRows(t, out)
	if strings.Join(head, "|") != "STATUS|SEVERITY|CHECK|EXPECTED|OBSERVED" {
		t.Errorf("head %q", head)
	}
	if len(rows) != len(r.Findings) {
		t.Fatalf("%d rows for %d findings:\n%s", len(rows), len(r.Findings), out)
	}
	// Drift first, worst first; then unknown, ok, skipped.
	statusRank := map[string]int{"drift": 0, "unknown": 1, "ok": 2, "skipped": 3}
	sevRank := map[string]int{"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if statusRank[a[0]] > statusRank[b[0]] ||
			statusRank[a[0]] == statusRank[b[0]] && sevRank[a[1]] < sevRank[b[1]] {
			t.Errorf("row %d %q comes before %q", i, a, b)
		}
	}
	if rows[0][0] != "drift" || rows[0][1] != "critical" || rows[5][1] != "low" || rows[6][0] != "unknown" ||
		rows[len(rows)-1][0] != "skipped" {
		t.Errorf("rows %q", rows)
	}
	// Drift rows of equal severity keep the registry order.
	if rows[0][2] != "runAsUser" || rows[1][2] != "runAsNonRoot" {
		t.Errorf("critical rows %q %q", rows[0], rows[1])
	}
	seen := 0
	for _, row := range rows {
		switch row[2] {
		case "readOnlyRootFilesystem /":
			seen++
			if row[3] != "true" || row[4] != "false" {
				t.Errorf("row %q", row)
			}
		case "fsGroup":
			seen++
			if row[3] != "-" || row[4] != "-" {
				t.Errorf("skipped row %q", row)
			}
		}
		if strings.HasPrefix(row[2], "sysctls net.ipv4.") {
			seen++
		}
	}
	if seen != 4 {
		t.Errorf("the subject does not follow the check id in the CHECK column:\n%s", out)
	}

	// Details: every drift and unknown message, in table order, with hints.
	_, details, found := strings.Cut(out, "\ndetails:\n")
	if !found {
		t.Fatalf("no details section:\n%s", out)
	}
	var entries []string
	for _, l := range strings.Split(details, "\n") {
		if strings.HasPrefix(l, "- ") {
			entries = append(entries, l)
		}
	}
	if len(entries) != 7 {
		t.Fatalf("%d detail entries, want 7:\n%s", len(entries), details)
	}
	if !strings.HasPrefix(entries[0], "- runAsUser [drift, critical]: ") || !strings.HasPrefix(entries[6], "- sysctls "+pingRange+" [unknown]: Could not read") {
		t.Errorf("details %q", entries)
	}
	flat := strings.Join(strings.Fields(details), " ")
	for _, s := range []string{"- procMount /proc/kcore [drift, high]: ", "hint: PLATFORM NOTE",
		"hint: Run secctx as the same user as the target process",
		"Could not read /proc/sys/net/ipv4/ping_group_range: permission denied."} {
		if !strings.Contains(flat, s) {
			t.Errorf("details lack %q:\n%s", s, details)
		}
	}
	for _, f := range r.Findings {
		if (f.Status == StatusOK || f.Status == StatusSkipped) && strings.Contains(flat, f.Message) {
			t.Errorf("details hold the %s message %q", f.Status, f.Message)
		}
	}
}

func TestWriteTextNoDetails(t *testing.T) {
	t.Parallel()
	r := New(expNonRoot(), obsNonRoot(), SpecRef{Source: "x"}, testTime)
	out := writeText(t, r, TextOptions{})
	if strings.Contains(out, "details:") {
		t.Errorf("a clean report has details:\n%s", out)
	}
	if !strings.HasPrefix(out, "0 drift, 0 unknown, 19 ok, 2 skipped — Deployment/web (namespace shop) container\n  app, profile containerd\n") {
		t.Errorf("summary line:\n%s", out)
	}
}

// longReport has values far wider than a terminal: every capability in
// the sets, a long sysctl, long process, workload and container names.
func longReport() *Report {
	e, o := expNonRoot(), obsNonRoot()
	o.Caps.Bounding = caps.Set(1<<41 - 1)
	o.Caps.Effective, o.Caps.Permitted = o.Caps.Bounding, o.Caps.Bounding
	o.Comm = strings.Repeat("worker-", 6)
	e.Workload = "StatefulSet/" + strings.Repeat("a-very-long-statefulset-name-", 4)
	e.Container = strings.Repeat("sidecar-", 8)
	long := "net.ipv4.conf.a-very-long-interface-name.accept_source_route"
	e.Sysctls = append(e.Sysctls, expect.ExpectedSysctl{Name: long, Value: strings.TrimSpace(strings.Repeat("1 ", 30))})
	o.Sysctls[long] = strings.TrimSpace(strings.Repeat("0 ", 30))
	r := New(e, o, SpecRef{Source: "file:/etc/secctx/" + strings.Repeat("nested/", 12) + "pod.yaml"}, testTime)
	procs := make([]Process, 40)
	for i := range procs {
		procs[i] = Process{PID: 100 + i, Comm: "worker"}
	}
	r.Target.Processes = procs
	r.Findings[0].Processes = procs[:30]
	r.Findings[0].Status, r.Findings[0].Severity = StatusDrift, SeverityLow
	r.Summary = Summarize(r.Findings)
	return r
}

func TestWriteTextFits80Columns(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]*Report{"drift": driftReport(), "long values": longReport()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, color := range []bool{false, true} {
				out := writeText(t, r, TextOptions{Color: color})
				checkWidth(t, out)
			}
			out := writeText(t, r, TextOptions{})
			if name == "long values" && !strings.Contains(out, "…") {
				t.Errorf("no value was abbreviated:\n%s", out)
			}
		})
	}
}

func TestWriteTextWide(t *testing.T) {
	t.Parallel()
	r := longReport()
	out := writeText(t, r, TextOptions{Wide: true})
	head, rows := tableRows(t, out)
	if strings.Join(head, "|") != "STATUS|SEVERITY|CHECK|SUBJECT|EXPECTED|OBSERVED|PROCESSES" {
		t.Errorf("head %q", head)
	}
	if strings.Contains(out, "…") {
		t.Errorf("wide output abbreviates:\n%s", out)
	}
	found := false
	for _, row := range rows {
		if row[2] == "sysctls" && strings.HasPrefix(row[3], "net.ipv4.conf.a-very-long") {
			found = true
			if row[4] != strings.TrimSpace(strings.Repeat("1 ", 30)) {
				t.Errorf("expected cut in wide output: %q", row[4])
			}
		}
	}
	if !found {
		t.Errorf("no row for the long sysctl:\n%s", out)
	}
	for _, f := range r.Findings {
		if f.Message != "" && f.Status == StatusDrift && !strings.Contains(out, f.Message) {
			t.Errorf("wide output wraps or cuts the message %q", f.Message)
		}
	}
	if !strings.Contains(out, "129 (worker)") {
		t.Errorf("wide output does not name every process:\n%s", out)
	}
}

func TestWriteTextColor(t *testing.T) {
	t.Parallel()
	r := driftReport()
	plain := writeText(t, r, TextOptions{})
	if strings.Contains(plain, "\x1b") {
		t.Errorf("colour without Color")
	}
	colored := writeText(t, r, TextOptions{Color: true})
	for _, s := range []string{ansiBold + ansiRed + "drift" + ansiReset, ansiYellow + "unknown" + ansiReset,
		ansiGreen + "ok" + ansiReset, ansiFaint + "skipped" + ansiReset, ansiBold + ansiRed + "6 drift (critical)"} {
		if !strings.Contains(colored, s) {
			t.Errorf("coloured output lacks %q:\n%s", s, colored)
		}
	}
	if got := ansi.ReplaceAllString(colored, ""); got != plain {
		t.Errorf("colours change the text:\n%s\nwant\n%s", got, plain)
	}
}

// TestWriteTextEscapes: values from the system or a saved report cannot
// write control sequences or lines of their own.
func TestWriteTextEscapes(t *testing.T) {
	t.Parallel()
	r := driftReport()
	r.Target.Comm = "\x1b[31mX"
	r.Target.Workload = "Pod/evil\nsecctx: all clear"
	r.Target.Container = "app\u009b2J\xff"
	r.Target.Namespace = "ns\u202e"
	r.Profile = "containerd\x07"
	r.Spec.Source = "file:/tmp/\x1b]0;title\x07pod.yaml"
	r.Findings[0].Subject = "sub\rject"
	r.Findings[0].Message = "value \x1b[2Jgone\nnext line"
	r.Findings[0].Hint = "hint\x7f"
	r.Findings[0].Observed = "\x1b[31mred\x1b[0m"
	r.Findings[0].Processes = []Process{{PID: 7, Comm: "\x1b[1mbold"}}
	r.Target.SetContainment(probe.Containment{Signs: []probe.ContainerSign{{Name: probe.SignCgroup, Seen: "/user.slice\x1b[8m"}}})
	for _, o := range []TextOptions{{}, {Wide: true}} {
		out := writeText(t, r, o)
		for i, c := range []byte(out) {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				t.Errorf("byte %#x at %d in the text output:\n%s", c, i, out)
				break
			}
		}
		for _, r := range out {
			if r >= 0x80 && r <= 0x9f || r == '\u202e' {
				t.Errorf("rune %U in the text output", r)
			}
		}
		for _, s := range []string{`\x1b[31mX`, `Pod/evil\nsecctx: all clear`, `app\u009b2J\xff`, `ns\u202e`, `containerd\x07`,
			`\x1b]0;title\x07pod.yaml`, `\x1b[2Jgone\nnext`, `hint\x7f`, `\x1b[1mbold`, `/user.slice\x1b[8m`} {
			if !strings.Contains(out, s) {
				t.Errorf("wide=%v: output lacks %q:\n%s", o.Wide, s, out)
			}
		}
		if o.Wide && !strings.Contains(out, `sub\rject`) {
			t.Errorf("subject not escaped:\n%s", out)
		}
	}
}

func TestWriteTextNotContainerised(t *testing.T) {
	t.Parallel()
	host := probe.Containment{Signs: []probe.ContainerSign{
		{Name: probe.SignCgroup, Seen: "/user.slice/user-1000.slice/session-2.scope"},
		{Name: probe.SignPID1, Seen: "systemd"},
		{Name: probe.SignRootMount, Seen: "ext4 /dev/nvme0n1p2"},
		{Name: probe.SignDockerenv}, {Name: probe.SignContainerenv}, {Name: probe.SignEnv}, {Name: probe.SignKubernetes},
	}}
	inside := probe.Containment{Containerised: true, Signs: []probe.ContainerSign{{Name: probe.SignRootMount, Seen: "overlay", Container: true}}}
	for _, tc := range []struct {
		name string
		c    *probe.Containment
		want []string
	}{
		{"host", &host, []string{"this process does not look containerised: cgroup /user.slice/user-1000.slice/session-2.scope; pid 1 is systemd; / is ext4 /dev/nvme0n1p2; no /.dockerenv, /run/.containerenv, $container, service account"}},
		{"container", &inside, nil},
		{"not looked at", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := driftReport()
			if tc.c != nil {
				r.Target.SetContainment(*tc.c)
			}
			out := writeText(t, r, TextOptions{})
			checkWidth(t, out)
			head, _, _ := strings.Cut(out, "\nSTATUS")
			flat := strings.Join(strings.Fields(head), " ")
			if len(tc.want) == 0 && strings.Contains(out, "containerised") {
				t.Errorf("warning without cause:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(flat, w) {
					t.Errorf("header lacks %q:\n%s", w, head)
				}
			}
		})
	}
}

func TestEscape(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain text, ümlauts and 漢字", "plain text, ümlauts and 漢字"},
		{"\x1b[31mred", `\x1b[31mred`},
		{"a\nb\tc\rd", `a\nb\tc\rd`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"c1 \u009b csi", `c1 \u009b csi`},
		{"bidi \u202e override", `bidi \u202e override`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"", ""},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := EscapeLines("one\x1b\ntwo\n"); got != "one\\x1b\ntwo\n" {
		t.Errorf("EscapeLines = %q", got)
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		want []string
	}{
		{"short line", []string{"- short line"}},
		{"aaaa bbbb cccc dddd eeee", []string{"- aaaa bbbb", "  cccc dddd", "  eeee"}},
		{"abcdefghijklmnop", []string{"- abcdefghij", "  klmnop"}},
		{"x abcdefghijklmnopqrstu", []string{"- x", "  abcdefghij", "  klmnopqrst", "  u"}},
		{"two  blanks", []string{"- two blanks"}},
		{"a,b,cdefgh,ijklmnop", []string{"- a,b,", "  cdefgh,", "  ijklmnop"}},
		{"", []string{"- "}},
	} {
		got := wrap("- ", "  ", tc.s, 12)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrap(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestShort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", "-"},
		{"0\t2147483647", "0 2147483647"},
		{"[CHOWN,NET_RAW]", "[CHOWN,NET_RAW]"},
		{"disabled | filter", "disabled | filter"},
	} {
		if got := short(tc.in); got != tc.want {
			t.Errorf("short(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
