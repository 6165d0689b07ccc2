// Package schematest validates JSON documents against secctx's schemas in
// tests. It is imported by test files only: the validator library it uses
// never reaches the secctx binary.
package schematest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secctx/secctx/schema"
)

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.Report))
	if err != nil {
		return nil, fmt.Errorf("report.schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schema.ReportURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schema.ReportURL)
})

// CheckReport validates one JSON report and returns why it breaks the
// schema, or nil.
func CheckReport(data []byte) error {
	sch, err := compiled()
	if err != nil {
		return fmt.Errorf("compiling the report schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return sch.Validate(inst)
}

// Report fails t unless data is one JSON report that follows the schema.
func Report(t testing.TB, data []byte) {
	t.Helper()
	if err := CheckReport(data); err != nil {
		t.Errorf("the report breaks schema/report.schema.json: %v\n%s", err, clip(data))
	}
}

// ReportValue is Report for a value that marshals to a report (a
// report.Report, or one decoded into a map).
func ReportValue(t testing.TB, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Errorf("marshalling the report: %v", err)
		return
	}
	Report(t, b)
}

func clip(b []byte) []byte {
	if len(b) > 4000 {
		return append(b[:4000:4000], "..."...)
	}
	return b
}
