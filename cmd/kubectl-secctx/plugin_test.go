package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/secctx/secctx/report"
)

// TestFlagsParse: each command takes its own flags and kubectl's
// (genericclioptions.ConfigFlags, klog's -v), and refuses bad values as a
// usage error, exit 2, before any API call.
func TestFlagsParse(t *testing.T) {
	cases := []struct {
		cmd  *command
		args []string
		ok   bool
	}{
		{verifyCommand, []string{"-n", "shop", "--context", "prod", "--kubeconfig", "/k", "--as", "alice", "--token", "t", "-s", "https://h:6443", "--request-timeout", "5s", "-v", "6", "-c", "app", "-o", "wide", "--fail-on", "none", "--verbose"}, true},
		{verifyCommand, []string{"-o", "jsonpath={.summary.drift}", "--template", ""}, true},
		{verifyCommand, []string{"--v=3", "-ojson"}, true},
		{podsCommand, []string{"-A", "-l", "app=web,tier!=db", "-o", "go-template={{.kind}}", "--allow-missing-template-keys=false"}, true},
		{podsCommand, []string{"--selector", "app in (a,b)", "-o", "name", "--fail-on", "high"}, true},
		{verifyCommand, []string{"--bogus"}, false},
		{verifyCommand, []string{"-v", "loud"}, false},
		{podsCommand, []string{"-o"}, false},
	}
	for _, c := range cases {
		own, kube, _ := c.cmd.flagSets()
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		fs.SetOutput(&bytes.Buffer{})
		fs.AddFlagSet(own)
		fs.AddFlagSet(kube)
		err := fs.Parse(c.args)
		if (err == nil) != c.ok {
			t.Errorf("%s %q: %v", c.cmd.name, c.args, err)
			continue
		}
		if !c.ok {
			var out, errb bytes.Buffer
			if code := run(context.Background(), append([]string{c.cmd.name}, c.args...), &env{stdout: &out, stderr: &errb}); code != exitUsage || out.Len() != 0 || strings.Count(errb.String(), "\n") != 1 {
				t.Errorf("%s %q: exit %d, stdout %q, stderr %q", c.cmd.name, c.args, code, out.String(), errb.String())
			}
		}
	}
	// The values land where the clients are built from.
	kf := &kubeFlags{}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	kf.register(fs)
	if err := fs.Parse([]string{"-n", "shop", "--context", "prod", "--as", "alice", "--kubeconfig", "/nonexistent/k"}); err != nil {
		t.Fatal(err)
	}
	if *kf.config.Namespace != "shop" || *kf.config.Context != "prod" || *kf.config.Impersonate != "alice" {
		t.Errorf("namespace %q, context %q, as %q", *kf.config.Namespace, *kf.config.Context, *kf.config.Impersonate)
	}
	if _, _, _, err := kf.clients(); err == nil || exitCode(err, &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}) != exitUsage {
		t.Errorf("a missing kubeconfig: %v", err)
	}
}

// TestBadValues: bad -o, --fail-on and -l values are usage errors.
func TestBadValues(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"verify", "web", "-o", "table"},
		{"verify", "web", "-o", "jsonpath={.unclosed"},
		{"verify", "web", "--fail-on", "severe"},
		{"pods", "-o", "go-template={{.x"},
		{"pods", "-l", "app=(web"},
		{"pods", "--fail-on", "never"},
		{"pods", "extra"},
		{"verify"},
		{"version", "x"},
		{"help", "nope"},
		{"nope"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		if code != exitUsage || out.Len() != 0 || !strings.HasPrefix(errb.String(), "kubectl-secctx: ") || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
	}
}

// newPrinter is a printer of format output (and a template flag).
func newPrinter(t *testing.T, args ...string) *printer {
	t.Helper()
	p := &printer{}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	p.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := p.check(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPrinters: every -o format of verify's report and of pods' list.
func TestPrinters(t *testing.T) {
	t.Parallel()
	js, crit := reportJSON(t, report.SeverityCritical)
	list := SidecarList{APIVersion: report.APIVersion, Kind: "SidecarReportList", Items: []sidecarStatus{
		{Namespace: "shop", Pod: "web", Sidecar: "secctx", Port: "9102", Reports: []*report.Report{crit}},
		{Namespace: "shop", Pod: "api", Sidecar: "secctx", Error: "pod is pending", Reports: []*report.Report{}}}}
	var yamlReport bytes.Buffer
	report.WriteYAML(&yamlReport, crit)
	cases := []struct {
		args []string
		doc  string // "report" or "list"
		want func(string) bool
	}{
		{nil, "report", func(s string) bool { return strings.Contains(s, "1 drift (critical)") }},
		{[]string{"-o", "wide"}, "report", func(s string) bool { return strings.Contains(s, "1 drift (critical)") }},
		{[]string{"-o", "json"}, "report", func(s string) bool { return s == js }},
		{[]string{"-o", "yaml"}, "report", func(s string) bool {
			var r report.Report
			return s == yamlReport.String() && sigsyaml.Unmarshal([]byte(s), &r) == nil && r.Summary.Drift == 1
		}},
		{[]string{"-o", "name"}, "report", func(s string) bool { return s == "pod/web\n" }},
		{[]string{"-o", "jsonpath={.summary.highestSeverity} {.target.container}"}, "report", func(s string) bool { return s == "critical app" }},
		{[]string{"-o", "jsonpath-as-json={.summary}"}, "report", func(s string) bool {
			var v []map[string]any
			return json.Unmarshal([]byte(s), &v) == nil && len(v) == 1 && v[0]["drift"] == 1.0
		}},
		{[]string{"-o", "go-template={{.kind}} {{len .findings}}"}, "report", func(s string) bool { return s == "VerificationReport 2" }},
		{[]string{"--template", "{{.target.workload}}"}, "report", func(s string) bool { return s == "Pod/web" }},
		{nil, "list", func(s string) bool {
			return strings.Contains(s, "web") && strings.Contains(s, "critical") && !strings.Contains(s, "PORT")
		}},
		{[]string{"-o", "wide"}, "list", func(s string) bool {
			return strings.Contains(s, "PORT") && strings.Contains(s, "9102") && strings.Contains(s, "UNKNOWN")
		}},
		{[]string{"-o", "json"}, "list", func(s string) bool {
			var l SidecarList
			return json.Unmarshal([]byte(s), &l) == nil && len(l.Items) == 2 && l.Kind == "SidecarReportList"
		}},
		{[]string{"-o", "yaml"}, "list", func(s string) bool { return strings.Contains(s, "kind: SidecarReportList\n") }},
		{[]string{"-o", "name"}, "list", func(s string) bool { return s == "pod/web\npod/api\n" }},
		{[]string{"-o", "jsonpath={range .items[*]}{.namespace}/{.pod} {end}"}, "list", func(s string) bool { return s == "shop/web shop/api " }},
		{[]string{"-o", "go-template={{range .items}}{{.pod}}:{{len .reports}} {{end}}"}, "list", func(s string) bool { return s == "web:1 api:0 " }},
	}
	for _, c := range cases {
		p := newPrinter(t, c.args...)
		var b bytes.Buffer
		var err error
		if c.doc == "report" {
			e := &env{stdout: &b, stderr: &bytes.Buffer{}}
			err = (&result{report: crit}).print(e, p, failOn{never: true})
		} else {
			err = printSidecars(&b, p, list.Items, false, crit.Time)
		}
		if err != nil {
			t.Errorf("%s %q: %v", c.doc, c.args, err)
		} else if !c.want(b.String()) {
			t.Errorf("%s %q: got %q", c.doc, c.args, b.String())
		}
	}
}

// TestFailOn: --fail-on's exit codes, none included.
func TestFailOn(t *testing.T) {
	t.Parallel()
	_, clean := reportJSON(t)
	_, low := reportJSON(t, report.SeverityLow)
	_, high := reportJSON(t, report.SeverityHigh)
	cases := []struct {
		failOn string
		r      *report.Report
		code   int
	}{
		{"low", clean, exitOK}, {"low", low, exitDrift}, {"low", high, exitDrift},
		{"high", low, exitOK}, {"high", high, exitDrift}, {"critical", high, exitOK},
		{"info", low, exitDrift}, {"none", high, exitOK}, {"none", low, exitOK},
	}
	for _, c := range cases {
		f, err := parseFailOn(c.failOn)
		if err != nil {
			t.Fatal(err)
		}
		e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
		if code := exitCode((&result{report: c.r}).print(e, newPrinter(t, "-o", "json"), f), e); code != c.code {
			t.Errorf("--fail-on %s, highest %q: exit %d, want %d", c.failOn, c.r.Summary.HighestSeverity, code, c.code)
		}
	}
	if _, err := parseFailOn("severe"); err == nil {
		t.Error("--fail-on severe parses")
	}
}

// TestSelector: -l goes to the API server's list call.
func TestSelector(t *testing.T) {
	t.Parallel()
	web := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "secctx", Image: "ghcr.io/secctx/secctx:1", Args: []string{"watch"}}}}}
	api := web.DeepCopy()
	api.Name, api.Labels = "api", map[string]string{"app": "api"}
	for _, sel := range []string{"app=web", "", "app in (web,api)"} {
		cs := fake.NewSimpleClientset(web, api)
		items, err := collectSidecars(context.Background(), cs, "shop", sel)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		for _, a := range cs.Actions() {
			if la, ok := a.(k8stesting.ListAction); ok && a.GetResource().Resource == "pods" {
				got = la.GetListRestrictions().Labels.String()
			}
		}
		if got != strings.ReplaceAll(sel, "app in (web,api)", "app in (api,web)") {
			t.Errorf("-l %q: the list call had selector %q", sel, got)
		}
		want := map[string]int{"app=web": 1, "": 2, "app in (web,api)": 2}[sel]
		if len(items) != want {
			t.Errorf("-l %q: %d sidecars, want %d", sel, len(items), want)
		}
	}
}

// TestHelp: every command's help has its description, examples, flags
// and exit codes; --help and help COMMAND print it on stdout, exit 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			var out, errb bytes.Buffer
			code := run(context.Background(), args, &env{stdout: &out, stderr: &errb})
			h := out.String()
			if code != exitOK || errb.Len() != 0 {
				t.Errorf("%q: exit %d, stderr %q", args, code, errb.String())
			}
			for _, want := range []string{c.long, "Usage:\n  kubectl secctx " + c.name, "Examples:\n" + c.example, "Exit codes:\n" + c.exits} {
				if !strings.Contains(h, want) {
					t.Errorf("%q: the help lacks %q:\n%s", args, want, h)
				}
			}
			if c.kube && (!strings.Contains(h, "--kubeconfig") || !strings.Contains(h, "-v, --v") || !strings.Contains(h, "-n, --namespace")) {
				t.Errorf("%q: the help lacks kubectl's flags:\n%s", args, h)
			}
			if c.example == "" || c.exits == "" || c.long == "" {
				t.Errorf("%s: no description, examples or exit codes", c.name)
			}
		}
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &env{stdout: &out, stderr: &out}); code != exitOK {
		t.Errorf("--help: exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(out.String(), c.name+" ") || !strings.Contains(out.String(), c.summary) {
			t.Errorf("the plugin's help lacks %s", c.name)
		}
	}
	if !strings.Contains(out.String(), "Exit codes:") || !strings.Contains(out.String(), "Examples:") {
		t.Errorf("the plugin's help:\n%s", out.String())
	}
}
