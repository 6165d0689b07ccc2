package expect

import (
	"slices"
	"sort"
	"strings"

	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/userdb"
)

// resolveUser: runAsUser decides the uid; without it the image's USER does,
// which cannot be known from the manifest (the kubelet sends the image's
// uid, or 0 for an image without USER: getImageUser). podman turns a lone
// runAsGroup into "0:gid".
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
	case r.in.Profile.Kubelet:
		r.note("uid not declared: the image's USER applies (the kubelet sends its uid, or 0 when the image has none)")
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
// the uid is not listed (containerd oci.WithUserID; kubernetes#93666).
// Without runAsUser the kubelet hands the runtime the image's uid alone:
// the runtime's image status drops the ":gid" of USER (containerd and
// CRI-O getUserFromImage), so the same lookup applies to the uid the
// process runs as (Expected.ImageUser). podman keeps USER as written,
// group included: not derivable there.
func resolvePrimaryGroup(r *resolution) {
	e := r.exp
	img := r.in.Image
	if e.UID == nil && r.in.Profile.Kubelet && img.PasswdReadable {
		// The uid the process runs as decides the /etc/passwd entry, for
		// the gid unless runAsGroup is declared, and for the Merge groups
		// (WithAdditionalGIDs takes the user alone) in any case.
		u := &ImageUser{Accounts: make([]ImageAccount, 0, len(img.Passwd))}
		for _, a := range img.Passwd {
			u.Accounts = append(u.Accounts, ImageAccount{Name: a.Name, UID: a.UID, GID: a.GID})
		}
		e.ImageUser = u
	}
	switch {
	case r.sc.RunAsGroup != nil:
		gid := *r.sc.RunAsGroup
		e.GID, e.GIDSource = &gid, GIDFromRunAsGroup
		if r.sc.RunAsUser == nil && r.pod.RunAsGroup != nil && r.in.Profile.Kubelet {
			// containerd sandbox_run_linux.go GenerateUserString("", nil, gid)
			r.note("pod-level runAsGroup without any runAsUser: containerd refuses the pod sandbox (\"user group is specified without user\")")
		}
	case e.UID != nil && r.user != nil:
		gid := r.user.GID
		e.GID, e.GIDSource, e.GIDAccount = &gid, GIDFromPasswd, r.user.Name
	case e.UID != nil && img.PasswdReadable:
		gid := int64(0)
		e.GID, e.GIDSource = &gid, GIDNotInPasswd
	case e.UID != nil:
		e.GIDSource = GIDPasswdUnreadable
	case !r.in.Profile.Kubelet:
		e.GIDSource = GIDImageUser
	case !img.PasswdReadable:
		e.GIDSource = GIDPasswdUnreadable
	default:
		e.GIDSource = GIDFromImageUser
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

// resolveSupplementalGroups: the kubelet sends fsGroup, the pod's
// supplementalGroups and the gids of the pod's PersistentVolumes
// (GetExtraSupplementalGroupsForPod); the runtime prepends the primary gid
// and, under the Merge policy, the groups /etc/group lists the user in
// (kubernetes#112879).
func resolveSupplementalGroups(r *resolution) {
	e := r.exp
	img := r.in.Image
	prof := r.in.Profile
	e.SupplementalGroups = append([]int64(nil), r.pod.SupplementalGroups...)
	if r.pod.FSGroup != nil {
		g := *r.pod.FSGroup
		e.FSGroup = &g
	}
	e.GroupsPolicy = manifest.SupplementalGroupsPolicyMerge
	if p := r.pod.SupplementalGroupsPolicy; p != nil {
		e.GroupsPolicy = *p
	}
	allowed := map[int64]bool{}
	if e.GID != nil {
		allowed[*e.GID] = true
	}
	if e.GroupsPolicy == manifest.SupplementalGroupsPolicyMerge {
		switch {
		case prof.MergeOnlyWithoutGroup && r.sc.RunAsGroup != nil:
			// libpod: "Look up and add groups the user belongs to, if a
			// group wasn't directly specified".
			r.note("Merge policy: %s adds no /etc/group memberships to a user given with a group (runAsGroup)", prof.Name)
		case e.ImageUser != nil && !img.GroupReadable:
			e.ImageGroupsUnknown = true
			r.note("Merge policy: the image's /etc/group could not be read, extra groups are tolerated")
		case e.ImageUser != nil:
			e.ImageUser.GroupsKnown = true
			for i := range e.ImageUser.Accounts {
				a := &e.ImageUser.Accounts[i]
				a.Groups = memberships(img.Group, a.Name, prof.MergeKeepsUserGroup)
			}
			r.note("Merge policy: the groups /etc/group lists the process's user in are allowed")
		case e.UID == nil || !img.PasswdReadable || !img.GroupReadable:
			e.ImageGroupsUnknown = true
			r.note("Merge policy: the image's group memberships are unknown, extra groups are tolerated")
		case r.user != nil:
			for _, g := range memberships(img.Group, r.user.Name, prof.MergeKeepsUserGroup) {
				allowed[g] = true
			}
			r.note("Merge policy: groups /etc/group lists %q in are allowed", r.user.Name)
		}
	} else {
		r.note("Strict policy: only the primary gid, fsGroup and supplementalGroups (containerd 2.0 and CRI-O 1.31 or later; elsewhere the kubelet refuses the pod: SupplementalGroupsPolicyNotSupported)")
	}
	if prof.Kubelet {
		if claims := claimVolumes(r); len(claims) > 0 {
			e.VolumeGroups = "the pod mounts persistent volume claims (" + strings.Join(claims, ", ") +
				"), and the kubelet adds the gid a PersistentVolume carries in its pv.beta.kubernetes.io/gid annotation"
			r.note("extra groups are legitimate: %s", e.VolumeGroups)
		}
	}
	for g := range allowed {
		e.AllowedGroups = append(e.AllowedGroups, g)
	}
	sort.Slice(e.AllowedGroups, func(i, j int) bool { return e.AllowedGroups[i] < e.AllowedGroups[j] })
}

// memberships returns the gids of the /etc/group entries listing user.
// containerd's WithAdditionalGIDs skips the group named after the user ("we
// only want supplemental groups"); runc's GetExecUser (CRI-O, docker) does
// not (keepOwn).
func memberships(groups []userdb.GroupEntry, user string, keepOwn bool) []int64 {
	var out []int64
	for _, g := range groups {
		if (keepOwn || g.Name != user) && slices.Contains(g.Members, user) {
			out = append(out, g.GID)
		}
	}
	return out
}

// claimVolumes names the pod's volumes backed by a PersistentVolume: a
// persistentVolumeClaim, or a generic ephemeral volume (a claim the pod
// owns).
func claimVolumes(r *resolution) []string {
	var out []string
	for _, v := range r.in.Workload.Spec.Volumes {
		if v.PersistentVolumeClaim != nil || v.Ephemeral != nil {
			out = append(out, v.Name)
		}
	}
	return out
}
