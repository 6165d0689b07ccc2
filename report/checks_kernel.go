package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"
)

// Observed values of the LSM checks on a node without that LSM.
const (
	noAppArmor = "no AppArmor"
	noSELinux  = "no SELinux label"
)

// kernelChecks are the kernel checks: seccomp, the LSM label, sysctls and the user namespace.
var kernelChecks = []Check{
	{ID: check.SeccompProfile, Reads: []probe.Item{probe.ItemSeccomp},
		Expectation: "container, else pod seccompProfile, else the runtime default (under the kubelet: disabled or filter, as its seccompDefault says, unless --seccomp-default pins it); privileged: unconfined",
		Comparison:  "the Seccomp field is 2 (filter) for RuntimeDefault or Localhost, 0 for Unconfined",
		Values:      ValuesOutcomes,
		Severities:  []Severity{SeverityHigh, SeverityLow},
		run:         checkSeccomp},
	{ID: check.AppArmorProfile, Reads: []probe.Item{probe.ItemLSM},
		Expectation: "container, else pod appArmorProfile, else the annotation, else the runtime's default profile",
		Comparison:  "the AppArmor label names the expected profile (unconfined for Unconfined)",
		Severities:  []Severity{SeverityHigh, SeverityMedium, SeverityLow},
		run:         checkAppArmor},
	{ID: check.SELinuxOptions, Reads: []probe.Item{probe.ItemLSM},
		Expectation: "container, else pod seLinuxOptions",
		Comparison:  "each declared part (user, role, type, level) equals the process label's",
		Severities:  []Severity{SeverityMedium},
		run:         checkSELinux},
	{ID: check.Sysctls, Scope: ScopePod, Reads: nil,
		Expectation: "pod sysctls, the runtime's injected ones (by version: injected or the kernel's value), platform annotations",
		Comparison:  "each /proc/sys value, whitespace-normalised, equals the expected value, or one of the legitimate values",
		Values:      ValuesOutcomes,
		Severities:  []Severity{SeverityMedium, SeverityLow},
		run:         checkSysctls},
	{ID: check.HostUsers, Scope: ScopeContainer, Reads: []probe.Item{probe.ItemUIDMap},
		Expectation: "hostUsers false: a user namespace of the pod's own; otherwise the host's",
		Comparison:  "uid_map is the identity map 0 0 4294967295 exactly when hostUsers is not false",
		Severities:  []Severity{SeverityHigh, SeverityLow},
		run:         checkHostUsers},
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
	if len(s.Outcomes) > 0 {
		c.outcomes = outcomesOf(s.Outcomes, seccompName, have)
		want = c.outcomes.expectedText()
		if seen := c.outcomes.Seen; seen != nil {
			msg := fmt.Sprintf("Seccomp is %s, a legitimate outcome of %s: %s (the other: %s).", have, seccompFor(s), seen.When, c.outcomes.others())
			if c.obs.Seccomp == 2 {
				msg += fmt.Sprintf(" (%d filters; their rules cannot be read from inside)", c.obs.SeccompFilters)
			}
			return []Finding{c.ok("", want, have, "%s", msg)}
		}
		if c.obs.Seccomp == 1 {
			return []Finding{c.drift("", SeverityLow, want, have,
				"seccomp is in strict mode, which allows only read, write, exit and sigreturn, though %s legitimately gives %s: stricter than declared.", seccompFor(s), want)}
		}
		return []Finding{c.drift("", SeverityHigh, want, have,
			"seccomp is %s, none of the legitimate outcomes of %s (%s).", have, seccompFor(s), want)}
	}
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

// seccompFor says what a node-dependent seccomp expectation is the outcome
// of.
func seccompFor(s expect.Seccomp) string {
	if s.Source.Kind == expect.FromPrivileged {
		return "a privileged container"
	}
	return "a container that declares no seccompProfile (pin it with --seccomp-default)"
}

func checkAppArmor(c *comparison) []Finding {
	a := c.exp.AppArmor
	l := c.obs.LSM
	want := a.Profile
	if want == "" {
		want = string(a.Type)
	}
	if a.ProfilePrefix {
		want += "*"
	}
	if l.Name != probe.LSMAppArmor {
		if a.Declared && a.Type != manifest.AppArmorProfileTypeUnconfined {
			return []Finding{c.drift("", SeverityMedium, want, noAppArmor,
				"appArmorProfile %s is declared but the process has no AppArmor label, so the profile is not in force.", want)}
		}
		return []Finding{c.skipped("", want, "AppArmor does not label processes on this node and no profile was declared.")}
	}
	switch {
	case !a.Declared && a.Profile == "" && a.Type == manifest.AppArmorProfileTypeRuntimeDefault && l.Profile == "unconfined":
		return []Finding{c.skipped("", "", "No AppArmor profile is declared and the %s profile's default is not documented; the process runs under %s.", c.exp.Profile, l.Label)}
	case a.Type == manifest.AppArmorProfileTypeUnconfined && l.Profile == "unconfined":
		return []Finding{c.ok("", "unconfined", l.Label, "The process is unconfined, as declared.")}
	case a.Type == manifest.AppArmorProfileTypeUnconfined:
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
		if l.Name == probe.LSMSELinux {
			return []Finding{c.skipped("", "", "No seLinuxOptions are declared; the runtime assigned %s.", l.Label)}
		}
		return []Finding{c.skipped("", "", "No seLinuxOptions are declared and SELinux does not label processes on this node.")}
	}
	w := renderSELinux(want)
	if l.Name != probe.LSMSELinux {
		return []Finding{c.drift("", SeverityMedium, w, noSELinux,
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
		return []Finding{c.ok("", w, l.Label, "The SELinux label %s carries the declared options.", l.Label)}
	}
	return []Finding{c.drift("", SeverityMedium, w, l.Label, "The SELinux label differs from seLinuxOptions: %s.", strings.Join(diffs, ", "))}
}

func checkSysctls(c *comparison) []Finding {
	if len(c.exp.Sysctls) == 0 {
		return []Finding{c.skipped("", "", "No sysctls are declared or injected by the %s profile.", c.exp.Profile)}
	}
	// Both sides arrive normalised: names in dot form, values with their
	// whitespace collapsed (expect.ExpectedSysctl, probe.Pod.Sysctls).
	var out []Finding
	for _, s := range c.exp.Sysctls {
		want, have := s.Value, c.obs.Sysctls[s.Name]
		why := c.obs.Missing(probe.SysctlItem(s.Name))
		c.outcomes = nil
		if len(s.Outcomes) > 0 {
			c.outcomes = outcomesOf(s.Outcomes, func(v string) string { return v }, have)
			want = c.outcomes.expectedText()
		}
		if why != nil {
			out = append(out, c.unknown(s.Name, want, why))
			continue
		}
		if c.outcomes != nil {
			if seen := c.outcomes.Seen; seen != nil {
				out = append(out, c.ok(s.Name, want, have, "%s is %q, a legitimate outcome where %s (the other: %s).", s.Name, have, seen.When, c.outcomes.others()))
				continue
			}
			out = append(out, c.drift(s.Name, SeverityLow, want, have,
				"%s is %q, none of the values the %s legitimately leaves (%s).", s.Name, have, s.Source, want))
			continue
		}
		if have == want {
			out = append(out, c.ok(s.Name, want, have, "%s is %q, as the %s sets it.", s.Name, have, s.Source))
			continue
		}
		sev := SeverityMedium
		if s.Source.Kind == expect.FromRuntime {
			sev = SeverityLow
		}
		out = append(out, c.drift(s.Name, sev, want, have,
			"%s is %q but the %s sets %q: the sysctl was not applied.", s.Name, have, s.Source, want))
	}
	c.outcomes = nil
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
