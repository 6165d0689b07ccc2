package report

import (
	"fmt"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/probe"
)

// Check is one entry of the registry: a stable id, what it reads, how the
// expectation is derived, how it compares, and the comparison itself.
type Check struct {
	// ID is the stable check id other tools parse; never rename one.
	ID check.ID
	// Reads lists the probe items the check needs; if one is unread the
	// check reports unknown with the reason instead of comparing.
	Reads []probe.Item
	// Expectation says how the expected value is derived.
	Expectation string
	// Comparison says how observed and expected are compared.
	Comparison string
	// Scope says what the observation is shared by: each process, every
	// process of a container, or the whole pod. A watcher verifying many
	// processes runs container checks once per container and pod checks
	// once per pod.
	Scope Scope
	// Values lists the typed values its findings may carry beside the
	// expected and observed strings; the report's schema allows them on
	// this check only.
	Values Values
	// Severities lists, highest first, the severities a drift of this
	// check can carry; the check tables hold it both ways (no drift of
	// another severity, and a case for each one).
	Severities []Severity
	// Family is the family the check belongs to: the list it is declared
	// in (checks_<family>.go) sets it.
	Family Family
	run    func(c *comparison) []Finding
}

// Family is a group of checks, declared together and reported together.
type Family string

// Families, in report order.
const (
	FamilyIdentity     Family = "identity"
	FamilyCapabilities Family = "capabilities"
	FamilyFilesystem   Family = "filesystem"
	FamilyKernel       Family = "kernel"
	FamilySpec         Family = "spec"
)

// Values is a set of the typed values a finding may carry.
type Values uint8

// The typed values, each a field of Finding.
const (
	ValuesIDs          Values = 1 << iota // Finding.IDs
	ValuesGroups                          // Finding.Groups
	ValuesCapabilities                    // Finding.Capabilities
	ValuesOutcomes                        // Finding.Outcomes
)

// ValueKinds lists every typed value with the JSON key of its field of
// Finding, in the order of the fields.
var ValueKinds = []struct {
	Value Values
	Key   string
}{
	{ValuesOutcomes, "outcomes"}, {ValuesIDs, "ids"}, {ValuesGroups, "groups"}, {ValuesCapabilities, "capabilities"},
}

// Carried returns the typed values f carries.
func (f *Finding) Carried() Values {
	var v Values
	if f.IDs != nil {
		v |= ValuesIDs
	}
	if f.Groups != nil {
		v |= ValuesGroups
	}
	if f.Capabilities != nil {
		v |= ValuesCapabilities
	}
	if f.Outcomes != nil {
		v |= ValuesOutcomes
	}
	return v
}

// Scope is what an observed item is shared by.
type Scope int

// Scopes.
const (
	ScopeProcess Scope = iota
	ScopeContainer
	ScopePod
)

// String names the scope: "process", "container" or "pod".
func (s Scope) String() string {
	return [...]string{"process", "container", "pod"}[s]
}

// Checks is the registry, in report order: the families in the order a
// reader meets them (identity, capabilities, filesystem, kernel), then
// the spec's own (what the spec holds that secctx cannot verify).
var Checks = concatChecks([]family{
	{FamilyIdentity, identityChecks},
	{FamilyCapabilities, capabilityChecks},
	{FamilyFilesystem, filesystemChecks},
	{FamilyKernel, kernelChecks},
	{FamilySpec, specChecks},
})

// family is one family's list of checks.
type family struct {
	name   Family
	checks []Check
}

// concatChecks joins the families' lists, each check named with its
// family.
func concatChecks(families []family) []Check {
	var out []Check
	for _, f := range families {
		for _, c := range f.checks {
			c.Family = f.name
			out = append(out, c)
		}
	}
	return out
}

// CheckIDs lists every check id, in report order.
func CheckIDs() []check.ID {
	ids := make([]check.ID, len(Checks))
	for i, c := range Checks {
		ids[i] = c.ID
	}
	return ids
}

// comparison is what every check reads, and the typed values a check
// attaches to the findings it makes from then on.
type comparison struct {
	exp   *expect.Expected
	obs   *probe.State
	check *Check

	ids      *IDValues
	groups   *GroupValues
	caps     *CapabilityValues
	outcomes *Outcomes
}

func (c *comparison) finding(subject string, st Status, sev Severity, expected, observed string, msg string, args ...any) Finding {
	if st != StatusDrift {
		sev = SeverityInfo
	}
	f := Finding{Check: c.check.ID, Subject: subject, Status: st, Severity: sev,
		Expected: expected, Observed: observed, Message: fmt.Sprintf(msg, args...),
		IDs: c.ids, Groups: c.groups, Capabilities: c.caps, Outcomes: c.outcomes,
		Hint: c.exp.Hints[c.check.ID], PID: c.obs.PID, Comm: c.obs.Comm}
	if c.check.Scope != ScopeProcess {
		f.Scope = c.check.Scope.String()
	}
	return f
}

func (c *comparison) ok(subject, expected, observed string, msg string, args ...any) Finding {
	return c.finding(subject, StatusOK, SeverityInfo, expected, observed, msg, args...)
}

func (c *comparison) drift(subject string, sev Severity, expected, observed string, msg string, args ...any) Finding {
	return c.finding(subject, StatusDrift, sev, expected, observed, msg, args...)
}

// skipped makes a skipped finding; it carries no observed value (the
// message may name it), so that a value moving in a check that compares
// nothing is not a change.
func (c *comparison) skipped(subject, expected string, msg string, args ...any) Finding {
	f := c.finding(subject, StatusSkipped, SeverityInfo, expected, "", msg, args...)
	if f.IDs != nil {
		ids := *f.IDs
		ids.Observed = nil
		f.IDs = &ids
	}
	if f.Groups != nil {
		g := *f.Groups
		g.Observed = []int64{}
		f.Groups = &g
	}
	return f
}

func (c *comparison) unknown(subject, expected string, why *probe.ReadError) Finding {
	f := c.finding(subject, StatusUnknown, SeverityInfo, expected, "", "Could not read %s: %s.", why.Path, why.Reason)
	f.Hint = c.hintWith(grantHint(why))
	return f
}

// hintWith is the hint of a finding that has a reason of its own (extra)
// besides the profile's hint for the check: the reason first.
func (c *comparison) hintWith(extra string) string {
	h := c.exp.Hints[c.check.ID]
	switch {
	case h == "":
		return extra
	case extra == "":
		return h
	}
	return extra + " " + h
}

// grantHint says what would let secctx read an item.
func grantHint(e *probe.ReadError) string {
	switch e.Reason {
	case probe.ReasonPermission:
		return "Run secctx as the same user as the target process, or in its container (kubectl exec), to read it."
	case probe.ReasonAbsent:
		if e.ProcessGone() {
			return "The process exited, or /proc is mounted with hidepid; share the process namespace with shareProcessNamespace: true."
		}
	}
	return ""
}
