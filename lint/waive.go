package lint

import (
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/waiver"
)

// WaiverCatalog is every id a waiver may name: the check registry's ids
// (verify's findings) and the lint rule ids (lint's).
func WaiverCatalog() waiver.Catalog {
	cat := waiver.Catalog{Checks: report.CheckIDs()}
	for _, r := range rules {
		cat.Rules = append(cat.Rules, r.ID)
	}
	return cat
}

// waive marks the findings a waiver of s names by rule id; a finding
// already waived keeps its first waiver.
func waive(fs []Finding, s waiver.Set) {
	if len(s) == 0 {
		return
	}
	for i := range fs {
		f := &fs[i]
		if f.Waived != nil {
			continue
		}
		if w, ok := s.Match(f.Rule, f.Workload, f.Container); ok && w.Rule != "" {
			f.Waived = w.Mark()
		}
	}
}

// waiveAnnotation applies the waivers of a workload's own annotation to its
// findings.
func (p *pod) waiveAnnotation() error {
	s, err := waiver.OfWorkload(p.w, WaiverCatalog())
	if err != nil {
		return &InputError{err}
	}
	waive(p.findings, s)
	return nil
}

// counted reports whether a finding counts: in the summary, the exit code
// and the severity threshold (a waived one does not).
func (f *Finding) counted() bool { return f.Waived == nil }

// failing is Failing for one finding.
func (f *Finding) failing(failOn report.Severity) bool {
	return f.counted() && f.Severity.Rank() >= failOn.Rank()
}
