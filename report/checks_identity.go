package report

import (
	"fmt"
	"github.com/secctx/secctx/check"
	"sort"
	"strconv"

	"github.com/secctx/secctx/probe"
)

// identityChecks are the identity checks: uid, primary gid, non-root, supplementary groups and fsGroup.
var identityChecks = []Check{
	{ID: check.RunAsUser, Reads: []probe.Item{probe.ItemIDs},
		Expectation: "container runAsUser, else pod runAsUser; unset means the image's USER (skipped)",
		Comparison:  "real, effective, saved and filesystem uid all equal the expected uid",
		run:         checkRunAsUser},
	{ID: check.RunAsGroup, Reads: []probe.Item{probe.ItemIDs},
		Expectation: "runAsGroup, else the uid's gid in the image's /etc/passwd, else 0",
		Comparison:  "real, effective, saved and filesystem gid all equal the expected gid",
		run:         checkRunAsGroup},
	{ID: check.RunAsNonRoot, Reads: []probe.Item{probe.ItemIDs},
		Expectation: "runAsNonRoot true at container or pod level",
		Comparison:  "no uid of the process is 0",
		run:         checkRunAsNonRoot},
	{ID: check.SupplementalGroups, Reads: []probe.Item{probe.ItemGroups, probe.ItemIDs},
		Expectation: "pod supplementalGroups must be present; the primary gid and, under Merge, the image's /etc/group memberships may be",
		Comparison:  "declared groups are a subset of Groups; Groups hold nothing else allowed",
		run:         checkSupplementalGroups},
	{ID: check.FSGroup, Reads: []probe.Item{probe.ItemGroups, probe.ItemIDs},
		Expectation: "pod fsGroup is added to the supplementary groups",
		Comparison:  "fsGroup is in Groups (or is the primary gid)",
		run:         checkFSGroup},
}

func fmtIDs(ids probe.IDs) string {
	if ids.All(ids.Real) {
		return strconv.FormatInt(ids.Real, 10)
	}
	return fmt.Sprintf("real %d, effective %d, saved %d, fs %d", ids.Real, ids.Effective, ids.Saved, ids.FS)
}

func checkRunAsUser(c *comparison) []Finding {
	if c.exp.UID == nil {
		return []Finding{c.skipped("", nil, "No runAsUser is declared, so the image's USER decides the uid (observed %s).", fmtIDs(c.obs.UID))}
	}
	want := *c.exp.UID
	if c.obs.UID.All(want) {
		return []Finding{c.ok("", want, fmtIDs(c.obs.UID), "The process runs as uid %d, as declared.", want)}
	}
	sev := SeverityHigh
	if u := c.obs.UID; u.Real == 0 || u.Effective == 0 || u.Saved == 0 || u.FS == 0 {
		sev = SeverityCritical // a saved uid 0 can seteuid(0) at will
	}
	return []Finding{c.drift("", sev, want, fmtIDs(c.obs.UID),
		"runAsUser declares uid %d but the process runs as uid %s, so file access and privileges follow another user.", want, fmtIDs(c.obs.UID))}
}

func checkRunAsGroup(c *comparison) []Finding {
	if c.exp.GID == nil {
		return []Finding{c.skipped("", nil, "The primary gid cannot be derived (%s); observed %s.", c.exp.GIDDerivation(), fmtIDs(c.obs.GID))}
	}
	want := *c.exp.GID
	if c.obs.GID.All(want) {
		return []Finding{c.ok("", want, fmtIDs(c.obs.GID), "The process runs with primary gid %d (%s).", want, c.exp.GIDDerivation())}
	}
	sev := SeverityMedium
	if c.obs.GID.Effective == 0 {
		sev = SeverityHigh
	}
	return []Finding{c.drift("", sev, want, fmtIDs(c.obs.GID),
		"The expected primary gid is %d (%s) but the process runs with gid %s, which owns what it creates and opens group-readable files.", want, c.exp.GIDDerivation(), fmtIDs(c.obs.GID))}
}

func checkRunAsNonRoot(c *comparison) []Finding {
	if !c.exp.RunAsNonRoot {
		return []Finding{c.skipped("", false, "runAsNonRoot is not declared.")}
	}
	u := c.obs.UID
	if u.Real != 0 && u.Effective != 0 && u.Saved != 0 && u.FS != 0 {
		return []Finding{c.ok("", "non-root", fmtIDs(u), "The process runs as non-root uid %s, as runAsNonRoot requires.", fmtIDs(u))}
	}
	return []Finding{c.drift("", SeverityCritical, "non-root", fmtIDs(u),
		"runAsNonRoot is declared but the process runs with uid %s (root), so the kubelet's non-root guarantee does not hold.", fmtIDs(u))}
}

func groupSet(gs []int64) map[int64]bool {
	m := make(map[int64]bool, len(gs))
	for _, g := range gs {
		m[g] = true
	}
	return m
}

func sortedKeys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for g := range m {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func checkSupplementalGroups(c *comparison) []Finding {
	have := groupSet(c.obs.Groups)
	var missing []int64
	for _, g := range c.exp.SupplementalGroups {
		if !have[g] {
			missing = append(missing, g)
		}
	}
	allowed := groupSet(c.exp.SupplementalGroups)
	for _, g := range c.exp.AllowedGroups {
		allowed[g] = true
	}
	if c.exp.FSGroup != nil {
		allowed[*c.exp.FSGroup] = true
	}
	var extra []int64
	if !c.exp.ImageGroupsUnknown {
		for _, g := range c.obs.Groups {
			// The runtime puts the primary gid in the list; whether that
			// gid is right is runAsGroup's to say, not this check's.
			if !allowed[g] && g != c.obs.GID.Effective {
				extra = append(extra, g)
			}
		}
	}
	observed := c.obs.Groups
	if observed == nil {
		observed = []int64{}
	}
	expected := map[string]any{"required": nonNil(c.exp.SupplementalGroups), "policy": c.exp.GroupsPolicy}
	if !c.exp.ImageGroupsUnknown {
		expected["allowed"] = sortedKeys(allowed)
	}
	var out []Finding
	if len(missing) > 0 {
		out = append(out, c.drift("", SeverityMedium, expected, observed,
			"supplementalGroups declares %v but the process lacks %v, so files shared through those groups are out of reach.", c.exp.SupplementalGroups, missing))
	}
	if len(extra) > 0 {
		out = append(out, c.drift("", SeverityHigh, expected, observed,
			"The process holds groups %v that neither the spec nor the %s policy accounts for, which grant access the pod did not declare (kubernetes#112879).", extra, c.exp.GroupsPolicy))
	}
	if len(out) > 0 {
		return out
	}
	if len(c.exp.SupplementalGroups) == 0 && c.exp.ImageGroupsUnknown {
		return []Finding{c.skipped("", expected, "No supplementalGroups are declared and the image's group memberships are unknown (observed %v).", observed)}
	}
	return []Finding{c.ok("", expected, observed, "The supplementary groups %v match the declared %v under the %s policy.", observed, nonNil(c.exp.SupplementalGroups), c.exp.GroupsPolicy)}
}

func nonNil(gs []int64) []int64 {
	if gs == nil {
		return []int64{}
	}
	return gs
}

func checkFSGroup(c *comparison) []Finding {
	if c.exp.FSGroup == nil {
		return []Finding{c.skipped("", nil, "No fsGroup is declared.")}
	}
	g := *c.exp.FSGroup
	if groupSet(c.obs.Groups)[g] || c.obs.GID.Effective == g {
		return []Finding{c.ok("", g, nonNil(c.obs.Groups), "fsGroup %d is among the process's groups.", g)}
	}
	return []Finding{c.drift("", SeverityMedium, g, nonNil(c.obs.Groups),
		"fsGroup %d is declared but the process is not in that group, so volumes the kubelet hands to gid %d may be unreadable or unwritable.", g, g)}
}
