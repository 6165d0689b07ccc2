package report

import (
	"fmt"
	"github.com/secctx/secctx/check"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/probe"
)

// capabilityChecks are the capability checks: the five sets, privileged mode and no_new_privs.
var capabilityChecks = []Check{
	{ID: check.CapabilitiesBounding, Reads: []probe.Item{probe.ItemCaps},
		Expectation: "runtime default set, add ALL, drop ALL, adds, then drops; privileged: every capability",
		Comparison:  "CapBnd equals the expected set",
		run:         checkBounding},
	{ID: check.CapabilitiesEffective, Reads: []probe.Item{probe.ItemCaps, probe.ItemIDs},
		Expectation: "the expected set; a non-root process without ambient capabilities has none after execve",
		Comparison:  "CapEff holds nothing outside the expected set; a uid-0 process holds all of it",
		run:         checkEffective},
	{ID: check.CapabilitiesPermitted, Reads: []probe.Item{probe.ItemCaps, probe.ItemIDs},
		Expectation: "as effective",
		Comparison:  "CapPrm holds nothing outside the expected set; a uid-0 process holds all of it",
		run:         checkPermitted},
	{ID: check.CapabilitiesInheritable, Reads: []probe.Item{probe.ItemCaps},
		Expectation: "empty but for ambient capabilities: runtimes stopped filling it (CVE-2022-24769, CVE-2022-27652)",
		Comparison:  "CapInh holds nothing outside the expected set; anything beyond CapAmb is low-severity drift",
		run:         checkInheritable},
	{ID: check.CapabilitiesAmbient, Reads: []probe.Item{probe.ItemCaps},
		Expectation: "at most the expected set (podman raises added capabilities as ambient for non-root users)",
		Comparison:  "CapAmb holds nothing outside the expected set",
		run:         checkAmbient},
	{ID: check.Privileged, Reads: []probe.Item{probe.ItemCaps, probe.ItemLastCap, probe.ItemMounts, probe.ItemSeccomp},
		Expectation: "container privileged",
		Comparison:  "privileged means every capability in CapBnd, no masked /proc paths and seccomp off",
		run:         checkPrivileged},
	{ID: check.AllowPrivilegeEscalation, Reads: []probe.Item{probe.ItemNoNewPrivs},
		Expectation: "no_new_privs is set only when allowPrivilegeEscalation is explicitly false",
		Comparison:  "NoNewPrivs equals the expectation",
		run:         checkNoNewPrivs},
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
		return []Finding{c.ok("no_new_privs", want, have, "no_new_privs is %v, as %s.", have, nnpReason(want))}
	}
	if want {
		return []Finding{c.drift("no_new_privs", SeverityHigh, want, have,
			"allowPrivilegeEscalation is false but no_new_privs is off, so setuid binaries and file capabilities can raise privileges.")}
	}
	return []Finding{c.drift("no_new_privs", SeverityLow, want, have,
		"no_new_privs is on although allowPrivilegeEscalation is not false, so setuid binaries and file capabilities do not work in the container.")}
}

// nnpReason says why no_new_privs is expected on or off.
func nnpReason(want bool) string {
	if want {
		return "allowPrivilegeEscalation: false asks"
	}
	return "allowPrivilegeEscalation is not explicitly false"
}
