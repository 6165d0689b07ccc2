package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/pflag"
	sigsyaml "sigs.k8s.io/yaml"
)

// twoContainers is a pod whose containers both match fixtureProc: the
// container flag decides which one the report is about.
const twoContainers = `apiVersion: v1
kind: Pod
metadata: {name: fx}
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    supplementalGroups: [4000]
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true}
  - name: side
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true}
`

// TestOutputFlagForms: every form kubectl accepts for -o, on every command
// that writes a document.
func TestOutputFlagForms(t *testing.T) {
	t.Parallel()
	spec := writeFile(t, "pod.yaml", twoContainers)
	base := map[string][]string{
		"verify":  {"verify", "--spec", spec, "-c", "app", "--proc", fixtureProc},
		"probe":   {"probe", "--spec", spec, "-c", "app", "--proc", fixtureProc},
		"expect":  {"expect", "--spec", spec, "-c", "app"},
		"checks":  {"checks"},
		"version": {"version"},
		"lint":    {"lint", "--fail-on", "none", spec},
	}
	forms := map[string]func(f string) []string{
		"-oFORMAT":        func(f string) []string { return []string{"-o" + f} },
		"-o=FORMAT":       func(f string) []string { return []string{"-o=" + f} },
		"-o FORMAT":       func(f string) []string { return []string{"-o", f} },
		"--output FORMAT": func(f string) []string { return []string{"--output", f} },
		"--output=FORMAT": func(f string) []string { return []string{"--output=" + f} },
	}
	for name, args := range base {
		for form, flag := range forms {
			for _, format := range []string{"json", "yaml"} {
				t.Run(name+" "+strings.Replace(form, "FORMAT", format, 1), func(t *testing.T) {
					t.Parallel()
					code, stdout, stderr := runCLI(t, nil, "", append(append([]string(nil), args...), flag(format)...)...)
					if code != exitOK {
						t.Fatalf("exit %d: %s", code, stderr)
					}
					doc := []byte(stdout)
					if format == "yaml" {
						if json.Valid(doc) {
							t.Fatalf("-o yaml wrote JSON:\n%s", stdout)
						}
						var err error
						if doc, err = sigsyaml.YAMLToJSON(doc); err != nil {
							t.Fatalf("not YAML: %v\n%s", err, stdout)
						}
					}
					var v any
					if err := json.Unmarshal(doc, &v); err != nil {
						t.Fatalf("not one %s document: %v\n%s", format, err, stdout)
					}
				})
			}
		}
	}
}

// TestContainerFlagForms: -c and --container in every form, and
// $SECCTX_CONTAINER beneath them.
func TestContainerFlagForms(t *testing.T) {
	t.Parallel()
	spec := writeFile(t, "pod.yaml", twoContainers)
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-c", "side"}, nil, "side"},
		{[]string{"-cside"}, nil, "side"},
		{[]string{"-c=side"}, nil, "side"},
		{[]string{"--container", "side"}, nil, "side"},
		{[]string{"--container=side"}, nil, "side"},
		{nil, map[string]string{"SECCTX_CONTAINER": "side"}, "side"},
		{[]string{"-c", "app"}, map[string]string{"SECCTX_CONTAINER": "side"}, "app"},
	} {
		for _, cmd := range []string{"verify", "expect"} {
			args := append([]string{cmd, "--spec", spec, "--proc", fixtureProc, "-ojson"}, tc.args...)
			code, stdout, stderr := runCLI(t, tc.env, "", args...)
			if code != exitOK {
				t.Fatalf("%q: exit %d: %s", args, code, stderr)
			}
			var r struct {
				Target    struct{ Container string }
				Container string
			}
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatal(err)
			}
			got := r.Target.Container
			if cmd == "expect" {
				got = r.Container
			}
			if got != tc.want {
				t.Errorf("%q env %v: container %q, want %q", args, tc.env, got, tc.want)
			}
		}
	}
}

// TestFailOnNone: a report-only run exits 0 whatever drifts, and still
// writes the report.
func TestFailOnNone(t *testing.T) {
	t.Parallel()
	drift := fixtureSpec(t, "false")
	for _, tc := range []struct {
		failOn string
		code   int
	}{{"none", exitOK}, {"info", exitDrift}, {"low", exitDrift}, {"medium", exitOK}, {"critical", exitOK}} {
		code, stdout, stderr := runCLI(t, nil, "", "verify", "--spec", drift, "--proc", fixtureProc, "--fail-on="+tc.failOn, "-ojson")
		if code != tc.code || !strings.Contains(stdout, `"drift": 1`) {
			t.Errorf("--fail-on %s: exit %d, want %d; %s", tc.failOn, code, tc.code, stderr)
		}
	}
}

// helpFlags lists the long names of a command's flags.
func helpFlags(c *command) []string {
	var names []string
	c.flagSet(&options{getenv: func(string) string { return "" }}).VisitAll(func(f *pflag.Flag) {
		names = append(names, f.Name)
	})
	return names
}

// TestEveryCommandHelp: -h, --help and help COMMAND print the command's
// help on stdout and exit 0; it names the command, its usage and every
// flag, and fits 80 columns.
func TestEveryCommandHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}, {c.name, "--help=true"}} {
			code, stdout, stderr := runCLI(t, nil, "", args...)
			if code != exitOK || stderr != "" {
				t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
				continue
			}
			if !strings.Contains(stdout, "Usage:\n  secctx "+c.name+" ") {
				t.Errorf("%q: no usage line:\n%s", args, stdout)
			}
			for _, f := range helpFlags(c) {
				if !strings.Contains(stdout, "--"+f+" ") && !strings.Contains(stdout, "--"+f+"\n") {
					t.Errorf("%q: flag --%s not in the help", args, f)
				}
			}
			for i, l := range strings.Split(stdout, "\n") {
				if utf8.RuneCountInString(l) > 80 {
					t.Errorf("%q: line %d longer than 80: %q", args, i+1, l)
				}
			}
		}
	}
	// Flags after the command's own, and a bad value next to -h: the help
	// wins over nothing but a parse error.
	if code, stdout, _ := runCLI(t, nil, "", "verify", "--spec", "/nonexistent", "-h"); code != exitOK || !strings.Contains(stdout, "secctx verify") {
		t.Errorf("verify --spec X -h: exit %d", code)
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, stdout, stderr := runCLI(t, nil, "", args...)
		if code != exitOK || stderr != "" || !strings.Contains(stdout, "Commands:") {
			t.Errorf("%q: exit %d stderr %q", args, code, stderr)
		}
		for _, c := range commands {
			if !strings.Contains(stdout, "\n  "+c.name+" ") {
				t.Errorf("%q: command %s not listed", args, c.name)
			}
		}
	}
}

// TestHelpSaysWhatCommandsDo: the help of probe and expect describes what
// they do, not verify's job.
func TestHelpSaysWhatCommandsDo(t *testing.T) {
	t.Parallel()
	for cmd, want := range map[string][]string{
		"probe":  {"really has", "without\ncomparing", "--pid"},
		"expect": {"without looking at any", "--image-root", "rules"},
		"checks": {"registry", "-o, --output format"},
		"render": {"-f, --file", "policyreport"},
		"watch":  {"--policyreport-file", "--target", "--cycles"},
		"exec":   {"-- CMD [ARGS...]", "--warn-only"},
		"lint":   {"FILE|DIR|-", "sarif"},
		"verify": {"--fail-on severity", "none to never fail", "-c, --container", "--color when", "policyreport"},
	} {
		_, stdout, _ := runCLI(t, nil, "", cmd, "--help")
		flat := strings.Join(strings.Fields(stdout), " ") // the flags' help wraps
		for _, w := range want {
			if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
				t.Errorf("%s --help lacks %q:\n%s", cmd, w, stdout)
			}
		}
	}
	_, probeHelp, _ := runCLI(t, nil, "", "probe", "--help")
	if strings.Contains(probeHelp, "--fail-on") || strings.Contains(probeHelp, "Compare the securityContext") {
		t.Errorf("probe's help describes verify:\n%s", probeHelp)
	}
	_, expectHelp, _ := runCLI(t, nil, "", "expect", "--help")
	if strings.Contains(expectHelp, "--pid") {
		t.Errorf("expect, which reads no process, takes --pid:\n%s", expectHelp)
	}
}

// TestCompletionScripts: each script is valid for its shell (bash -n,
// zsh -n, fish --no-execute), and bash's and fish's complete what the
// command table says.
func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, stdout, stderr := runCLI(t, nil, "", "completion", shell)
		if code != exitOK || stderr != "" || stdout == "" {
			t.Fatalf("completion %s: exit %d %q", shell, code, stderr)
		}
		for _, c := range commands {
			if !strings.Contains(stdout, c.name) {
				t.Errorf("%s script lacks the command %s", shell, c.name)
			}
		}
		path := filepath.Join(dir, "secctx."+shell)
		if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		bin, err := exec.LookPath(shell)
		if err != nil {
			if os.Getenv("SECCTX_E2E_REQUIRED") != "" {
				t.Errorf("%s is not installed (scripts/install-deps.sh installs it)", shell)
			}
			t.Logf("%s not installed: its script is not checked", shell)
			continue
		}
		check := []string{"-n", path}
		if shell == "fish" {
			check = []string{"--no-execute", path}
		}
		if out, err := exec.Command(bin, check...).CombinedOutput(); err != nil {
			t.Errorf("%s %q: %v\n%s", shell, check, err, out)
		}
	}

	// bash: complete a command line as readline would.
	bashComplete := func(words ...string) string {
		t.Helper()
		script := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _secctx; printf '%s\n' "${COMPREPLY[@]}"`
		out, err := exec.Command("bash", append([]string{"-c", script, "bash", filepath.Join(dir, "secctx.bash")}, words...)...).Output()
		if err != nil {
			t.Fatalf("bash completion of %q: %v", words, err)
		}
		return strings.Join(strings.Fields(string(out)), " ")
	}
	if _, err := exec.LookPath("bash"); err == nil {
		for _, tc := range []struct {
			words []string
			want  string
		}{
			{[]string{"secctx", "ver"}, "verify version"},
			{[]string{"secctx", "verify", "-o", ""}, "text wide json yaml policyreport openreport junit line"},
			{[]string{"secctx", "verify", "--output", "=", "po"}, "policyreport"},
			{[]string{"secctx", "lint", "-o", ""}, "text json yaml sarif junit"},
			{[]string{"secctx", "verify", "--fail-on", "n"}, "none"},
			{[]string{"secctx", "verify", "--profile", "c"}, "containerd crio"},
			{[]string{"secctx", "watch", "--interval", ""}, ""},
			{[]string{"secctx", "verify", "--col"}, "--color"},
			{[]string{"secctx", "watch", "--policy"}, "--policyreport-file"},
			{[]string{"secctx", "completion", ""}, "bash zsh fish --help -h"},
			{[]string{"secctx", "help", "ch"}, "checks"},
			{[]string{"secctx", "exec", "--", "secctx-no-such-comman"}, ""},
			{[]string{"secctx", "lint", "--fail-on", "none", filepath.Join(dir, "secctx.b")}, filepath.Join(dir, "secctx.bash")},
		} {
			if got := bashComplete(tc.words...); got != tc.want {
				t.Errorf("bash completes %q as %q, want %q", tc.words, got, tc.want)
			}
		}
	}
	if _, err := exec.LookPath("zsh"); err == nil {
		// Loaded by compinit, it registers itself for secctx.
		script := `autoload -U compinit; compinit -u -d "$1/zcompdump"; source "$1/secctx.zsh"; print -r -- ${_comps[secctx]}`
		out, err := exec.Command("zsh", "-f", "-c", script, "zsh", dir).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "_secctx" {
			t.Errorf("zsh does not load the script: %v %q", err, out)
		}
	}
	if _, err := exec.LookPath("fish"); err == nil {
		script := "source " + filepath.Join(dir, "secctx.fish") + "; complete -C 'secctx verify -o '; complete -C 'secctx ver'"
		out, err := exec.Command("fish", "--no-config", "-c", script).Output()
		if err != nil {
			t.Fatalf("fish: %v", err)
		}
		got := strings.Join(strings.Fields(string(out)), " ")
		for _, w := range []string{"policyreport", "wide", "verify", "version"} {
			if !strings.Contains(got, w) {
				t.Errorf("fish completions %q lack %q", got, w)
			}
		}
	}
}
