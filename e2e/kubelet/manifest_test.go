package kubelet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// The testdata manifests hold what a user writes; prepare adds the wiring
// that hands secctx the manifest the way users do it: the manifest is a file
// in a directory mounted into every container (a hostPath standing in for a
// ConfigMap volume), named by SECCTX_SPEC_FILE. Containers without a command
// run `secctx verify -o json` as their own process (init containers through
// a shell that records the exit code, so that a drift does not stop the
// pod); containers with a command (the sidecar pods) keep it. Every image is
// local (imagePullPolicy Never) and the pod runs once (restartPolicy Never).

const (
	specMountPath = "/etc/secctx"
	specFileName  = "spec.yaml"
	specVolume    = "secctx-spec"
	// initExitMarker prefixes the exit code an init container's shell writes to stderr.
	initExitMarker = "secctx-exit="
)

// prepared is a case made ready for the node.
type prepared struct {
	Case kcase
	// Name is the static pod's manifest name (the kubelet appends the node name).
	Name string
	// Manifest is the static pod; Spec is the file secctx reads (the same
	// pod, or the workload manifest whose template it is).
	Manifest []byte
	Spec     []byte
	// SpecDir is the hostPath directory holding Spec.
	SpecDir string
	// Containers and InitContainers name the pod's containers; Images maps
	// each to its image.
	Containers     []string
	InitContainers []string
	Images         map[string]string
	// PodSC and ContainerSC are the pod's securityContext and its first
	// container's, with hostUsers and hostNetwork, for the golden files.
	PodSC, ContainerSC         any
	HostUsers, HostNetwork     any
	FirstContainer, FirstImage string
}

// readDocs splits a YAML stream into documents.
func readDocs(b []byte) ([]map[string]any, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var docs []map[string]any
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, err
		}
		if m != nil {
			docs = append(docs, m)
		}
	}
}

func writeDocs(docs []map[string]any) ([]byte, error) {
	var b bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		y, err := yaml.Marshal(d)
		if err != nil {
			return nil, err
		}
		b.Write(y)
	}
	return b.Bytes(), nil
}

func mapAt(m map[string]any, path ...string) (map[string]any, error) {
	cur := m
	for _, k := range path {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("no map at %s", strings.Join(path, "."))
		}
		cur = next
	}
	return cur, nil
}

// templatePath is where a workload kind keeps its pod template.
func templatePath(kind string) ([]string, error) {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "PodTemplate":
		if kind == "PodTemplate" {
			return []string{"template"}, nil
		}
		return []string{"spec", "template"}, nil
	case "CronJob":
		return []string{"spec", "jobTemplate", "spec", "template"}, nil
	}
	return nil, fmt.Errorf("no pod template in kind %s", kind)
}

// prepare reads a case's manifest and builds its static pod and spec file;
// specRoot holds one hostPath directory per case.
func prepare(c kcase, specRoot string) (*prepared, error) {
	raw, err := os.ReadFile(filepath.Join("testdata", c.File))
	if err != nil {
		return nil, err
	}
	docs, err := readDocs(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.File, err)
	}
	p := &prepared{Case: c, Images: map[string]string{}}
	var podMeta, podSpec map[string]any
	if c.Workload == "" {
		if len(docs) != 1 || docs[0]["kind"] != "Pod" {
			return nil, fmt.Errorf("%s: want one Pod document", c.File)
		}
		if podMeta, err = mapAt(docs[0], "metadata"); err != nil {
			return nil, err
		}
		if podSpec, err = mapAt(docs[0], "spec"); err != nil {
			return nil, err
		}
		p.Name, _ = podMeta["name"].(string)
	} else {
		kind, name, _ := strings.Cut(c.Workload, "/")
		var doc map[string]any
		for _, d := range docs {
			if m, _ := d["metadata"].(map[string]any); d["kind"] == kind && m != nil && m["name"] == name {
				doc = d
			}
		}
		if doc == nil {
			return nil, fmt.Errorf("%s: no %s", c.File, c.Workload)
		}
		path, err := templatePath(kind)
		if err != nil {
			return nil, err
		}
		tmpl, err := mapAt(doc, path...)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", c.File, err)
		}
		if podSpec, err = mapAt(tmpl, "spec"); err != nil {
			return nil, err
		}
		podMeta, _ = tmpl["metadata"].(map[string]any)
		p.Name = strings.ToLower(kind) + "-" + name
	}
	if p.Name == "" {
		return nil, fmt.Errorf("%s: no name", c.File)
	}
	p.SpecDir = filepath.Join(specRoot, p.Name)
	if err := plumb(p, podSpec); err != nil {
		return nil, fmt.Errorf("%s: %v", c.File, err)
	}
	p.PodSC = podSpec["securityContext"]
	p.HostUsers, p.HostNetwork = podSpec["hostUsers"], podSpec["hostNetwork"]

	if c.Workload == "" {
		podSpec["restartPolicy"] = "Never"
		if p.Spec, err = writeDocs(docs); err != nil {
			return nil, err
		}
		p.Manifest = p.Spec
		return p, nil
	}
	if p.Spec, err = writeDocs(docs); err != nil {
		return nil, err
	}
	// The static pod: the template's metadata and spec, run once. Its
	// spec is a copy, so that the workload manifest secctx reads keeps the
	// template as written.
	specCopy, err := deepCopy(podSpec)
	if err != nil {
		return nil, err
	}
	specCopy["restartPolicy"] = "Never"
	meta := map[string]any{"name": p.Name}
	if podMeta != nil {
		if labels, ok := podMeta["labels"]; ok {
			meta["labels"] = labels
		}
	}
	pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": specCopy}
	if p.Manifest, err = writeDocs([]map[string]any{pod}); err != nil {
		return nil, err
	}
	return p, nil
}

func deepCopy(m map[string]any) (map[string]any, error) {
	b, err := yaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	err = yaml.Unmarshal(b, &out)
	return out, err
}

// plumb adds secctx's wiring to a pod spec, in place.
func plumb(p *prepared, spec map[string]any) error {
	var args []string
	if p.Case.Workload != "" {
		args = append(args, "--workload", p.Case.Workload)
	}
	for _, field := range []string{"initContainers", "containers"} {
		list, _ := spec[field].([]any)
		if field == "containers" && len(list) == 0 {
			return fmt.Errorf("no containers")
		}
		for i, item := range list {
			ctr, ok := item.(map[string]any)
			if !ok {
				return fmt.Errorf("%s[%d] is not a map", field, i)
			}
			name, _ := ctr["name"].(string)
			image, _ := ctr["image"].(string)
			if _, ok := imageByRef(image); !ok {
				return fmt.Errorf("container %s: image %q is not one of the tier's images", name, image)
			}
			p.Images[name] = image
			if field == "initContainers" {
				p.InitContainers = append(p.InitContainers, name)
			} else {
				p.Containers = append(p.Containers, name)
				if p.FirstContainer == "" {
					p.FirstContainer, p.FirstImage = name, image
					p.ContainerSC = ctr["securityContext"]
				}
			}
			ctr["imagePullPolicy"] = "Never"
			env, _ := ctr["env"].([]any)
			env = append(env, map[string]any{"name": "SECCTX_SPEC_FILE", "value": specMountPath + "/" + specFileName})
			if _, ok := ctr["command"]; !ok {
				verify := append([]string{"/secctx", "verify", "-o", "json"}, args...)
				if field == "initContainers" {
					ctr["command"] = []any{"/bin/sh", "-c", strings.Join(verify, " ") + "; echo " + initExitMarker + "$? >&2"}
				} else {
					ctr["command"] = toAny(verify)
				}
				env = append(env, map[string]any{"name": "SECCTX_CONTAINER", "value": name})
			}
			ctr["env"] = env
			mounts, _ := ctr["volumeMounts"].([]any)
			ctr["volumeMounts"] = append(mounts, map[string]any{"name": specVolume, "mountPath": specMountPath, "readOnly": true})
		}
	}
	vols, _ := spec["volumes"].([]any)
	spec["volumes"] = append(vols, map[string]any{
		"name": specVolume, "hostPath": map[string]any{"path": p.SpecDir, "type": "Directory"},
	})
	spec["terminationGracePeriodSeconds"] = 1
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
