package manifest_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/secctx/secctx/manifest"
)

// assertSpecError checks that err is a *manifest.Error whose text is one line
// holding the source name and every wanted substring (the field path among
// them).
func assertSpecError(t *testing.T, err error, source string, want ...string) {
	t.Helper()
	if msg, ok := specErrorProblem(err, source, want...); !ok {
		t.Error(msg)
	}
}

func specErrorProblem(err error, source string, want ...string) (string, bool) {
	if err == nil {
		return "err = nil, want a *manifest.Error", false
	}
	var se *manifest.Error
	if !errors.As(err, &se) {
		return "err is " + reflect.TypeOf(err).String() + ", want *manifest.Error: " + err.Error(), false
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		return "error is not one line: " + msg, false
	}
	if source != "" && !strings.HasPrefix(msg, source+": ") {
		return "error does not start with the source " + source + ": " + msg, false
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			return "error lacks " + w + ": " + msg, false
		}
	}
	return "", true
}

const podYAML = `apiVersion: v1
kind: Pod
metadata:
  name: demo
  namespace: team-a
  annotations:
    note: pod-annotation
spec:
  securityContext:
    runAsUser: 1000
  containers:
  - name: app
    image: busybox
    securityContext:
      allowPrivilegeEscalation: false
`

func decodeOK(t *testing.T, source, data string) []*manifest.Workload {
	t.Helper()
	ws, err := manifest.Decode(source, []byte(data))
	if err != nil {
		t.Fatalf("Decode(%s): %v", source, err)
	}
	return ws
}

func TestDecodeYAMLAndJSON(t *testing.T) {
	t.Parallel()
	jsonPod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"demo","namespace":"team-a","annotations":{"note":"pod-annotation"}},
	 "spec":{"securityContext":{"runAsUser":1000},"containers":[{"name":"app","image":"busybox","securityContext":{"allowPrivilegeEscalation":false}}]}}`
	for name, data := range map[string]string{
		"yaml":              podYAML,
		"yaml-leading-doc":  "---\n" + podYAML,
		"yaml-crlf":         strings.ReplaceAll(podYAML, "\n", "\r\n"),
		"json":              jsonPod,
		"json-leading-ws":   "\n\t  " + jsonPod + "\n",
		"json-array":        "[" + jsonPod + "]",
		"json-in-yaml-flow": "# a comment first makes it YAML\n" + jsonPod,
	} {
		t.Run(name, func(t *testing.T) {
			ws := decodeOK(t, "in."+name, data)
			if len(ws) != 1 {
				t.Fatalf("%d workloads, want 1", len(ws))
			}
			w := ws[0]
			if w.Kind != "Pod" || w.Name != "demo" || w.Namespace != "team-a" || w.ID() != "Pod/demo" {
				t.Errorf("workload = %s %s/%s", w.ID(), w.Namespace, w.Name)
			}
			if w.Source != "in."+name || w.Doc != 1 {
				t.Errorf("Source, Doc = %q, %d", w.Source, w.Doc)
			}
			if w.Annotations["note"] != "pod-annotation" {
				t.Errorf("annotations = %v", w.Annotations)
			}
			if psc := w.Spec.SecurityContext; psc == nil || psc.RunAsUser == nil || *psc.RunAsUser != 1000 {
				t.Errorf("pod securityContext = %+v", psc)
			}
			if len(w.Spec.Containers) != 1 || w.Spec.Containers[0].Name != "app" || w.Spec.Containers[0].Image != "busybox" {
				t.Fatalf("containers = %+v", w.Spec.Containers)
			}
			sc := w.Spec.Containers[0].SecurityContext
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("container securityContext = %+v", sc)
			}
		})
	}
}

func TestDecodeMultiDocument(t *testing.T) {
	t.Parallel()
	stream := `# leading comment
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  spec.yaml: |
    kind: Pod
    metadata: {name: hidden}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
` + podYAML + `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: web}]
---
---
# trailing empty documents
`
	ws := decodeOK(t, "stream.yaml", stream)
	var ids []string
	for _, w := range ws {
		ids = append(ids, w.ID())
	}
	if got := strings.Join(ids, ","); got != "Pod/demo,Deployment/web" {
		t.Fatalf("workloads = %s, want Pod/demo,Deployment/web (ConfigMap and Service skipped)", got)
	}
	if ws[0].Doc != 3 || ws[1].Doc != 4 {
		t.Errorf("Doc = %d, %d; want 3, 4", ws[0].Doc, ws[1].Doc)
	}

	jsonStream := `{"kind":"ConfigMap","metadata":{"name":"c"}}
{"kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"x"}]}}
{"kind":"Service","metadata":{"name":"s"}}
{"kind":"Pod","metadata":{"name":"b"},"spec":{"containers":[{"name":"y"}]}}`
	ws = decodeOK(t, "stream.json", jsonStream)
	if len(ws) != 2 || ws[0].Name != "a" || ws[1].Name != "b" {
		t.Fatalf("JSON stream gave %d workloads", len(ws))
	}
	if ws[0].Doc != 2 || ws[1].Doc != 4 {
		t.Errorf("JSON Doc = %d, %d; want 2, 4", ws[0].Doc, ws[1].Doc)
	}
}

const tmplSpec = `    metadata:
      annotations: {from: template}
    spec:
      securityContext: {runAsUser: 7}
      initContainers: [{name: init}]
      containers: [{name: main}]
`

func TestDecodeEveryKind(t *testing.T) {
	t.Parallel()
	meta := func(kind string) string {
		return "kind: " + kind + "\nmetadata:\n  name: " + strings.ToLower(kind) + "\n  namespace: ns\n  annotations: {from: object}\n"
	}
	templated := func(kind string) string { return meta(kind) + "spec:\n  template:\n" + tmplSpec }
	docs := map[string]string{
		"Pod": meta("Pod") + `spec:
  securityContext: {runAsUser: 7}
  initContainers: [{name: init}]
  containers: [{name: main}]
`,
		"Deployment":            "apiVersion: apps/v1\n" + templated("Deployment"),
		"StatefulSet":           "apiVersion: apps/v1\n" + templated("StatefulSet"),
		"DaemonSet":             "apiVersion: apps/v1\n" + templated("DaemonSet"),
		"ReplicaSet":            "apiVersion: apps/v1\n" + templated("ReplicaSet"),
		"ReplicationController": "apiVersion: v1\n" + templated("ReplicationController"),
		"Job":                   "apiVersion: batch/v1\n" + templated("Job"),
		"CronJob": "apiVersion: batch/v1\n" + meta("CronJob") + `spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
` + indent(tmplSpec, "    "),
		"PodTemplate": "apiVersion: v1\n" + meta("PodTemplate") + "template:\n" + strings.ReplaceAll(tmplSpec, "\n    ", "\n  ")[2:],
	}
	for kind, doc := range docs {
		t.Run(kind, func(t *testing.T) {
			ws := decodeOK(t, kind+".yaml", doc)
			if len(ws) != 1 {
				t.Fatalf("%d workloads", len(ws))
			}
			w := ws[0]
			if w.Kind != kind || w.Name != strings.ToLower(kind) || w.Namespace != "ns" {
				t.Errorf("got %s in %q", w.ID(), w.Namespace)
			}
			wantAnn := "template"
			if kind == "Pod" {
				wantAnn = "object"
			}
			if w.Annotations["from"] != wantAnn {
				t.Errorf("annotations = %v, want the %s's", w.Annotations, wantAnn)
			}
			if psc := w.Spec.SecurityContext; psc == nil || psc.RunAsUser == nil || *psc.RunAsUser != 7 {
				t.Errorf("pod securityContext = %+v", psc)
			}
			if len(w.Spec.Containers) != 1 || w.Spec.Containers[0].Name != "main" || len(w.Spec.InitContainers) != 1 {
				t.Errorf("containers = %+v init = %+v", w.Spec.Containers, w.Spec.InitContainers)
			}
		})
	}
	t.Run("List", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
		for _, kind := range []string{"Pod", "Deployment", "CronJob", "PodTemplate"} {
			b.WriteString("- " + strings.ReplaceAll(strings.TrimRight(docs[kind], "\n"), "\n", "\n  ") + "\n")
		}
		b.WriteString("- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n")
		b.WriteString("- apiVersion: v1\n  kind: PodList\n  items:\n  - kind: Pod\n    metadata: {name: nested}\n    spec: {containers: [{name: nc}]}\n")
		ws := decodeOK(t, "list.yaml", b.String())
		var ids []string
		for _, w := range ws {
			ids = append(ids, w.ID())
		}
		if got := strings.Join(ids, ","); got != "Pod/pod,Deployment/deployment,CronJob/cronjob,PodTemplate/podtemplate,Pod/nested" {
			t.Errorf("List gave %s", got)
		}
	})
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}

func TestSelectWorkload(t *testing.T) {
	t.Parallel()
	stream := `kind: Pod
metadata: {name: web}
spec: {containers: [{name: a}]}
---
kind: Deployment
metadata: {name: web}
spec: {template: {spec: {containers: [{name: b}]}}}
---
kind: Job
metadata: {name: batch}
spec: {template: {spec: {containers: [{name: c}]}}}
`
	ws := decodeOK(t, "multi.yaml", stream)
	for _, tc := range []struct{ sel, want string }{
		{"Pod/web", "Pod/web"},
		{"Deployment/web", "Deployment/web"},
		{"deployment/web", "Deployment/web"},
		{"DEPLOYMENT/web", "Deployment/web"},
		{"batch", "Job/batch"},
		{"job/batch", "Job/batch"},
	} {
		w, err := manifest.Select(ws, tc.sel)
		if err != nil || w.ID() != tc.want {
			t.Errorf("Select(%q) = %v, %v; want %s", tc.sel, w, err, tc.want)
		}
	}
	for _, tc := range []struct {
		sel  string
		want []string
	}{
		{"", []string{"holds 3 workloads", "Pod/web, Deployment/web, Job/batch", "--workload"}},
		{"web", []string{"--workload", `"web" matches 2 workloads`, "Pod/web, Deployment/web"}},
		{"StatefulSet/web", []string{"--workload", `no workload "StatefulSet/web"`}},
		{"nope", []string{"--workload", `no workload "nope"`}},
		{"Pod/Web", []string{"--workload", `no workload "Pod/Web"`}}, // names are case-sensitive
	} {
		_, err := manifest.Select(ws, tc.sel)
		assertSpecError(t, err, "multi.yaml", tc.want...)
	}
	one := decodeOK(t, "one.yaml", podYAML)
	if w, err := manifest.Select(one, ""); err != nil || w.ID() != "Pod/demo" {
		t.Errorf("Select(one, \"\") = %v, %v", w, err)
	}
	if _, err := manifest.Select(nil, ""); err == nil {
		t.Error("Select(nil) succeeded")
	}
}

func TestFindContainer(t *testing.T) {
	t.Parallel()
	doc := `kind: Pod
metadata: {name: p}
spec:
  initContainers: [{name: setup}]
  containers: [{name: app}, {name: sidecar}]
  ephemeralContainers: [{name: debugger, targetContainerName: app}]
`
	w := decodeOK(t, "p.yaml", doc)[0]
	for _, tc := range []struct {
		name string
		kind manifest.ContainerKind
	}{
		{"app", manifest.KindContainer},
		{"sidecar", manifest.KindContainer},
		{"setup", manifest.KindInitContainer},
		{"debugger", manifest.KindEphemeralContainer},
	} {
		c, kind, err := w.FindContainer(tc.name)
		if err != nil || c.Name != tc.name || kind != tc.kind {
			t.Errorf("FindContainer(%q) = %v, %q, %v", tc.name, c, kind, err)
		}
	}
	_, _, err := w.FindContainer("")
	assertSpecError(t, err, "p.yaml", "Pod/p", "--container", "has 2 containers", "app, sidecar, setup (init), debugger (ephemeral)")
	_, _, err = w.FindContainer("missing")
	assertSpecError(t, err, "p.yaml", "Pod/p", "--container", `no container "missing"`)

	only := decodeOK(t, "only.yaml", `kind: Pod
metadata: {name: o}
spec:
  initContainers: [{name: setup}]
  containers: [{name: app}]
`)[0]
	if c, kind, err := only.FindContainer(""); err != nil || c.Name != "app" || kind != manifest.KindContainer {
		t.Errorf("only container: %v, %q, %v", c, kind, err)
	}
}

// ctrSC is a Pod whose only container has the given securityContext body
// (YAML indented by six spaces).
func ctrSC(body string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - name: app\n    securityContext:\n" + indent(body, "      ")
}

// podSC is a Pod with the given pod securityContext body.
func podSC(body string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  securityContext:\n" + indent(body, "    ") + "  containers:\n  - name: app\n"
}

func TestDecodeBadInput(t *testing.T) {
	t.Parallel()
	const c0 = "spec.containers[0].securityContext"
	const psc = "spec.securityContext"
	for _, tc := range []struct {
		name, in string
		want     []string
		bug      string
	}{
		// Syntax.
		{"malformed-YAML", "kind: Pod\nmetadata: {name: x\nspec: [", []string{"document 1", "malformed YAML"}, ""},
		{"malformed-YAML-second-document", podYAML + "---\nkind: Pod\n  bad: [\n", []string{"document 2", "malformed YAML"}, ""},
		{"malformed-YAML-tab-indent", "kind: Pod\nmetadata:\n\tname: x\n", []string{"document 1", "malformed YAML"}, ""},
		{"malformed-JSON", `{"kind": "Pod", "metadata": {"name": "x"`, []string{"document 1", "malformed JSON"}, ""},
		{"malformed-JSON-second-object", `{"kind":"ConfigMap"} {"kind": }`, []string{"document 2", "malformed JSON"}, ""},
		{"JSON-array-of-non-objects", `[1, 2]`, nil, ""},

		// Wrong types.
		{"runAsUser-string", ctrSC("runAsUser: \"1000\"\n"), []string{"Pod/bad", c0 + ".runAsUser", "expected an integer, got a string"}, ""},
		{"pod-runAsUser-string", podSC("runAsUser: \"1000\"\n"), []string{psc + ".runAsUser", "expected an integer"}, ""},
		{"runAsUser-float", ctrSC("runAsUser: 1.5\n"), []string{c0 + ".runAsUser", "expected an integer"}, ""},
		{"privileged-string", ctrSC("privileged: \"true\"\n"), []string{c0 + ".privileged", "expected a boolean"}, ""},
		{"capabilities-add-string", ctrSC("capabilities: {add: NET_ADMIN}\n"), []string{c0 + ".capabilities.add", "expected an array"}, ""},
		{"capabilities-scalar", ctrSC("capabilities: NET_ADMIN\n"), []string{c0 + ".capabilities", "expected an object"}, ""},
		{"supplementalGroups-string-element", podSC("supplementalGroups: [1, \"a\"]\n"), []string{psc + ".supplementalGroups", "expected an integer"}, ""},
		{"sysctls-value-number", podSC("sysctls: [{name: kernel.msgmax, value: 65536}]\n"), []string{psc + ".sysctls", "value", "expected a string"}, ""},
		{"too-many-sysctls", podSC("sysctls: [" + strings.Repeat("{name: net.core.somaxconn, value: \"1\"}, ", manifest.MaxSysctls) + "{name: a, value: \"1\"}]\n"),
			[]string{psc + ".sysctls", "513 sysctls, more than the 512"}, ""},
		{"seccompProfile-string", ctrSC("seccompProfile: RuntimeDefault\n"), []string{c0 + ".seccompProfile", "expected an object"}, ""},
		{"securityContext-list", ctrSC("- runAsUser: 1\n"), []string{c0, "expected an object"}, ""},
		{"hostUsers-string", "kind: Pod\nmetadata: {name: bad}\nspec:\n  hostUsers: \"false\"\n  containers: [{name: app}]\n", []string{"spec.hostUsers", "expected a boolean"}, ""},

		// Unknown securityContext fields, at every nesting.
		{"unknown-runAsUsr", ctrSC("runAsUsr: 1000\n"), []string{c0 + ".runAsUsr", "unknown field", `did you mean "runAsUser"`}, ""},
		{"unknown-RunAsUser-case", ctrSC("RunAsUser: 1000\n"), []string{c0 + ".RunAsUser", "unknown field", `"runAsUser"`}, ""},
		{"unknown-pod-runAsUsr", podSC("runAsUsr: 1000\n"), []string{psc + ".runAsUsr", "unknown field"}, ""},
		{"unknown-pod-capabilities", podSC("capabilities: {add: [NET_ADMIN]}\n"), []string{psc + ".capabilities", "unknown field"}, ""},
		{"unknown-pod-privileged", podSC("privileged: true\n"), []string{psc + ".privileged", "unknown field"}, ""},
		{"unknown-container-fsGroup", ctrSC("fsGroup: 2000\n"), []string{c0 + ".fsGroup", "unknown field"}, ""},
		{"unknown-procMnt-two-edits", ctrSC("procMnt: Default\n"), []string{c0 + ".procMnt", `did you mean "procMount"`}, ""},
		{"unknown-swapped-letters", ctrSC("runAsUesr: 1\n"), []string{c0 + ".runAsUesr", `did you mean "runAsUser"`}, ""},
		{"unknown-pod-privileged-placed", podSC("privileged: true\n"), []string{psc + ".privileged", "a field of a container's securityContext"}, ""},
		{"unknown-container-fsGroup-placed", ctrSC("fsGroup: 1\n"), []string{c0 + ".fsGroup", "a field of the pod's securityContext"}, ""},
		{"unknown-capabilities.addd", ctrSC("capabilities: {addd: [NET_ADMIN]}\n"), []string{c0 + ".capabilities.addd", "unknown field", `did you mean "add"`}, ""},
		{"unknown-seccompProfile.typo", ctrSC("seccompProfile: {type: RuntimeDefault, typo: x}\n"), []string{c0 + ".seccompProfile.typo", "unknown field"}, ""},
		{"unknown-pod-seccompProfile.typo", podSC("seccompProfile: {typo: RuntimeDefault}\n"), []string{psc + ".seccompProfile.typo", "unknown field"}, ""},
		{"unknown-sysctls[0].vaule", podSC("sysctls: [{name: kernel.msgmax, vaule: \"1\"}]\n"), []string{psc + ".sysctls[0].vaule", "unknown field"}, ""},
		{"unknown-sysctls[1].nmae", podSC("sysctls: [{name: kernel.msgmax, value: \"1\"}, {nmae: a}]\n"), []string{psc + ".sysctls[1].nmae", "unknown field"}, ""},
		{"unknown-init-container", "kind: Pod\nmetadata: {name: bad}\nspec:\n  initContainers: [{name: i, securityContext: {runAsUsr: 1}}]\n  containers: [{name: app}]\n",
			[]string{"spec.initContainers[0].securityContext.runAsUsr", "unknown field"}, ""},
		{"unknown-ephemeral-container", "kind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: app}]\n  ephemeralContainers: [{name: e, securityContext: {capabilities: {dropp: [ALL]}}}]\n",
			[]string{"spec.ephemeralContainers[0].securityContext.capabilities.dropp", "unknown field"}, ""},
		{"unknown-second-container", "kind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: a}, {name: b, securityContext: {procMnt: Default}}]\n",
			[]string{"spec.containers[1].securityContext.procMnt", "unknown field"}, ""},
		{"unknown-in-deployment", "kind: Deployment\nmetadata: {name: bad}\nspec:\n  template:\n    spec:\n      containers: [{name: app, securityContext: {runAsUsr: 1}}]\n",
			[]string{"Deployment/bad", "spec.template.spec.containers[0].securityContext.runAsUsr"}, ""},
		{"unknown-in-cronjob", "kind: CronJob\nmetadata: {name: bad}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          securityContext: {fsGrup: 1}\n          containers: [{name: app}]\n",
			[]string{"CronJob/bad", "spec.jobTemplate.spec.template.spec.securityContext.fsGrup"}, ""},
		{"unknown-in-podtemplate", "kind: PodTemplate\nmetadata: {name: bad}\ntemplate:\n  spec:\n    containers: [{name: app, securityContext: {privilegd: true}}]\n",
			[]string{"PodTemplate/bad", "template.spec.containers[0].securityContext.privilegd"}, ""},
		{"unknown-field-name-with-newline", ctrSC("\"runAs\\nUser\": 1\n"), []string{"unknown field"},
			"the decoder puts the raw key into Error.Field, so a key holding a newline splits the one-line error (and lets a manifest inject log lines); the key should be quoted/escaped"},
		{"object-name-with-newline", "kind: Pod\nmetadata: {name: \"x\\ny\"}\nspec:\n  containers: [{name: app, securityContext: {runAsUsr: 1}}]\n", []string{"unknown field"},
			"decoder.pod builds Error.Object from the raw metadata.name, so a name holding a newline splits the one-line error; names should be quoted/escaped"},

		// Values the API server or the runtime rejects.
		{"capability-unknown-add", ctrSC("capabilities: {add: [NET_RAWW]}\n"), []string{c0 + ".capabilities.add[0]", `unknown capability "NET_RAWW"`}, ""},
		{"capability-unknown-drop", ctrSC("capabilities: {drop: [CHOWN, FOO]}\n"), []string{c0 + ".capabilities.drop[1]", `unknown capability "FOO"`}, ""},
		{"capability-unknown-add-and-drop", ctrSC("capabilities: {add: [BAR], drop: [FOO]}\n"), []string{c0 + ".capabilities.add[0]", `unknown capability "BAR"`}, ""},
		{"sysctl-name-foo-", podSC("sysctls: [{name: foo-, value: bar}]\n"), []string{psc + ".sysctls[0].name", `invalid sysctl name "foo-"`}, ""},
		{"sysctl-name-bar..", podSC("sysctls: [{name: kernel.shm_rmid_forced, value: \"1\"}, {name: bar.., value: \"1\"}]\n"), []string{psc + ".sysctls[1].name", `invalid sysctl name "bar.."`}, ""},
		{"sysctl-name-uppercase", podSC("sysctls: [{name: Kernel.msgmax, value: \"1\"}]\n"), []string{psc + ".sysctls[0].name", "invalid sysctl name"}, ""},
		{"sysctl-name-empty", podSC("sysctls: [{name: \"\", value: \"1\"}]\n"), []string{psc + ".sysctls[0].name", "invalid sysctl name"}, ""},
		{"sysctl-duplicate", podSC("sysctls: [{name: kernel.msgmax, value: \"1\"}, {name: kernel.msgmax, value: \"2\"}]\n"), []string{psc + ".sysctls[1].name", `duplicate sysctl "kernel.msgmax"`}, ""},
		// Stricter than the API server, which compares names verbatim
		// (validateSysctls: names[s.Name]); the kubelet normalises them and
		// the last one wins. Kept: an ambiguous spec is better refused.
		{"sysctl-duplicate-slash-form", podSC("sysctls: [{name: kernel.shm_rmid_forced, value: \"1\"}, {name: kernel/shm_rmid_forced, value: \"1\"}]\n"), []string{psc + ".sysctls[1].name", "duplicate sysctl"}, ""},
		{"sysctl-net-with-hostNetwork", "kind: Pod\nmetadata: {name: bad}\nspec:\n  hostNetwork: true\n  securityContext: {sysctls: [{name: net.core.somaxconn, value: \"1024\"}]}\n  containers: [{name: app}]\n",
			[]string{psc + ".sysctls[0].name", "hostNetwork"},
			"a net.* sysctl with hostNetwork (or kernel.shm*/msg*/sem, fs.mqueue.* with hostIPC) is refused (API ValidateHostSysctl; kubelet sysctl admission: SysctlForbidden \"not allowed with host net enabled\"), so the container never runs; validate.go accepts it and the resolver expects the value"},
		{"privileged-and-APE-false", ctrSC("privileged: true\nallowPrivilegeEscalation: false\n"), []string{c0 + ".allowPrivilegeEscalation", "privileged"}, ""},
		{"APE-false-add-CAP_SYS_ADMIN", ctrSC("allowPrivilegeEscalation: false\ncapabilities: {add: [CAP_SYS_ADMIN]}\n"), []string{c0 + ".allowPrivilegeEscalation", "CAP_SYS_ADMIN"}, ""},
		{"procMount-Unmasked-without-hostUsers", ctrSC("procMount: Unmasked\n"), []string{c0 + ".procMount", "hostUsers: false"}, ""},
		{"procMount-Unmasked-hostUsers-true", "kind: Pod\nmetadata: {name: bad}\nspec:\n  hostUsers: true\n  containers: [{name: app, securityContext: {procMount: Unmasked}}]\n", []string{c0 + ".procMount", "hostUsers: false"}, ""},
		{"hostUsers-false-hostPID", "kind: Pod\nmetadata: {name: bad}\nspec:\n  hostUsers: false\n  hostPID: true\n  containers: [{name: app}]\n", []string{"hostPID", "hostUsers"},
			"the API server forbids hostPID and hostIPC when hostUsers is false (pkg/apis/core/validation validateHostUsers: field.Forbidden(... \"when `pod.Spec.HostUsers` is false\")); validate.go accepts them"},
		{"hostUsers-false-hostIPC", "kind: Pod\nmetadata: {name: bad}\nspec:\n  hostUsers: false\n  hostIPC: true\n  containers: [{name: app}]\n", []string{"hostIPC", "hostUsers"},
			"see hostUsers-false-hostPID"},
		{"seccomp-localhostProfile-escapes", ctrSC("seccompProfile: {type: Localhost, localhostProfile: ../../etc/profile.json}\n"), []string{c0 + ".seccompProfile.localhostProfile", ".."},
			"the API server checks localhostProfile with validateLocalDescendingPath (no absolute path, no '..'); validate.go only checks that it is set"},
		{"procMount-bogus", ctrSC("procMount: Masked\n"), []string{c0 + ".procMount", `unsupported value "Masked"`}, ""},
		{"seccomp-Localhost-without-profile", ctrSC("seccompProfile: {type: Localhost}\n"), []string{c0 + ".seccompProfile.localhostProfile", "required when type is Localhost"}, ""},
		{"seccomp-Localhost-empty-profile", podSC("seccompProfile: {type: Localhost, localhostProfile: \" \"}\n"), []string{psc + ".seccompProfile.localhostProfile", "required"}, ""},
		{"seccomp-RuntimeDefault-with-profile", ctrSC("seccompProfile: {type: RuntimeDefault, localhostProfile: a.json}\n"), []string{c0 + ".seccompProfile.localhostProfile", "only be set when type is Localhost"}, ""},
		{"seccomp-type-missing", ctrSC("seccompProfile: {localhostProfile: a.json}\n"), []string{c0 + ".seccompProfile.type", "required"}, ""},
		{"seccomp-type-bogus", ctrSC("seccompProfile: {type: Default}\n"), []string{c0 + ".seccompProfile.type", `unsupported value "Default"`}, ""},
		{"apparmor-Localhost-without-profile", podSC("appArmorProfile: {type: Localhost}\n"), []string{psc + ".appArmorProfile.localhostProfile", "required"}, ""},
		{"apparmor-type-bogus", ctrSC("appArmorProfile: {type: unconfined}\n"), []string{c0 + ".appArmorProfile.type", "unsupported value"}, ""},
		{"runAsUser-negative", ctrSC("runAsUser: -1\n"), []string{c0 + ".runAsUser", "between 0 and 2147483647"}, ""},
		{"runAsGroup-too-large", podSC("runAsGroup: 2147483648\n"), []string{psc + ".runAsGroup", "between 0 and 2147483647"}, ""},
		{"runAsUser-and-runAsGroup-negative", ctrSC("runAsGroup: -1\nrunAsUser: -1\n"), []string{c0 + ".runAsUser", "between 0 and 2147483647"}, ""},
		{"fsGroup-negative", podSC("fsGroup: -5\n"), []string{psc + ".fsGroup", "between 0"}, ""},
		{"supplementalGroups-negative", podSC("supplementalGroups: [1, -2]\n"), []string{psc + ".supplementalGroups[1]", "between 0"}, ""},
		{"supplementalGroupsPolicy-bogus", podSC("supplementalGroupsPolicy: Loose\n"), []string{psc + ".supplementalGroupsPolicy", `unsupported value "Loose"`}, ""},
		{"container-name-missing", "kind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{image: busybox}]\n", []string{"spec.containers[0].name", "required"}, ""},
		{"container-name-duplicate", "kind: Pod\nmetadata: {name: bad}\nspec:\n  initContainers: [{name: app}]\n  containers: [{name: app}]\n", []string{"spec.initContainers[0].name", "duplicate container name", "app"},
			"the API server rejects container names repeated across containers, initContainers and ephemeralContainers (validateInitContainers/validateContainers: field.Duplicate), validate.go does not, and FindContainer(\"app\") then silently picks the regular one"},
		{"container-name-type", "kind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: 5}]\n", []string{"spec.containers", "name", "expected a string"}, ""},
		{"container-name-type-index", "kind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: a}, {name: 5}]\n", []string{"spec.containers[1].name", "expected a string"},
			"type errors outside securityContext take their path from encoding/json's UnmarshalTypeError.Field, which has no array index: the error says spec.containers.name"},
		{"metadata-name-type", "kind: Pod\nmetadata: {name: 5}\nspec:\n  containers: [{name: app}]\n", []string{"document 1", "metadata.name", "expected a string"},
			"decoder.object reports a type error in the object envelope (kind, metadata) with the List prefix as its field and drops fieldOf(err), so the error names no field"},
		{"no-containers", "kind: Pod\nmetadata: {name: bad}\nspec:\n  initContainers: [{name: i}]\n", []string{"Pod/bad", "spec.containers", "no containers"}, ""},
		{"missing-pod-spec", "kind: Pod\nmetadata: {name: bad}\n", []string{"Pod/bad", "spec", "missing pod spec"}, ""},
		{"deployment-without-template", "kind: Deployment\nmetadata: {name: bad}\nspec: {replicas: 1}\n", []string{"Deployment/bad", "spec.template", "missing or malformed pod template"}, ""},
		{"cronjob-without-template", "kind: CronJob\nmetadata: {name: bad}\nspec: {schedule: x}\n", []string{"CronJob/bad", "spec.jobTemplate", "missing or malformed pod template"}, ""},
		{"unnamed-pod", "kind: Pod\nspec:\n  containers: [{name: app, securityContext: {runAsUsr: 1}}]\n", []string{"Pod/(unnamed, document 1)", c0 + ".runAsUsr"}, ""},
		{"error-in-list-item", "kind: List\nitems:\n- kind: Pod\n  metadata: {name: ok}\n  spec: {containers: [{name: a}]}\n- kind: Pod\n  metadata: {name: bad}\n  spec: {containers: [{name: a, securityContext: {runAsUsr: 1}}]}\n",
			[]string{"Pod/bad", c0 + ".runAsUsr"}, ""},

		// Hostile input: bounded, not a crash or a hang.
		{"billion-laughs", billionLaughs(), []string{"document 1", "malformed YAML", "excessive aliasing"}, ""},
		{"deep-nesting-JSON", "{\"kind\":\"Pod\",\"x\":" + strings.Repeat("[", 400000) + strings.Repeat("]", 400000) + "}", []string{"document 1", "malformed JSON", "exceeded max depth"}, ""},
		{"deep-nesting-YAML", "kind: Pod\nx: " + strings.Repeat("{a: ", 200000) + "1" + strings.Repeat("}", 200000) + "\n", []string{"more than 60000 YAML nodes"}, ""},

		// Nothing to verify.
		{"empty", "", []string{"spec is empty"}, ""},
		{"whitespace", " \n\t\n", []string{"spec is empty"}, ""},
		{"only-comments", "# nothing here\n---\n# nor here\n", []string{"no workload found"}, ""},
		{"only-configmap", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", []string{"no workload found"}, ""},
		{"over-size", podYAML + "# " + strings.Repeat("x", manifest.MaxSpecSize) + "\n", []string{"over the 1048576-byte limit"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := manifest.Decode("bad.yaml", []byte(tc.in))
			if tc.want == nil { // accepted, but holding nothing to verify
				if err == nil {
					t.Fatalf("Decode succeeded with %d workloads", len(ws))
				}
				assertSpecError(t, err, "bad.yaml")
				return
			}
			msg, ok := specErrorProblem(err, "bad.yaml", tc.want...)
			if !ok {
				if tc.bug != "" {
					t.Logf("regression of a fixed bug: %s", tc.bug)
				}
				t.Error(msg)
			}
			if ws != nil {
				t.Errorf("Decode returned workloads with an error")
			}
		})
	}
}

func billionLaughs() string {
	var b strings.Builder
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(n + ": &" + n + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",") + "]\n")
		prev = n
	}
	return b.String()
}

func TestDecodeYAMLFeatures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		uid, gid int64
	}{
		{"anchor-and-merge-key", "kind: Pod\nmetadata: {name: a}\nx-common: &sc {runAsUser: 1000}\nspec:\n  securityContext: *sc\n  containers: [{name: c, securityContext: {<<: *sc, runAsGroup: 5}}]\n", 1000, 5},
		{"utf8-bom-yaml", "\xEF\xBB\xBFkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, securityContext: {runAsUser: 1, runAsGroup: 2}}]}\n", 1, 2},
		{"utf8-bom-json", "\xEF\xBB\xBF{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"securityContext\":{\"runAsUser\":1,\"runAsGroup\":2}}]}}", 1, 2},
		// YAML 1.1 integer spellings, as sigs.k8s.io/yaml (and so kubectl) reads them.
		{"yaml11-octal-and-hex", "kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, securityContext: {runAsUser: 01750, runAsGroup: 0x3e8}}]}\n", 1000, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := decodeOK(t, "f.yaml", tc.in)[0]
			sc := w.Spec.Containers[0].SecurityContext
			if sc == nil || sc.RunAsUser == nil || sc.RunAsGroup == nil || *sc.RunAsUser != tc.uid || *sc.RunAsGroup != tc.gid {
				t.Errorf("container securityContext = %+v, want uid %d gid %d", sc, tc.uid, tc.gid)
			}
		})
	}
}

// TestDecodeTypedListWithoutItemKind: the API serves typed lists (PodList,
// DeploymentList) whose items carry no kind; such an item takes its kind
// from the list's.
func TestDecodeTypedListWithoutItemKind(t *testing.T) {
	t.Parallel()
	doc := "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a}\n  spec: {containers: [{name: c}]}\n"
	ws, err := manifest.Decode("podlist.yaml", []byte(doc))
	if err != nil || len(ws) != 1 || ws[0].ID() != "Pod/a" {
		t.Errorf("items of a typed list (kind PodList, as GET /api/v1/pods returns it) have no kind of their own and are skipped instead of taking the kind from the list: %v", err)
	}
}

func TestDecodeAcceptsAtLimit(t *testing.T) {
	t.Parallel()
	pad := manifest.MaxSpecSize - len(podYAML) - 3
	data := podYAML + "# " + strings.Repeat("x", pad) + "\n"
	if len(data) != manifest.MaxSpecSize {
		t.Fatalf("built %d bytes", len(data))
	}
	decodeOK(t, "limit.yaml", data)
}

func TestDecodeIgnoresUnknownFieldsOutsideSecurityContext(t *testing.T) {
	t.Parallel()
	doc := `apiVersion: v1
kind: Pod
futureTopLevel: 1
metadata:
  name: future
  futureMeta: {a: b}
  labels: {app: x}
status: {phase: Running}
spec:
  futureField: {deep: [1, 2, 3]}
  restartPolicy: Always
  volumes: [{name: v, emptyDir: {}}]
  securityContext:
    runAsUser: 1000
  containers:
  - name: app
    futureField: true
    command: [sh]
    volumeMounts: [{name: v, mountPath: /v}]
    resources: {limits: {cpu: "1"}}
    securityContext:
      readOnlyRootFilesystem: true
`
	w := decodeOK(t, "future.yaml", doc)[0]
	if w.Spec.SecurityContext == nil || *w.Spec.SecurityContext.RunAsUser != 1000 {
		t.Errorf("pod securityContext = %+v", w.Spec.SecurityContext)
	}
	if sc := w.Spec.Containers[0].SecurityContext; sc == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("container securityContext = %+v", sc)
	}
}

func TestDecodeEveryFieldRoundTrip(t *testing.T) {
	t.Parallel()
	w := decodeOK(t, "all.yaml", `apiVersion: v1
kind: Pod
metadata: {name: all}
spec:
  hostNetwork: true
  hostPID: false
  hostIPC: false
  hostUsers: false
  shareProcessNamespace: true
  securityContext:
    seLinuxOptions: {user: u, role: r, type: t, level: "s0:c1,c2"}
    windowsOptions: {gmsaCredentialSpecName: gmsa, gmsaCredentialSpec: spec, runAsUserName: winuser, hostProcess: false}
    runAsUser: 1
    runAsGroup: 2
    runAsNonRoot: true
    supplementalGroups: [3, 4]
    supplementalGroupsPolicy: Strict
    fsGroup: 5
    sysctls: [{name: kernel.msgmax, value: "6"}]
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile: {type: Localhost, localhostProfile: p.json}
    appArmorProfile: {type: Localhost, localhostProfile: aa}
    seLinuxChangePolicy: MountOption
  containers:
  - name: app
    securityContext:
      capabilities: {add: [NET_ADMIN], drop: [ALL]}
      privileged: false
      seLinuxOptions: {level: s0}
      windowsOptions: {hostProcess: false}
      runAsUser: 7
      runAsGroup: 8
      runAsNonRoot: false
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      procMount: Unmasked
      seccompProfile: {type: RuntimeDefault}
      appArmorProfile: {type: Unconfined}
`)[0]
	s := w.Spec
	if !s.HostNetwork || s.HostPID || s.HostIPC || s.HostUsers == nil || *s.HostUsers || s.ShareProcessNamespace == nil || !*s.ShareProcessNamespace {
		t.Errorf("host fields = %+v", s)
	}
	p := s.SecurityContext
	if p.SELinuxOptions.Level != "s0:c1,c2" || *p.WindowsOptions.RunAsUserName != "winuser" || *p.RunAsGroup != 2 ||
		!reflect.DeepEqual(p.SupplementalGroups, []int64{3, 4}) || *p.SupplementalGroupsPolicy != "Strict" || *p.FSGroup != 5 ||
		p.Sysctls[0] != (manifest.Sysctl{Name: "kernel.msgmax", Value: "6"}) || *p.FSGroupChangePolicy != "OnRootMismatch" ||
		*p.SeccompProfile.LocalhostProfile != "p.json" || *p.AppArmorProfile.LocalhostProfile != "aa" || *p.SELinuxChangePolicy != "MountOption" {
		t.Errorf("pod securityContext decoded wrong: %+v", p)
	}
	c := s.Containers[0].SecurityContext
	if !reflect.DeepEqual(c.Capabilities, &manifest.Capabilities{Add: []string{"NET_ADMIN"}, Drop: []string{"ALL"}}) || *c.Privileged ||
		c.SELinuxOptions.Level != "s0" || *c.RunAsUser != 7 || *c.RunAsGroup != 8 || *c.RunAsNonRoot || !*c.ReadOnlyRootFilesystem ||
		*c.AllowPrivilegeEscalation || *c.ProcMount != "Unmasked" || c.SeccompProfile.Type != "RuntimeDefault" || c.AppArmorProfile.Type != "Unconfined" {
		t.Errorf("container securityContext decoded wrong: %+v", c)
	}
}

// TestDecodeCaseSensitiveKeys: the API server decodes case-sensitively
// (k8s.io/apimachinery/pkg/util/json → sigs.k8s.io/json
// UnmarshalCaseSensitivePreserveInts), so "SecurityContext" is an unknown
// field there (dropped, or rejected by kubectl --validate=strict). secctx must
// not turn it into an expectation.
func TestDecodeCaseSensitiveKeys(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"manifest.SecurityContext":   "kind: Pod\nmetadata: {name: p}\nspec:\n  SecurityContext: {runAsUser: 5}\n  containers: [{name: app}]\n",
		"spec.HostUsers":             "kind: Pod\nmetadata: {name: p}\nspec:\n  HostUsers: false\n  containers: [{name: app}]\n",
		"containers.SecurityContext": "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, SecurityContext: {runAsUser: 5}}]\n",
	} {
		t.Run(name, func(t *testing.T) {
			ws, err := manifest.Decode("case.yaml", []byte(doc))
			if err != nil {
				return // rejecting is acceptable too
			}
			s := ws[0].Spec
			if s.SecurityContext != nil || s.HostUsers != nil || s.Containers[0].SecurityContext != nil {
				t.Errorf("%s is honoured although Kubernetes decodes keys case-sensitively and ignores it", name)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		e    manifest.Error
		want string
	}{
		{manifest.Error{Source: "pod.yaml", Object: "Pod/demo", Field: "spec.x", Msg: "bad"}, "pod.yaml: Pod/demo: spec.x: bad"},
		{manifest.Error{Source: "stdin", Msg: "spec is empty"}, "stdin: spec is empty"},
		{manifest.Error{Source: "env SECCTX_SPEC", Field: "--workload", Msg: "m"}, "env SECCTX_SPEC: --workload: m"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flagFile := write("flag.yaml", "flag")
	envFile := write("envfile.yaml", "envfile")
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	both := env(map[string]string{manifest.EnvSpecFile: envFile, manifest.EnvSpec: "inline"})
	stdin := strings.NewReader("from-stdin")

	for _, tc := range []struct {
		name                   string
		flag                   string
		getenv                 func(string) string
		source, nameWant, data string
		path                   string
		def                    bool
	}{
		{"flag wins over env", flagFile, both, "file:" + flagFile, flagFile, "flag", flagFile, false},
		{"dash is stdin", "-", both, "stdin", "stdin", "from-stdin", "", false},
		{"SECCTX_SPEC_FILE over SECCTX_SPEC", "", both, "file:" + envFile, envFile, "envfile", envFile, false},
		{"SECCTX_SPEC", "", env(map[string]string{manifest.EnvSpec: "inline"}), "env:SECCTX_SPEC", "env SECCTX_SPEC", "inline", "", false},
		{"embedded default", "", env(nil), manifest.DefaultSourceName, "embedded restricted profile", "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := manifest.Load(tc.flag, tc.getenv, stdin)
			if err != nil {
				t.Fatal(err)
			}
			if l.Source != tc.source || l.Name != tc.nameWant || l.Path != tc.path || l.Default != tc.def {
				t.Errorf("Loaded = {Source %q Name %q Path %q Default %v}", l.Source, l.Name, l.Path, l.Default)
			}
			if !tc.def && string(l.Data) != tc.data {
				t.Errorf("Data = %q, want %q", l.Data, tc.data)
			}
		})
	}

	big := strings.Repeat("x", manifest.MaxSpecSize+1)
	t.Run("oversize stdin", func(t *testing.T) {
		_, err := manifest.Load("-", env(nil), strings.NewReader(big))
		assertSpecError(t, err, "stdin", "over the 1048576-byte limit")
	})
	t.Run("oversize SECCTX_SPEC", func(t *testing.T) {
		_, err := manifest.Load("", env(map[string]string{manifest.EnvSpec: big}), nil)
		assertSpecError(t, err, "env SECCTX_SPEC", "over the 1048576-byte limit")
	})
	t.Run("oversize file", func(t *testing.T) {
		p := write("big.yaml", big)
		_, err := manifest.Load(p, env(nil), nil)
		assertSpecError(t, err, p, "over the 1048576-byte limit")
	})
	t.Run("missing flag file", func(t *testing.T) {
		p := filepath.Join(dir, "absent.yaml")
		_, err := manifest.Load(p, both, nil)
		assertSpecError(t, err, p, "cannot read", "no such file or directory")
	})
	t.Run("missing SECCTX_SPEC_FILE does not fall back", func(t *testing.T) {
		p := filepath.Join(dir, "absent.yaml")
		_, err := manifest.Load("", env(map[string]string{manifest.EnvSpecFile: p, manifest.EnvSpec: "inline"}), nil)
		assertSpecError(t, err, p, "cannot read")
	})
	t.Run("directory", func(t *testing.T) {
		_, err := manifest.Load(dir, env(nil), nil)
		assertSpecError(t, err, dir, "not a regular file (a directory)")
	})
	t.Run("stdin read error", func(t *testing.T) {
		_, err := manifest.Load("-", env(nil), errReader{})
		assertSpecError(t, err, "stdin", "cannot read", "boom")
	})
	t.Run("LoadFile", func(t *testing.T) {
		l, err := manifest.LoadFile(flagFile)
		if err != nil || string(l.Data) != "flag" || l.Path != flagFile {
			t.Errorf("LoadFile = %+v, %v", l, err)
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestSelectByNamespace(t *testing.T) {
	t.Parallel()
	doc := "kind: Pod\nmetadata: {name: a, namespace: ns-x}\nspec: {containers: [{name: c}]}\n---\n" +
		"kind: Pod\nmetadata: {name: a, namespace: ns-y}\nspec: {containers: [{name: c}]}\n"
	ws, err := manifest.Decode("ns.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := manifest.Select(ws, "Pod/a"); err == nil || !strings.Contains(err.Error(), "ns-x/Pod/a, ns-y/Pod/a") {
		t.Errorf("ambiguous selection: %v", err)
	}
	w, err := manifest.Select(ws, "ns-y/pod/a")
	if err != nil || w.Namespace != "ns-y" {
		t.Errorf("ns-y/pod/a = %+v, %v", w, err)
	}
	if _, err := manifest.Select(ws, "a/b/c/d"); err == nil || !strings.Contains(err.Error(), "NAMESPACE/KIND/NAME") {
		t.Errorf("four parts: %v", err)
	}
}

// manyUnknown is a Pod with n containers, each with fields secctx does not
// know (accepted), so that the decoder's strict errors overflow.
func manyUnknown(n int, lastSC string) string {
	var b strings.Builder
	b.WriteString("kind: Pod\nmetadata: {name: big}\nspec:\n  containers:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - {name: c%d, command: [sh], args: [x], env: [{name: A, value: b}], ports: [{containerPort: 80}]}\n", i)
	}
	b.WriteString("  - name: last\n    securityContext: " + lastSC + "\n")
	return b.String()
}

// manyNew is a securityContext body with n fields secctx does not know.
func manyNew(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "future%d: x\n", i)
	}
	return b.String()
}

// TestDecodeUnknownFields: an unknown securityContext field that is no
// misspelling of a known one is kept with its path and the container it
// belongs to, and the spec loads; unknown fields outside a securityContext
// are ignored.
func TestDecodeUnknownFields(t *testing.T) {
	t.Parallel()
	const c0, psc = "spec.containers[0].securityContext", "spec.securityContext"
	two := "kind: Pod\nmetadata: {name: two}\nspec:\n  securityContext: {runAsUser: 1, podFuture: {a: 1}}\n" +
		"  initContainers: [{name: i, securityContext: {initFuture: true}}]\n" +
		"  containers: [{name: a}, {name: b, securityContext: {runAsNonRoot: true, ctrFuture: 1, seccompProfile: {type: RuntimeDefault, strength: 3}}}]\n"
	for _, tc := range []struct {
		name, in string
		want     []manifest.UnknownField
	}{
		{"known fields only", ctrSC("runAsUser: 1\n"), nil},
		{"new container field", ctrSC("runAsUser: 1\nfutureIsolation: strict\n"), []manifest.UnknownField{{Path: c0 + ".futureIsolation", Container: "app"}}},
		{"new pod field", podSC("podFuture: 1\n"), []manifest.UnknownField{{Path: psc + ".podFuture"}}},
		{"new nested seLinuxOptions field", ctrSC("seLinuxOptions: {level: s0, x: y}\n"), []manifest.UnknownField{{Path: c0 + ".seLinuxOptions.x", Container: "app"}}},
		{"new nested pod seLinuxOptions field", podSC("seLinuxOptions: {x: y}\n"), []manifest.UnknownField{{Path: psc + ".seLinuxOptions.x"}}},
		{"new appArmorProfile field", ctrSC("appArmorProfile: {type: RuntimeDefault, foo: bar}\n"), []manifest.UnknownField{{Path: c0 + ".appArmorProfile.foo", Container: "app"}}},
		{"new windowsOptions field", ctrSC("windowsOptions: {foo: bar}\n"), []manifest.UnknownField{{Path: c0 + ".windowsOptions.foo", Container: "app"}}},
		{"new object-valued field", ctrSC("futureThing: {a: [1, 2], b: {c: d}}\n"), []manifest.UnknownField{{Path: c0 + ".futureThing", Container: "app"}}},
		{"field far from every known one", ctrSC("zz: 1\n"), []manifest.UnknownField{{Path: c0 + ".zz", Container: "app"}}},
		{"outside a securityContext: ignored", "kind: Pod\nmetadata: {name: o}\nspec:\n  futurePodField: 1\n  containers: [{name: app, futureCtrField: 2, securityContext: {runAsUser: 1}}]\n", nil},
		{"pod, init and second container", two, []manifest.UnknownField{
			{Path: psc + ".podFuture"},
			{Path: "spec.containers[1].securityContext.ctrFuture", Container: "b"},
			{Path: "spec.containers[1].securityContext.seccompProfile.strength", Container: "b"},
			{Path: "spec.initContainers[0].securityContext.initFuture", Container: "i"},
		}},
		{"in a deployment", "kind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: app, securityContext: {futureField: 1}}]\n",
			[]manifest.UnknownField{{Path: "spec.template.spec.containers[0].securityContext.futureField", Container: "app"}}},
		{"in a list item", "kind: List\nitems:\n- kind: Pod\n  metadata: {name: l}\n  spec: {containers: [{name: a, securityContext: {futureField: 1}}]}\n",
			[]manifest.UnknownField{{Path: "items[0].spec.containers[0].securityContext.futureField", Container: "a"}}},
		{"after 100 others", manyUnknown(30, "{runAsUser: 1, futureField: x}"),
			[]manifest.UnknownField{{Path: "spec.containers[30].securityContext.futureField", Container: "last"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws, err := manifest.Decode("new.yaml", []byte(tc.in))
			if err != nil || len(ws) != 1 {
				t.Fatalf("Decode = %d workloads, %v; want one", len(ws), err)
			}
			if got := ws[0].UnknownFields; !slices.Equal(got, tc.want) {
				t.Errorf("UnknownFields = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestUnknownFieldsOf: a container sees the pod's unknown fields and its
// own, not another container's.
func TestUnknownFieldsOf(t *testing.T) {
	t.Parallel()
	in := "kind: Pod\nmetadata: {name: two}\nspec:\n  securityContext: {podFuture: 1}\n" +
		"  containers: [{name: a, securityContext: {aFuture: 1}}, {name: b}]\n"
	ws, err := manifest.Decode("new.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	for ctr, want := range map[string][]string{
		"a": {"spec.securityContext.podFuture", "spec.containers[0].securityContext.aFuture"},
		"b": {"spec.securityContext.podFuture"},
	} {
		var got []string
		for _, u := range ws[0].UnknownFieldsOf(ctr) {
			got = append(got, u.Path)
		}
		if !slices.Equal(got, want) {
			t.Errorf("UnknownFieldsOf(%s) = %q, want %q", ctr, got, want)
		}
	}
}

func TestDecodeStrict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     []string // nil: accepted
	}{
		{"YAML duplicate key in securityContext", ctrSC("runAsUser: 1\nrunAsUser: 0\n"), []string{"Pod/bad", "duplicate key", "runAsUser"}},
		{"YAML duplicate key elsewhere", "kind: Pod\nmetadata: {name: dup}\nspec:\n  restartPolicy: Always\n  restartPolicy: Never\n  containers: [{name: app}]\n",
			[]string{"Pod/dup", "duplicate key", "restartPolicy"}},
		{"YAML duplicate key, unnamed", "kind: Pod\nkind: Pod\nspec: {containers: [{name: app}]}\n", []string{"document 1", "duplicate key"}},
		{"JSON duplicate field in securityContext", `{"kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[{"name":"a","securityContext":{"runAsUser":1,"runAsUser":0}}]}}`,
			[]string{"Pod/j", "spec.containers[0].securityContext.runAsUser", "duplicate field"}},
		{"JSON duplicate annotation", `{"kind":"Pod","metadata":{"name":"j","annotations":{"a":"1","a":"2"}},"spec":{"containers":[{"name":"a"}]}}`,
			[]string{"Pod/j", "metadata.annotations.a", "duplicate field"}},
		{"merge key is not a duplicate", "kind: Pod\nmetadata: {name: m}\nx: &sc {runAsUser: 1}\nspec:\n  containers: [{name: c, securityContext: {<<: *sc, runAsGroup: 5}}]\n", nil},
		{"unknown field after 100 others", manyUnknown(30, "{runAsUsr: 1}"), []string{"Pod/big", "spec.containers[30].securityContext.runAsUsr", "unknown field", `did you mean "runAsUser"`}},
		{"unknown pod field after 100 others", strings.Replace(manyUnknown(30, "{}"), "spec:\n", "spec:\n  securityContext: {fsGrup: 1}\n", 1) + "  restartPolicy: Always\n",
			[]string{"spec.securityContext.fsGrup", "unknown field"}},
		{"many unknown fields, none in a securityContext", manyUnknown(30, "{runAsUser: 1}"), nil},
		{"new field after 100 others", manyUnknown(30, "{runAsUser: 1, futureField: x}"), nil},
		{"100 new securityContext fields", ctrSC(manyNew(100)), []string{"Pod/bad", "100 or more securityContext fields unknown to secctx", "spec.containers[0].securityContext.future0"}},
		{"unknown keys with brackets and dots", "kind: Pod\nmetadata: {name: w}\nspec: {containers: [{name: c}], \"containers[x\": 1, \"containers[0]\": 2}\n\"spec[x\": 1\n", nil},
		{"securityContext inside an unknown field", "kind: Pod\nmetadata: {name: f}\nspec:\n  future: {securityContext: {runAsUsr: 1}}\n  containers: [{name: c}]\n", nil},
		{"type error with an index", "kind: Pod\nmetadata: {name: t}\nspec:\n  containers: [{name: a}, {name: b, securityContext: {capabilities: {add: [NET_ADMIN, 5]}}}]\n",
			[]string{"spec.containers[1].securityContext.capabilities.add[1]", "expected a string, got a number"}},
		{"type error in a list item", "kind: List\nitems:\n- kind: Pod\n  metadata: {name: l}\n  spec: {hostPID: yes please, containers: [{name: a}]}\n",
			[]string{"Pod/l", "items[0].spec.hostPID", "expected a boolean"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := manifest.Decode("strict.yaml", []byte(tc.in))
			if tc.want == nil {
				if err != nil || len(ws) != 1 {
					t.Fatalf("Decode = %d workloads, %v; want one", len(ws), err)
				}
				return
			}
			assertSpecError(t, err, "strict.yaml", tc.want...)
		})
	}
}
