// Package report compares an expected state (package expect) with an observed
// one (package probe), producing findings with stable check ids, and writes
// them as a JSON report or a text table.
package report

import (
	"fmt"

	"github.com/secctx/secctx/check"
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
type Finding struct {
	// Check is the check id, a stable contract (see Checks).
	Check check.ID `json:"check"`
	// Subject narrows the check: a sysctl name, a path, a capability.
	Subject  string   `json:"subject,omitempty"`
	Status   Status   `json:"status"`
	Severity Severity `json:"severity"`
	Expected any      `json:"expected"`
	Observed any      `json:"observed"`
	// Message says in one sentence what was declared, what is in force and
	// why it matters.
	Message string `json:"message"`
	// Hint gives the platform or runtime rule that explains the result.
	Hint string `json:"hint,omitempty"`
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

// Process names a process.
type Process struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm"`
}
