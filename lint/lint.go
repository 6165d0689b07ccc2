// Package lint predicts, before a workload is deployed, what a platform
// will refuse, silently ignore or change in its declared securityContext,
// and which Pod Security Standards level each pod and container meets.
//
// Manifests go through the same decoding as `secctx verify` (package
// manifest); each finding names a stable rule id, the field path and its
// line, the effect, the check id `secctx verify` would report for it (so
// that predicted and observed drift can be compared), and the rule's
// source: the platform's document or the upstream function that decides.
package lint

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/waiver"
)

// Effect is what the platform does with a declared field.
type Effect string

// Effects, strongest first.
const (
	// Refused: the workload (or the container) never runs.
	Refused Effect = "refused"
	// Ignored: it runs without the field in force.
	Ignored Effect = "ignored"
	// Changed: it runs with a value other than the declared one.
	Changed Effect = "changed"
	// Warning: the outcome depends on what lint cannot see (the image, the
	// node, the runtime's version, a support ticket).
	Warning Effect = "warning"
)

// Prediction says what `secctx verify`, run in the container, will report
// under the finding's check.
type Prediction string

// Predictions.
const (
	// PredictDrift: verify reports drift for the check.
	PredictDrift Prediction = "drift"
	// PredictNoDrift: verify's expectation already accounts for it.
	PredictNoDrift Prediction = "no-drift"
	// PredictNotRun: nothing runs, so there is nothing to verify.
	PredictNotRun Prediction = "not-run"
	// PredictDepends: it depends on the image or the node.
	PredictDepends Prediction = "depends"
)

// Finding is one predicted effect on one field.
type Finding struct {
	// Rule is the stable rule id.
	Rule string `json:"rule"`
	// File names the input ("-" is stdin).
	File string `json:"file"`
	// Line and Column locate the field (or, for a field left unset, the
	// nearest enclosing one); 0 when unknown.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Doc is the document's number in the stream (1-based).
	Doc int `json:"doc"`
	// Workload is "Kind/name", or "document N" when the object could not
	// be decoded.
	Workload  string `json:"workload"`
	Namespace string `json:"namespace,omitempty"`
	// Container and ContainerKind name the container; empty for a
	// pod-level finding.
	Container     string                 `json:"container,omitempty"`
	ContainerKind manifest.ContainerKind `json:"containerKind,omitempty"`
	// Field is the field's path in the document, e.g.
	// "spec.containers[1].securityContext.capabilities.add[0]".
	Field    string          `json:"field"`
	Effect   Effect          `json:"effect"`
	Severity report.Severity `json:"severity"`
	// Check is the check id `secctx verify` reports the effect under; ""
	// when no check observes it.
	Check check.ID `json:"check,omitempty"`
	// Verify is what `secctx verify` will report under Check.
	Verify  Prediction `json:"verify"`
	Message string     `json:"message"`
	// Source is where the rule comes from: a platform document and its
	// section, or the upstream function that decides.
	Source string `json:"source"`
	// Waived is set when a waiver accepts the finding: it is reported,
	// but counts neither in the summary nor for --fail-on.
	Waived *waiver.Mark `json:"waived,omitempty"`

	order int // the container's position in its workload, for sorting
}

// Options tune a run.
type Options struct {
	// Profile is the platform; nil is the default (containerd).
	Profile *expect.Profile
	// AllowedUnsafeSysctls are the kubelet's --allowed-unsafe-sysctls
	// patterns (see ParseSysctlPatterns).
	AllowedUnsafeSysctls []SysctlPattern
	// PSSVersion is the Pod Security Standards version (a 1.x minor);
	// 0 is the latest this build knows.
	PSSVersion int
	// Waivers are those of --skip and --waivers; each workload's
	// secctx.io/waive annotation adds its own.
	Waivers waiver.Set
}

// Input is one manifest stream.
type Input struct {
	// Name is the file's path as given, or "-" for stdin.
	Name string
	Data []byte
}

// Workload is one linted workload: where it is, and its Pod Security
// Standards evaluation.
type Workload struct {
	File      string `json:"file"`
	Line      int    `json:"line,omitempty"`
	Doc       int    `json:"doc"`
	Workload  string `json:"workload"`
	Namespace string `json:"namespace,omitempty"`
	// SpecPath is the pod spec's path in the document ("spec",
	// "spec.template.spec", ...).
	SpecPath    string       `json:"specPath"`
	Containers  []Container  `json:"containers"`
	PodSecurity *PodSecurity `json:"podSecurity"`
}

// Container is one container of a workload and the Pod Security
// Standards level it meets.
type Container struct {
	Name  string                 `json:"name"`
	Kind  manifest.ContainerKind `json:"kind"`
	Level Level                  `json:"level"`
}

// Result is the outcome of a run.
type Result struct {
	Profile   string     `json:"profile"`
	Workloads []Workload `json:"workloads"`
	Findings  []Finding  `json:"findings"`

	pssVersion int // the Pod Security Standards version evaluated (1.x)
}

// InputError is a stream that cannot be read at all (malformed YAML, over
// the size limit): bad input, named by file.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Run lints the inputs. An error is bad input (an *InputError) or a
// profile problem; findings about the manifests are never errors.
func Run(inputs []Input, opts Options) (*Result, error) {
	if opts.Profile == nil {
		p, err := expect.LookupProfile("")
		if err != nil {
			return nil, err
		}
		opts.Profile = p
	}
	if opts.PSSVersion == 0 {
		opts.PSSVersion = LatestPSSVersion
	}
	res := &Result{Profile: opts.Profile.Name, Workloads: []Workload{}, Findings: []Finding{}, pssVersion: opts.PSSVersion}
	for _, in := range inputs {
		if err := lintStream(in, &opts, res); err != nil {
			return nil, err
		}
	}
	waive(res.Findings, opts.Waivers)
	sort.SliceStable(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i], res.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Doc != b.Doc {
			return a.Doc < b.Doc
		}
		if a.Workload != b.Workload {
			return a.Workload < b.Workload
		}
		if a.order != b.order {
			return a.order < b.order
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Rule < b.Rule
	})
	return res, nil
}

// lintStream lints one input.
func lintStream(in Input, opts *Options, res *Result) error {
	if len(strings.TrimSpace(string(in.Data))) == 0 {
		return nil // an empty file holds no workload
	}
	type bad struct {
		doc int
		err error
	}
	var bads []bad
	ws, n, err := manifest.DecodeEach(in.Name, in.Data, func(doc int, e error) { bads = append(bads, bad{doc, e}) })
	if err != nil {
		return &InputError{err}
	}
	ix := newPosIndex(in.Data)
	if len(ix.docs) != n {
		ix = nil // the scan and the decoder disagree on the documents: no positions
	}
	for _, b := range bads {
		res.Findings = append(res.Findings, invalidFinding(in.Name, ix, b.doc, b.err))
	}
	for _, w := range ws {
		p, err := newPod(in.Name, w, ix, opts)
		if err != nil {
			return &InputError{err}
		}
		for _, r := range rules {
			if r.run != nil && r.applies(opts.Profile) {
				r.run(p)
			}
		}
		if err := p.waiveAnnotation(); err != nil {
			return err
		}
		res.Findings = append(res.Findings, p.findings...)
		res.Workloads = append(res.Workloads, p.summary())
	}
	return nil
}

// invalidFinding turns the decoding error of document doc into the
// k8s-invalid finding.
func invalidFinding(file string, ix *posIndex, doc int, err error) Finding {
	f := Finding{File: file, Doc: doc, Workload: fmt.Sprintf("document %d", doc), Message: err.Error()}
	var me *manifest.Error
	if errors.As(err, &me) {
		f.Field, f.Message = me.Field, me.Msg
		if me.Object != "" {
			f.Workload = me.Object
		}
		if f.Message == "" {
			f.Message = err.Error()
		}
	}
	r := ruleByID("k8s-invalid")
	f.Rule, f.Effect, f.Severity, f.Verify, f.Source = r.ID, r.Effect, r.Severity, r.Verify, r.Source
	f.Check = checkOfField(f.Field)
	f.Line, f.Column = ix.position(f.Doc, f.Field)
	f.Message = "The API server rejects this object: " + strings.TrimSuffix(f.Message, ".") + "."
	return f
}

// checkOfField names the check a securityContext field is verified by.
func checkOfField(field string) check.ID {
	i := strings.LastIndex(field, "securityContext.")
	if i < 0 {
		if strings.HasSuffix(field, "hostUsers") {
			return check.HostUsers
		}
		return ""
	}
	rest := field[i+len("securityContext."):]
	name := rest
	if j := strings.IndexAny(rest, ".["); j >= 0 {
		name = rest[:j]
	}
	switch name {
	case "capabilities":
		return check.CapabilitiesBounding
	case "sysctls":
		return check.Sysctls
	}
	for _, id := range report.CheckIDs() {
		if string(id) == name {
			return id
		}
	}
	return ""
}
