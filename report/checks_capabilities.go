package report

import (
	"fmt"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/probe"
)

// capabilityChecks are the capability checks: the five sets, privileged mode and no_new_privs.
var capabilityChecks = []Check{
	{ID: check.CapabilitiesBounding, Reads: []probe.Item{probe.ItemCaps},
		Expectation: "runtime default set, add ALL, drop ALL, adds, then drops; privileged: every capability",
		Comparison:  "CapBnd equals the expected set",
		Values:      ValuesCapabilities,
		Severities:  []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityInfo},
		run:         checkBounding},
	{ID: check.CapabilitiesEffective, Reads: []probe.Item{probe.ItemCaps, probe.ItemIDs},
		Expectation: "the expected set; a non-root process without ambient capabilities has none after execve",
		Comparison:  "CapEff holds nothing outside the expected set; a uid-0 process holds all of it",
		Values:      ValuesCapabilities,
		Severities:  []Severity{SeverityHigh, SeverityLow},
		run:         checkEffective},
	{ID: check.CapabilitiesPermitted, Reads: []probe.Item{probe.ItemCaps, probe.ItemIDs},
		Expectation: "as effective",
		Comparison:  "CapPrm holds nothing outside the expected set; a uid-0 process holds all of it",
		Values:      ValuesCapabilities,
		Severities:  []Severity{SeverityHigh, SeverityLow},
		run:         checkPermitted},
	{ID: check.CapabilitiesInheritable, Reads: []probe.Item{probe.ItemCaps, probe.ItemIDs},
		Expectation: "the expected ambient set: empty, as runtimes stopped filling it (CVE-2022-24769, CVE-2022-27652), but for podman's ambient capabilities and CRI-O's privileged containers",
		Comparison:  "CapInh holds nothing beyond the expected ambient set; beyond the spec's capabilities is high, what only the process's ambient set explains medium, the rest low-severity drift",
		Values:      ValuesCapabilities,
		Severities:  []Severity{SeverityHigh, SeverityMedium, SeverityLow},
		run:         checkInheritable},
	{ID: check.CapabilitiesAmbient, Reads: []probe.Item{probe.ItemCaps, probe.ItemIDs},
		Expectation: "empty: containerd, docker and CRI-O clear it (kubernetes#56374); podman raises the added capabilities for a non-root user; CRI-O's privileged containers get every capability",
		Comparison:  "CapAmb equals the expected ambient set",
		Values:      ValuesCapabilities,
		Severities:  []Severity{SeverityHigh, SeverityMedium},
		run:         checkAmbient},
	{ID: check.Privileged, Reads: []probe.Item{probe.ItemCaps, probe.ItemLastCap, probe.ItemMounts, probe.ItemSeccomp},
		Expectation: "container privileged",
		Comparison:  "privileged means every capability in CapBnd, no masked /proc paths and seccomp off",
		Severities:  []Severity{SeverityCritical, SeverityMedium},
		run:         checkPrivileged},
	{ID: check.AllowPrivilegeEscalation, Reads: []probe.Item{probe.ItemNoNewPrivs},
		Expectation: "no_new_privs is set only when allowPrivilegeEscalation is explicitly false",
		Comparison:  "NoNewPrivs equals the expectation",
		Severities:  []Severity{SeverityHigh, SeverityLow},
		run:         checkNoNewPrivs},
}

func capValues(want, have caps.Set) *CapabilityValues {
	return &CapabilityValues{Expected: capNames(want), Observed: capNames(have)}
}

func checkBounding(c *comparison) []Finding {
	want, have := c.exp.Capabilities, c.obs.Caps.Bounding
	c.caps = capValues(want, have)
	w, h := renderCaps(want), renderCaps(have)
	if want == have {
		return []Finding{c.ok("", w, h, "The bounding set is exactly the expected %d capabilities.", want.Len())}
	}
	var out []Finding
	if extra := have.Minus(want); extra != 0 {
		sev := SeverityHigh
		if extra.Has(21) { // CAP_SYS_ADMIN
			sev = SeverityCritical
		}
		out = append(out, c.drift("", sev, w, h,
			"The bounding set holds %s beyond what the spec allows, so the process (or anything it executes) can gain them.", extra))
	}
	if missing := want.Minus(have); missing != 0 {
		if c.exp.AllCapabilities && runtimeMayLack(missing) {
			f := c.drift("", SeverityInfo, w, h,
				"Every capability was asked for (privileged or add ALL) but %s is absent; a runtime cannot grant what it does not hold itself.", missing)
			f.Hint = c.hintWith("On nodes whose runtime lacks a capability (here: " + missing.String() + "), privileged containers never get it.")
			out = append(out, f)
		} else {
			out = append(out, c.drift("", SeverityMedium, w, h,
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
	req, root := requiredForRoot(c)
	if root {
		c.caps = capValues(req, have)
	} else {
		c.caps = capValues(want, have)
	}
	w, h := renderCaps(want), renderCaps(have)
	var out []Finding
	if extra := have.Minus(want); extra != 0 {
		out = append(out, c.drift("", SeverityHigh, w, h,
			"The %s set holds %s, which the spec does not grant; the process can use them now.", name, extra))
	}
	if root {
		w = renderCaps(req)
		if missing := req.Minus(have); missing != 0 {
			out = append(out, c.drift("", SeverityLow, w, h,
				"The process runs as uid 0 yet its %s set lacks %s, which the spec grants and the bounding set holds: it dropped them itself, or the runtime withheld them.", name, missing))
		}
		if len(out) == 0 {
			return []Finding{c.ok("", w, h, "The uid-0 process holds exactly the expected %d capabilities in its %s set.", req.Len(), name)}
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
	return []Finding{c.ok("", w, h, "%s", msg)}
}

// ambientWant is the ambient set the process should have: the resolver's,
// unless it applies to non-root users only and the process runs as root.
func ambientWant(c *comparison) caps.Set {
	if c.exp.AmbientIfNonRoot && c.obs.UID.Real == 0 {
		return 0
	}
	return c.exp.Ambient
}

func checkInheritable(c *comparison) []Finding {
	want, have := ambientWant(c), c.obs.Caps.Inheritable
	c.caps = capValues(want, have)
	w, h := renderCaps(want), renderCaps(have)
	extra := have.Minus(want)
	switch {
	case extra == 0 && have == 0:
		return []Finding{c.ok("", w, h, "The inheritable set is empty, as current runtimes leave it.")}
	case extra == 0:
		return []Finding{c.ok("", w, h, "The inheritable set holds only the expected ambient capabilities %s, which the kernel requires there (%s).", have, c.exp.AmbientRule)}
	case extra.Minus(c.exp.Capabilities) != 0:
		return []Finding{c.drift("", SeverityHigh, w, h,
			"The inheritable set holds %s outside the spec's capabilities, which executables with file capabilities can raise.", extra.Minus(c.exp.Capabilities))}
	case extra.Minus(c.obs.Caps.Ambient) == 0:
		return []Finding{c.drift("", SeverityMedium, w, h,
			"The inheritable set holds %s, raised with the ambient set although %s: the process raised them itself, or the runtime did not clear them.", extra, c.exp.AmbientRule)}
	}
	f := c.drift("", SeverityLow, w, h,
		"The inheritable set holds %s beyond the expected %s; current runtimes leave it empty, so the runtime predates the CVE-2022-24769 fix.", extra, want)
	f.Hint = c.hintWith("containerd before 1.5.11/1.6.2, CRI-O before 1.24 and podman before 4.0 filled CapInh with the default set.")
	return []Finding{f}
}

func checkAmbient(c *comparison) []Finding {
	want, have := ambientWant(c), c.obs.Caps.Ambient
	c.caps = capValues(want, have)
	w, h := renderCaps(want), renderCaps(have)
	var out []Finding
	if extra := have.Minus(want); extra != 0 {
		if outside := extra.Minus(c.exp.Capabilities); outside != 0 {
			out = append(out, c.drift("", SeverityHigh, w, h,
				"The ambient set holds %s, which the spec does not grant and which survive execve for non-root processes.", outside))
		} else {
			out = append(out, c.drift("", SeverityMedium, w, h,
				"The ambient set holds %s although %s: the process raised them itself, or the runtime did not clear them, and they survive execve into any program it runs, as a non-root user too.", extra, c.exp.AmbientRule))
		}
	}
	if missing := want.Minus(have); missing != 0 {
		out = append(out, c.drift("", SeverityMedium, w, h,
			"The ambient set lacks %s, which %s: a non-root process cannot use the capabilities the spec adds.", missing, c.exp.AmbientRule))
	}
	if len(out) > 0 {
		return out
	}
	return []Finding{c.ok("", w, h, "The ambient set is %s, as expected: %s.", renderCaps(have), c.exp.AmbientRule)}
}

// looksPrivileged reports whether the process has what a privileged
// container gets: at most one capability short of the full set (a runtime
// may lack one itself), no masked path masked and seccomp off.
func looksPrivileged(c *comparison) (bool, string) {
	full := caps.Full(c.obs.LastCap)
	missing := full.Minus(c.obs.Caps.Bounding)
	masked := 0
	for _, list := range [][]string{c.exp.MaskedPaths, c.exp.UnmaskedPaths} {
		for _, pattern := range list {
			for _, p := range matchPaths(c.obs.Mounts, pattern) {
				if c.obs.Mounts.Paths[p].Masked {
					masked++
				}
			}
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
	w, h := renderBool(c.exp.Privileged), renderBool(priv)
	switch {
	case priv && !c.exp.Privileged && implied:
		return []Finding{c.ok("", w, h, "The container is not declared privileged but the spec grants every capability, no masked paths and no seccomp, and that is what it has (%s).", desc)}
	case priv == c.exp.Privileged:
		return []Finding{c.ok("", w, h, "privileged is %v and the process %s (%s).", c.exp.Privileged, map[bool]string{true: "is", false: "is not"}[priv], desc)}
	case priv:
		return []Finding{c.drift("", SeverityCritical, w, h,
			"The container is not declared privileged but runs like one (%s), which gives it near-host control.", desc)}
	}
	return []Finding{c.drift("", SeverityMedium, w, h,
		"The container is declared privileged but is confined (%s): the platform did not grant privileged mode.", desc)}
}

func checkNoNewPrivs(c *comparison) []Finding {
	want, have := c.exp.NoNewPrivs, c.obs.NoNewPrivs
	w, h := renderBool(want), renderBool(have)
	if want == have {
		return []Finding{c.ok("no_new_privs", w, h, "no_new_privs is %v, as %s.", have, nnpReason(want))}
	}
	if want {
		return []Finding{c.drift("no_new_privs", SeverityHigh, w, h,
			"allowPrivilegeEscalation is false but no_new_privs is off, so setuid binaries and file capabilities can raise privileges.")}
	}
	return []Finding{c.drift("no_new_privs", SeverityLow, w, h,
		"no_new_privs is on although allowPrivilegeEscalation is not false, so setuid binaries and file capabilities do not work in the container.")}
}

// nnpReason says why no_new_privs is expected on or off.
func nnpReason(want bool) string {
	if want {
		return "allowPrivilegeEscalation: false asks"
	}
	return "allowPrivilegeEscalation is not explicitly false"
}
