package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const restrictedPod = `apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
`

const privilegedPod = `apiVersion: v1
kind: Pod
metadata: {name: priv}
spec:
  containers:
  - name: app
    securityContext:
      privileged: true
      readOnlyRootFilesystem: true
`

func TestLintExitCodes(t *testing.T) {
	t.Parallel()
	ok, priv := writeFile(t, "ok.yaml", restrictedPod), writeFile(t, "priv.yaml", privilegedPod)
	// A stream whose second document the API server rejects: one finding,
	// the other documents still linted.
	mixed := writeFile(t, "mixed.yaml", restrictedPod+"---\n"+strings.Replace(privilegedPod, "privileged: true", "privileged: true\n      allowPrivilegeEscalation: false", 1)+"---\n"+strings.Replace(restrictedPod, "name: ok", "name: ok2", 1))
	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout []string
		stderr []string // the one line on stderr, when the code is 2
	}{
		{"clean", "", []string{ok}, exitOK, []string{"Pod/ok", "Pod Security 1.37: restricted", "summary: 0 findings"}, nil},
		{"refused on eci", "", []string{"--profile", "eci", priv}, exitDrift, []string{"REFUSED high eci-privileged-ticket", "privileged (line 8)"}, nil},
		{"profile from the environment", "", []string{priv}, exitDrift, []string{"eci-privileged-ticket"}, nil},
		{"below fail-on", "", []string{"--profile", "eci", "--fail-on", "critical", priv}, exitOK, []string{"eci-privileged-ticket"}, nil},
		{"fail-on none", "", []string{"--profile", "eci", "--fail-on", "none", priv}, exitOK, nil, nil},
		{"stdin", privilegedPod, []string{"--profile", "eci", "-"}, exitDrift, []string{"stdin:1 Pod/priv"}, nil},
		{"one bad document", "", []string{mixed}, exitDrift, []string{"REFUSED high k8s-invalid", "Pod/ok2", "Pod/ok"}, nil},
		{"json", "", []string{"-o", "json", ok}, exitOK, []string{`"kind": "LintReport"`}, nil},
		{"sarif", "", []string{"-o", "sarif", ok}, exitOK, []string{`"version": "2.1.0"`}, nil},
		{"no file", "", nil, exitUsage, nil, []string{"FILE"}},
		{"missing file", "", []string{"/nonexistent/pod.yaml"}, exitUsage, nil, []string{"/nonexistent/pod.yaml", "cannot read"}},
		{"malformed yaml", "", []string{writeFile(t, "bad.yaml", "kind: Pod\n  bad: [")}, exitUsage, nil, []string{"bad.yaml", "malformed YAML"}},
		{"no workload", "", []string{writeFile(t, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")}, exitUsage, nil, []string{"cm.yaml", "no workload"}},
		{"bad output", "", []string{"-o", "xml", ok}, exitUsage, nil, []string{"--output"}},
		{"bad profile", "", []string{"--profile", "rkt", ok}, exitUsage, nil, []string{"--profile"}},
		{"bad fail-on", "", []string{"--fail-on", "severe", ok}, exitUsage, nil, []string{"--fail-on"}},
		{"unsafe sysctl not namespaced", "", []string{"--allowed-unsafe-sysctls", "vm.*", ok}, exitUsage, nil, []string{"--allowed-unsafe-sysctls", "vm.*", "namespaced"}},
		{"bad pss version", "", []string{"--pss-version", "1.2", ok}, exitUsage, nil, []string{"--pss-version"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			if tc.name == "profile from the environment" {
				env["SECCTX_PROFILE"] = "eci"
			}
			code, stdout, stderr := runCLI(t, env, tc.stdin, append([]string{"lint"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			if tc.code == exitUsage {
				if stdout != "" {
					t.Errorf("stdout %q, want nothing", stdout)
				}
				if n := strings.Count(strings.TrimRight(stderr, "\n"), "\n"); n != 0 || stderr == "" {
					t.Errorf("stderr is not one line: %q", stderr)
				}
				for _, w := range tc.stderr {
					if !strings.Contains(stderr, w) {
						t.Errorf("stderr %q lacks %q", stderr, w)
					}
				}
			} else if stderr != "" {
				t.Errorf("stderr %q, want nothing", stderr)
			}
		})
	}
}

func TestLintDirectories(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"a/pod.yaml":          privilegedPod,
		"a/b/deploy.yml":      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: c}]\n",
		"a/b/job.json":        `{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}`,
		"a/.hidden/pod.yaml":  privilegedPod,
		"a/notes.txt":         "not a manifest",
		"a/kustomization.yml": "resources: [pod.yaml]\n",
		"a/empty.yaml":        "",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := runCLI(t, nil, "", "lint", "-o", "json", "--fail-on", "none", filepath.Join(dir, "a"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Workloads []struct{ File, Workload string }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range rep.Workloads {
		rel, _ := filepath.Rel(dir, w.File)
		got = append(got, rel+" "+w.Workload)
	}
	want := []string{"a/b/deploy.yml Deployment/d", "a/b/job.json Job/j", "a/pod.yaml Pod/priv"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("workloads\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
