package lint

import (
	"fmt"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// podExtras are the pod fields the Pod Security Standards and the ECI
// memory rule read and the verifier does not: the decoder leaves them out,
// so lint reads them from the index. The fidelity test compares them with
// k8s.io/api's decoding.
type podExtras struct {
	// OSName is spec.os.name.
	OSName string
	// Volumes lists spec.volumes, each with its source.
	Volumes []volume
	// Containers holds, per list ("containers", "initContainers",
	// "ephemeralContainers") and index, what lint reads of a container.
	Containers map[string][]containerExtras
}

// volume is one pod volume: its name and the field of its source
// ("emptyDir", "hostPath", ...; "" when none is set).
type volume struct {
	Name   string
	Source string
	Path   string // relative to the pod spec: "volumes[2]"
}

// containerExtras are a container's host ports, probe and lifecycle hosts
// and memory.
type containerExtras struct {
	// HostPorts are the non-zero hostPort values, with their paths
	// relative to the pod spec.
	HostPorts []pathValue
	// ProbeHosts are the non-empty host fields of the probes and lifecycle
	// handlers (httpGet and tcpSocket).
	ProbeHosts []pathValue
	// MemoryLimit and MemoryRequest are resources.limits.memory and
	// resources.requests.memory as written; "" when unset.
	MemoryLimit, MemoryRequest pathValue
}

// pathValue is a value and the path it was read at.
type pathValue struct {
	Path  string
	Value string
}

// containerLists are the pod's lists of containers, in the decoder's
// order.
var containerLists = []string{"containers", "initContainers", "ephemeralContainers"}

// readExtras reads the extras of the pod spec node.
func readExtras(spec *yaml.Node) (*podExtras, error) {
	e := &podExtras{Containers: map[string][]containerExtras{}}
	if spec == nil {
		return e, nil
	}
	e.OSName = scalar(child(child(spec, "os"), "name"))
	if vs := child(spec, "volumes"); !isNull(vs) {
		if vs.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("volumes: not a list")
		}
		for i, v := range vs.Content {
			v = resolve(v)
			vol := volume{Path: "volumes[" + strconv.Itoa(i) + "]"}
			if v.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(v.Content); j += 2 {
					k := v.Content[j].Value
					switch {
					case k == "name":
						vol.Name = scalar(v.Content[j+1])
					case vol.Source == "" && !isNull(v.Content[j+1]):
						vol.Source = k
					}
				}
			}
			e.Volumes = append(e.Volumes, vol)
		}
	}
	for _, list := range containerLists {
		cs := child(spec, list)
		if isNull(cs) || cs.Kind != yaml.SequenceNode {
			continue
		}
		for i, c := range cs.Content {
			at := fmt.Sprintf("%s[%d]", list, i)
			ce, err := readContainer(resolve(c), at)
			if err != nil {
				return nil, err
			}
			e.Containers[list] = append(e.Containers[list], ce)
		}
	}
	return e, nil
}

func readContainer(c *yaml.Node, at string) (containerExtras, error) {
	var ce containerExtras
	if ports := child(c, "ports"); !isNull(ports) && ports.Kind == yaml.SequenceNode {
		for j, p := range ports.Content {
			hp := scalar(child(resolve(p), "hostPort"))
			if hp == "" {
				continue
			}
			n, err := strconv.ParseInt(hp, 0, 32)
			if err != nil {
				return ce, fmt.Errorf("%s.ports[%d].hostPort: not an integer: %q", at, j, hp)
			}
			if n != 0 {
				ce.HostPorts = append(ce.HostPorts, pathValue{fmt.Sprintf("%s.ports[%d].hostPort", at, j), strconv.FormatInt(n, 10)})
			}
		}
	}
	handlers := []string{"livenessProbe", "readinessProbe", "startupProbe", "lifecycle.postStart", "lifecycle.preStop"}
	for _, h := range handlers {
		for _, kind := range []string{"httpGet", "tcpSocket"} {
			p := h + "." + kind + ".host"
			if host := scalar(lookup(c, p)); host != "" {
				ce.ProbeHosts = append(ce.ProbeHosts, pathValue{at + "." + p, host})
			}
		}
	}
	if v := scalar(lookup(c, "resources.limits.memory")); v != "" {
		ce.MemoryLimit = pathValue{at + ".resources.limits.memory", v}
	}
	if v := scalar(lookup(c, "resources.requests.memory")); v != "" {
		ce.MemoryRequest = pathValue{at + ".resources.requests.memory", v}
	}
	return ce, nil
}

// container returns the extras of container i of list, or empty ones.
func (e *podExtras) container(list string, i int) containerExtras {
	if e == nil || i >= len(e.Containers[list]) {
		return containerExtras{}
	}
	return e.Containers[list][i]
}
