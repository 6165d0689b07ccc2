package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The pod manifest a scenario declares: a small mirror of the Kubernetes
// fields the suite uses, with the API's JSON names. It is rendered to YAML
// for secctx (/spec.yaml) and translated by containerdConfig into what the
// runtime would apply.

type pod struct {
	Name        string
	Annotations map[string]string
	HostUsers   *bool
	HostNetwork bool
	SC          *podSecurityContext
	Container   *securityContext
}

type podSecurityContext struct {
	RunAsUser          *int64  `json:"runAsUser,omitempty"`
	RunAsGroup         *int64  `json:"runAsGroup,omitempty"`
	RunAsNonRoot       *bool   `json:"runAsNonRoot,omitempty"`
	FSGroup            *int64  `json:"fsGroup,omitempty"`
	SupplementalGroups []int64 `json:"supplementalGroups,omitempty"`
	// SupplementalGroupsPolicy is Merge (the default) or Strict.
	SupplementalGroupsPolicy *string         `json:"supplementalGroupsPolicy,omitempty"`
	Sysctls                  []sysctl        `json:"sysctls,omitempty"`
	SeccompProfile           *profileRef     `json:"seccompProfile,omitempty"`
	AppArmorProfile          *profileRef     `json:"appArmorProfile,omitempty"`
	SELinuxOptions           *seLinuxOptions `json:"seLinuxOptions,omitempty"`
}

type securityContext struct {
	RunAsUser                *int64          `json:"runAsUser,omitempty"`
	RunAsGroup               *int64          `json:"runAsGroup,omitempty"`
	RunAsNonRoot             *bool           `json:"runAsNonRoot,omitempty"`
	Capabilities             *capabilities   `json:"capabilities,omitempty"`
	Privileged               *bool           `json:"privileged,omitempty"`
	ReadOnlyRootFilesystem   *bool           `json:"readOnlyRootFilesystem,omitempty"`
	AllowPrivilegeEscalation *bool           `json:"allowPrivilegeEscalation,omitempty"`
	ProcMount                *string         `json:"procMount,omitempty"`
	SeccompProfile           *profileRef     `json:"seccompProfile,omitempty"`
	AppArmorProfile          *profileRef     `json:"appArmorProfile,omitempty"`
	SELinuxOptions           *seLinuxOptions `json:"seLinuxOptions,omitempty"`
}

type capabilities struct {
	Add  []string `json:"add,omitempty"`
	Drop []string `json:"drop,omitempty"`
}

type sysctl struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type profileRef struct {
	Type             string  `json:"type"`
	LocalhostProfile *string `json:"localhostProfile,omitempty"`
}

type seLinuxOptions struct {
	User  string `json:"user,omitempty"`
	Role  string `json:"role,omitempty"`
	Type  string `json:"type,omitempty"`
	Level string `json:"level,omitempty"`
}

func i64(v int64) *int64 { return &v }
func bl(v bool) *bool    { return &v }
func str(v string) *string {
	return &v
}

// clone deep-copies p, so that a drift case can edit its manifest without
// touching the scenario it starts from.
func (p pod) clone() pod {
	var c pod
	b, err := json.Marshal(p.object())
	if err != nil {
		panic(err)
	}
	c.Name = p.Name
	if p.Annotations != nil {
		c.Annotations = map[string]string{}
		for k, v := range p.Annotations {
			c.Annotations[k] = v
		}
	}
	if p.HostUsers != nil {
		c.HostUsers = bl(*p.HostUsers)
	}
	c.HostNetwork = p.HostNetwork
	var obj struct {
		Spec struct {
			SecurityContext *podSecurityContext `json:"securityContext"`
			Containers      []struct {
				SecurityContext *securityContext `json:"securityContext"`
			} `json:"containers"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		panic(err)
	}
	c.SC = obj.Spec.SecurityContext
	c.Container = obj.Spec.Containers[0].SecurityContext
	return c
}

// object is the Pod as the Kubernetes API would serialise it.
func (p pod) object() map[string]any {
	meta := map[string]any{"name": p.Name, "namespace": "e2e"}
	if len(p.Annotations) > 0 {
		meta["annotations"] = p.Annotations
	}
	ctr := map[string]any{"name": "app", "image": "localhost/secctx-e2e:latest"}
	if p.Container != nil {
		ctr["securityContext"] = p.Container
	}
	spec := map[string]any{"containers": []any{ctr}, "restartPolicy": "Never"}
	if p.HostUsers != nil {
		spec["hostUsers"] = *p.HostUsers
	}
	if p.HostNetwork {
		spec["hostNetwork"] = true
	}
	if p.SC != nil {
		spec["securityContext"] = p.SC
	}
	return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
}

// yaml renders the manifest as YAML, the form users write.
func (p pod) yaml() string {
	b, err := json.Marshal(p.object())
	if err != nil {
		panic(err)
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		panic(err)
	}
	var sb strings.Builder
	writeYAML(&sb, v, 0)
	return sb.String()
}

// writeYAML emits block-style YAML for JSON data: maps with sorted keys
// (apiVersion, kind, metadata first), lists as "- ", strings double-quoted.
func writeYAML(sb *strings.Builder, v any, indent int) {
	pad := strings.Repeat("  ", indent)
	switch x := v.(type) {
	case map[string]any:
		for _, k := range yamlKeys(x) {
			val := x[k]
			if isScalar(val) || isEmpty(val) {
				fmt.Fprintf(sb, "%s%s: %s\n", pad, k, yamlScalar(val))
				continue
			}
			fmt.Fprintf(sb, "%s%s:\n", pad, k)
			writeYAML(sb, val, indent+1)
		}
	case []any:
		for _, item := range x {
			if isScalar(item) || isEmpty(item) {
				fmt.Fprintf(sb, "%s- %s\n", pad, yamlScalar(item))
				continue
			}
			// The first line of a nested block goes after the dash.
			var inner strings.Builder
			writeYAML(&inner, item, indent+1)
			s := inner.String()
			fmt.Fprintf(sb, "%s- %s", pad, strings.TrimPrefix(s, pad+"  "))
		}
	default:
		fmt.Fprintf(sb, "%s%s\n", pad, yamlScalar(v))
	}
}

func yamlKeys(m map[string]any) []string {
	first := map[string]int{"apiVersion": 0, "kind": 1, "metadata": 2, "name": 3}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, oki := first[keys[i]]
		rj, okj := first[keys[j]]
		switch {
		case oki && okj:
			return ri < rj
		case oki != okj:
			return oki
		}
		return keys[i] < keys[j]
	})
	return keys
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func yamlScalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case map[string]any:
		return "{}"
	case []any:
		return "[]"
	}
	panic(fmt.Sprintf("yamlScalar: %T", v))
}
