package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/probe"
)

// APIVersion and Kind identify the report format.
const (
	APIVersion = "secctx/v1"
	Kind       = "VerificationReport"
)

// Target says what was verified.
type Target struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm,omitempty"`
	// Processes lists every process verified, when there are several.
	Processes     []Process `json:"processes,omitempty"`
	Container     string    `json:"container"`
	ContainerKind string    `json:"containerKind,omitempty"`
	Workload      string    `json:"workload"`
	Namespace     string    `json:"namespace,omitempty"`
}

// SpecRef says where the expected spec came from.
type SpecRef struct {
	Source string `json:"source"`
	// Default is true when no spec was given and the embedded Pod Security
	// Standards restricted profile was used.
	Default bool `json:"default"`
}

// Summary counts findings by status and names the highest drift severity.
type Summary struct {
	OK      int `json:"ok"`
	Drift   int `json:"drift"`
	Unknown int `json:"unknown"`
	Skipped int `json:"skipped"`
	// HighestSeverity is the severity of the worst drift, or "" with none.
	HighestSeverity Severity `json:"highestSeverity,omitempty"`
}

// Report is the VerificationReport document.
type Report struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Time       time.Time `json:"time"`
	Target     Target    `json:"target"`
	Profile    string    `json:"profile"`
	Spec       SpecRef   `json:"spec"`
	Summary    Summary   `json:"summary"`
	Findings   []Finding `json:"findings"`
}

// RequestFor returns what the probe must read for exp: its sysctls and the
// masked, read-only and unmasked paths. A path may be a pattern
// (path.Match), which the caller expands (verify.New) before reading.
func RequestFor(exp *expect.Expected) probe.Request {
	req := probe.Request{}
	for _, s := range exp.Sysctls {
		req.Sysctls = append(req.Sysctls, s.Name)
	}
	req.Paths = append(req.Paths, exp.MaskedPaths...)
	req.Paths = append(req.Paths, exp.ReadonlyPaths...)
	for _, p := range exp.NodeMaskedPaths {
		req.Paths = append(req.Paths, p.Path)
	}
	req.Paths = append(req.Paths, exp.UnmaskedPaths...)
	return req
}

// Compare runs every check of the registry.
func Compare(exp *expect.Expected, obs *probe.State) []Finding {
	return CompareScope(exp, obs, func(Scope) bool { return true })
}

// CompareScope runs the checks whose scope include accepts; findings of
// shared scopes say so.
func CompareScope(exp *expect.Expected, obs *probe.State, include func(Scope) bool) []Finding {
	out := make([]Finding, 0, len(Checks)+8)
	for i := range Checks {
		ck := &Checks[i]
		if !include(ck.Scope) {
			continue
		}
		c := &comparison{exp: exp, obs: obs, check: ck}
		if why := firstMissing(obs, ck.Reads); why != nil {
			out = append(out, c.unknown("", "", why))
			continue
		}
		out = append(out, ck.run(c)...)
	}
	return out
}

func firstMissing(obs *probe.State, items []probe.Item) *probe.ReadError {
	for _, it := range items {
		if why := obs.Missing(it); why != nil {
			return why
		}
	}
	return nil
}

// New assembles a report.
func New(exp *expect.Expected, obs *probe.State, src SpecRef, now time.Time) *Report {
	r := &Report{
		APIVersion: APIVersion,
		Kind:       Kind,
		Time:       now.UTC(),
		Target: Target{PID: obs.PID, Comm: obs.Comm, Container: exp.Container, ContainerKind: exp.ContainerKind,
			Workload: exp.Workload, Namespace: exp.Namespace},
		Profile:  exp.Profile,
		Spec:     src,
		Findings: Compare(exp, obs),
	}
	r.Summary = Summarize(r.Findings)
	return r
}

// Summarize counts findings.
func Summarize(fs []Finding) Summary {
	var s Summary
	for _, f := range fs {
		switch f.Status {
		case StatusOK:
			s.OK++
		case StatusDrift:
			s.Drift++
			if s.HighestSeverity == "" || f.Severity.Rank() > s.HighestSeverity.Rank() {
				s.HighestSeverity = f.Severity
			}
		case StatusUnknown:
			s.Unknown++
		case StatusSkipped:
			s.Skipped++
		}
	}
	return s
}

// Failing reports whether any drift is at or above failOn.
func (r *Report) Failing(failOn Severity) bool {
	return r.Summary.Drift > 0 && r.Summary.HighestSeverity.Rank() >= failOn.Rank()
}

// Drifts returns the drift findings.
func (r *Report) Drifts() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Status == StatusDrift {
			out = append(out, f)
		}
	}
	return out
}

// WriteJSON writes the report as one JSON object followed by a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var statusOrder = map[Status]int{StatusDrift: 0, StatusUnknown: 1, StatusOK: 2, StatusSkipped: 3}

// WriteText writes the report as a table, drift first (worst first), then
// unknown, ok and skipped, followed by the messages of what is not ok.
func WriteText(w io.Writer, r *Report) error {
	fs := append([]Finding(nil), r.Findings...)
	sort.SliceStable(fs, func(i, j int) bool {
		if statusOrder[fs[i].Status] != statusOrder[fs[j].Status] {
			return statusOrder[fs[i].Status] < statusOrder[fs[j].Status]
		}
		return fs[i].Severity.Rank() > fs[j].Severity.Rank()
	})
	target := fmt.Sprintf("pid %d", r.Target.PID)
	if r.Target.Comm != "" {
		target += " (" + r.Target.Comm + ")"
	}
	fmt.Fprintf(w, "secctx %s: %s container %q of %s, profile %s\n", r.Kind, target, r.Target.Container, r.Target.Workload, r.Profile)
	fmt.Fprintf(w, "spec: %s\n", r.Spec.Source)
	fmt.Fprintf(w, "summary: %d drift, %d unknown, %d ok, %d skipped\n\n", r.Summary.Drift, r.Summary.Unknown, r.Summary.OK, r.Summary.Skipped)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tSEVERITY\tCHECK\tSUBJECT\tEXPECTED\tOBSERVED")
	for _, f := range fs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Status, f.Severity, f.Check, dash(f.Subject), short(f.Expected), short(f.Observed))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	first := true
	for _, f := range fs {
		if f.Status != StatusDrift && f.Status != StatusUnknown {
			continue
		}
		if first {
			fmt.Fprintln(w, "\ndetails:")
			first = false
		}
		subj := string(f.Check)
		if f.Subject != "" {
			subj += " " + f.Subject
		}
		fmt.Fprintf(w, "- %s [%s]: %s\n", subj, f.Status, f.Message)
		if f.Hint != "" {
			fmt.Fprintf(w, "  hint: %s\n", f.Hint)
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// short renders a value for a table cell.
func short(v any) string {
	if v == nil {
		return "-"
	}
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case fmt.Stringer:
		s = t.String()
	default:
		b, err := json.Marshal(t)
		if err != nil {
			s = fmt.Sprint(t)
		} else {
			s = string(b)
		}
	}
	s = strings.ReplaceAll(s, "\t", " ")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	if s == "" {
		return "-" // nothing expected, or nothing read
	}
	return s
}
