// Package schema holds the JSON Schemas of what secctx writes: the
// VerificationReport (report.schema.json), the contract every report
// follows whichever command writes it, and the line `secctx watch` writes
// (watch-line.schema.json). Tests validate what they produce against them
// (package schematest); the binary does not carry them.
package schema

import _ "embed"

// Report is the JSON Schema (draft 2020-12) of the secctx/v1
// VerificationReport.
//
//go:embed report.schema.json
var Report []byte

// ReportURL is the schema's $id.
const ReportURL = "https://github.com/secctx/secctx/schema/report.schema.json"

// WatchLine is the JSON Schema (draft 2020-12) of one `secctx watch` line.
//
//go:embed watch-line.schema.json
var WatchLine []byte

// WatchLineURL is the watch line schema's $id.
const WatchLineURL = "https://github.com/secctx/secctx/schema/watch-line.schema.json"
