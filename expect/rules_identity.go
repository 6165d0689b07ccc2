package expect

import (
	"sort"

	"github.com/secctx/secctx/userdb"
)

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
	e.Rules = append(e.Rules, e.GIDDerivation())
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
