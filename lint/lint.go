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
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
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
	item  int // 1 + the index of a List's item read on its own, else 0
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
	// Data is the stream, unless it is read from open (see Collect).
	Data []byte

	open func() (io.ReadCloser, error)
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

	item int // as Finding's
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
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	res := &Result{Profile: opts.Profile.Name, Workloads: []Workload{}, Findings: []Finding{}, pssVersion: opts.PSSVersion}
	err := RunEach(inputs, opts, func(ws []Workload, fs []Finding) error {
		res.Workloads = append(res.Workloads, ws...)
		res.Findings = append(res.Findings, fs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortFindings(res.Findings)
	return res, nil
}

func (opts *Options) defaults() error {
	if opts.Profile == nil {
		p, err := expect.LookupProfile("")
		if err != nil {
			return err
		}
		opts.Profile = p
	}
	if opts.PSSVersion == 0 {
		opts.PSSVersion = LatestPSSVersion
	}
	return nil
}

// RunEach lints the inputs in the order of their names, one part of a
// stream at a time (a document, or an item of a List over the
// per-document limits; see manifest.Stream), and gives each part's
// workloads and sorted findings to emit. Memory is bounded by the largest
// part, whatever the size of the inputs. Errors are Run's, and emit's.
func RunEach(inputs []Input, opts Options, emit func([]Workload, []Finding) error) error {
	if err := opts.defaults(); err != nil {
		return err
	}
	inputs = append([]Input(nil), inputs...)
	sort.SliceStable(inputs, func(i, j int) bool { return inputs[i].Name < inputs[j].Name })
	for _, in := range inputs {
		if err := lintStream(in, &opts, emit); err != nil {
			return err
		}
	}
	return nil
}

// sortFindings puts findings in the order of the report.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Doc, b.Doc), cmp.Compare(a.item, b.item),
			cmp.Compare(a.Workload, b.Workload), cmp.Compare(a.order, b.order), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Rule, b.Rule)) < 0
	})
}

// lintStream lints one input, part by part.
func lintStream(in Input, opts *Options, emit func([]Workload, []Finding) error) error {
	var r io.Reader = bytes.NewReader(in.Data)
	if in.open != nil {
		rc, err := in.open()
		if err != nil {
			return &InputError{err}
		}
		defer rc.Close()
		r = rc
	}
	st := manifest.NewStream(in.Name, r)
	var ix *posIndex // of the last part's Data, which the next may share
	for {
		p, err := st.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &InputError{err}
		}
		ix = partIndex(p, ix)
		ws, fs, err := lintPart(in.Name, p, ix, opts)
		if err != nil {
			return err
		}
		if err := emit(ws, fs); err != nil {
			return err
		}
	}
}

// partIndex is the position index of a part; last is the previous
// part's, reused when the part shares its Data (the documents of a stream
// decoded whole).
func partIndex(p *manifest.Part, last *posIndex) *posIndex {
	if last != nil && len(last.data) == len(p.Data) && len(p.Data) > 0 && &last.data[0] == &p.Data[0] {
		return last
	}
	ix := newPosIndex(p.Data)
	ix.data = p.Data
	if len(ix.docs) != p.Docs {
		// The scan and the decoder disagree on the documents: no positions.
		return &posIndex{data: p.Data}
	}
	ix.first, ix.line, ix.col = p.First, p.Line-1, p.Col-1
	if p.Item >= 0 {
		ix.strip = fmt.Sprintf("items[%d]", p.Item)
	}
	return ix
}

// lintPart lints one part of a stream, whose positions ix has.
func lintPart(name string, p *manifest.Part, ix *posIndex, opts *Options) ([]Workload, []Finding, error) {
	var (
		ws []Workload
		fs []Finding
	)
	if p.Bad != nil {
		fs = append(fs, invalidFinding(name, ix, p.Doc, p.Bad))
	}
	for _, w := range p.Workloads {
		pd, err := newPod(name, w, ix, opts)
		if err != nil {
			return nil, nil, &InputError{err}
		}
		for _, r := range rules {
			if r.run != nil && r.applies(opts.Profile) {
				r.run(pd)
			}
		}
		if err := pd.waiveAnnotation(); err != nil {
			return nil, nil, err
		}
		fs = append(fs, pd.findings...)
		ws = append(ws, pd.summary())
	}
	waive(fs, opts.Waivers)
	for i := range fs {
		fs[i].item = p.Item + 1
	}
	for i := range ws {
		ws[i].item = p.Item + 1
	}
	sortFindings(fs)
	return ws, fs, nil
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
