package deploy

import (
	"encoding/json"
	"fmt"
	"net"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// TestKustomizeBuild builds every kustomization and checks that it yields
// exactly the objects its directory is for.
func TestKustomizeBuild(t *testing.T) {
	want := map[string][]string{
		"eci":      {"ConfigMap/secctx-spec", "ConfigMap/secctx-spec-deployment", "Deployment/web", "Pod/web"},
		"examples": {"ConfigMap/secctx-spec", "Pod/security-context-demo"},
		"injector": {"Certificate/secctx-injector", "Deployment/secctx-injector", "Issuer/secctx-injector",
			"MutatingWebhookConfiguration/secctx-injector", "Namespace/secctx-system", "NetworkPolicy/secctx-injector",
			"PodDisruptionBudget/secctx-injector", "Service/secctx-injector", "ServiceAccount/secctx-injector"},
		"monitoring": {"ConfigMap/secctx-dashboard", "PrometheusRule/secctx"},
	}
	dirs := kustomizeDirs(t)
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			w, ok := want[dir]
			if !ok {
				t.Fatalf("deploy/%s/kustomization.yaml is not in this test's table: add what it must build", dir)
			}
			var got []string
			for _, o := range kustomizeBuild(t, dir).Objects {
				got = append(got, o.ID())
			}
			sort.Strings(got)
			if !slices.Equal(got, w) {
				t.Errorf("kustomize build deploy/%s = %v, want %v", dir, got, w)
			}
		})
	}
	for dir := range want {
		if !slices.Contains(dirs, dir) {
			t.Errorf("deploy/%s/kustomization.yaml is gone; drop it from the table", dir)
		}
	}
}

// podSpecOf decodes an object's pod template into the API types, strictly.
func podSpecOf(t *testing.T, src source, o object) (*metav1.ObjectMeta, *corev1.PodSpec, bool) {
	t.Helper()
	meta, spec, ok := podTemplate(o)
	if !ok {
		return nil, nil, false
	}
	var m metav1.ObjectMeta
	var s corev1.PodSpec
	if err := remarshal(meta, &m); err != nil {
		t.Fatalf("%s %s: pod metadata: %v", src.Name, o.ID(), err)
	}
	if err := remarshal(spec, &s); err != nil {
		t.Fatalf("%s %s: pod spec: %v", src.Name, o.ID(), err)
	}
	return &m, &s, true
}

// forbidden evaluates a pod at a Pod Security level and returns the
// reasons it is refused, sorted; none when it is allowed.
func forbidden(t *testing.T, level api.Level, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []string {
	t.Helper()
	ev, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range ev.EvaluatePod(api.LevelVersion{Level: level, Version: api.LatestVersion()}, meta, spec) {
		if !r.Allowed {
			out = append(out, r.ForbiddenReason)
		}
	}
	sort.Strings(out)
	return out
}

// levelCase pins the Pod Security level of one object of one source.
type levelCase struct {
	source, object string
	level          api.Level
	// Reasons baseline and restricted refuse it (empty: allowed).
	baseline, restricted []string
	why                  string
}

// TestPodSecurityLevels evaluates every pod template of every manifest and
// kustomize output against the Pod Security Standards (baseline and
// restricted, latest version) and pins the level each one meets, with what
// keeps it from the next level.
func TestPodSecurityLevels(t *testing.T) {
	const (
		restricted = api.LevelRestricted
		baseline   = api.LevelBaseline
		privileged = api.LevelPrivileged
	)
	// ECI documents neither allowPrivilegeEscalation nor seccompProfile
	// (deploy/eci/pod.yaml says why they are left out), and its own sysctl
	// example, net.core.somaxconn, is not one of the safe sysctls baseline
	// allows.
	eciWhy := "ECI manifests declare only what ECI documents; net.core.somaxconn is outside baseline's safe sysctls"
	eciBaseline := []string{"forbidden sysctls"}
	eciRestricted := []string{"allowPrivilegeEscalation != false", "forbidden sysctls", "seccompProfile"}
	demoWhy := "the docs' demo pod made deployable anywhere: a safe sysctl, NET_BIND_SERVICE only, non-root, RuntimeDefault seccomp"
	injectorWhy := "the injector runs in a restricted namespace (deploy/injector/namespace.yaml)"
	tests := []levelCase{
		{"examples/security-context-demo.yaml", "Pod/security-context-demo", restricted, nil, nil, demoWhy},
		{"kustomize examples", "Pod/security-context-demo", restricted, nil, nil, demoWhy},
		{"eci/pod.yaml", "Pod/web", privileged, eciBaseline, eciRestricted, eciWhy},
		{"eci/deployment.yaml", "Deployment/web", privileged, eciBaseline, eciRestricted, eciWhy},
		{"kustomize eci", "Pod/web", privileged, eciBaseline, eciRestricted, eciWhy},
		{"kustomize eci", "Deployment/web", privileged, eciBaseline, eciRestricted, eciWhy},
		{"injector/deployment.yaml", "Deployment/secctx-injector", restricted, nil, nil, injectorWhy},
		{"kustomize injector", "Deployment/secctx-injector", restricted, nil, nil, injectorWhy},
	}
	type key struct{ source, object string }
	seen := map[key]bool{}
	for _, src := range allSources(t) {
		for _, o := range src.Objects {
			meta, spec, ok := podSpecOf(t, src, o)
			if !ok {
				continue
			}
			k := key{src.Name, o.ID()}
			seen[k] = true
			i := slices.IndexFunc(tests, func(tc levelCase) bool { return tc.source == k.source && tc.object == k.object })
			if i < 0 {
				t.Errorf("%s %s runs pods but has no expected Pod Security level here: add it, with the reason", k.source, k.object)
				continue
			}
			tc := tests[i]
			t.Run(k.source+"/"+k.object, func(t *testing.T) {
				b := forbidden(t, baseline, meta, spec)
				r := forbidden(t, restricted, meta, spec)
				level := privileged
				switch {
				case len(r) == 0:
					level = restricted
				case len(b) == 0:
					level = baseline
				}
				if level != tc.level {
					t.Errorf("Pod Security level %s, want %s (%s); baseline refuses %v, restricted refuses %v", level, tc.level, tc.why, b, r)
				}
				if !slices.Equal(b, tc.baseline) {
					t.Errorf("baseline refuses %v, want %v", b, tc.baseline)
				}
				if !slices.Equal(r, tc.restricted) {
					t.Errorf("restricted refuses %v, want %v", r, tc.restricted)
				}
			})
		}
	}
	for _, tc := range tests {
		if !seen[key{tc.source, tc.object}] {
			t.Errorf("%s %s is in the table but no longer among the manifests", tc.source, tc.object)
		}
	}
}

// scoreFinding is one kube-score finding: a check below OK for an object,
// about one container (path) or the whole object.
type scoreFinding struct {
	Dir, Object, Check, Path string
	Summary                  string
}

// kubeScore runs kube-score on a source and returns its findings.
func kubeScore(t *testing.T, src source) []scoreFinding {
	t.Helper()
	bin := tool(t, "kube-score")
	// kube-score assumes Kubernetes v1.18 unless told; score for a
	// supported release.
	cmd := []string{"score", "-o", "json", "--kubernetes-version", "v1.33", "-"}
	out := runStdin(t, src.Data, bin, cmd...)
	var objs []struct {
		TypeMeta struct {
			Kind string `json:"kind"`
		} `json:"type_meta"`
		ObjectMeta struct {
			Name string `json:"name"`
		} `json:"object_meta"`
		Checks []struct {
			Check struct {
				ID string `json:"id"`
			} `json:"check"`
			Grade    int  `json:"grade"`
			Skipped  bool `json:"skipped"`
			Comments []struct {
				Path    string `json:"path"`
				Summary string `json:"summary"`
			} `json:"comments"`
		} `json:"checks"`
	}
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &objs); err != nil {
			t.Fatalf("kube-score on %s: %v\n%s", src.Name, err, out)
		}
	}
	var fs []scoreFinding
	for _, o := range objs {
		id := o.TypeMeta.Kind + "/" + o.ObjectMeta.Name
		for _, c := range o.Checks {
			if c.Skipped || c.Grade >= 10 { // 10: kube-score's "all OK"
				continue
			}
			if len(c.Comments) == 0 {
				fs = append(fs, scoreFinding{src.Dir, id, c.Check.ID, "", ""})
			}
			for _, cm := range c.Comments {
				fs = append(fs, scoreFinding{src.Dir, id, c.Check.ID, cm.Path, cm.Summary})
			}
		}
	}
	return fs
}

// acceptedFinding is a kube-score finding the manifests keep on purpose.
type acceptedFinding struct {
	dir, object, check, path string
	reason                   string
}

// TestKubeScore runs kube-score on every manifest and every kustomize
// output. A finding passes only if it is in the table of accepted findings
// below, each with the reason it was accepted rather than fixed; an
// accepted finding that no longer occurs fails too, so the table stays
// true.
func TestKubeScore(t *testing.T) {
	accepted := []acceptedFinding{
		// The demo pod.
		{"examples", "Pod/security-context-demo", "container-image-tag", "sec-ctx-demo",
			"the image is built locally by `make demo` (podman build) and never pushed; on a cluster it is rebuilt and pushed under the user's own reference"},
		{"examples", "Pod/security-context-demo", "container-security-context-user-group-id", "sec-ctx-demo",
			"uid 1000 and gid 3000 are the values of the Kubernetes docs' demo pod, which this example reproduces and the demo verifies"},
		{"examples", "Pod/security-context-demo", "pod-networkpolicy", "",
			"a one-shot pod that opens no port and makes no connection; a NetworkPolicy is the namespace owner's, not the example's"},
		// The ECI sidecar examples.
		{"eci", "Pod/web", "container-image-tag", "secctx",
			"placeholder reference: kustomization.yaml's images: entry sets the tag or digest pushed from `make image`"},
		{"eci", "Deployment/web", "container-image-tag", "secctx",
			"placeholder reference: kustomization.yaml's images: entry sets the tag or digest pushed from `make image`"},
		{"eci", "Pod/web", "container-image-pull-policy", "app",
			"the app has a fixed version tag, so IfNotPresent is right; every ECI pod is a fresh instance that pulls its images anyway"},
		{"eci", "Deployment/web", "container-image-pull-policy", "app",
			"the app has a fixed version tag, so IfNotPresent is right; every ECI pod is a fresh instance that pulls its images anyway"},
		{"eci", "Pod/web", "pod-networkpolicy", "",
			"the app's traffic is unknown to the example; a policy here would cut it. The sidecar only listens on 9102 for the scrape"},
		{"eci", "Deployment/web", "pod-networkpolicy", "",
			"the app's traffic is unknown to the example; a policy here would cut it. The sidecar only listens on 9102 for the scrape"},
		{"eci", "Deployment/web", "deployment-has-poddisruptionbudget", "",
			"disruption budgets are the app's availability policy; the sidecar adds nothing to it"},
		{"eci", "Deployment/web", "deployment-has-host-podantiaffinity", "",
			"every ECI pod runs on its own instance behind a virtual node, so there is no shared host to spread across"},
		// The admission injector.
		{"injector", "Deployment/secctx-injector", "container-image-tag", "injector",
			"placeholder reference: kustomization.yaml's images: entry sets the tag or digest of the injector's image"},
	}
	used := make([]bool, len(accepted))
	for _, src := range allSources(t) {
		t.Run(src.Name, func(t *testing.T) {
			for _, f := range kubeScore(t, src) {
				i := slices.IndexFunc(accepted, func(a acceptedFinding) bool {
					return a.dir == f.Dir && a.object == f.Object && a.check == f.Check && a.path == f.Path
				})
				if i < 0 {
					t.Errorf("kube-score finding not accepted: %s %s %s (%s): %s", f.Object, f.Check, f.Path, src.Name, f.Summary)
					continue
				}
				used[i] = true
			}
		})
	}
	for i, a := range accepted {
		if !used[i] && !t.Failed() {
			t.Errorf("accepted finding %s %s %s %s no longer occurs: remove it from the table", a.dir, a.object, a.check, a.path)
		}
	}
}

// What Alibaba Cloud ECI documents as supported in a security context
// ("Configure a security context for an elastic container instance or a
// container"): pod level, sysctls and runAsUser; container level, runAsUser,
// runAsGroup, runAsNonRoot, privileged and capabilities, with
// readOnlyRootFilesystem fixed at true; init containers without runAsGroup
// and runAsNonRoot.
var (
	eciPodFields       = []string{"runAsUser", "sysctls"}
	eciContainerFields = []string{"capabilities", "privileged", "readOnlyRootFilesystem", "runAsGroup", "runAsNonRoot", "runAsUser"}
	eciInitFields      = []string{"capabilities", "privileged", "readOnlyRootFilesystem", "runAsUser"}
	// capabilities.add: ECI's 17, less SYS_RAWIO, which needs a ticket.
	eciAddable = []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_ADMIN",
		"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT", "SYS_PTRACE"}
	eciReservedPorts = []string{"111", "10250", "10255"}
)

// eciSysctl: the namespaced groups ECI applies.
func eciSysctl(name string) bool {
	switch {
	case name == "net.ipv4.tcp_syncookies":
		return false
	case strings.HasPrefix(name, "net."), strings.HasPrefix(name, "kernel.shm"), strings.HasPrefix(name, "kernel.msg"),
		name == "kernel.sem", strings.HasPrefix(name, "fs.mqueue."), name == "vm.min_free_kbytes":
		return true
	}
	return false
}

// number reads a YAML or JSON number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// checkECIPod returns every way a pod spec goes beyond what ECI documents,
// and every way its secctx sidecar falls short of the ECI setup.
func checkECIPod(spec map[string]any) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if psc, ok := spec["securityContext"].(map[string]any); ok {
		for _, k := range keysOf(psc) {
			if !slices.Contains(eciPodFields, k) {
				bad("pod securityContext.%s: ECI supports only %v at pod level", k, eciPodFields)
			}
		}
		sysctls, _ := psc["sysctls"].([]any)
		for _, s := range sysctls {
			name, _ := s.(map[string]any)["name"].(string)
			if !eciSysctl(name) {
				bad("sysctl %s: not in the namespaced groups ECI applies", name)
			}
		}
	}
	sidecars := 0
	for _, list := range []string{"initContainers", "containers"} {
		cs, _ := spec[list].([]any)
		for _, c := range cs {
			c := c.(map[string]any)
			name, _ := c["name"].(string)
			allowed := eciContainerFields
			if list == "initContainers" {
				allowed = eciInitFields
			}
			sc, _ := c["securityContext"].(map[string]any)
			for _, k := range keysOf(sc) {
				if !slices.Contains(allowed, k) {
					bad("%s %s securityContext.%s: ECI supports only %v there", list, name, k, allowed)
				}
			}
			if v, ok := sc["readOnlyRootFilesystem"]; ok && v != true {
				bad("%s %s: readOnlyRootFilesystem %v; ECI fixes it at true", list, name, v)
			}
			if sc["privileged"] == true {
				bad("%s %s: privileged needs an approved ECI ticket", list, name)
			}
			capsField, _ := sc["capabilities"].(map[string]any)
			adds, _ := capsField["add"].([]any)
			for _, a := range adds {
				if !slices.Contains(eciAddable, a.(string)) {
					bad("%s %s: capability %v is not one ECI lets capabilities.add grant", list, name, a)
				}
			}
			args, _ := c["args"].([]any)
			if len(args) == 0 || args[0] != "watch" {
				continue
			}
			sidecars++
			bad := func(format string, args ...any) { bad("sidecar %s: "+format, append([]any{name}, args...)...) }
			profile := ""
			for _, a := range args {
				if p, ok := strings.CutPrefix(a.(string), "--profile="); ok {
					profile = p
				}
				if addr, ok := strings.CutPrefix(a.(string), "--listen="); ok {
					if _, port, err := net.SplitHostPort(addr); err != nil || slices.Contains(eciReservedPorts, port) {
						bad("--listen=%s: ECI reserves ports %v", addr, eciReservedPorts)
					}
				}
			}
			env, _ := c["env"].([]any)
			for _, e := range env {
				e := e.(map[string]any)
				if e["name"] == "SECCTX_PROFILE" && profile == "" {
					profile, _ = e["value"].(string)
				}
			}
			if profile != "eci" {
				bad("runs with profile %q, want eci (--profile=eci or SECCTX_PROFILE=eci)", profile)
			}
			// As hardened as ECI allows.
			if sc["runAsNonRoot"] != true {
				bad("runAsNonRoot is not true")
			}
			if u, ok := number(sc["runAsUser"]); !ok || u == 0 {
				bad("runAsUser %v: want a non-root uid", sc["runAsUser"])
			}
			if _, ok := number(sc["runAsGroup"]); !ok {
				bad("runAsGroup unset: the gid would be looked up in an image that has no /etc/passwd")
			}
			if sc["readOnlyRootFilesystem"] != true {
				bad("readOnlyRootFilesystem is not true")
			}
			drops, _ := capsField["drop"].([]any)
			if !reflect.DeepEqual(drops, []any{"ALL"}) || len(adds) != 0 {
				bad("capabilities %v: want drop [ALL] and nothing added", capsField)
			}
			res, _ := c["resources"].(map[string]any)
			limits, _ := res["limits"].(map[string]any)
			if limits["cpu"] == nil || limits["memory"] == nil {
				bad("no cpu and memory limits")
			}
		}
	}
	if sidecars != 1 {
		bad("%d secctx sidecars (containers running `secctx watch`), want 1", sidecars)
	}
	return errs
}

// TestECIManifestsUseOnlySupportedFields holds every pod template of
// deploy/eci, raw and built, to what ECI documents.
func TestECIManifestsUseOnlySupportedFields(t *testing.T) {
	n := 0
	for _, src := range allSources(t) {
		if src.Dir != "eci" {
			continue
		}
		for _, o := range src.Objects {
			_, spec, ok := podTemplate(o)
			if !ok {
				continue
			}
			n++
			for _, e := range checkECIPod(spec) {
				t.Errorf("%s %s: %s", src.Name, o.ID(), e)
			}
		}
	}
	if n == 0 {
		t.Fatal("no pod templates under deploy/eci")
	}
}

// TestCheckECIPodRefuses: the ECI check itself finds what it is for.
func TestCheckECIPodRefuses(t *testing.T) {
	sidecar := func(mod func(c map[string]any)) map[string]any {
		c := map[string]any{
			"name": "secctx", "args": []any{"watch", "--listen=:9102"},
			"env": []any{map[string]any{"name": "SECCTX_PROFILE", "value": "eci"}},
			"securityContext": map[string]any{"runAsUser": 65532.0, "runAsGroup": 65532.0, "runAsNonRoot": true,
				"readOnlyRootFilesystem": true, "capabilities": map[string]any{"drop": []any{"ALL"}}},
			"resources": map[string]any{"limits": map[string]any{"cpu": "50m", "memory": "32Mi"}},
		}
		if mod != nil {
			mod(c)
		}
		return c
	}
	pod := func(psc map[string]any, cs ...map[string]any) map[string]any {
		var list []any
		for _, c := range cs {
			list = append(list, c)
		}
		return map[string]any{"securityContext": psc, "containers": list}
	}
	sc := func(c map[string]any) map[string]any { return c["securityContext"].(map[string]any) }
	tests := []struct {
		name string
		spec map[string]any
		want string // a substring of the one error expected; "" for none
	}{
		{"clean", pod(map[string]any{"sysctls": []any{map[string]any{"name": "net.core.somaxconn", "value": "1024"}}}, sidecar(nil)), ""},
		{"pod runAsNonRoot", pod(map[string]any{"runAsNonRoot": true}, sidecar(nil)), "pod securityContext.runAsNonRoot"},
		{"pod seccompProfile", pod(map[string]any{"seccompProfile": map[string]any{"type": "RuntimeDefault"}}, sidecar(nil)), "pod securityContext.seccompProfile"},
		{"pod supplementalGroups", pod(map[string]any{"supplementalGroups": []any{4000.0}}, sidecar(nil)), "pod securityContext.supplementalGroups"},
		{"tcp_syncookies", pod(map[string]any{"sysctls": []any{map[string]any{"name": "net.ipv4.tcp_syncookies", "value": "1"}}}, sidecar(nil)), "sysctl net.ipv4.tcp_syncookies"},
		{"container allowPrivilegeEscalation", pod(nil, sidecar(func(c map[string]any) { sc(c)["allowPrivilegeEscalation"] = false })), "securityContext.allowPrivilegeEscalation"},
		{"container seccompProfile", pod(nil, sidecar(func(c map[string]any) { sc(c)["seccompProfile"] = map[string]any{} })), "securityContext.seccompProfile"},
		{"writable root", pod(nil, sidecar(nil), map[string]any{"name": "app", "securityContext": map[string]any{"readOnlyRootFilesystem": false}}), "readOnlyRootFilesystem false"},
		{"sidecar with a writable root", pod(nil, sidecar(func(c map[string]any) { delete(sc(c), "readOnlyRootFilesystem") })), "sidecar secctx: readOnlyRootFilesystem is not true"},
		{"SYS_RAWIO", pod(nil, sidecar(nil), map[string]any{"name": "app", "securityContext": map[string]any{"capabilities": map[string]any{"add": []any{"SYS_RAWIO"}}}}), "capability SYS_RAWIO"},
		{"privileged", pod(nil, sidecar(nil), map[string]any{"name": "app", "securityContext": map[string]any{"privileged": true}}), "privileged needs"},
		{"containerd profile", pod(nil, sidecar(func(c map[string]any) { c["env"] = []any{} })), `profile ""`},
		{"profile flag", pod(nil, sidecar(func(c map[string]any) { c["env"] = []any{}; c["args"] = []any{"watch", "--profile=eci"} })), ""},
		{"reserved port", pod(nil, sidecar(func(c map[string]any) { c["args"] = []any{"watch", "--listen=:10250"} })), "reserves ports"},
		{"sidecar as root", pod(nil, sidecar(func(c map[string]any) { sc(c)["runAsUser"] = int64(0) })), "runAsUser 0"},
		{"sidecar without runAsGroup", pod(nil, sidecar(func(c map[string]any) { delete(sc(c), "runAsGroup") })), "runAsGroup unset"},
		{"sidecar without limits", pod(nil, sidecar(func(c map[string]any) { delete(c, "resources") })), "no cpu and memory limits"},
		{"sidecar with a capability", pod(nil, sidecar(func(c map[string]any) {
			sc(c)["capabilities"] = map[string]any{"drop": []any{"ALL"}, "add": []any{"NET_RAW"}}
		})), "want drop [ALL] and nothing added"},
		{"no sidecar", pod(nil), "0 secctx sidecars"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := checkECIPod(tc.spec)
			switch {
			case tc.want == "" && len(errs) != 0:
				t.Errorf("errors %q, want none", errs)
			case tc.want != "" && (len(errs) != 1 || !strings.Contains(errs[0], tc.want)):
				t.Errorf("errors %q, want one containing %q", errs, tc.want)
			}
		})
	}
}

// TestSpecConfigMapsHoldTheirWorkloads: each workload that runs secctx
// reads its expected spec from a ConfigMap, and in every kustomize output
// that ConfigMap holds the workload's own manifest (the same securityContexts),
// so secctx verifies the pod against what was applied.
func TestSpecConfigMapsHoldTheirWorkloads(t *testing.T) {
	n := 0
	for _, dir := range kustomizeDirs(t) {
		src := kustomizeBuild(t, dir)
		configMaps := map[string]map[string]any{}
		for _, o := range src.Objects {
			if o.Kind == "ConfigMap" {
				data, _ := o.Raw["data"].(map[string]any)
				configMaps[o.Name] = data
			}
		}
		for _, o := range src.Objects {
			_, spec, ok := podSpecOf(t, src, o)
			if !ok {
				continue
			}
			for _, c := range spec.Containers {
				file := ""
				for _, e := range c.Env {
					if e.Name == "SECCTX_SPEC_FILE" {
						file = e.Value
					}
				}
				if file == "" {
					continue
				}
				n++
				// The volume mounted at the file's directory.
				var cmName string
				for _, m := range c.VolumeMounts {
					if strings.HasPrefix(file, strings.TrimSuffix(m.MountPath, "/")+"/") {
						for _, v := range spec.Volumes {
							if v.Name == m.Name && v.ConfigMap != nil {
								cmName = v.ConfigMap.Name
							}
						}
					}
				}
				if cmName == "" {
					t.Errorf("%s %s container %s: SECCTX_SPEC_FILE %s is not on a ConfigMap volume", src.Name, o.ID(), c.Name, file)
					continue
				}
				key := file[strings.LastIndex(file, "/")+1:]
				text, ok := configMaps[cmName][key].(string)
				if !ok {
					t.Errorf("%s %s: ConfigMap %s has no key %s", src.Name, o.ID(), cmName, key)
					continue
				}
				inCM, err := decodeObjects([]byte(text))
				if err != nil {
					t.Fatalf("ConfigMap %s key %s: %v", cmName, key, err)
				}
				i := slices.IndexFunc(inCM, func(x object) bool { return x.ID() == o.ID() })
				if i < 0 {
					t.Errorf("%s %s: ConfigMap %s key %s does not hold %s", src.Name, o.ID(), cmName, key, o.ID())
					continue
				}
				_, want, _ := podSpecOf(t, src, inCM[i])
				if !reflect.DeepEqual(want.SecurityContext, spec.SecurityContext) {
					t.Errorf("%s %s: the spec ConfigMap's pod securityContext differs from the applied one", src.Name, o.ID())
				}
				for j := range spec.Containers {
					if j >= len(want.Containers) || !reflect.DeepEqual(want.Containers[j].SecurityContext, spec.Containers[j].SecurityContext) {
						t.Errorf("%s %s: the spec ConfigMap's container %s securityContext differs from the applied one", src.Name, o.ID(), spec.Containers[j].Name)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no workload reads SECCTX_SPEC_FILE")
	}
}
