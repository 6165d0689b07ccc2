package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/probe"
)

// identityChecks are the identity checks: uid, primary gid, non-root, supplementary groups and fsGroup.
var identityChecks = []Check{
	{ID: check.RunAsUser, Reads: []probe.Item{probe.ItemIDs},
		Expectation: "container runAsUser, else pod runAsUser; unset means the image's USER (skipped)",
		Comparison:  "real, effective, saved and filesystem uid all equal the expected uid",
		Values:      ValuesIDs,
		Severities:  []Severity{SeverityCritical, SeverityHigh},
		run:         checkRunAsUser},
	{ID: check.RunAsGroup, Reads: []probe.Item{probe.ItemIDs},
		Expectation: "runAsGroup, else the gid of the uid's entry in the image's /etc/passwd, else 0; without runAsUser, the uid is the process's own (CRI runtimes drop the group of the image's USER)",
		Comparison:  "real, effective, saved and filesystem gid all equal the expected gid",
		Values:      ValuesIDs,
		Severities:  []Severity{SeverityHigh, SeverityMedium},
		run:         checkRunAsGroup},
	{ID: check.RunAsNonRoot, Reads: []probe.Item{probe.ItemIDs},
		Expectation: "runAsNonRoot true at container or pod level",
		Comparison:  "no uid of the process is 0",
		Values:      ValuesIDs,
		Severities:  []Severity{SeverityCritical},
		run:         checkRunAsNonRoot},
	{ID: check.SupplementalGroups, Reads: []probe.Item{probe.ItemGroups, probe.ItemIDs},
		Expectation: "pod supplementalGroups must be present; the primary gid and, under Merge, the image's /etc/group memberships may be; with persistent volume claims, volume gids may be",
		Comparison:  "declared groups are a subset of Groups; Groups hold nothing else allowed",
		Values:      ValuesGroups | ValuesOutcomes,
		Severities:  []Severity{SeverityHigh, SeverityMedium},
		run:         checkSupplementalGroups},
	{ID: check.FSGroup, Reads: []probe.Item{probe.ItemGroups, probe.ItemIDs},
		Expectation: "pod fsGroup is added to the supplementary groups",
		Comparison:  "fsGroup is in Groups (or is the primary gid)",
		Values:      ValuesGroups,
		Severities:  []Severity{SeverityMedium},
		run:         checkFSGroup},
}

// fmtIDs renders ids for messages.
func fmtIDs(ids probe.IDs) string {
	if ids.All(ids.Real) {
		return renderInt(ids.Real)
	}
	return fmt.Sprintf("real %d, effective %d, saved %d, fs %d", ids.Real, ids.Effective, ids.Saved, ids.FS)
}

func idValues(expected []int64, observed probe.IDs) *IDValues {
	if expected == nil {
		expected = []int64{}
	}
	return &IDValues{Expected: expected, Observed: &observed}
}

func checkRunAsUser(c *comparison) []Finding {
	if c.exp.UID == nil {
		c.ids = idValues(nil, c.obs.UID)
		return []Finding{c.skipped("", "", "No runAsUser is declared, so the image's USER decides the uid (observed %s).", fmtIDs(c.obs.UID))}
	}
	want := *c.exp.UID
	c.ids = idValues([]int64{want}, c.obs.UID)
	if c.obs.UID.All(want) {
		return []Finding{c.ok("", renderInt(want), renderIDs(c.obs.UID), "The process runs as uid %d, as declared.", want)}
	}
	sev := SeverityHigh
	if u := c.obs.UID; u.Real == 0 || u.Effective == 0 || u.Saved == 0 || u.FS == 0 {
		sev = SeverityCritical // a saved uid 0 can seteuid(0) at will
	}
	return []Finding{c.drift("", sev, renderInt(want), renderIDs(c.obs.UID),
		"runAsUser declares uid %d but the process runs as uid %s, so file access and privileges follow another user.", want, fmtIDs(c.obs.UID))}
}

// expectedGIDs returns the legitimate primary gids and how they were
// derived, or ok false when they cannot be.
func expectedGIDs(c *comparison) (gids []int64, derivation string, ok bool) {
	e := c.exp
	switch {
	case e.GID != nil:
		return []int64{*e.GID}, e.GIDDerivation(), true
	case e.ImageUser != nil:
		uid := c.obs.UID.Real
		gids, _, accounts := e.ImageUser.For(uid)
		const why = "without runAsUser the runtime runs the image's uid with that entry's gid, else 0, not the group of the image's USER"
		if len(accounts) == 0 {
			return gids, fmt.Sprintf("gid 0: the process's uid %d is not in the image's /etc/passwd; %s", uid, why), true
		}
		names := make([]string, len(accounts))
		for i, a := range accounts {
			names[i] = fmt.Sprintf("%q", a.Name)
		}
		return gids, fmt.Sprintf("gid %s: the process's uid %d is %s in the image's /etc/passwd; %s",
			joinInts(gids, " or "), uid, strings.Join(names, " or "), why), true
	}
	return nil, e.GIDDerivation(), false
}

func joinInts(vs []int64, sep string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = renderInt(v)
	}
	return strings.Join(parts, sep)
}

func checkRunAsGroup(c *comparison) []Finding {
	gids, derivation, known := expectedGIDs(c)
	c.ids = idValues(gids, c.obs.GID)
	if !known {
		return []Finding{c.skipped("", "", "The primary gid cannot be derived (%s); observed %s.", derivation, fmtIDs(c.obs.GID))}
	}
	want := make([]string, len(gids))
	for i, g := range gids {
		want[i] = renderInt(g)
	}
	for _, g := range gids {
		if c.obs.GID.All(g) {
			return []Finding{c.ok("", renderAlternatives(want), renderIDs(c.obs.GID), "The process runs with primary gid %d (%s).", g, derivation)}
		}
	}
	sev := SeverityMedium
	if c.obs.GID.Effective == 0 {
		sev = SeverityHigh
	}
	return []Finding{c.drift("", sev, renderAlternatives(want), renderIDs(c.obs.GID),
		"The expected primary gid is %s (%s) but the process runs with gid %s, which owns what it creates and opens group-readable files.", joinInts(gids, " or "), derivation, fmtIDs(c.obs.GID))}
}

func checkRunAsNonRoot(c *comparison) []Finding {
	u := c.obs.UID
	c.ids = idValues(nil, u)
	if !c.exp.RunAsNonRoot {
		return []Finding{c.skipped("", "", "runAsNonRoot is not declared.")}
	}
	if u.Real != 0 && u.Effective != 0 && u.Saved != 0 && u.FS != 0 {
		return []Finding{c.ok("", "non-root", renderIDs(u), "The process runs as non-root uid %s, as runAsNonRoot requires.", fmtIDs(u))}
	}
	return []Finding{c.drift("", SeverityCritical, "non-root", renderIDs(u),
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

// Outcomes of a pod with persistent volume claims: whether the kubelet
// added volume gids cannot be known from the manifest.
const (
	noVolumeGIDs = "no volume gids"
	volumeGIDs   = "volume gids"
)

func checkSupplementalGroups(c *comparison) []Finding {
	e := c.exp
	have := groupSet(c.obs.Groups)
	var missing []int64
	for _, g := range e.SupplementalGroups {
		if !have[g] {
			missing = append(missing, g)
		}
	}
	allowed := groupSet(e.SupplementalGroups)
	for _, g := range e.AllowedGroups {
		allowed[g] = true
	}
	if e.FSGroup != nil {
		allowed[*e.FSGroup] = true
	}
	unknownImage := e.ImageGroupsUnknown
	if u := e.ImageUser; u != nil {
		gids, groups, _ := u.For(c.obs.UID.Real)
		if e.GID != nil { // runAsGroup decides the primary gid
			gids = nil
		}
		for _, g := range append(gids, groups...) {
			allowed[g] = true
		}
	}
	var extra []int64
	if !unknownImage {
		for _, g := range c.obs.Groups {
			// The runtime puts the primary gid in the list; whether that
			// gid is right is runAsGroup's to say, not this check's.
			if !allowed[g] && g != c.obs.GID.Effective {
				extra = append(extra, g)
			}
		}
	}
	observed := nonNil(c.obs.Groups)
	c.groups = &GroupValues{Required: nonNil(e.SupplementalGroups), Allowed: sortedKeys(allowed),
		ExtraAllowed: unknownImage || e.VolumeGroups != "", Policy: e.GroupsPolicy, Observed: observed}
	expected := renderInts(c.groups.Allowed)
	if unknownImage {
		expected += " + image groups"
	}
	if e.VolumeGroups != "" {
		expected += " + " + volumeGIDs
		c.outcomes = &Outcomes{Legitimate: []Outcome{
			{Value: noVolumeGIDs, When: "the pod's PersistentVolumes carry no pv.beta.kubernetes.io/gid annotation"},
			{Value: volumeGIDs, When: e.VolumeGroups},
		}}
		seen := c.outcomes.Legitimate[0]
		if len(extra) > 0 {
			seen = c.outcomes.Legitimate[1]
		}
		c.outcomes.Seen = &seen
	}
	var out []Finding
	if len(missing) > 0 {
		out = append(out, c.drift("", SeverityMedium, expected, renderInts(observed),
			"supplementalGroups declares %v but the process lacks %v, so files shared through those groups are out of reach.", e.SupplementalGroups, missing))
	}
	switch {
	case len(extra) > 0 && e.VolumeGroups != "":
		if len(out) == 0 {
			out = append(out, c.ok("", expected, renderInts(observed),
				"The process holds groups %v beyond the spec and the %s policy, a legitimate outcome only as the gids of its PersistentVolumes: %s.", extra, e.GroupsPolicy, e.VolumeGroups))
		}
	case len(extra) > 0:
		out = append(out, c.drift("", SeverityHigh, expected, renderInts(observed),
			"The process holds groups %v that neither the spec nor the %s policy accounts for, which grant access the pod did not declare (kubernetes#112879).", extra, e.GroupsPolicy))
	}
	if len(out) > 0 {
		return out
	}
	if len(e.SupplementalGroups) == 0 && unknownImage {
		return []Finding{c.skipped("", expected, "No supplementalGroups are declared and the image's group memberships are unknown (observed %v).", observed)}
	}
	return []Finding{c.ok("", expected, renderInts(observed), "The supplementary groups %v match the declared %v under the %s policy%s.", observed, nonNil(e.SupplementalGroups), e.GroupsPolicy, volumeNote(e))}
}

func volumeNote(e *expect.Expected) string {
	if e.VolumeGroups == "" {
		return ""
	}
	return "; no volume gid was added (" + e.VolumeGroups + ")"
}

func nonNil(gs []int64) []int64 {
	if gs == nil {
		return []int64{}
	}
	return gs
}

func checkFSGroup(c *comparison) []Finding {
	observed := nonNil(c.obs.Groups)
	if c.exp.FSGroup == nil {
		c.groups = &GroupValues{Required: []int64{}, Allowed: []int64{}, Observed: observed}
		return []Finding{c.skipped("", "", "No fsGroup is declared.")}
	}
	g := *c.exp.FSGroup
	c.groups = &GroupValues{Required: []int64{g}, Allowed: []int64{g}, Observed: observed}
	if slices.Contains(c.obs.Groups, g) || c.obs.GID.Effective == g {
		return []Finding{c.ok("", renderInt(g), renderInts(observed), "fsGroup %d is among the process's groups.", g)}
	}
	return []Finding{c.drift("", SeverityMedium, renderInt(g), renderInts(observed),
		"fsGroup %d is declared but the process is not in that group, so volumes the kubelet hands to gid %d may be unreadable or unwritable.", g, g)}
}
