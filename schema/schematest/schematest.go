// Package schematest validates JSON documents against secctx's schemas in
// tests. It is imported by test files only: the validator library it uses
// never reaches the secctx binary.
package schematest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secctx/secctx/schema"
)

// MaxLineBytes bounds a line, newline included, as secctx promises it
// (watch.MaxLineBytes, which a test holds equal): 12 KiB, below the 16 KiB
// at which containerd and CRI-O split log lines, with room for a log
// agent's prefix.
const MaxLineBytes = 12 << 10

// compile compiles one embedded schema under its $id.
func compile(name, url string, data []byte) func() (*jsonschema.Schema, error) {
	return sync.OnceValues(func() (*jsonschema.Schema, error) {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(url, doc); err != nil {
			return nil, err
		}
		return c.Compile(url)
	})
}

var (
	reportSchema    = compile("report.schema.json", schema.ReportURL, schema.Report)
	watchLineSchema = compile("watch-line.schema.json", schema.WatchLineURL, schema.WatchLine)
)

func check(compiled func() (*jsonschema.Schema, error), data []byte) error {
	sch, err := compiled()
	if err != nil {
		return fmt.Errorf("compiling the schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return sch.Validate(inst)
}

// CheckReport validates one JSON report and returns why it breaks the
// schema, or nil.
func CheckReport(data []byte) error { return check(reportSchema, data) }

// CheckWatchLine validates one watch line (without its newline) and
// returns why it breaks the schema, or nil.
func CheckWatchLine(data []byte) error { return check(watchLineSchema, data) }

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

// CheckWatchLines checks every line of a watch's stdout: within the
// bound and valid against the line schema. It returns the
// number of lines checked.
func CheckWatchLines(tb testing.TB, stdout string) int {
	tb.Helper()
	n := 0
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if line == "" {
			continue
		}
		n++
		if len(line)+1 > MaxLineBytes {
			tb.Errorf("watch line of %d bytes (the bound is %d): %.300s…", len(line)+1, MaxLineBytes, line)
		}
		if err := CheckWatchLine([]byte(line)); err != nil {
			tb.Errorf("watch line breaks schema/watch-line.schema.json: %v\n%s", err, clip([]byte(line)))
		}
	}
	return n
}

func clip(b []byte) []byte {
	if len(b) > 4000 {
		return append(b[:4000:4000], "..."...)
	}
	return b
}
