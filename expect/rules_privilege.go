package expect

import (
	"fmt"
	"strings"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
)

// resolveCapabilities applies the order of containerd and CRI-O
// (WithCapabilities, SpecSetupCapabilities): "ALL" in add grants every
// capability the runtime holds, "ALL" in drop clears the set, then the
// individual adds, then the individual drops, so a drop beats an add. The
// expectation follows the declaration: where a runtime does otherwise with a
// declared name (docker keeps a capability both added and dropped; under
// containerd a name written with a CAP_ prefix does nothing), what it does
// contradicts the declared field and is drift, which the hint explains.
func resolveCapabilities(r *resolution) {
	prof := r.in.Profile
	c := r.sc.Capabilities
	if c == nil {
		c = &manifest.Capabilities{}
	}
	addAll, dropAll := containsAll(c.Add), containsAll(c.Drop)
	adds, drops := r.capNames(c.Add, "add"), r.capNames(c.Drop, "drop")
	r.adds, r.addAll = adds, addAll
	set := prof.DefaultCaps
	if addAll {
		set = caps.Full(r.in.LastCap)
		r.exp.AllCapabilities = true
		r.note("capabilities.add ALL: every capability the runtime holds")
	} else {
		r.note("%s default capabilities: %s", prof.Name, set)
	}
	if dropAll {
		set = 0
		r.exp.AllCapabilities = false
		r.note("capabilities.drop ALL: none")
	}
	set = (set | adds).Minus(drops) // still "all the runtime holds", less the drops
	if len(c.Add)+len(c.Drop) > 0 {
		r.note("after add %v and drop %v: %s", c.Add, c.Drop, set)
	}
	if prof.CapConflict == AddWins && (adds&drops != 0 || addAll && dropAll) {
		r.capHint("%s keeps a capability that is both added and dropped (an add beats a drop, add ALL beats drop ALL: moby TweakCapabilities), so the declared drop has no effect there.", prof.Name)
	}
	r.exp.Capabilities = set
}

// capNames turns the individual names of an add or drop list into a set,
// leaving out ALL; a CAP_-prefixed name counts as the capability it names,
// and where the runtime ignores such names the findings say so.
func (r *resolution) capNames(names []string, list string) caps.Set {
	var set caps.Set
	for _, n := range names {
		if manifest.IsAll(n) {
			continue
		}
		v, err := caps.Value(n)
		if err != nil {
			continue
		}
		set = set.Add(v)
		if up := strings.ToUpper(strings.TrimSpace(n)); r.in.Profile.CapPrefixIgnored && strings.HasPrefix(up, "CAP_") {
			r.note("capabilities.%s %s: %s turns it into CAP_%s, which runc ignores", list, n, r.in.Profile.Name, up)
			r.capHint("%s turns capabilities.%s %s into CAP_%s, which runc ignores, so the declared name has no effect: write it without the CAP_ prefix.",
				r.in.Profile.Name, list, n, up)
		}
	}
	return set
}

// capHint adds a runtime rule to the findings of the capability checks.
func (r *resolution) capHint(format string, args ...any) {
	for _, id := range []check.ID{check.CapabilitiesBounding, check.CapabilitiesEffective, check.CapabilitiesPermitted} {
		r.hint(id, fmt.Sprintf(format, args...))
	}
}

// resolvePrivileged: a privileged container gets every capability (drops
// are ignored: WithPrivileged runs after WithCapabilities), no masked paths
// and no seccomp; those effects are applied by the rules below.
func resolvePrivileged(r *resolution) {
	r.exp.Privileged = r.sc.Privileged != nil && *r.sc.Privileged
	if r.exp.Privileged {
		r.exp.Capabilities = caps.Full(r.in.LastCap)
		r.exp.AllCapabilities = true
		r.note("privileged: every capability, capability drops ignored")
	}
}

// resolveAmbient: the ambient set, which is also all the inheritable set
// holds. containerd clears it for every container, privileged included
// (WithoutAmbientCaps runs after WithPrivileged; kubernetes#56374), as do
// docker and CRI-O (SpecSetupCapabilities), except that CRI-O's privileged
// containers get every capability there (runtime-tools SetupPrivileged).
// podman raises the added capabilities (within the bounding set) as
// ambient when the user is not root (securityConfigureGenerator).
func resolveAmbient(r *resolution) {
	e := r.exp
	switch r.in.Profile.Ambient {
	case AmbientPrivilegedAll:
		if e.Privileged {
			e.Ambient = e.Capabilities
			e.AmbientRule = r.in.Profile.Name + " gives a privileged container every capability in its ambient and inheritable sets"
		} else {
			e.AmbientRule = r.in.Profile.Name + " clears the ambient set (Kubernetes is not ambient-aware)"
		}
	case AmbientAddsNonRoot:
		userCaps := r.adds & e.Capabilities
		if r.addAll {
			userCaps = e.Capabilities
		}
		switch {
		case e.Privileged:
			e.AmbientRule = r.in.Profile.Name + " clears the ambient set of a privileged container"
		case userCaps == 0:
			e.AmbientRule = r.in.Profile.Name + " raises only added capabilities as ambient, and none is added"
		case e.UID == nil:
			e.Ambient, e.AmbientIfNonRoot = userCaps, true
			e.AmbientRule = r.in.Profile.Name + " raises the added capabilities as ambient when the image's USER is not root"
		case *e.UID != 0:
			e.Ambient = userCaps
			e.AmbientRule = r.in.Profile.Name + " raises the added capabilities as ambient for a non-root user"
		default:
			e.AmbientRule = r.in.Profile.Name + " raises no ambient capability for root"
		}
	default:
		e.AmbientRule = r.in.Profile.Name + " clears the ambient set of every container (kubernetes#56374)"
	}
	r.note("ambient and inheritable: %s: %s", e.AmbientRule, e.Ambient)
}

// resolveNoNewPrivs: the kubelet asks for no_new_privs only when
// allowPrivilegeEscalation is explicitly false (AddNoNewPrivileges).
func resolveNoNewPrivs(r *resolution) {
	ape := r.sc.AllowPrivilegeEscalation
	r.exp.NoNewPrivs = ape != nil && !*ape
	if r.exp.NoNewPrivs {
		r.note("no_new_privs: allowPrivilegeEscalation is false")
	} else {
		r.note("no_new_privs off: allowPrivilegeEscalation is not explicitly false")
	}
}

// resolveReadOnlyRoot: readOnlyRootFilesystem maps to the OCI
// root.readonly; a platform that makes the root read-only anyway (ECI
// documents it) makes both states legitimate when nothing is declared.
func resolveReadOnlyRoot(r *resolution) {
	ro := r.sc.ReadOnlyRootFilesystem
	r.exp.ReadOnlyRootFilesystem = ro != nil && *ro
	if when := r.in.Profile.RootReadOnlyWhen; ro == nil && when != "" {
		r.exp.RootOutcomes = []Outcome[bool]{
			{Value: false, When: "the kubelet and containerd leave it writable unless declared"},
			{Value: true, When: when},
		}
		r.note("readOnlyRootFilesystem not declared: writable, or read-only where %s", when)
	}
}

// resolveMaskedPaths: the default masked and read-only paths apply unless
// procMount is Unmasked or the container is privileged; the paths whose
// masking depends on the runtime's or the kubelet's version may be masked
// or not.
func resolveMaskedPaths(r *resolution) {
	prof := r.in.Profile
	r.exp.ProcMount = manifest.DefaultProcMount
	if pm := r.sc.ProcMount; pm != nil && *pm != "" {
		r.exp.ProcMount = *pm
	}
	if r.exp.ProcMount == manifest.UnmaskedProcMount || r.exp.Privileged {
		r.exp.MaskedPaths, r.exp.ReadonlyPaths = []string{}, []string{}
		r.exp.UnmaskedPaths = append(append([]string(nil), prof.MaskedPaths...), prof.ReadonlyPaths...)
		for _, p := range prof.NodeMaskedPaths {
			r.exp.UnmaskedPaths = append(r.exp.UnmaskedPaths, p.Path)
		}
		r.note("no masked or read-only /proc paths (procMount %s, privileged %v)", r.exp.ProcMount, r.exp.Privileged)
		return
	}
	r.exp.MaskedPaths = append([]string(nil), prof.MaskedPaths...)
	r.exp.ReadonlyPaths = append([]string(nil), prof.ReadonlyPaths...)
	r.exp.NodeMaskedPaths = append([]NodePath(nil), prof.NodeMaskedPaths...)
	for _, p := range prof.NodeMaskedPaths {
		r.note("%s: masked with %s, visible with %s", p.Path, p.Masked, p.Visible)
	}
}
