package lint

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secctx/secctx/expect"
)

// The SARIF 2.1.0 schema (OASIS, errata01) is not kept in this repository:
// the test takes it from a published Go module that ships it, fetched
// through the module proxy (go mod download), and validates lint's output
// against it with a JSON Schema validator (test-only).
const (
	schemaModule = "github.com/securego/gosec/v2@v2.30.0"
	schemaPath   = "report/sarif/testdata/sarif-schema-2.1.0.json"
)

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	if os.Getenv("GOPROXY") == "off" || os.Getenv("GOFLAGS") == "-mod=vendor" {
		t.Skip("the SARIF schema comes from the module proxy, which is off")
	}
	out, err := exec.Command("go", "mod", "download", "-json", schemaModule).Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v", schemaModule, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download %s: %s %v", schemaModule, mod.Error, err)
	}
	f, err := os.Open(filepath.Join(mod.Dir, schemaPath))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSARIFValidatesAgainstTheSchema(t *testing.T) {
	t.Parallel()
	schema := sarifSchema(t)
	ins := seedInputs(t)
	// Names that need care in a URI: stdin, a space, an absolute path.
	ins = append(ins,
		Input{Name: "-", Data: []byte(podYAML("", "privileged: true", ""))},
		Input{Name: "dir with space/pod #1.yaml", Data: []byte(podYAML("runAsUser: 0", "", ""))},
		Input{Name: "/abs/pod.yaml", Data: []byte(podYAML("", "runAsUsr: 1", ""))},
		// Waived findings, as suppressions.
		Input{Name: "waived.yaml", Data: []byte(withAnnotation(waivable, `secctx.io/waive: "k8s-sysctl-unsafe,k8s-nonroot-capabilities,eci-sysctl-unsupported: accepted"`))})
	for _, profile := range expect.ProfileNames() {
		res := lintInputs(t, profile, ins, Options{})
		var b bytes.Buffer
		if err := WriteSARIF(&b, res.Report(), "test"); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s: SARIF does not validate: %v", profile, err)
		}
		// Results point at the manifests, with lines.
		var log struct {
			Runs []struct {
				Tool struct {
					Driver struct {
						Rules []struct{ ID string } `json:"rules"`
					} `json:"driver"`
				} `json:"tool"`
				Results []struct {
					RuleID    string `json:"ruleId"`
					RuleIndex int    `json:"ruleIndex"`
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }     `json:"artifactLocation"`
							Region           *struct{ StartLine int } `json:"region"`
						} `json:"physicalLocation"`
					} `json:"locations"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(b.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		run := log.Runs[0]
		if len(run.Results) != len(res.Findings)+violations(res) {
			t.Errorf("%s: %d results for %d findings and %d violations", profile, len(run.Results), len(res.Findings), violations(res))
		}
		uris := map[string]bool{}
		for _, r := range run.Results {
			if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
				t.Errorf("%s: result %s points at rule %d (%s)", profile, r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
			}
			loc := r.Locations[0].PhysicalLocation
			uris[loc.ArtifactLocation.URI] = true
			if loc.Region == nil || loc.Region.StartLine < 1 {
				t.Errorf("%s: result %s in %s has no line", profile, r.RuleID, loc.ArtifactLocation.URI)
			}
		}
		for _, want := range []string{"stdin", "dir%20with%20space/pod%20%231.yaml", "file:///abs/pod.yaml", "004-security-context.yaml"} {
			if !uris[want] {
				t.Errorf("%s: no result located in %q (have %v)", profile, want, uris)
			}
		}
	}
}

func violations(res *Result) int {
	n := 0
	for _, w := range res.Workloads {
		n += len(w.PodSecurity.Violations)
	}
	return n
}

// TestSARIFSchemaCatchesBadLogs: the validator rejects a log that breaks
// the schema, so the test above can fail.
func TestSARIFSchemaCatchesBadLogs(t *testing.T) {
	t.Parallel()
	schema := sarifSchema(t)
	for _, bad := range []string{
		`{"version": "2.1.0"}`,
		`{"version": "2.0.0", "runs": []}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}]}]}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if schema.Validate(inst) == nil {
			t.Errorf("the schema accepts %s", bad)
		}
	}
}
