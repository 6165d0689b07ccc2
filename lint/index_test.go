package lint

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	sigsyaml "sigs.k8s.io/yaml"
)

const multiDoc = `# a comment
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        k8s.aliyun.com/eci-host-sysctls: '[]'
    spec:
      containers:
      - name: app
        securityContext:
          capabilities:
            add:
            - NET_ADMIN
            - SYS_TIME
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
  spec:
    containers: [{name: x}]
- apiVersion: batch/v1
  kind: CronJob
  metadata: {name: cj}
  spec:
    jobTemplate:
      spec:
        template:
          spec:
            initContainers:
            - name: i
              securityContext: {runAsGroup: 1}
            containers: [{name: yy}]
`

func TestIndexPositions(t *testing.T) {
	t.Parallel()
	jsonStream := "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"},\n \"spec\": {\"containers\": [{\"name\": \"x\"}]}}\n" +
		"{\"kind\": \"Pod\",\n \"metadata\": {\"name\": \"b\"},\n \"spec\": {\n  \"hostNetwork\": true,\n  \"containers\": [{\"name\": \"y\"}]}}\n"
	jsonArray := "[\n {\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}, \"spec\": {\"containers\": [{\"name\": \"x\"}]}},\n {\"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"b\"},\n  \"spec\": {\"containers\": [{\"name\": \"y\"}]}}\n]\n"
	for _, tc := range []struct {
		name, data string
		doc        int
		path       string
		line       int
	}{
		{"deployment capability", multiDoc, 2, "spec.template.spec.containers[0].securityContext.capabilities.add[1]", 22},
		{"annotation with dots", multiDoc, 2, "spec.template.metadata.annotations[k8s.aliyun.com/eci-host-sysctls]", 14},
		{"unset field: nearest parent", multiDoc, 2, "spec.template.spec.containers[0].securityContext.runAsUser", 18},
		{"list item", multiDoc, 3, "items[1].spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.runAsGroup", 42},
		{"document root", multiDoc, 3, "", 24},
		{"concatenated JSON, second object", jsonStream, 2, "spec.hostNetwork", 6},
		{"concatenated JSON, first object", jsonStream, 1, "spec.containers[0].name", 2},
		{"JSON array item", jsonArray, 2, "metadata.name", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := newIndex([]byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if line, _ := ix.position(tc.doc, tc.path); line != tc.line {
				t.Errorf("line %d, want %d", line, tc.line)
			}
		})
	}
}

// TestIndexTemplatesMatchTheDecoder: the index finds the pod templates the
// decoder finds, with their paths.
func TestIndexTemplatesMatchTheDecoder(t *testing.T) {
	t.Parallel()
	res := lintOne(t, "containerd", multiDoc, Options{})
	var got []string
	for _, w := range res.Workloads {
		got = append(got, fmt.Sprintf("%d %s %s", w.Doc, w.Workload, w.SpecPath))
	}
	want := []string{"2 Deployment/web spec.template.spec", "3 Pod/a items[0].spec", "3 CronJob/cj items[1].spec.jobTemplate.spec.template.spec"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("workloads\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestParseQuantityMatchesKubernetes(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"1Gi", "512Mi", "1G", "1.5Gi", "100M", "1e9", "1E3", "0.5", "128974848", "129e6", "123Mi", "1k", "2Ki", "1Ti", "1Pi", "1Ei", "100m", "5u", ".5Gi", "+1Gi", "1.25e2"} {
		want := resource.MustParse(q)
		got, err := parseQuantity(q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got.Int64() != want.Value() {
			t.Errorf("%s: %s, Kubernetes %d", q, got, want.Value())
		}
	}
	for _, bad := range []string{"", "1GB", "1.2.3", "1 Gi", "abc"} {
		if _, err := parseQuantity(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
		if _, err := resource.ParseQuantity(bad); err == nil {
			t.Errorf("Kubernetes parses %q, the test is wrong", bad)
		}
	}
}

// TestExtrasFidelity: the fields the index reads for the Pod Security
// Standards and the memory rule match k8s.io/api's decoding.
func TestExtrasFidelity(t *testing.T) {
	t.Parallel()
	corpus := map[string]string{
		"resources": podYAMLc("", "", "resources: {limits: {memory: 1Gi, cpu: 500m}, requests: {memory: 256Mi}}", "initContainers:\n- name: init\n  resources: {requests: {memory: \"1e9\"}}"),
		"numbers":   podYAMLc("", "", "resources: {limits: {memory: 1073741824}}\nports: [{containerPort: 80, hostPort: 8080}, {containerPort: 81}]", ""),
	}
	for k, v := range pssCorpus {
		corpus[k] = v
	}
	names := make([]string, 0, len(corpus))
	for n := range corpus {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		m := corpus[name]
		var pod corev1.Pod
		if err := sigsyaml.Unmarshal([]byte(m), &pod); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ix, err := newIndex([]byte(m))
		if err != nil {
			t.Fatal(err)
		}
		ex, err := readExtras(ix.docs[0].templates[0].spec)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Volumes.
		var want, got []string
		for _, v := range pod.Spec.Volumes {
			want = append(want, v.Name+"="+volumeSource(v))
		}
		for _, v := range ex.Volumes {
			got = append(got, v.Name+"="+v.Source)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: volumes %v, k8s.io/api %v", name, got, want)
		}
		if os := ""; pod.Spec.OS != nil {
			os = string(pod.Spec.OS.Name)
			if ex.OSName != os {
				t.Errorf("%s: os %q, k8s.io/api %q", name, ex.OSName, os)
			}
		}
		lists := map[string][]corev1.Container{"containers": pod.Spec.Containers, "initContainers": pod.Spec.InitContainers}
		for _, e := range pod.Spec.EphemeralContainers {
			lists["ephemeralContainers"] = append(lists["ephemeralContainers"], corev1.Container(e.EphemeralContainerCommon))
		}
		for list, cs := range lists {
			for i, c := range cs {
				ce := ex.container(list, i)
				var wantPorts, gotPorts []string
				for _, p := range c.Ports {
					if p.HostPort != 0 {
						wantPorts = append(wantPorts, fmt.Sprint(p.HostPort))
					}
				}
				for _, p := range ce.HostPorts {
					gotPorts = append(gotPorts, p.Value)
				}
				if strings.Join(gotPorts, ",") != strings.Join(wantPorts, ",") {
					t.Errorf("%s %s[%d]: host ports %v, k8s.io/api %v", name, list, i, gotPorts, wantPorts)
				}
				var wantHosts []string
				for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
					if p != nil && p.HTTPGet != nil && p.HTTPGet.Host != "" {
						wantHosts = append(wantHosts, p.HTTPGet.Host)
					}
					if p != nil && p.TCPSocket != nil && p.TCPSocket.Host != "" {
						wantHosts = append(wantHosts, p.TCPSocket.Host)
					}
				}
				if c.Lifecycle != nil {
					for _, h := range []*corev1.LifecycleHandler{c.Lifecycle.PostStart, c.Lifecycle.PreStop} {
						if h != nil && h.HTTPGet != nil && h.HTTPGet.Host != "" {
							wantHosts = append(wantHosts, h.HTTPGet.Host)
						}
						if h != nil && h.TCPSocket != nil && h.TCPSocket.Host != "" {
							wantHosts = append(wantHosts, h.TCPSocket.Host)
						}
					}
				}
				var gotHosts []string
				for _, h := range ce.ProbeHosts {
					gotHosts = append(gotHosts, h.Value)
				}
				if strings.Join(gotHosts, ",") != strings.Join(wantHosts, ",") {
					t.Errorf("%s %s[%d]: probe hosts %v, k8s.io/api %v", name, list, i, gotHosts, wantHosts)
				}
				for _, m := range []struct {
					got  string
					want resource.Quantity
					ok   bool
				}{
					{ce.MemoryLimit.Value, c.Resources.Limits[corev1.ResourceMemory], c.Resources.Limits != nil},
					{ce.MemoryRequest.Value, c.Resources.Requests[corev1.ResourceMemory], c.Resources.Requests != nil},
				} {
					_, set := c.Resources.Limits[corev1.ResourceMemory]
					if m.got == "" {
						continue
					}
					q, err := parseQuantity(m.got)
					if err != nil || q.Int64() != m.want.Value() {
						t.Errorf("%s %s[%d]: memory %q = %v, k8s.io/api %d (set %v)", name, list, i, m.got, q, m.want.Value(), set)
					}
				}
			}
		}
	}
}

// volumeSource names the set field of a volume's source, by its JSON name.
func volumeSource(v corev1.Volume) string {
	rv := reflect.ValueOf(v.VolumeSource)
	for i := 0; i < rv.NumField(); i++ {
		if f := rv.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			return strings.Split(rv.Type().Field(i).Tag.Get("json"), ",")[0]
		}
	}
	return ""
}
