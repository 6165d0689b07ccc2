// Package poddump writes what `kubectl get pods -A -o yaml` (or -o json)
// prints for a cluster of n pods: a List of pods made from a realistic
// template (the fields the API server fills in, a status, service account
// token volumes) with variation by index: namespaces, sidecars, init
// containers, and now and then a securityContext that is hardened,
// privileged, or adds capabilities, host namespaces and hostPath volumes.
// It is the input of the lint scale tests and benchmark.
package poddump

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/secctx/secctx/manifest"
)

// Pod is pod i of the dump.
func Pod(i int) map[string]any {
	ns := []string{"default", "kube-system", "payments", "web", "monitoring", "batch", "ingress", "data"}[i%8]
	app := fmt.Sprintf("app-%d", i/24)
	name := fmt.Sprintf("%s-%06x-%05d", app, (i*2654435761)&0xffffff, i)
	ctr := map[string]any{
		"name": "app", "image": fmt.Sprintf("registry.example.com/%s/%s:1.%d.%d", ns, app, i%7, i%13),
		"imagePullPolicy": "IfNotPresent",
		"ports":           []any{map[string]any{"containerPort": 8080, "protocol": "TCP"}},
		"resources":       map[string]any{"limits": map[string]any{"memory": "256Mi"}},
		"volumeMounts":    []any{map[string]any{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access-" + name[len(name)-5:], "readOnly": true}},
	}
	podSC := map[string]any{}
	switch {
	case i%50 == 0:
		ctr["securityContext"] = map[string]any{"privileged": true}
	case i%7 == 0:
		ctr["securityContext"] = map[string]any{"capabilities": map[string]any{"add": []any{"NET_ADMIN", "SYS_TIME"}}, "runAsUser": 0}
	case i%3 == 0:
		ctr["securityContext"] = map[string]any{"allowPrivilegeEscalation": false, "capabilities": map[string]any{"drop": []any{"ALL"}},
			"readOnlyRootFilesystem": true, "runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": map[string]any{"type": string(manifest.SeccompProfileTypeRuntimeDefault)}}
		podSC = map[string]any{"fsGroup": 10001, "runAsGroup": 10001}
	}
	ctrs := []any{ctr}
	if i%4 == 1 {
		ctrs = append(ctrs, map[string]any{"name": "proxy", "image": "registry.example.com/mesh/proxy:1.22.0", "args": []any{"proxy", "sidecar"},
			"securityContext": map[string]any{"runAsUser": 1337, "runAsGroup": 1337, "allowPrivilegeEscalation": false,
				"capabilities": map[string]any{"drop": []any{"ALL"}}, "readOnlyRootFilesystem": true}})
	}
	volumes := []any{map[string]any{"name": "kube-api-access-" + name[len(name)-5:], "projected": map[string]any{
		"sources": []any{map[string]any{"serviceAccountToken": map[string]any{"path": "token"}}}}}}
	spec := map[string]any{
		"containers": ctrs, "nodeName": fmt.Sprintf("node-%03d", i%150),
		"securityContext": podSC, "serviceAccountName": "default", "volumes": volumes,
	}
	if i%11 == 0 {
		spec["initContainers"] = []any{map[string]any{"name": "init", "image": "registry.example.com/tools/wait:2", "command": []any{"sh", "-c", "until nslookup db; do sleep 1; done"}}}
	}
	if i%20 == 0 {
		spec["volumes"] = append(volumes, map[string]any{"name": "logs", "hostPath": map[string]any{"path": "/var/log", "type": "Directory"}})
		spec["hostNetwork"] = i%40 == 0
	}
	return map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{
			"labels": map[string]any{"app": app},
			"name":   name, "namespace": ns,
			"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "controller": true,
				"kind": "ReplicaSet", "name": app + "-5d8f7", "uid": fmt.Sprintf("0f3c%04x-1b2d-4e5f-8a9b-%012x", i%65536, i)}},
			"uid": fmt.Sprintf("7a1e%04x-3c4d-4f6a-9b8c-%012x", i%65536, i),
		},
		"spec":   spec,
		"status": map[string]any{"phase": "Running", "podIP": fmt.Sprintf("10.244.%d.%d", i/250%250, i%250+1), "qosClass": "Burstable"},
	}
}

// Write writes the List of pods 0 to n-1, as YAML or, with asJSON, JSON,
// laid out as kubectl prints it.
func Write(w io.Writer, n int, asJSON bool) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if asJSON {
		bw.WriteString("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n")
		for i := 0; i < n; i++ {
			b, err := json.MarshalIndent(Pod(i), "        ", "    ")
			if err != nil {
				return err
			}
			bw.WriteString("        ")
			bw.Write(b)
			if i < n-1 {
				bw.WriteString(",")
			}
			bw.WriteString("\n")
		}
		bw.WriteString("    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
		return bw.Flush()
	}
	bw.WriteString("apiVersion: v1\nitems:\n")
	for i := 0; i < n; i++ {
		b, err := yaml.Marshal(Pod(i))
		if err != nil {
			return err
		}
		for j, line := range strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n") {
			if j == 0 {
				bw.WriteString("- ")
			} else {
				bw.WriteString("  ")
			}
			bw.WriteString(line)
		}
		bw.WriteString("\n")
	}
	bw.WriteString("kind: List\nmetadata:\n  resourceVersion: \"\"\n")
	return bw.Flush()
}
