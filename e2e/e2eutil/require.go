package e2eutil

import (
	"os"
	"testing"
)

// Required reports whether SECCTX_E2E_REQUIRED=1 makes a missing
// prerequisite a failure rather than a skip (as `make test` runs).
func Required() bool { return os.Getenv("SECCTX_E2E_REQUIRED") == "1" }

// SkipOrFail skips the test for the missing prerequisite msg, or fails it
// under SECCTX_E2E_REQUIRED=1.
func SkipOrFail(t testing.TB, msg string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s (SECCTX_E2E_REQUIRED=1)", msg)
	}
	t.Skip(msg)
}

// RequireTier skips the test when reason says why the tier (such as "the
// kubelet tier") cannot run on this machine, or fails it under
// SECCTX_E2E_REQUIRED=1; an empty reason lets the test run.
func RequireTier(t testing.TB, tier, reason string) {
	t.Helper()
	if reason == "" {
		return
	}
	if Required() {
		t.Fatalf("SECCTX_E2E_REQUIRED=1 but %s cannot run: %s", tier, reason)
	}
	t.Skipf("skipping %s: %s (set SECCTX_E2E_REQUIRED=1 to make this a failure)", tier, reason)
}
