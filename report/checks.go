package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
)

// Check is one entry of the registry: a stable id, what it reads, how the
// expectation is derived, how it compares, and the comparison itself.
type Check struct {
	// ID is the stable check id other tools parse; never rename one.
	ID string
	// Reads lists the probe items the check needs; if one is unread the
	// check reports unknown with the reason instead of comparing.
	Reads []string
	// Expectation says how the expected value is derived.
	Expectation string
	// Comparison says how observed and expected are compared.
	Comparison string
	// Scope says what the observation is shared by: each process, every
	// process of a container, or the whole pod. A watcher verifying many
	// processes runs container checks once per container and pod checks
	// once per pod.
	Scope Scope
	run   func(c *comparison) []Finding
}

// Scope is what an observed item is shared by.
type Scope int

// Scopes.
const (
	ScopeProcess Scope = iota
	ScopeContainer
	ScopePod
)

func (s Scope) String() string {
	return [...]string{"process", "container", "pod"}[s]
}

// Checks is the registry, in report order.
var Checks = []Check{
	{ID: "runAsUser", Reads: []string{probe.ItemIDs},
		Expectation: "container runAsUser, else pod runAsUser; unset means the image's USER (skipped)",
		Comparison:  "real, effective, saved and filesystem uid all equal the expected uid",
		run:         checkRunAsUser},
	{ID: "runAsGroup", Reads: []string{probe.ItemIDs},
		Expectation: "runAsGroup, else the uid's gid in the image's /etc/passwd, else 0",
		Comparison:  "real, effective, saved and filesystem gid all equal the expected gid",
		run:         checkRunAsGroup},
	{ID: "runAsNonRoot", Reads: []string{probe.ItemIDs},
		Expectation: "runAsNonRoot true at container or pod level",
		Comparison:  "no uid of the process is 0",
		run:         checkRunAsNonRoot},
	{ID: "supplementalGroups", Reads: []string{probe.ItemGroups, probe.ItemIDs},
		Expectation: "pod supplementalGroups must be present; the primary gid and, under Merge, the image's /etc/group memberships may be",
		Comparison:  "declared groups are a subset of Groups; Groups hold nothing else allowed",
		run:         checkSupplementalGroups},
	{ID: "fsGroup", Reads: []string{probe.ItemGroups, probe.ItemIDs},
		Expectation: "pod fsGroup is added to the supplementary groups",
		Comparison:  "fsGroup is in Groups (or is the primary gid)",
		run:         checkFSGroup},
	{ID: "capabilities.bounding", Reads: []string{probe.ItemCaps},
		Expectation: "runtime default set, add ALL, drop ALL, adds, then drops; privileged: every capability",
		Comparison:  "CapBnd equals the expected set",
		run:         checkBounding},
	{ID: "capabilities.effective", Reads: []string{probe.ItemCaps, probe.ItemIDs},
		Expectation: "the expected set; a non-root process without ambient capabilities has none after execve",
		Comparison:  "CapEff holds nothing outside the expected set; a uid-0 process holds all of it",
		run:         checkEffective},
	{ID: "capabilities.permitted", Reads: []string{probe.ItemCaps, probe.ItemIDs},
		Expectation: "as effective",
		Comparison:  "CapPrm holds nothing outside the expected set; a uid-0 process holds all of it",
		run:         checkPermitted},
	{ID: "capabilities.inheritable", Reads: []string{probe.ItemCaps},
		Expectation: "empty but for ambient capabilities: runtimes stopped filling it (CVE-2022-24769, CVE-2022-27652)",
		Comparison:  "CapInh holds nothing outside the expected set; anything beyond CapAmb is low-severity drift",
		run:         checkInheritable},
	{ID: "capabilities.ambient", Reads: []string{probe.ItemCaps},
		Expectation: "at most the expected set (podman raises added capabilities as ambient for non-root users)",
		Comparison:  "CapAmb holds nothing outside the expected set",
		run:         checkAmbient},
	{ID: "privileged", Reads: []string{probe.ItemCaps, probe.ItemLastCap, probe.ItemMounts, probe.ItemSeccomp},
		Expectation: "container privileged",
		Comparison:  "privileged means every capability in CapBnd, no masked /proc paths and seccomp off",
		run:         checkPrivileged},
	{ID: "allowPrivilegeEscalation", Reads: []string{probe.ItemNoNewPrivs},
		Expectation: "no_new_privs is set only when allowPrivilegeEscalation is explicitly false",
		Comparison:  "NoNewPrivs equals the expectation",
		run:         checkNoNewPrivs},
	{ID: "readOnlyRootFilesystem", Scope: ScopeContainer, Reads: []string{probe.ItemMounts},
		Expectation: "readOnlyRootFilesystem",
		Comparison:  "the visible mount at / is read-only exactly when expected",
		run:         checkReadOnlyRoot},
	{ID: "procMount", Scope: ScopeContainer, Reads: []string{probe.ItemMounts},
		Expectation: "Default: the runtime's masked and read-only paths; Unmasked or privileged: none",
		Comparison:  "each existing masked path is masked and each read-only path read-only; for Unmasked, a default masked path still masked is low drift; absent paths are not drift",
		run:         checkProcMount},
	{ID: "seccompProfile", Reads: []string{probe.ItemSeccomp},
		Expectation: "container, else pod seccompProfile, else the runtime default; privileged: unconfined",
		Comparison:  "the Seccomp field is 2 (filter) for RuntimeDefault or Localhost, 0 for Unconfined",
		run:         checkSeccomp},
	{ID: "appArmorProfile", Reads: []string{probe.ItemLSM},
		Expectation: "container, else pod appArmorProfile, else the annotation, else the runtime's default profile",
		Comparison:  "the AppArmor label names the expected profile (unconfined for Unconfined)",
		run:         checkAppArmor},
	{ID: "seLinuxOptions", Reads: []string{probe.ItemLSM},
		Expectation: "container, else pod seLinuxOptions",
		Comparison:  "each declared part (user, role, type, level) equals the process label's",
		run:         checkSELinux},
	{ID: "sysctls", Scope: ScopePod, Reads: nil,
		Expectation: "pod sysctls, the runtime's injected ones, platform annotations",
		Comparison:  "each /proc/sys value, whitespace-normalised, equals the expected value",
		run:         checkSysctls},
	{ID: "hostUsers", Scope: ScopeContainer, Reads: []string{probe.ItemUIDMap},
		Expectation: "hostUsers false: a user namespace of the pod's own; otherwise the host's",
		Comparison:  "uid_map is the identity map 0 0 4294967295 exactly when hostUsers is not false",
		run:         checkHostUsers},
}

// CheckIDs lists every check id, in report order.
func CheckIDs() []string {
	ids := make([]string, len(Checks))
	for i, c := range Checks {
		ids[i] = c.ID
	}
	return ids
}

// comparison is what every check reads.
type comparison struct {
	exp   *expect.Expected
	obs   *probe.State
	check *Check
}

func (c *comparison) finding(subject string, st Status, sev Severity, expected, observed any, msg string, args ...any) Finding {
	if st != StatusDrift {
		sev = SeverityInfo
	}
	f := Finding{Check: c.check.ID, Subject: subject, Status: st, Severity: sev,
		Expected: expected, Observed: observed, Message: fmt.Sprintf(msg, args...),
		Hint: c.exp.Hints[c.check.ID], PID: c.obs.PID, Comm: c.obs.Comm}
	if c.check.Scope != ScopeProcess {
		f.Scope = c.check.Scope.String()
	}
	return f
}

func (c *comparison) ok(subject string, expected, observed any, msg string, args ...any) Finding {
	return c.finding(subject, StatusOK, SeverityInfo, expected, observed, msg, args...)
}

func (c *comparison) drift(subject string, sev Severity, expected, observed any, msg string, args ...any) Finding {
	return c.finding(subject, StatusDrift, sev, expected, observed, msg, args...)
}

func (c *comparison) skipped(subject string, expected any, msg string, args ...any) Finding {
	return c.finding(subject, StatusSkipped, SeverityInfo, expected, nil, msg, args...)
}

func (c *comparison) unknown(subject string, expected any, why *probe.ReadError) Finding {
	f := c.finding(subject, StatusUnknown, SeverityInfo, expected, nil, "Could not read %s: %s.", why.Path, why.Reason)
	if f.Hint == "" {
		f.Hint = grantHint(why)
	} else if g := grantHint(why); g != "" {
		f.Hint = g + " " + f.Hint
	}
	return f
}

// grantHint says what would let secctx read an item.
func grantHint(e *probe.ReadError) string {
	switch e.Reason {
	case "permission denied":
		return "Run secctx as the same user as the target process, or in its container (kubectl exec), to read it."
	case "absent":
		if strings.Contains(e.Detail, "hidepid") || strings.Contains(e.Detail, "process gone") {
			return "The process exited, or /proc is mounted with hidepid; share the process namespace with shareProcessNamespace: true."
		}
	}
	return ""
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
		return []Finding{c.skipped("", nil, "The primary gid cannot be derived (%s); observed %s.", lastRule(c.exp, "gid"), fmtIDs(c.obs.GID))}
	}
	want := *c.exp.GID
	if c.obs.GID.All(want) {
		return []Finding{c.ok("", want, fmtIDs(c.obs.GID), "The process runs with primary gid %d (%s).", want, lastRule(c.exp, "gid"))}
	}
	sev := SeverityMedium
	if c.obs.GID.Effective == 0 {
		sev = SeverityHigh
	}
	return []Finding{c.drift("", sev, want, fmtIDs(c.obs.GID),
		"The expected primary gid is %d (%s) but the process runs with gid %s, which owns what it creates and opens group-readable files.", want, lastRule(c.exp, "gid"), fmtIDs(c.obs.GID))}
}

// lastRule returns the resolver's note about a topic, for messages.
func lastRule(e *expect.Expected, prefix string) string {
	for i := len(e.Rules) - 1; i >= 0; i-- {
		if strings.HasPrefix(e.Rules[i], prefix) {
			return e.Rules[i]
		}
	}
	return "resolved from the spec"
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

func capsHint(c *comparison, extra string) string {
	h := c.exp.Hints[c.check.ID]
	if h == "" {
		return extra
	}
	if extra == "" {
		return h
	}
	return extra + " " + h
}

func checkBounding(c *comparison) []Finding {
	want, have := c.exp.Capabilities, c.obs.Caps.Bounding
	if want == have {
		return []Finding{c.ok("", want, have, "The bounding set is exactly the expected %d capabilities.", want.Len())}
	}
	var out []Finding
	if extra := have.Minus(want); extra != 0 {
		sev := SeverityHigh
		if extra.Has(21) { // CAP_SYS_ADMIN
			sev = SeverityCritical
		}
		out = append(out, c.drift("", sev, want, have,
			"The bounding set holds %s beyond what the spec allows, so the process (or anything it executes) can gain them.", extra))
	}
	if missing := want.Minus(have); missing != 0 {
		if c.exp.AllCapabilities && runtimeMayLack(missing) {
			f := c.drift("", SeverityInfo, want, have,
				"Every capability was asked for (privileged or add ALL) but %s is absent; a runtime cannot grant what it does not hold itself.", missing)
			f.Hint = capsHint(c, "On nodes whose runtime lacks a capability (here: "+missing.String()+"), privileged containers never get it.")
			out = append(out, f)
		} else {
			out = append(out, c.drift("", SeverityMedium, want, have,
				"The spec grants %s but the bounding set lacks it, so the workload cannot use it: the platform ignored or refused the capability.", missing))
		}
	}
	return out
}

// requiredForRoot is what a uid-0 process must hold in a set that execve
// recomputes as P'(permitted) = P(inheritable) | P(bounding): all of the
// expected set the bounding set holds (a missing bounding capability is
// reported once, by capabilities.bounding).
func requiredForRoot(c *comparison) (caps.Set, bool) {
	if c.obs.UID.Effective != 0 || c.obs.Missing(probe.ItemIDs) != nil {
		return 0, false
	}
	return c.exp.Capabilities & c.obs.Caps.Bounding, true
}

func checkEffective(c *comparison) []Finding {
	return checkRaisedSet(c, "effective", c.obs.Caps.Effective)
}

func checkPermitted(c *comparison) []Finding {
	return checkRaisedSet(c, "permitted", c.obs.Caps.Permitted)
}

// checkRaisedSet compares CapEff or CapPrm.
func checkRaisedSet(c *comparison, name string, have caps.Set) []Finding {
	want := c.exp.Capabilities
	var out []Finding
	if extra := have.Minus(want); extra != 0 {
		out = append(out, c.drift("", SeverityHigh, want, have,
			"The %s set holds %s, which the spec does not grant; the process can use them now.", name, extra))
	}
	if req, root := requiredForRoot(c); root {
		if missing := req.Minus(have); missing != 0 {
			out = append(out, c.drift("", SeverityLow, req, have,
				"The process runs as uid 0 yet its %s set lacks %s, which the spec grants and the bounding set holds: it dropped them itself, or the runtime withheld them.", name, missing))
		}
		if len(out) == 0 {
			return []Finding{c.ok("", req, have, "The uid-0 process holds exactly the expected %d capabilities in its %s set.", req.Len(), name)}
		}
		return out
	}
	if len(out) > 0 {
		return out
	}
	msg := fmt.Sprintf("The %s set (%s) holds nothing outside the expected set.", name, have)
	if have == 0 && want != 0 {
		msg = fmt.Sprintf("The %s set is empty, as the kernel leaves it for a non-root process without ambient capabilities after execve (kubernetes#56374); the spec's %s stay in the bounding set only.", name, want)
	}
	return []Finding{c.ok("", want, have, "%s", msg)}
}

func checkInheritable(c *comparison) []Finding {
	want, have := c.exp.Capabilities, c.obs.Caps.Inheritable
	if extra := have.Minus(want); extra != 0 {
		return []Finding{c.drift("", SeverityHigh, want, have,
			"The inheritable set holds %s outside the spec's capabilities, which executables with file capabilities can raise.", extra)}
	}
	// Ambient capabilities must also be inheritable (the kernel requires
	// it), which is how podman grants added capabilities to non-root users;
	// anything else in CapInh is the pre-CVE-2022-24769 default.
	if stray := have.Minus(c.obs.Caps.Ambient); stray != 0 {
		f := c.drift("", SeverityLow, c.obs.Caps.Ambient, have,
			"The inheritable set holds %s beyond the ambient set; current runtimes leave it empty, so the runtime predates the CVE-2022-24769 fix.", stray)
		f.Hint = capsHint(c, "containerd before 1.5.11/1.6.2, CRI-O before 1.24 and podman before 4.0 filled CapInh with the default set.")
		return []Finding{f}
	}
	if have != 0 {
		return []Finding{c.ok("", c.obs.Caps.Ambient, have, "The inheritable set holds only the ambient capabilities %s, which the kernel requires there.", have)}
	}
	return []Finding{c.ok("", caps.Set(0), have, "The inheritable set is empty, as current runtimes leave it.")}
}

func checkAmbient(c *comparison) []Finding {
	want, have := c.exp.Capabilities, c.obs.Caps.Ambient
	if extra := have.Minus(want); extra != 0 {
		return []Finding{c.drift("", SeverityHigh, want, have,
			"The ambient set holds %s, which the spec does not grant and which survive execve for non-root processes.", extra)}
	}
	return []Finding{c.ok("", want, have, "The ambient set (%s) holds nothing outside the expected set.", have)}
}

// looksPrivileged reports whether the process has what a privileged
// container gets: at most one capability short of the full set (a runtime
// may lack one itself), no masked path masked and seccomp off.
func looksPrivileged(c *comparison) (bool, string) {
	full := caps.Full(c.obs.LastCap)
	missing := full.Minus(c.obs.Caps.Bounding)
	masked := 0
	for _, p := range c.exp.MaskedPaths {
		if st, ok := c.obs.Mounts.Paths[p]; ok && st.Masked {
			masked++
		}
	}
	for _, p := range c.exp.UnmaskedPaths {
		if st, ok := c.obs.Mounts.Paths[p]; ok && st.Masked {
			masked++
		}
	}
	desc := fmt.Sprintf("%d of %d capabilities, %d masked paths, seccomp %d", c.obs.Caps.Bounding.Len(), full.Len(), masked, c.obs.Seccomp)
	return runtimeMayLack(missing) && masked == 0 && c.obs.Seccomp == 0, desc
}

// newestCaps are PERFMON, BPF and CHECKPOINT_RESTORE (Linux 5.8 and 5.9): a
// runtime built before them does not know to grant them.
var newestCaps = caps.MustFromNames("PERFMON", "BPF", "CHECKPOINT_RESTORE")

// runtimeMayLack reports whether "every capability" can plausibly be
// missing these because the runtime itself lacks or does not know them: at
// most one arbitrary capability (a sandboxed node without SYS_RESOURCE)
// besides the newest ones. More is a runtime that did not grant the set.
func runtimeMayLack(missing caps.Set) bool {
	return missing.Minus(newestCaps).Len() <= 1
}

func checkPrivileged(c *comparison) []Finding {
	priv, desc := looksPrivileged(c)
	// add: [ALL] with procMount Unmasked and seccomp Unconfined declares
	// every property of privileged mode but the name.
	implied := c.exp.AllCapabilities && len(c.exp.MaskedPaths) == 0 && c.exp.Seccomp.Mode == 0
	switch {
	case priv && !c.exp.Privileged && implied:
		return []Finding{c.ok("", false, true, "The container is not declared privileged but the spec grants every capability, no masked paths and no seccomp, and that is what it has (%s).", desc)}
	case priv == c.exp.Privileged:
		return []Finding{c.ok("", c.exp.Privileged, priv, "privileged is %v and the process %s (%s).", c.exp.Privileged, map[bool]string{true: "is", false: "is not"}[priv], desc)}
	case priv:
		return []Finding{c.drift("", SeverityCritical, false, true,
			"The container is not declared privileged but runs like one (%s), which gives it near-host control.", desc)}
	}
	return []Finding{c.drift("", SeverityMedium, true, false,
		"The container is declared privileged but is confined (%s): the platform did not grant privileged mode.", desc)}
}

func checkNoNewPrivs(c *comparison) []Finding {
	want, have := c.exp.NoNewPrivs, c.obs.NoNewPrivs
	if want == have {
		return []Finding{c.ok("no_new_privs", want, have, "no_new_privs is %v, as %s.", have, lastRule(c.exp, "no_new_privs"))}
	}
	if want {
		return []Finding{c.drift("no_new_privs", SeverityHigh, want, have,
			"allowPrivilegeEscalation is false but no_new_privs is off, so setuid binaries and file capabilities can raise privileges.")}
	}
	return []Finding{c.drift("no_new_privs", SeverityLow, want, have,
		"no_new_privs is on although allowPrivilegeEscalation is not false, so setuid binaries and file capabilities do not work in the container.")}
}

func checkReadOnlyRoot(c *comparison) []Finding {
	want, have := c.exp.ReadOnlyRootFilesystem, c.obs.Mounts.RootReadOnly
	if want == have {
		return []Finding{c.ok("/", want, have, "The root filesystem is %s, as declared.", map[bool]string{true: "read-only", false: "writable"}[have])}
	}
	if want {
		return []Finding{c.drift("/", SeverityHigh, want, have,
			"readOnlyRootFilesystem is true but / is mounted writable, so an intruder can modify the container's binaries and files.")}
	}
	return []Finding{c.drift("/", SeverityLow, want, have,
		"readOnlyRootFilesystem is not true but / is mounted read-only, so writes outside volumes fail.")}
}

func checkProcMount(c *comparison) []Finding {
	var out []Finding
	checked, absent := 0, 0
	look := func(p string) (probe.PathState, bool) {
		st, ok := c.obs.Mounts.Paths[p]
		if why := c.obs.Missing(probe.PathItem(p)); why != nil && !st.Exists {
			out = append(out, c.unknown(p, nil, why))
			return st, false
		}
		if !ok || !st.Exists {
			absent++ // runtimes skip masking paths that do not exist
			return st, false
		}
		checked++
		return st, true
	}
	for _, p := range c.exp.MaskedPaths {
		if st, ok := look(p); ok && !st.Masked {
			out = append(out, c.drift(p, SeverityHigh, "masked", "visible",
				"%s should be masked (procMount %s) but is visible, exposing host kernel information to the container.", p, c.exp.ProcMount))
		}
	}
	for _, p := range c.exp.ReadonlyPaths {
		if st, ok := look(p); ok && !st.ReadOnly && !st.Masked {
			out = append(out, c.drift(p, SeverityHigh, "read-only", "writable",
				"%s should be read-only (procMount %s) but is writable, letting the container change host kernel settings.", p, c.exp.ProcMount))
		}
	}
	for _, p := range c.exp.UnmaskedPaths {
		if st, ok := look(p); ok && st.Masked {
			out = append(out, c.drift(p, SeverityLow, "unmasked", "masked",
				"procMount is %s (or the container is privileged) but %s is still masked (cri-o#6009).", c.exp.ProcMount, p))
		}
	}
	if len(out) == 0 {
		out = append(out, c.ok("", c.exp.ProcMount, c.exp.ProcMount,
			"All %d existing default paths are as procMount %s requires (%d absent on this node, which is not drift).", checked, c.exp.ProcMount, absent))
	}
	return out
}

func seccompName(mode int) string {
	switch mode {
	case 0:
		return "disabled"
	case 1:
		return "strict"
	case 2:
		return "filter"
	}
	return strconv.Itoa(mode)
}

func checkSeccomp(c *comparison) []Finding {
	s := c.exp.Seccomp
	want := seccompName(s.Mode)
	have := seccompName(c.obs.Seccomp)
	if c.obs.Seccomp == s.Mode {
		msg := fmt.Sprintf("Seccomp is %s, as %s from %s requires.", have, s.Type, s.Source)
		if s.Mode == 2 {
			msg += fmt.Sprintf(" (%d filters; their rules cannot be read from inside)", c.obs.SeccompFilters)
		}
		return []Finding{c.ok("", want, have, "%s", msg)}
	}
	if c.obs.Seccomp == 1 {
		return []Finding{c.drift("", SeverityLow, want, have,
			"seccomp is in strict mode, which allows only read, write, exit and sigreturn, though %s (from %s) is expected: stricter than declared.", s.Type, s.Source)}
	}
	if s.Mode == 2 {
		return []Finding{c.drift("", SeverityHigh, want, have,
			"seccompProfile %s (from %s) expects a syscall filter but seccomp is %s, so every syscall is open to the process.", s.Type, s.Source, have)}
	}
	return []Finding{c.drift("", SeverityLow, want, have,
		"seccomp is %s although the expectation is Unconfined (from %s): a filter the spec does not ask for may block syscalls the workload needs.", have, s.Source)}
}

func checkAppArmor(c *comparison) []Finding {
	a := c.exp.AppArmor
	l := c.obs.LSM
	want := a.Profile
	if want == "" {
		want = a.Type
	}
	if l.Name != "apparmor" {
		if a.Declared && a.Type != "Unconfined" {
			return []Finding{c.drift("", SeverityMedium, want, "no AppArmor",
				"appArmorProfile %s is declared but the process has no AppArmor label, so the profile is not in force.", want)}
		}
		return []Finding{c.skipped("", want, "AppArmor does not label processes on this node and no profile was declared.")}
	}
	switch {
	case !a.Declared && a.Profile == "" && a.Type == "RuntimeDefault" && l.Profile == "unconfined":
		return []Finding{c.skipped("", nil, "No AppArmor profile is declared and the %s profile's default is not documented; the process runs under %s.", c.exp.Profile, l.Label)}
	case a.Type == "Unconfined" && l.Profile == "unconfined":
		return []Finding{c.ok("", "unconfined", l.Label, "The process is unconfined, as declared.")}
	case a.Type == "Unconfined":
		return []Finding{c.drift("", SeverityLow, "unconfined", l.Label, "The process runs under AppArmor profile %s though Unconfined is expected.", l.Profile)}
	case l.Profile == "unconfined":
		return []Finding{c.drift("", SeverityHigh, want, l.Label,
			"AppArmor profile %s is expected (%s) but the process is unconfined (kubernetes#125069).", want, a.Source)}
	case a.Profile == "" || l.Profile == a.Profile || (a.ProfilePrefix && strings.HasPrefix(l.Profile, a.Profile)):
		if l.Mode == "complain" {
			return []Finding{c.drift("", SeverityMedium, want, l.Label, "AppArmor profile %s is loaded in complain mode, so it logs but does not block.", l.Profile)}
		}
		return []Finding{c.ok("", want, l.Label, "The process runs under AppArmor profile %s.", l.Label)}
	}
	return []Finding{c.drift("", SeverityMedium, want, l.Label, "AppArmor profile %s is expected (%s) but the process runs under %s.", want, a.Source, l.Profile)}
}

// splitSELinux splits user:role:type:level; the level itself may hold
// colons (s0:c1,c2).
func splitSELinux(label string) manifest.SELinuxOptions {
	parts := strings.SplitN(label, ":", 4)
	for len(parts) < 4 {
		parts = append(parts, "")
	}
	return manifest.SELinuxOptions{User: parts[0], Role: parts[1], Type: parts[2], Level: parts[3]}
}

func checkSELinux(c *comparison) []Finding {
	want := c.exp.SELinux
	l := c.obs.LSM
	if want == nil {
		if l.Name == "selinux" {
			return []Finding{c.skipped("", nil, "No seLinuxOptions are declared; the runtime assigned %s.", l.Label)}
		}
		return []Finding{c.skipped("", nil, "No seLinuxOptions are declared and SELinux does not label processes on this node.")}
	}
	if l.Name != "selinux" {
		return []Finding{c.drift("", SeverityMedium, want, "no SELinux label",
			"seLinuxOptions are declared but the process has no SELinux label, so the runtime ignored them (SELinux is not enabled here).")}
	}
	got := splitSELinux(l.Label)
	var diffs []string
	for _, p := range []struct{ name, want, got string }{
		{"user", want.User, got.User}, {"role", want.Role, got.Role}, {"type", want.Type, got.Type}, {"level", want.Level, got.Level},
	} {
		if p.want != "" && p.want != p.got {
			diffs = append(diffs, fmt.Sprintf("%s %s (want %s)", p.name, p.got, p.want))
		}
	}
	if len(diffs) == 0 {
		return []Finding{c.ok("", want, l.Label, "The SELinux label %s carries the declared options.", l.Label)}
	}
	return []Finding{c.drift("", SeverityMedium, want, l.Label, "The SELinux label differs from seLinuxOptions: %s.", strings.Join(diffs, ", "))}
}

func checkSysctls(c *comparison) []Finding {
	if len(c.exp.Sysctls) == 0 {
		return []Finding{c.skipped("", nil, "No sysctls are declared or injected by the %s profile.", c.exp.Profile)}
	}
	var out []Finding
	for _, s := range c.exp.Sysctls {
		if why := c.obs.Missing(probe.SysctlItem(s.Name)); why != nil {
			out = append(out, c.unknown(s.Name, s.Value, why))
			continue
		}
		have := c.obs.Sysctls[s.Name]
		if probe.NormalizeSysctlValue(have) == probe.NormalizeSysctlValue(s.Value) {
			out = append(out, c.ok(s.Name, s.Value, have, "%s is %q, as the %s sets it.", s.Name, have, s.Source))
			continue
		}
		sev := SeverityMedium
		if s.Source == "runtime default" {
			sev = SeverityLow
		}
		out = append(out, c.drift(s.Name, sev, s.Value, have,
			"%s is %q but the %s sets %q: the sysctl was not applied.", s.Name, have, s.Source, s.Value))
	}
	return out
}

func fmtMap(m probe.IDMap) string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = fmt.Sprintf("%d %d %d", e.Inside, e.Outside, e.Length)
	}
	return strings.Join(parts, "; ")
}

func checkHostUsers(c *comparison) []Finding {
	identity := c.obs.UIDMap.IsIdentity()
	have := fmtMap(c.obs.UIDMap)
	switch {
	case c.exp.HostUsers && identity:
		return []Finding{c.ok("uid_map", "host user namespace", have, "The process shares the host's user namespace, as hostUsers (unset or true) implies.")}
	case !c.exp.HostUsers && !identity:
		return []Finding{c.ok("uid_map", "own user namespace", have, "The process runs in a user namespace of its own (uid_map %s), as hostUsers: false asks.", have)}
	case !c.exp.HostUsers:
		return []Finding{c.drift("uid_map", SeverityHigh, "own user namespace", have,
			"hostUsers is false but the process shares the host's user namespace, so uid 0 in the container is root on the node (kubernetes/website#35235).")}
	}
	return []Finding{c.drift("uid_map", SeverityLow, "host user namespace", have,
		"hostUsers is not false but the process runs in a user namespace (uid_map %s).", have)}
}
