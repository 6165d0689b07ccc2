package verify

import (
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/lint"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/waiver"
)

// SpecSource yields the manifest stream (the pipeline's first stage).
// manifest.Locator is the CLI's: --spec, the environment, the embedded
// default.
type SpecSource interface {
	// Load reads the stream.
	Load() (*manifest.Loaded, error)
	// File is the file to watch for changes, or "" when there is none
	// (stdin, the environment, the embedded default).
	File() string
}

// Pipeline is the one way from a spec to verifiers, shared by every
// command: source → decode → select (Load), then, per container,
// resolve → verifier (Spec.Verifier).
type Pipeline struct {
	Source SpecSource
	// Workload selects the workload when the stream holds several
	// (--workload).
	Workload string
	// Profile is the runtime profile; nil is the default.
	Profile *expect.Profile
	// Node is what the user knows of the node's configuration
	// (--seccomp-default); the zero value accepts every legitimate outcome.
	Node expect.Node
	// FS is the proc filesystem the verifiers observe.
	FS probe.FS
	// Waivers are those of --skip and --waivers; the workload's
	// secctx.io/waive annotation adds its own (Load).
	Waivers waiver.Set
}

// Spec is a loaded, decoded and selected manifest.
type Spec struct {
	// Loaded is the stream and where it came from.
	Loaded *manifest.Loaded
	// Workload is the selected workload.
	Workload *manifest.Workload
	// Waivers are the waivers in force for the workload: its annotation's,
	// then the pipeline's.
	Waivers  waiver.Set
	pipeline *Pipeline
}

// Load runs the first stages: find and read the stream, decode it, select
// the workload. Every error is bad input and names the source and field.
func (p *Pipeline) Load() (*Spec, error) {
	ld, err := p.Source.Load()
	if err != nil {
		return nil, err
	}
	ws, err := manifest.Decode(ld.Name, ld.Data)
	if err != nil {
		return nil, err
	}
	wl, err := manifest.Select(ws, p.Workload)
	if err != nil {
		return nil, err
	}
	own, err := waiver.OfWorkload(wl, lint.WaiverCatalog())
	if err != nil {
		return nil, err
	}
	return &Spec{Loaded: ld, Workload: wl, Waivers: append(own, p.Waivers.ForWorkload(wl.ID())...), pipeline: p}, nil
}

// Ref names the spec in reports.
func (s *Spec) Ref() report.SpecRef {
	return report.SpecRef{Source: s.Loaded.Source, Default: s.Loaded.Default}
}

// Verifier runs the last stages for one container of the workload (""
// for its only container): select the container, resolve, prepare the
// verifier. The embedded default spec has one container, which every name
// stands for.
func (s *Spec) Verifier(container string) (*Verifier, error) {
	if s.Loaded.Default {
		container = ""
	}
	if _, _, err := s.Workload.FindContainer(container); err != nil {
		return nil, err
	}
	v, err := New(s.Workload, container, s.pipeline.Profile, s.Ref(), s.pipeline.FS)
	if err != nil {
		return nil, err
	}
	v.node = s.pipeline.Node
	v.waivers = s.Waivers
	return v, nil
}
