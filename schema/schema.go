// Package schema holds the JSON Schema of secctx's VerificationReport
// (report.schema.json): the contract every report follows, whichever
// command writes it. Tests validate the reports they produce against it
// (package schematest); the binary does not carry it.
package schema

import _ "embed"

// Report is the JSON Schema (draft 2020-12) of the secctx/v1
// VerificationReport.
//
//go:embed report.schema.json
var Report []byte

// ReportURL is the schema's $id.
const ReportURL = "https://github.com/secctx/secctx/schema/report.schema.json"
