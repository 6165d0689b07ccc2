// Package prtest validates PolicyReport documents against the published
// wgpolicyk8s.io/v1alpha2 PolicyReport CustomResourceDefinition, for
// tests. The CRD is not kept in this repository: it is taken from a
// published Go module that ships it, fetched through the module proxy (go
// mod download), and its OpenAPI v3 schema is turned into a JSON Schema
// validator. Nothing here is linked into the secctx binary.
package prtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// The module and file the CRD is read from: Kyverno ships the Policy
// working group's PolicyReport CRD, which it installs in clusters.
const (
	CRDModule = "github.com/kyverno/kyverno@v1.19.1"
	CRDPath   = "config/crds/policyreport/wgpolicyk8s.io_policyreports.yaml"
	// Version is the CRD version whose schema is used.
	Version = "v1alpha2"
)

// Validator checks documents against the CRD's schema, made strict: an
// object with declared properties takes no others, since the API server
// would silently prune them.
type Validator struct {
	schema *jsonschema.Schema
}

// loadOnce fetches and compiles the CRD the first time it is called.
var loadOnce = sync.OnceValues(load)

// Load returns the validator, fetching the CRD once per test binary. It
// skips the test when the module proxy is off.
func Load(tb testing.TB) *Validator {
	tb.Helper()
	if os.Getenv("GOPROXY") == "off" || os.Getenv("GOFLAGS") == "-mod=vendor" {
		tb.Skip("the PolicyReport CRD comes from the module proxy, which is off")
	}
	v, err := loadOnce()
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func load() (*Validator, error) {
	out, err := exec.Command("go", "mod", "download", "-json", CRDModule).Output()
	if err != nil {
		return nil, fmt.Errorf("go mod download %s: %v", CRDModule, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return nil, fmt.Errorf("go mod download %s: %s %v", CRDModule, mod.Error, err)
	}
	raw, err := os.ReadFile(filepath.Join(mod.Dir, CRDPath))
	if err != nil {
		return nil, err
	}
	var crd struct {
		Spec struct {
			Group string
			Names struct{ Kind string }
			Scope string
			// Versions hold each version's schema.
			Versions []struct {
				Name   string
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				}
			}
		}
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return nil, fmt.Errorf("%s: %v", CRDPath, err)
	}
	if crd.Spec.Group != "wgpolicyk8s.io" || crd.Spec.Names.Kind != "PolicyReport" || crd.Spec.Scope != "Namespaced" {
		return nil, fmt.Errorf("%s is not the namespaced wgpolicyk8s.io PolicyReport CRD", CRDPath)
	}
	var schema map[string]any
	for _, v := range crd.Spec.Versions {
		if v.Name == Version {
			schema = v.Schema.OpenAPIV3Schema
		}
	}
	if schema == nil {
		return nil, fmt.Errorf("%s has no %s schema", CRDPath, Version)
	}
	strict(schema)
	// Round-trip through JSON so the validator sees json.Number values.
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("policyreport.json", doc); err != nil {
		return nil, err
	}
	s, err := c.Compile("policyreport.json")
	if err != nil {
		return nil, err
	}
	return &Validator{schema: s}, nil
}

// strict forbids undeclared properties wherever properties are declared
// and unknown fields are not preserved, as pruning would drop them.
func strict(node any) {
	switch n := node.(type) {
	case map[string]any:
		if _, ok := n["properties"]; ok {
			if _, set := n["additionalProperties"]; !set && n["x-kubernetes-preserve-unknown-fields"] != true {
				n["additionalProperties"] = false
			}
		}
		for _, v := range n {
			strict(v)
		}
	case []any:
		for _, v := range n {
			strict(v)
		}
	}
}

var (
	subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	label     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	labelVal  = regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)
)

// Validate checks one document, JSON or YAML: the CRD's schema, its
// apiVersion and kind, and the object metadata the API server validates
// (the name a DNS subdomain, the namespace a DNS label, label values).
func (v *Validator) Validate(doc []byte) error {
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return err
	}
	if err := v.schema.Validate(inst); err != nil {
		return err
	}
	var obj struct {
		APIVersion, Kind string
		Metadata         struct {
			Name, Namespace string
			Labels          map[string]string
		}
		Results []struct {
			Timestamp struct{ Nanos int64 }
		}
	}
	if err := json.Unmarshal(js, &obj); err != nil {
		return err
	}
	switch {
	case obj.APIVersion != "wgpolicyk8s.io/"+Version || obj.Kind != "PolicyReport":
		return fmt.Errorf("apiVersion %q kind %q", obj.APIVersion, obj.Kind)
	case len(obj.Metadata.Name) > 253 || !subdomain.MatchString(obj.Metadata.Name):
		return fmt.Errorf("metadata.name %q is not a DNS subdomain", obj.Metadata.Name)
	case obj.Metadata.Namespace != "" && (len(obj.Metadata.Namespace) > 63 || !label.MatchString(obj.Metadata.Namespace)):
		return fmt.Errorf("metadata.namespace %q is not a DNS label", obj.Metadata.Namespace)
	}
	for k, val := range obj.Metadata.Labels {
		if len(val) > 63 || !labelVal.MatchString(val) {
			return fmt.Errorf("metadata.labels[%s]: bad value %q", k, val)
		}
	}
	for i, r := range obj.Results {
		if r.Timestamp.Nanos < 0 || r.Timestamp.Nanos > 999999999 {
			return fmt.Errorf("results[%d].timestamp.nanos %d out of range", i, r.Timestamp.Nanos)
		}
	}
	return nil
}
