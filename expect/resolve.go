package expect

import (
	"fmt"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/userdb"
)

// Image is what the resolver knows of the container image's users, read from
// its own /etc/passwd and /etc/group when reachable.
type Image struct {
	Passwd []userdb.Account
	Group  []userdb.GroupEntry
	// PasswdReadable is true when /etc/passwd was read or is known to be
	// absent (a uid missing from an absent file resolves to gid 0, as the
	// runtime does). False when it could not be read: the gid is unknown.
	PasswdReadable bool
	// GroupReadable is the same for /etc/group.
	GroupReadable bool
}

// Input is everything a resolution needs.
type Input struct {
	Workload  *manifest.Workload
	Container string // name; "" for the only container
	Profile   *Profile
	Image     Image
	// LastCap is /proc/sys/kernel/cap_last_cap, the size of "all
	// capabilities".
	LastCap int
	// Node is what the user knows of the node's configuration.
	Node Node
}

// resolution carries the merged inputs through the rules.
type resolution struct {
	in   *Input
	pod  *manifest.PodSecurityContext // never nil
	ctr  *manifest.Container
	sc   *manifest.SecurityContext // merged: container over pod; never nil
	exp  *Expected
	user *userdb.Account // the uid's passwd entry, if found
	// adds holds the individually added capabilities the runtime applies,
	// and addAll whether ALL was added (for the ambient rule).
	adds   caps.Set
	addAll bool
}

// rule is one step of what the kubelet and the runtime do to a declared
// securityContext; rules run in order and record themselves in Expected.Rules.
type rule func(r *resolution)

// rules is the resolver: read it as the list of rules applied.
var rules = []rule{
	mergeContainerOverPod,
	resolveUser,
	resolvePrimaryGroup,
	resolveRunAsNonRoot,
	resolveSupplementalGroups,
	resolveCapabilities,
	resolvePrivileged,
	resolveAmbient,
	resolveNoNewPrivs,
	resolveReadOnlyRoot,
	resolveMaskedPaths,
	resolveSeccomp,
	resolveAppArmor,
	resolveSELinux,
	resolveSysctls,
	resolveHostUsers,
	resolveUnknownFields,
	addPlatformHints,
}

// Resolve derives the expected effective state of one container.
func Resolve(in Input) (*Expected, error) {
	if in.Profile == nil {
		p, err := LookupProfile("")
		if err != nil {
			return nil, err
		}
		in.Profile = p
	}
	ctr, kind, err := in.Workload.FindContainer(in.Container)
	if err != nil {
		return nil, err
	}
	r := &resolution{in: &in, ctr: ctr, pod: in.Workload.Spec.SecurityContext}
	if r.pod == nil {
		r.pod = &manifest.PodSecurityContext{}
	}
	r.exp = &Expected{
		Profile:       in.Profile.Name,
		Workload:      in.Workload.ID(),
		Namespace:     in.Workload.Namespace,
		Container:     ctr.Name,
		ContainerKind: kind,
		Node:          in.Node,
	}
	for _, apply := range rules {
		apply(r)
	}
	return r.exp, nil
}

// resolveUnknownFields: a securityContext field this build does not know
// (manifest.UnknownField) is not dropped by a newer API server, which
// knows it, and its kubelet and runtime apply it (the API server drops
// only the fields it does not know itself, with a warning: field
// validation "Warn", the default since Kubernetes 1.27, KEP-2885). Its
// effect cannot be derived, so it is listed, for the unknownField check.
func resolveUnknownFields(r *resolution) {
	for _, u := range r.in.Workload.UnknownFieldsOf(r.ctr.Name) {
		r.exp.UnknownFields = append(r.exp.UnknownFields, u.Path)
		r.note("%s: not known to secctx %s, its effect not derived", u.Path, manifest.Version)
	}
}

func (r *resolution) note(format string, args ...interface{}) {
	r.exp.Rules = append(r.exp.Rules, fmt.Sprintf(format, args...))
}

// mergeContainerOverPod: container fields override pod fields for the fields
// both levels have (DetermineEffectiveSecurityContext); capabilities,
// privileged, readOnlyRootFilesystem, allowPrivilegeEscalation and procMount
// exist only on the container.
func mergeContainerOverPod(r *resolution) {
	m := manifest.SecurityContext{}
	if c := r.ctr.SecurityContext; c != nil {
		m = *c
	}
	p := r.pod
	if m.SELinuxOptions == nil {
		m.SELinuxOptions = p.SELinuxOptions
	}
	if m.RunAsUser == nil {
		m.RunAsUser = p.RunAsUser
	}
	if m.RunAsGroup == nil {
		m.RunAsGroup = p.RunAsGroup
	}
	if m.RunAsNonRoot == nil {
		m.RunAsNonRoot = p.RunAsNonRoot
	}
	if m.SeccompProfile == nil {
		m.SeccompProfile = p.SeccompProfile
	}
	if m.AppArmorProfile == nil {
		m.AppArmorProfile = p.AppArmorProfile
	}
	r.sc = &m
	r.note("container securityContext merged over pod securityContext")
}

// addPlatformHints adds the profile's per-check platform rules to the
// hints the rules before it found.
func addPlatformHints(r *resolution) {
	for k, v := range r.in.Profile.Hints {
		r.hint(k, v)
	}
}

// hint appends a rule that bears on a check's findings.
func (r *resolution) hint(id check.ID, text string) {
	if r.exp.Hints == nil {
		r.exp.Hints = map[check.ID]string{}
	}
	if h := r.exp.Hints[id]; h != "" {
		text = h + " " + text
	}
	r.exp.Hints[id] = text
}

func containsAll(list []string) bool {
	for _, v := range list {
		if manifest.IsAll(v) {
			return true
		}
	}
	return false
}
