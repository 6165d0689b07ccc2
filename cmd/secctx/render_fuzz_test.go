package main

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzRender: render reads a report from anyone's logs: any input ends in
// a table (exit 0) or one line on stderr (exit 2), never a panic.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		`{"apiVersion":"secctx/v1","kind":"VerificationReport","target":{"pid":1,"container":"a","workload":"Pod/x"},"findings":[{"check":"runAsUser","status":"drift","severity":"high","expected":1000,"observed":"0","message":"m"}]}`,
		`{"kind":"VerificationReport","findings":[{"expected":{"a":[1,2,{"b":null}]},"observed":1e400}]}`,
		`{"kind":"VerificationReport","time":"yesterday"}`,
		`[]`, `{`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, o := range []string{"text", "json"} {
			var out, errb bytes.Buffer
			code := run([]string{"render", "-o", o}, bytes.NewReader(in), &out, &errb, func(string) string { return "" })
			switch code {
			case 0:
				if out.Len() == 0 {
					t.Fatalf("exit 0 without output for %q", in)
				}
			case 2:
				if out.Len() != 0 || strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
					t.Fatalf("exit 2 with stdout %q stderr %q", out.String(), errb.String())
				}
			default:
				t.Fatalf("exit %d for %q", code, in)
			}
		}
	})
}
