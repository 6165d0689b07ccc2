package expect

import (
	"encoding/json"
	"fmt"
	"github.com/secctx/secctx/check"
	"sort"
	"strings"

	"github.com/secctx/secctx/caps"
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
}

// resolution carries the merged inputs through the rules.
type resolution struct {
	in   *Input
	pod  *manifest.PodSecurityContext // never nil
	ctr  *manifest.Container
	sc   *manifest.SecurityContext // merged: container over pod; never nil
	exp  *Expected
	user *userdb.Account // the uid's passwd entry, if found
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
	resolveNoNewPrivs,
	resolveReadOnlyRoot,
	resolveMaskedPaths,
	resolveSeccomp,
	resolveAppArmor,
	resolveSELinux,
	resolveSysctls,
	resolveHostUsers,
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
	}
	for _, apply := range rules {
		apply(r)
	}
	return r.exp, nil
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

// resolveUser: runAsUser decides the uid; without it the image's USER does,
// which cannot be known from the manifest. podman turns a lone runAsGroup
// into "0:gid".
func resolveUser(r *resolution) {
	switch {
	case r.sc.RunAsUser != nil:
		uid := *r.sc.RunAsUser
		r.exp.UID = &uid
		r.note("uid %d from runAsUser", uid)
	case r.sc.RunAsGroup != nil && r.in.Profile.LoneRunAsGroup == RootWithGroup:
		uid := int64(0)
		r.exp.UID = &uid
		r.note("uid 0: %s turns runAsGroup without runAsUser into user 0:gid", r.in.Profile.Name)
	default:
		r.note("uid not declared: the image's USER applies")
	}
	if r.exp.UID != nil {
		if a, ok := userdb.LookupUID(r.in.Image.Passwd, *r.exp.UID); ok {
			r.user = &a
		}
	}
}

// resolvePrimaryGroup: runAsGroup decides the gid; otherwise the runtime
// looks the uid up in the image's /etc/passwd and uses its gid, or 0 when
// the uid is not listed (containerd WithUserID; kubernetes#93666).
func resolvePrimaryGroup(r *resolution) {
	e := r.exp
	switch {
	case r.sc.RunAsGroup != nil:
		gid := *r.sc.RunAsGroup
		e.GID, e.GIDSource = &gid, GIDFromRunAsGroup
	case e.UID == nil:
		e.GIDSource = GIDImageUser
	case r.user != nil:
		gid := r.user.GID
		e.GID, e.GIDSource, e.GIDAccount = &gid, GIDFromPasswd, r.user.Name
	case r.in.Image.PasswdReadable:
		gid := int64(0)
		e.GID, e.GIDSource = &gid, GIDNotInPasswd
	default:
		e.GIDSource = GIDPasswdUnreadable
	}
	r.note("%s", e.GIDDerivation())
}

// resolveRunAsNonRoot: runAsNonRoot is enforced by the kubelet, which
// refuses to start a container whose user is (or may be) root.
func resolveRunAsNonRoot(r *resolution) {
	r.exp.RunAsNonRoot = r.sc.RunAsNonRoot != nil && *r.sc.RunAsNonRoot
	if r.exp.RunAsNonRoot {
		r.note("runAsNonRoot: the process must not run as uid 0")
	}
}

// resolveSupplementalGroups: the kubelet sends fsGroup and the pod's
// supplementalGroups; the runtime prepends the primary gid and, under the
// Merge policy, the groups /etc/group lists the user in (kubernetes#112879).
func resolveSupplementalGroups(r *resolution) {
	e := r.exp
	e.SupplementalGroups = append([]int64(nil), r.pod.SupplementalGroups...)
	if r.pod.FSGroup != nil {
		g := *r.pod.FSGroup
		e.FSGroup = &g
	}
	e.GroupsPolicy = "Merge"
	if p := r.pod.SupplementalGroupsPolicy; p != nil {
		e.GroupsPolicy = *p
	}
	allowed := map[int64]bool{}
	if e.GID != nil {
		allowed[*e.GID] = true
	}
	if e.GroupsPolicy == "Merge" {
		switch {
		case e.UID == nil || !r.in.Image.PasswdReadable || !r.in.Image.GroupReadable:
			e.ImageGroupsUnknown = true
			r.note("Merge policy: the image's group memberships are unknown, extra groups are tolerated")
		case r.user != nil:
			// containerd's WithAdditionalGIDs skips the group named after
			// the user: "we only want supplemental groups".
			for _, g := range r.in.Image.Group {
				if g.Name != r.user.Name && containsString(g.Members, r.user.Name) {
					allowed[g.GID] = true
				}
			}
			r.note("Merge policy: groups /etc/group lists %q in are allowed", r.user.Name)
		}
	} else {
		r.note("Strict policy: only the primary gid, fsGroup and supplementalGroups")
	}
	for g := range allowed {
		e.AllowedGroups = append(e.AllowedGroups, g)
	}
	sort.Slice(e.AllowedGroups, func(i, j int) bool { return e.AllowedGroups[i] < e.AllowedGroups[j] })
}

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

// resolveSeccomp: container profile, else pod profile, else (podman only)
// the legacy annotations, else the profile's default; privileged containers
// run unconfined.
func resolveSeccomp(r *resolution) {
	s := Seccomp{}
	switch {
	case r.exp.Privileged:
		s = Seccomp{Type: "Unconfined", Source: Source{Kind: FromPrivileged}}
	case r.ctr.SecurityContext != nil && r.ctr.SecurityContext.SeccompProfile != nil:
		s = seccompFrom(r.ctr.SecurityContext.SeccompProfile, Source{Kind: FromContainer})
	case r.pod.SeccompProfile != nil:
		s = seccompFrom(r.pod.SeccompProfile, Source{Kind: FromPod})
	default:
		if p, ok := r.legacySeccompAnnotation(); ok {
			s = p
		} else {
			s = Seccomp{Type: r.in.Profile.DefaultSeccomp, Source: Source{Kind: FromRuntime}}
		}
	}
	s.Mode = 2
	if s.Type == "Unconfined" {
		s.Mode = 0
	}
	r.exp.Seccomp = s
	r.note("seccomp %s from %s: Seccomp mode %d", s.Type, s.Source, s.Mode)
}

func seccompFrom(p *manifest.SeccompProfile, source Source) Seccomp {
	s := Seccomp{Type: p.Type, Source: source}
	if p.LocalhostProfile != nil {
		s.LocalhostProfile = *p.LocalhostProfile
	}
	return s
}

func (r *resolution) legacySeccompAnnotation() (Seccomp, bool) {
	if !r.in.Profile.LegacySeccompAnnotations {
		return Seccomp{}, false
	}
	a := r.in.Workload.Annotations
	for _, key := range []string{"container.seccomp.security.alpha.kubernetes.io/" + r.ctr.Name, "seccomp.security.alpha.kubernetes.io/pod"} {
		v, ok := a[key]
		if !ok {
			continue
		}
		src := Source{Kind: FromAnnotation, Annotation: key}
		switch {
		case v == "unconfined":
			return Seccomp{Type: "Unconfined", Source: src}, true
		case strings.HasPrefix(v, "localhost/"):
			return Seccomp{Type: "Localhost", LocalhostProfile: strings.TrimPrefix(v, "localhost/"), Source: src}, true
		default:
			return Seccomp{Type: "RuntimeDefault", Source: src}, true
		}
	}
	return Seccomp{}, false
}

// resolveAppArmor: container field, else pod field, else the beta
// annotation, else the runtime's default profile (the kubelet sends nothing
// and the runtime applies its own). Privileged containers skip the default
// but a Localhost profile still applies (containerd).
func resolveAppArmor(r *resolution) {
	var p *manifest.AppArmorProfile
	var src Source
	key := "container.apparmor.security.beta.kubernetes.io/" + r.ctr.Name
	annotation, hasAnnotation := r.in.Workload.Annotations[key]
	// The kubelet's order (GetProfile): the container field, then the
	// container's annotation (static pods may not have had it synced to
	// the field), then the pod field.
	switch {
	case r.ctr.SecurityContext != nil && r.ctr.SecurityContext.AppArmorProfile != nil:
		p, src = r.ctr.SecurityContext.AppArmorProfile, Source{Kind: FromContainer}
	case hasAnnotation:
		src = Source{Kind: FromAnnotation, Annotation: key}
		switch {
		case annotation == "unconfined":
			p = &manifest.AppArmorProfile{Type: "Unconfined"}
		case strings.HasPrefix(annotation, "localhost/"):
			name := strings.TrimPrefix(annotation, "localhost/")
			p = &manifest.AppArmorProfile{Type: "Localhost", LocalhostProfile: &name}
		default:
			p = &manifest.AppArmorProfile{Type: "RuntimeDefault"}
		}
	case r.pod.AppArmorProfile != nil:
		p, src = r.pod.AppArmorProfile, Source{Kind: FromPod}
	}
	a := AppArmor{Type: "RuntimeDefault", Source: Source{Kind: FromRuntime}}
	if p != nil {
		a = AppArmor{Type: p.Type, Declared: true, Source: src}
	}
	switch a.Type {
	case "Localhost":
		a.Profile = *p.LocalhostProfile
	case "Unconfined":
		a.Profile = "unconfined"
	default:
		if r.exp.Privileged {
			a = AppArmor{Type: "Unconfined", Profile: "unconfined", Declared: a.Declared, Source: Source{Kind: FromPrivileged}}
		} else {
			a.Profile = r.in.Profile.AppArmorDefault
			a.ProfilePrefix = r.in.Profile.AppArmorPrefix
		}
	}
	r.exp.AppArmor = a
}

// resolveSELinux: the container's seLinuxOptions, else the pod's.
func resolveSELinux(r *resolution) {
	if o := r.sc.SELinuxOptions; o != nil && (*o != manifest.SELinuxOptions{}) {
		c := *o
		r.exp.SELinux = &c
	}
}

// resolveSysctls: the pod's sysctls, set on the sandbox and seen through
// the shared namespaces, plus what the runtime injects (containerd enables
// unprivileged ports and ICMP in non-host-network pods) and, on ECI, the
// host sysctls annotation. A declared value overrides an injected one.
func resolveSysctls(r *resolution) {
	byName := map[string]ExpectedSysctl{}
	var order []string
	put := func(name, value string, source Source) {
		n := manifest.NormalizeSysctlName(name)
		if _, ok := byName[n]; !ok {
			order = append(order, n)
		}
		byName[n] = ExpectedSysctl{Name: n, Value: manifest.NormalizeSysctlValue(value), Source: source}
	}
	if r.in.Profile.InjectsUnprivilegedSysctls && !r.in.Workload.Spec.HostNetwork {
		put("net.ipv4.ip_unprivileged_port_start", "0", Source{Kind: FromRuntime})
		if hu := r.in.Workload.Spec.HostUsers; hu == nil || *hu {
			put("net.ipv4.ping_group_range", "0 2147483647", Source{Kind: FromRuntime})
		}
		r.note("%s injects unprivileged-port and ICMP sysctls in a non-host-network pod", r.in.Profile.Name)
	}
	if !r.in.Workload.Spec.HostNetwork {
		for _, s := range r.in.Profile.DefaultSysctls {
			put(s.Name, s.Value, Source{Kind: FromRuntime})
		}
	}
	for _, s := range r.pod.Sysctls {
		put(s.Name, s.Value, Source{Kind: FromPod})
	}
	if key := r.in.Profile.HostSysctlsAnnotation; key != "" {
		if v, ok := r.in.Workload.Annotations[key]; ok {
			var list []manifest.Sysctl
			if err := json.Unmarshal([]byte(v), &list); err != nil {
				r.note("annotation %s is not a JSON list of {name, value}: ignored", key)
			} else {
				for _, s := range list {
					if s.Name != "" {
						put(s.Name, s.Value, Source{Kind: FromAnnotation, Annotation: key})
					}
				}
			}
		}
	}
	for _, n := range order {
		r.exp.Sysctls = append(r.exp.Sysctls, byName[n])
	}
}

// resolveHostUsers: hostUsers false asks for a user namespace of the pod's
// own; unset or true keeps the host's.
func resolveHostUsers(r *resolution) {
	hu := r.in.Workload.Spec.HostUsers
	r.exp.HostUsers = hu == nil || *hu
	if !r.exp.HostUsers {
		r.note("hostUsers false: a user namespace with a non-identity uid_map")
	}
}

// addPlatformHints copies the profile's per-check platform rules.
func addPlatformHints(r *resolution) {
	if len(r.in.Profile.Hints) == 0 {
		return
	}
	r.exp.Hints = make(map[check.ID]string, len(r.in.Profile.Hints))
	for k, v := range r.in.Profile.Hints {
		r.exp.Hints[k] = v
	}
}

func containsAll(list []string) bool {
	for _, v := range list {
		if manifest.IsAll(v) {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
