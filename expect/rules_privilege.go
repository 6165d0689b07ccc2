package expect

import (
	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/manifest"
)

// resolveCapabilities applies containerd's order (WithCapabilities): "ALL" in
// add grants every capability the runtime holds, "ALL" in drop clears the
// set, then individual adds, then individual drops, so a drop beats an add.
// CRI-O and podman give the same result for these inputs.
func resolveCapabilities(r *resolution) {
	set := r.in.Profile.DefaultCaps
	full := caps.Full(r.in.LastCap)
	c := r.sc.Capabilities
	if c == nil {
		c = &manifest.Capabilities{}
	}
	if containsAll(c.Add) {
		set = full
		r.exp.AllCapabilities = true
		r.note("capabilities.add ALL: every capability the runtime holds")
	} else {
		r.note("%s default capabilities: %s", r.in.Profile.Name, set)
	}
	if containsAll(c.Drop) {
		set = 0
		r.exp.AllCapabilities = false
		r.note("capabilities.drop ALL: none")
	}
	for _, n := range c.Add {
		if manifest.IsAll(n) {
			continue
		}
		if v, err := caps.Value(n); err == nil {
			set = set.Add(v)
		}
	}
	for _, n := range c.Drop {
		if manifest.IsAll(n) {
			continue
		}
		if v, err := caps.Value(n); err == nil {
			set = set.Remove(v) // still "all the runtime holds", less v
		}
	}
	if len(c.Add)+len(c.Drop) > 0 {
		r.note("after add %v and drop %v: %s", c.Add, c.Drop, set)
	}
	r.exp.Capabilities = set
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

// resolveReadOnlyRoot: readOnlyRootFilesystem maps to the OCI root.readonly.
func resolveReadOnlyRoot(r *resolution) {
	r.exp.ReadOnlyRootFilesystem = r.sc.ReadOnlyRootFilesystem != nil && *r.sc.ReadOnlyRootFilesystem
}

// resolveMaskedPaths: the default masked and read-only paths apply unless
// procMount is Unmasked or the container is privileged.
func resolveMaskedPaths(r *resolution) {
	r.exp.ProcMount = "Default"
	if pm := r.sc.ProcMount; pm != nil && *pm != "" {
		r.exp.ProcMount = *pm
	}
	if r.exp.ProcMount == "Unmasked" || r.exp.Privileged {
		r.exp.MaskedPaths, r.exp.ReadonlyPaths = []string{}, []string{}
		r.exp.UnmaskedPaths = append(append([]string(nil), r.in.Profile.MaskedPaths...), r.in.Profile.ReadonlyPaths...)
		r.note("no masked or read-only /proc paths (procMount %s, privileged %v)", r.exp.ProcMount, r.exp.Privileged)
		return
	}
	r.exp.MaskedPaths = append([]string(nil), r.in.Profile.MaskedPaths...)
	r.exp.ReadonlyPaths = append([]string(nil), r.in.Profile.ReadonlyPaths...)
}
