// Package prtest validates PolicyReport documents against the published
// wgpolicyk8s.io/v1alpha2 PolicyReport CustomResourceDefinition, and
// OpenReports documents against the openreports.io/v1alpha1 Report one, for
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

	// The OpenReports project's API module ships its Report CRD.
	OpenReportsCRDModule = "github.com/openreports/reports-api@v0.2.1"
	OpenReportsCRDPath   = "config/crd/openreports.io_reports.yaml"
	OpenReportsVersion   = "v1alpha1"
)

// crd names a CRD in a module, and what it must define.
type crd struct {
	module, path, group, kind, version string
}

var (
	policyReportCRD = crd{CRDModule, CRDPath, "wgpolicyk8s.io", "PolicyReport", Version}
	openReportsCRD  = crd{OpenReportsCRDModule, OpenReportsCRDPath, "openreports.io", "Report", OpenReportsVersion}
)

// Validator checks documents against the CRD's schema, made strict: an
// object with declared properties takes no others, since the API server
// would silently prune them.
type Validator struct {
	schema *jsonschema.Schema
	// apiVersion and kind are the documents'.
	apiVersion, kind string
}

// loadOnce fetches and compiles each CRD the first time it is asked for.
var loadOnce = map[crd]func() (*Validator, error){
	policyReportCRD: sync.OnceValues(func() (*Validator, error) { return load(policyReportCRD) }),
	openReportsCRD:  sync.OnceValues(func() (*Validator, error) { return load(openReportsCRD) }),
}

// Load returns the PolicyReport validator, fetching the CRD once per test
// binary. It skips the test when the module proxy is off.
func Load(tb testing.TB) *Validator {
	tb.Helper()
	return loadCRD(tb, policyReportCRD)
}

// LoadOpenReports returns the OpenReports Report validator, as Load.
func LoadOpenReports(tb testing.TB) *Validator {
	tb.Helper()
	return loadCRD(tb, openReportsCRD)
}

func loadCRD(tb testing.TB, c crd) *Validator {
	tb.Helper()
	if os.Getenv("GOPROXY") == "off" || os.Getenv("GOFLAGS") == "-mod=vendor" {
		tb.Skip("the " + c.kind + " CRD comes from the module proxy, which is off")
	}
	v, err := loadOnce[c]()
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func load(c crd) (*Validator, error) {
	out, err := exec.Command("go", "mod", "download", "-json", c.module).Output()
	if err != nil {
		return nil, fmt.Errorf("go mod download %s: %v", c.module, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return nil, fmt.Errorf("go mod download %s: %s %v", c.module, mod.Error, err)
	}
	raw, err := os.ReadFile(filepath.Join(mod.Dir, c.path))
	if err != nil {
		return nil, err
	}
	var def struct {
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
	if err := yaml.Unmarshal(raw, &def); err != nil {
		return nil, fmt.Errorf("%s: %v", c.path, err)
	}
	if def.Spec.Group != c.group || def.Spec.Names.Kind != c.kind || def.Spec.Scope != "Namespaced" {
		return nil, fmt.Errorf("%s is not the namespaced %s %s CRD", c.path, c.group, c.kind)
	}
	var schema map[string]any
	for _, v := range def.Spec.Versions {
		if v.Name == c.version {
			schema = v.Schema.OpenAPIV3Schema
		}
	}
	if schema == nil {
		return nil, fmt.Errorf("%s has no %s schema", c.path, c.version)
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
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource("crd.json", doc); err != nil {
		return nil, err
	}
	s, err := comp.Compile("crd.json")
	if err != nil {
		return nil, err
	}
	return &Validator{schema: s, apiVersion: c.group + "/" + c.version, kind: c.kind}, nil
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
	case obj.APIVersion != v.apiVersion || obj.Kind != v.kind:
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
