package lint

import (
	"fmt"
	"strings"
	"testing"
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
			ix := newPosIndex([]byte(tc.data))
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
