package e2eutil

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// Finding is the part of a finding of secctx's report (`secctx verify -o
// json`) the tiers read.
type Finding struct {
	Check    string    `json:"check"`
	Subject  string    `json:"subject"`
	Status   string    `json:"status"`
	Severity string    `json:"severity"`
	Expected string    `json:"expected"`
	Observed string    `json:"observed"`
	Outcomes *Outcomes `json:"outcomes"`
	Message  string    `json:"message"`
	Hint     string    `json:"hint"`
}

// Outcomes is a node-dependent expectation: the legitimate outcomes and
// the one seen.
type Outcomes struct {
	Legitimate []Outcome `json:"legitimate"`
	Seen       *Outcome  `json:"seen"`
}

// Outcome is one outcome of a node-dependent expectation: a value and the
// node setting it follows from.
type Outcome struct {
	Value string `json:"value"`
	When  string `json:"when"`
}

// Process is a process as reports and watch lines name it.
type Process struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm"`
}

// ProcessList is a bounded list of processes: how many, and the first few.
type ProcessList struct {
	Count int       `json:"count"`
	First []Process `json:"first"`
}

// FindingsOf returns the findings of one check, in order.
func FindingsOf(fs []Finding, check string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// DriftChecks returns the checks the findings drift in (any severity),
// sorted, each once; never nil.
func DriftChecks(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		if f.Status == "drift" && !slices.Contains(out, f.Check) {
			out = append(out, f.Check)
		}
	}
	sort.Strings(out)
	return out
}

// ObservedMismatches compares the observed value of each finding of check
// with want, the JSON of the value the check must observe, and returns a
// problem for each finding that differs. Lists of strings compare as sets
// (capability names come in bit order); lists of numbers keep their order
// (the kernel sorts groups). The error says that want is not JSON.
func ObservedMismatches(check, want string, fs []Finding) ([]string, error) {
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return nil, err
	}
	wb, _ := json.Marshal(canonical(w))
	var problems []string
	for _, f := range fs {
		if gb, _ := json.Marshal(canonical(f.Observed)); string(gb) != string(wb) {
			problems = append(problems, fmt.Sprintf("%s observed %s, want %s", check, gb, wb))
		}
	}
	return problems, nil
}

// canonical sorts a list of strings; any other value stays as it is.
func canonical(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	names := []string{}
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return v
		}
		names = append(names, s)
	}
	sort.Strings(names)
	return names
}

// LintFinding is the part of a finding of `secctx lint -o json` the tiers
// read.
type LintFinding struct {
	Rule      string `json:"rule"`
	Workload  string `json:"workload"`
	Container string `json:"container"`
	Field     string `json:"field"`
	Effect    string `json:"effect"`
	Check     string `json:"check"`
	Verify    string `json:"verify"`
}

// JSONText is v as JSON for a message, or as %v when it has none.
func JSONText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// SortedCopy is a sorted copy of ss, never nil.
func SortedCopy(ss []string) []string {
	out := append([]string{}, ss...)
	sort.Strings(out)
	return out
}

// With is a new list: list followed by more.
func With(list []string, more ...string) []string {
	return append(append([]string(nil), list...), more...)
}
