// Package waiver accepts known findings: a waiver names a check id (what
// verify and watch report) or a lint rule id (what lint reports), with the
// reason it is accepted, and optionally the workload and container it is
// limited to. A waived finding is never dropped: the report keeps it, as
// skipped, with the reason and where the waiver came from (see Mark).
//
// Waivers come from three places (Source): the pod template's
// annotation secctx.io/waive (ParseAnnotation), the --skip flag
// (ParseSkip) and a waiver file given with --waivers (ParseFile). Every id
// is checked against a Catalog of the ids that exist; an unknown one is
// bad input, named by its file and field.
package waiver

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secctx/secctx/check"
)

// Annotation is the pod annotation that holds the pod's own waivers.
const Annotation = "secctx.io/waive"

// Source says where a waiver came from.
type Source string

// Sources.
const (
	SourceAnnotation Source = "annotation"
	SourceFlag       Source = "flag"
	SourceFile       Source = "file"
)

// Waiver accepts the findings of one check or one lint rule.
type Waiver struct {
	// Check is set when the id is a check id; Rule when it is a lint
	// rule id. Exactly one of them is set.
	Check check.ID
	Rule  string
	// Workload ("Kind/name") and Container limit the waiver; "" matches
	// every workload or container.
	Workload  string
	Container string
	// Reason says why the finding is accepted.
	Reason string
	Source Source
}

// ID is the waived id, check or rule.
func (w Waiver) ID() string {
	if w.Check != "" {
		return string(w.Check)
	}
	return w.Rule
}

// Mark is what a waived finding carries: the reason and the source.
type Mark struct {
	Reason string `json:"reason"`
	Source Source `json:"source"`
}

// Mark is the waiver's mark on a finding.
func (w Waiver) Mark() *Mark { return &Mark{Reason: w.Reason, Source: w.Source} }

// String is the mark as reports show it: "waived: REASON (SOURCE)".
func (m *Mark) String() string { return "waived: " + m.Reason + " (" + string(m.Source) + ")" }

// Catalog holds the ids a waiver may name: the check registry's and the
// lint rules'.
type Catalog struct {
	Checks []check.ID
	Rules  []string
}

// waiver makes the waiver of id, or says why id is not one.
func (c Catalog) waiver(id string) (Waiver, error) {
	switch {
	case id == "":
		return Waiver{}, fmt.Errorf("empty id")
	case slices.Contains(c.Checks, check.ID(id)):
		return Waiver{Check: check.ID(id)}, nil
	case slices.Contains(c.Rules, id):
		return Waiver{Rule: id}, nil
	}
	return Waiver{}, fmt.Errorf("unknown id %q: want a check id (secctx checks) or a lint rule id (docs/lint.md)", id)
}

// Set is the waivers in force.
type Set []Waiver

// Match returns the first waiver of s for a finding of the check or rule
// id about container of workload ("Kind/name").
func (s Set) Match(id, workload, container string) (Waiver, bool) {
	for _, w := range s {
		if w.ID() == id && (w.Workload == "" || w.Workload == workload) && (w.Container == "" || w.Container == container) {
			return w, true
		}
	}
	return Waiver{}, false
}

// ForWorkload returns the waivers that hold for workload ("Kind/name").
func (s Set) ForWorkload(workload string) Set {
	var out Set
	for _, w := range s {
		if w.Workload == "" || w.Workload == workload {
			out = append(out, w)
		}
	}
	return out
}

// ParseSkip reads --skip: comma-separated ids. The reason of each is that
// it was given on the command line.
func ParseSkip(value string, cat Catalog) (Set, error) {
	var out Set
	for _, id := range strings.Split(value, ",") {
		w, err := cat.waiver(strings.TrimSpace(id))
		if err != nil {
			return nil, err
		}
		w.Reason, w.Source = "--skip "+w.ID(), SourceFlag
		out = append(out, w)
	}
	return out, nil
}
