package waiver

import (
	"errors"
	"strings"
	"testing"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
)

var testCatalog = Catalog{Checks: []check.ID{check.SeccompProfile, check.Sysctls}, Rules: []string{"k8s-sysctl-unsafe", "eci-capability-unsupported"}}

func ids(s Set) string {
	var out []string
	for _, w := range s {
		kind := "check"
		if w.Rule != "" {
			kind = "rule"
		}
		out = append(out, kind+":"+w.ID()+"@"+w.Workload+"/"+w.Container+"="+w.Reason+"("+string(w.Source)+")")
	}
	return strings.Join(out, " ")
}

// checkParsed holds a parse to its waivers (want, as ids renders them) or
// to its one-line error (wantErr, a substring).
func checkParsed(t *testing.T, s Set, err error, want, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %v, want it to contain %q", err, wantErr)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("error of more than one line: %q", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(s); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestParseAnnotation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, value, want, err string
	}{
		{"one line", "seccompProfile: the node has no seccomp", "check:seccompProfile@/=the node has no seccomp(annotation)", ""},
		{"ids of both kinds, lines", "seccompProfile, k8s-sysctl-unsafe: accepted\n# a comment\n\nsysctls: set by the node\n",
			"check:seccompProfile@/=accepted(annotation) rule:k8s-sysctl-unsafe@/=accepted(annotation) check:sysctls@/=set by the node(annotation)", ""},
		{"a reason with a colon", "sysctls: see: the ticket", "check:sysctls@/=see: the ticket(annotation)", ""},
		{"YAML list", "- {id: sysctls, reason: r1, container: app}\n- id: k8s-sysctl-unsafe\n  reason: r2\n",
			"check:sysctls@/app=r1(annotation) rule:k8s-sysctl-unsafe@/=r2(annotation)", ""},
		{"JSON list", `[{"id": "seccompProfile", "reason": "r"}]`, "check:seccompProfile@/=r(annotation)", ""},
		{"unknown id", "seccomp: r", "", `line 1: unknown id "seccomp"`},
		{"unknown id in a list", "[{id: sysctls, reason: r}, {id: nope, reason: r}]", "", `[1].id: unknown id "nope"`},
		{"no reason", "sysctls", "", `line 1: want "ID[,ID...]: REASON"`},
		{"empty reason", "sysctls:   ", "", `line 1: want`},
		{"empty reason in a list", "[{id: sysctls}]", "", `[0].reason: empty`},
		{"empty id", "sysctls,: r", "", "line 1: empty id"},
		{"a workload in the annotation", "[{id: sysctls, reason: r, workload: Pod/x}]", "", "[0].workload: an annotation waives"},
		{"an unknown key", "[{id: sysctls, reason: r, contianer: app}]", "", "not a list"},
		{"empty", "  \n# only a comment\n", "", "no waiver"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := ParseAnnotation(tc.value, testCatalog)
			checkParsed(t, s, err, tc.want, tc.err)
		})
	}
}

func TestParseSkip(t *testing.T) {
	t.Parallel()
	s, err := ParseSkip("sysctls, k8s-sysctl-unsafe", testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(s), "check:sysctls@/=--skip sysctls(flag) rule:k8s-sysctl-unsafe@/=--skip k8s-sysctl-unsafe(flag)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	for _, bad := range []string{"", "sysctls,", "runAsUsr", "SYSCTLS"} {
		if _, err := ParseSkip(bad, testCatalog); err == nil {
			t.Errorf("--skip %q accepted", bad)
		}
	}
}

func TestParseFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, data, want, err string
	}{
		{"every field", "waivers:\n- id: sysctls\n  reason: r\n  workload: Deployment/web\n  container: app\n- id: k8s-sysctl-unsafe\n  reason: r2\n",
			"check:sysctls@Deployment/web/app=r(file) rule:k8s-sysctl-unsafe@/=r2(file)", ""},
		{"JSON", `{"waivers": [{"id": "seccompProfile", "reason": "r"}]}`, "check:seccompProfile@/=r(file)", ""},
		{"unknown id", "waivers:\n- {id: sysctls, reason: r}\n- {id: runAsUsr, reason: r}\n", "", `w.yaml: waivers[1].id: unknown id "runAsUsr"`},
		{"no reason", "waivers:\n- {id: sysctls}\n", "", "w.yaml: waivers[0].reason: empty"},
		{"bad workload", "waivers:\n- {id: sysctls, reason: r, workload: web}\n", "", `w.yaml: waivers[0].workload: "web": want KIND/NAME`},
		{"unknown key", "waivers:\n- {id: sysctls, reason: r}\nwaiver: []\n", "", "w.yaml: not a waiver file"},
		{"not YAML", "waivers: [", "", "w.yaml: not a waiver file"},
		{"empty", "", "", "w.yaml: waivers: empty or missing"},
		{"too big", "waivers: []\n" + strings.Repeat("#", MaxFileBytes), "", "w.yaml: over"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := ParseFile("w.yaml", []byte(tc.data), testCatalog)
			checkParsed(t, s, err, tc.want, tc.err)
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	s := Set{
		{Check: check.Sysctls, Workload: "Pod/a", Container: "app", Reason: "narrow", Source: SourceFile},
		{Check: check.Sysctls, Reason: "wide", Source: SourceFlag},
		{Rule: "k8s-sysctl-unsafe", Workload: "Pod/b", Reason: "rule", Source: SourceFile},
	}
	for _, tc := range []struct {
		id, workload, container, want string
	}{
		{"sysctls", "Pod/a", "app", "narrow"},
		{"sysctls", "Pod/a", "side", "wide"},
		{"sysctls", "Pod/z", "app", "wide"},
		{"k8s-sysctl-unsafe", "Pod/b", "", "rule"},
		{"k8s-sysctl-unsafe", "Pod/a", "", ""},
		{"seccompProfile", "Pod/a", "app", ""},
	} {
		w, ok := s.Match(tc.id, tc.workload, tc.container)
		if got := w.Reason; got != tc.want || ok != (tc.want != "") {
			t.Errorf("Match(%s, %s, %s) = %q %v, want %q", tc.id, tc.workload, tc.container, got, ok, tc.want)
		}
	}
	if got := len(s.ForWorkload("Pod/b")); got != 2 {
		t.Errorf("ForWorkload(Pod/b): %d waivers, want 2 (its own and the unlimited one)", got)
	}
	if got := (&Mark{Reason: "r", Source: SourceAnnotation}).String(); got != "waived: r (annotation)" {
		t.Errorf("Mark.String() = %q", got)
	}
}

func TestOfWorkload(t *testing.T) {
	t.Parallel()
	w := &manifest.Workload{Kind: "Deployment", Name: "web", Source: "d.yaml", SpecPath: "spec.template.spec",
		Annotations: map[string]string{Annotation: "sysctls: r"}}
	s, err := OfWorkload(w, testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(s); got != "check:sysctls@Deployment/web/=r(annotation)" {
		t.Errorf("got %s", got)
	}
	w.Annotations[Annotation] = "nope: r"
	_, err = OfWorkload(w, testCatalog)
	var me *manifest.Error
	if !errors.As(err, &me) || err.Error() != `d.yaml: Deployment/web: spec.template.metadata.annotations[secctx.io/waive]: line 1: unknown id "nope": want a check id (secctx checks) or a lint rule id (docs/lint.md)` {
		t.Errorf("error %v", err)
	}
	if s, err := OfWorkload(&manifest.Workload{Kind: "Pod", Name: "p"}, testCatalog); s != nil || err != nil {
		t.Errorf("no annotation: %v %v", s, err)
	}
}
