package lint

import (
	"fmt"
	"strings"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/report"
)

// pod is one workload being linted: its decoded spec, where it sits in
// the document, and the findings so far.
type pod struct {
	file     string
	w        *manifest.Workload
	ix       *posIndex // nil: no positions
	specPath string    // the pod spec's path in the document
	metaPath string    // the pod template's metadata path
	opts     *Options
	psc      *manifest.PodSecurityContext // never nil
	ctrs     []*ctr
	findings []Finding
	pss      *PodSecurity
}

// ctr is one container of the pod.
type ctr struct {
	c     *manifest.Container
	list  string // "containers", "initContainers", "ephemeralContainers"
	index int
	kind  manifest.ContainerKind
	order int                       // position among all the pod's containers, from 1
	sc    *manifest.SecurityContext // never nil
	exp   *expect.Expected          // resolved without the image
}

// path is the container's path relative to the pod spec.
func (c *ctr) path(rel string) string {
	return joinPath(fmt.Sprintf("%s[%d]", c.list, c.index), rel)
}

func newPod(file string, w *manifest.Workload, ix *posIndex, opts *Options) (*pod, error) {
	p := &pod{file: file, w: w, ix: ix, opts: opts, psc: w.Spec.SecurityContext}
	if p.psc == nil {
		p.psc = &manifest.PodSecurityContext{}
	}
	p.specPath = w.SpecPath
	p.metaPath = strings.TrimSuffix(w.SpecPath, "spec") + "metadata"
	object := "" // the object's path: a List item's, or the document's
	if strings.HasPrefix(w.SpecPath, "items[") {
		object = w.SpecPath[:strings.IndexByte(w.SpecPath, ']')+1]
	}
	if name, ok := ix.scalar(w.Doc, joinPath(object, "metadata.name")); w.Name != "" && (!ok || name != w.Name) {
		p.ix = nil // the scan did not find this workload where the decoder did
	}
	for _, l := range w.Spec.ContainerLists() {
		for i := range l.Items {
			c := &ctr{c: &l.Items[i], list: l.Field, index: i, kind: l.Kind, order: len(p.ctrs) + 1}
			c.sc = c.c.SecurityContext
			if c.sc == nil {
				c.sc = &manifest.SecurityContext{}
			}
			exp, err := expect.Resolve(expect.Input{Workload: w, Container: c.c.Name, Profile: opts.Profile, LastCap: 40})
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %v", file, w.ID(), err)
			}
			c.exp = exp
			p.ctrs = append(p.ctrs, c)
		}
	}
	p.pss = evaluatePSS(p, opts.PSSVersion)
	return p, nil
}

// specField is a path relative to the pod spec, made absolute.
func (p *pod) specField(rel string) string { return joinPath(p.specPath, rel) }

// annotationField is the path of an annotation of the pod template.
func (p *pod) annotationField(key string) string {
	return joinPath(p.metaPath, "annotations["+key+"]")
}

// overrides adjust a finding's rule defaults.
type overrides struct {
	severity report.Severity
	check    *check.ID
	verify   Prediction
	effect   Effect
}

// add records a finding of rule r on c (nil: pod-level) at field, a path
// in the document (from specField or annotationField).
func (p *pod) add(r *Rule, c *ctr, field string, o overrides, format string, args ...any) {
	f := Finding{
		Rule: r.ID, File: p.file, Doc: p.w.Doc, Workload: p.w.ID(), Namespace: p.w.Namespace,
		Field: field, Effect: r.Effect, Severity: r.Severity, Check: r.Check, Verify: r.Verify,
		Message: fmt.Sprintf(format, args...), Source: r.Source,
	}
	if c != nil {
		f.Container, f.ContainerKind, f.order = c.c.Name, c.kind, c.order
	}
	if o.severity != "" {
		f.Severity = o.severity
	}
	if o.check != nil {
		f.Check = *o.check
	}
	if o.verify != "" {
		f.Verify = o.verify
	}
	if o.effect != "" {
		f.Effect = o.effect
	}
	f.Line, f.Column = p.ix.position(p.w.Doc, f.Field)
	p.findings = append(p.findings, f)
}

// summary is the workload's entry in the result.
func (p *pod) summary() Workload {
	w := Workload{File: p.file, Doc: p.w.Doc, Workload: p.w.ID(), Namespace: p.w.Namespace, SpecPath: p.specPath, PodSecurity: p.pss}
	w.Line, _ = p.ix.position(p.w.Doc, "")
	for _, c := range p.ctrs {
		w.Containers = append(w.Containers, Container{Name: c.c.Name, Kind: c.kind, Level: p.pss.containerLevel(c.c.Name)})
	}
	return w
}

// uid is the container's effective runAsUser (container over pod), or nil.
func (c *ctr) uid() *int64 { return c.exp.UID }

// nonRoot reports whether the container is known to run as a non-root
// user: a non-zero runAsUser, or runAsNonRoot (which the kubelet
// enforces) without one.
func (c *ctr) nonRoot() bool {
	if u := c.uid(); u != nil {
		return *u != 0
	}
	return c.exp.RunAsNonRoot
}

func ptrCheck(id check.ID) *check.ID { return &id }
