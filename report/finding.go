// Package report compares an expected state (package expect) with an observed
// one (package probe), producing findings with stable check ids, and writes
// them as a JSON report or a text table.
package report

import (
	"fmt"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
)

// Status is the outcome of one comparison.
type Status string

// Statuses.
const (
	// StatusOK: the observed state matches the expectation.
	StatusOK Status = "ok"
	// StatusDrift: the observed state differs from the expectation.
	StatusDrift Status = "drift"
	// StatusUnknown: what the check needs could not be read.
	StatusUnknown Status = "unknown"
	// StatusSkipped: nothing is declared to compare against, or the node
	// lacks the mechanism and nothing was asked of it.
	StatusSkipped Status = "skipped"
)

// Severity ranks a drift by what it exposes.
type Severity string

// Severities, highest first.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityInfo     Severity = "info"
)

var severityRank = map[Severity]int{SeverityInfo: 0, SeverityLow: 1, SeverityMedium: 2, SeverityHigh: 3, SeverityCritical: 4}

// Rank orders severities: info 0 ... critical 4.
func (s Severity) Rank() int { return severityRank[s] }

// ParseSeverity validates a --fail-on value.
func ParseSeverity(s string) (Severity, error) {
	if _, ok := severityRank[Severity(s)]; !ok {
		return "", fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", s)
	}
	return Severity(s), nil
}

// Finding is one comparison result.
//
// Every finding of every check has the same JSON shape: Expected and
// Observed are always strings, in one canonical rendering (see render.go
// and docs/report.md's "Value shapes"), so that an index maps each path once;
// the typed forms, where they help, sit under keys whose type never
// varies (IDs, Groups, Capabilities), and a node-dependent expectation
// carries its legitimate outcomes and the one seen (Outcomes).
type Finding struct {
	// Check is the check id, a stable contract (see Checks).
	Check check.ID `json:"check"`
	// Subject narrows the check: a sysctl name, a path, a capability.
	Subject  string   `json:"subject,omitempty"`
	Status   Status   `json:"status"`
	Severity Severity `json:"severity"`
	// Expected is what should be, rendered canonically; "" when nothing
	// is expected (skipped) or the expectation could not be formed.
	// Several legitimate values are joined with " | ".
	Expected string `json:"expected"`
	// Observed is what the process has, rendered canonically; "" when it
	// could not be read.
	Observed string `json:"observed"`
	// Outcomes is set when the expectation is the set of outcomes a node
	// configuration invisible from inside the container decides between.
	Outcomes *Outcomes `json:"outcomes,omitempty"`
	// IDs, Groups and Capabilities are the typed values of the identity,
	// group and capability checks.
	IDs          *IDValues         `json:"ids,omitempty"`
	Groups       *GroupValues      `json:"groups,omitempty"`
	Capabilities *CapabilityValues `json:"capabilities,omitempty"`
	// Message says in one sentence what was declared, what is in force and
	// why it matters.
	Message string `json:"message"`
	// Hint gives the platform or runtime rule that explains the result.
	Hint string `json:"hint,omitempty"`
	// Waived is set when a waiver accepts the finding: Status is then
	// skipped, and Waived holds the status and severity it had.
	Waived *Waived `json:"waived,omitempty"`
	// PID and Comm name the process the finding is about (the first one,
	// when several processes share the finding).
	PID  int    `json:"pid,omitempty"`
	Comm string `json:"comm,omitempty"`
	// Processes lists the processes the finding holds for, when a report
	// covers several processes of a container and the finding does not
	// hold for all of them (then it is omitted: Target.Processes applies).
	Processes []Process `json:"processes,omitempty"`
	// Scope is "container" or "pod" for a finding about state the
	// processes share (mounts, sysctls); empty for a per-process one.
	Scope string `json:"scope,omitempty"`
}

// Outcomes is a node-dependent expectation: every legitimate outcome, each
// with the node configuration that yields it, and the one the process
// shows (absent when it shows none of them: drift, or unknown).
type Outcomes struct {
	Legitimate []Outcome `json:"legitimate"`
	Seen       *Outcome  `json:"seen,omitempty"`
}

// Outcome is one legitimate outcome: a value in the same rendering as
// Finding.Observed, and the node configuration that yields it.
type Outcome struct {
	Value string `json:"value"`
	When  string `json:"when"`
}

// IDValues are the typed values of runAsUser, runAsGroup and runAsNonRoot:
// the acceptable ids (empty when none is fixed) and the process's four
// ids.
type IDValues struct {
	Expected []int64    `json:"expected"`
	Observed *probe.IDs `json:"observed,omitempty"`
}

// GroupValues are the typed values of supplementalGroups and fsGroup: the
// groups that must be present, those that may be (the required ones
// included), whether further groups are legitimate too (image groups that
// cannot be read, volume gids), the policy, and the process's groups.
type GroupValues struct {
	Required     []int64                           `json:"required"`
	Allowed      []int64                           `json:"allowed"`
	ExtraAllowed bool                              `json:"extraAllowed"`
	Policy       manifest.SupplementalGroupsPolicy `json:"policy,omitempty"`
	Observed     []int64                           `json:"observed"`
}

// CapabilityValues are the typed values of the capability checks:
// capability names, sorted.
type CapabilityValues struct {
	Expected []string `json:"expected"`
	Observed []string `json:"observed"`
}

// Process names a process.
type Process struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm"`
}
