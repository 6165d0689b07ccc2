package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/secctx/secctx/caps"
	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/probe"

	"github.com/secctx/secctx/schema/schematest"
	"github.com/secctx/secctx/sysctl"
)

// contractIDs is the check-id contract other tools parse, in report order.
var contractIDs = []string{
	"runAsUser", "runAsGroup", "runAsNonRoot", "supplementalGroups", "fsGroup",
	"capabilities.bounding", "capabilities.effective", "capabilities.permitted",
	"capabilities.inheritable", "capabilities.ambient", "privileged",
	"allowPrivilegeEscalation", "readOnlyRootFilesystem", "procMount",
	"seccompProfile", "appArmorProfile", "seLinuxOptions", "sysctls", "hostUsers",
	"unknownField",
}

func TestCheckIDsContract(t *testing.T) {
	t.Parallel()
	var got []string
	for _, id := range CheckIDs() {
		got = append(got, string(id))
	}
	if !slices.Equal(got, contractIDs) {
		t.Fatalf("CheckIDs() = %q\nwant %q", got, contractIDs)
	}
	// A check shared by a container or a pod reads nothing narrower: the
	// watcher runs it once for all the processes that share it.
	scopeOf := map[probe.Part]Scope{probe.PartProcess: ScopeProcess, probe.PartContainer: ScopeContainer, probe.PartPod: ScopePod}
	for _, c := range Checks {
		if strings.TrimSpace(c.Expectation) == "" || strings.TrimSpace(c.Comparison) == "" {
			t.Errorf("%s: empty Expectation or Comparison", c.ID)
		}
		if c.run == nil {
			t.Errorf("%s: no comparison function", c.ID)
		}
		if c.Family == "" {
			t.Errorf("%s: no family", c.ID)
		}
		// A check that never drifts (unknownField) declares no severity.
		if (len(c.Severities) == 0 && c.Family != FamilySpec) || !slices.IsSortedFunc(c.Severities, func(a, b Severity) int { return b.Rank() - a.Rank() }) ||
			len(slices.Compact(slices.Clone(c.Severities))) != len(c.Severities) {
			t.Errorf("%s: severities %q, want some, highest first, each once", c.ID, c.Severities)
		}
		for _, it := range c.Reads {
			part, ok := it.Part()
			switch {
			case !ok || !slices.Contains(probe.Items(), it):
				t.Errorf("%s reads %q, which is not a probe item", c.ID, it)
			case scopeOf[part] < c.Scope:
				t.Errorf("%s, of scope %s, reads %s, an item of each %s", c.ID, c.Scope, it, part)
			}
		}
	}
}

func TestScopeString(t *testing.T) {
	t.Parallel()
	for s, w := range map[Scope]string{ScopeProcess: "process", ScopeContainer: "container", ScopePod: "pod"} {
		if s.String() != w {
			t.Errorf("Scope(%d).String() = %q, want %q", s, s.String(), w)
		}
	}
}

// The builders must give the masks /proc/PID/status shows for those sets.
func TestBuilderMasks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		set  caps.Set
		want string
	}{
		{containerdCaps, "00000000a80425fb"},
		{containerdCaps | netAdmin, "00000000a80435fb"},
		{podmanCaps, "00000000800405fb"},
		{caps.Full(lastCap), "000001ffffffffff"},
		{caps.Full(lastCap).Remove(24), "000001fffeffffff"},
	} {
		if tc.set.Hex() != tc.want {
			t.Errorf("%s: hex %s, want %s", tc.set, tc.set.Hex(), tc.want)
		}
	}
}

// baseline is what the clean non-root containerd pair gives, per check.
var baseline = map[string][]want{
	"runAsUser":                {ok("")},
	"runAsGroup":               {ok("")},
	"runAsNonRoot":             {ok("")},
	"supplementalGroups":       {ok("")},
	"fsGroup":                  {skipped("")},
	"capabilities.bounding":    {ok("")},
	"capabilities.effective":   {ok("")},
	"capabilities.permitted":   {ok("")},
	"capabilities.inheritable": {ok("")},
	"capabilities.ambient":     {ok("")},
	"privileged":               {ok("")},
	"allowPrivilegeEscalation": {ok("no_new_privs")},
	"readOnlyRootFilesystem":   {ok("/")},
	"procMount":                {ok("")},
	"seccompProfile":           {ok("")},
	"appArmorProfile":          {ok("")},
	"seLinuxOptions":           {skipped("")},
	"sysctls":                  {ok(unprivPorts), ok(pingRange)},
	"hostUsers":                {ok("uid_map")},
	"unknownField":             {ok("")},
}

// baselineOf lists the baseline's findings of a status (all of them for
// "").
func baselineOf(st Status) []want {
	var out []want
	for _, ws := range baseline {
		for _, w := range ws {
			if st == "" || w.status == st {
				out = append(out, w)
			}
		}
	}
	return out
}

func TestCompareBaseline(t *testing.T) {
	t.Parallel()
	fs := Compare(expNonRoot(), obsNonRoot())
	holdToRegistry(t, fs)
	got := byCheck(fs)
	for _, id := range contractIDs {
		assertFindings(t, id, got[id], baseline[id])
	}
	// Findings come in registry order, each naming its process and, for
	// shared state, its scope.
	var order []string
	for _, f := range fs {
		if len(order) == 0 || order[len(order)-1] != string(f.Check) {
			order = append(order, string(f.Check))
		}
		if f.PID != testPID || f.Comm != testComm {
			t.Errorf("%s: pid %d comm %q", f.Check, f.PID, f.Comm)
		}
		wantScope := ""
		if c := registered(f.Check); c.Scope != ScopeProcess {
			wantScope = c.Scope.String()
		}
		if f.Scope != wantScope {
			t.Errorf("%s: scope %q, want %q", f.Check, f.Scope, wantScope)
		}
		if f.Message == "" {
			t.Errorf("%s: empty message", f.Check)
		}
	}
	if !slices.Equal(order, contractIDs) {
		t.Errorf("finding order %q, want %q", order, contractIDs)
	}
}

// asRoot turns e into the expectation of a container declared to run as
// root (runAsUser 0).
func asRoot(e *expect.Expected) {
	e.UID, e.GID, e.RunAsNonRoot = ptr(int64(0)), ptr(int64(0)), false
	e.AllowedGroups = []int64{0}
}

type checkCase struct {
	name string
	exp  func(*expect.Expected)
	obs  func(*probe.State)
	// want lists the findings of the named checks; every other check must
	// have no drift unless otherDrift is set.
	want       map[string][]want
	otherDrift bool
	// msg and hint hold substrings the messages (hints) of a check's
	// findings must contain.
	msg  map[string][]string
	hint map[string][]string
}

func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, o := expNonRoot(), obsNonRoot()
			if tc.exp != nil {
				tc.exp(e)
			}
			if tc.obs != nil {
				tc.obs(o)
			}
			fs := Compare(e, o)
			holdToRegistry(t, fs)
			got := byCheck(fs)
			schematest.ReportValue(t, New(e, o, SpecRef{Source: "test"}, testTime))
			for id, w := range tc.want {
				if !slices.Contains(contractIDs, id) {
					t.Fatalf("bad check id %q in table", id)
				}
				assertFindings(t, id, got[id], w)
			}
			if !tc.otherDrift {
				for id, fs := range got {
					if _, listed := tc.want[id]; listed {
						continue
					}
					for _, f := range fs {
						if f.Status == StatusDrift || f.Status == StatusUnknown {
							t.Errorf("unexpected %s %s on %s %s: %s", f.Severity, f.Status, id, f.Subject, f.Message)
						}
					}
				}
			}
			for id, subs := range tc.msg {
				var all []string
				for _, f := range got[id] {
					all = append(all, f.Message)
				}
				text := strings.Join(all, "\n")
				for _, s := range subs {
					if !strings.Contains(text, s) {
						t.Errorf("%s: messages %q lack %q", id, text, s)
					}
				}
			}
			for id, subs := range tc.hint {
				var all []string
				for _, f := range got[id] {
					all = append(all, f.Hint)
				}
				text := strings.Join(all, "\n")
				for _, s := range subs {
					if !strings.Contains(text, s) {
						t.Errorf("%s: hints %q lack %q", id, text, s)
					}
				}
			}
		})
	}
}

func TestIdentityChecks(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "runAsUser unset: the image's USER decides",
			exp:  func(e *expect.Expected) { e.UID = nil },
			want: map[string][]want{"runAsUser": {skipped("")}},
			msg:  map[string][]string{"runAsUser": {"observed 1000"}}},
		{name: "runAsUser drift to another non-root uid",
			obs:  func(s *probe.State) { s.UID = ids(1001) },
			want: map[string][]want{"runAsUser": {drift(SeverityHigh, "")}, "runAsNonRoot": {ok("")}},
			msg:  map[string][]string{"runAsUser": {"uid 1000", "uid 1001"}}},
		{name: "runAsUser drift to root",
			obs: func(s *probe.State) {
				s.UID = ids(0)
				s.Caps.Permitted, s.Caps.Effective = containerdCaps, containerdCaps
			},
			want: map[string][]want{"runAsUser": {drift(SeverityCritical, "")}, "runAsNonRoot": {drift(SeverityCritical, "")}}},
		{name: "runAsUser drift: effective uid 0 only",
			obs: func(s *probe.State) {
				s.UID = probe.IDs{Real: 1000, Effective: 0, Saved: 1000, FS: 1000}
				s.Caps.Permitted, s.Caps.Effective = containerdCaps, containerdCaps
			},
			want: map[string][]want{"runAsUser": {drift(SeverityCritical, "")}, "runAsNonRoot": {drift(SeverityCritical, "")}},
			msg:  map[string][]string{"runAsUser": {"real 1000, effective 0, saved 1000, fs 1000"}}},
		{name: "runAsUser drift: real uid 0 only",
			obs:  func(s *probe.State) { s.UID = probe.IDs{Real: 0, Effective: 1000, Saved: 1000, FS: 1000} },
			want: map[string][]want{"runAsUser": {drift(SeverityCritical, "")}, "runAsNonRoot": {drift(SeverityCritical, "")}}},

		{name: "runAsGroup ok names the derivation",
			want: map[string][]want{"runAsGroup": {ok("")}},
			msg:  map[string][]string{"runAsGroup": {"primary gid 1000 (gid 1000 from runAsGroup)"}}},
		{name: "runAsGroup derived from passwd drifts with the derivation in the message",
			exp: func(e *expect.Expected) {
				e.GID = ptr(int64(0))
				e.AllowedGroups = []int64{0}
				e.GIDSource = expect.GIDNotInPasswd
			},
			// an older containerd that does not put the primary gid in Groups
			obs:  func(s *probe.State) { s.Groups = []int64{} },
			want: map[string][]want{"runAsGroup": {drift(SeverityMedium, "")}},
			msg:  map[string][]string{"runAsGroup": {"expected primary gid is 0 (gid 0: uid 1000 is not in the image's /etc/passwd and runAsGroup is unset)", "gid 1000"}}},
		{name: "runAsGroup drift to gid 0",
			obs:  func(s *probe.State) { s.GID = ids(0); s.Groups = []int64{} },
			want: map[string][]want{"runAsGroup": {drift(SeverityHigh, "")}}},
		{name: "runAsGroup not derivable",
			exp: func(e *expect.Expected) {
				e.UID, e.GID, e.AllowedGroups, e.ImageGroupsUnknown = nil, nil, nil, true
				e.GIDSource = expect.GIDImageUser
			},
			want: map[string][]want{"runAsUser": {skipped("")}, "runAsGroup": {skipped("")}, "supplementalGroups": {skipped("")}},
			msg:  map[string][]string{"runAsGroup": {"gid not derivable: the image's USER applies", "observed 1000"}}},
		{name: "runAsGroup without a recorded derivation",
			exp:  func(e *expect.Expected) { e.GIDSource, e.Rules = expect.GIDUnresolved, nil },
			obs:  func(s *probe.State) { s.GID = ids(1001); s.Groups = []int64{} },
			want: map[string][]want{"runAsGroup": {drift(SeverityMedium, "")}},
			msg:  map[string][]string{"runAsGroup": {"resolved from the spec"}}},

		{name: "runAsNonRoot not declared",
			exp:  func(e *expect.Expected) { e.RunAsNonRoot = false },
			want: map[string][]want{"runAsNonRoot": {skipped("")}}},
		{name: "runAsNonRoot: saved uid 0",
			obs:        func(s *probe.State) { s.UID.Saved = 0 },
			want:       map[string][]want{"runAsNonRoot": {drift(SeverityCritical, "")}},
			otherDrift: true},
		{name: "runAsNonRoot: fs uid 0",
			obs:        func(s *probe.State) { s.UID.FS = 0 },
			want:       map[string][]want{"runAsNonRoot": {drift(SeverityCritical, "")}},
			otherDrift: true},
		{name: "root declared and observed",
			exp:  asRoot,
			obs:  func(s *probe.State) { rootCaps(s, containerdCaps) },
			want: map[string][]want{"runAsUser": {ok("")}, "runAsGroup": {ok("")}, "runAsNonRoot": {skipped("")}}},
	})
}

func TestGroupChecks(t *testing.T) {
	t.Parallel()
	merge := func(e *expect.Expected) {
		e.SupplementalGroups = []int64{2000}
		e.AllowedGroups = []int64{10, 1000} // primary gid and the image's /etc/group memberships
	}
	runCheckCases(t, []checkCase{
		{name: "Merge: image memberships allowed",
			exp:  merge,
			obs:  func(s *probe.State) { s.Groups = []int64{10, 1000, 2000} },
			want: map[string][]want{"supplementalGroups": {ok("")}}},
		{name: "Merge: extra undeclared group",
			exp:  merge,
			obs:  func(s *probe.State) { s.Groups = []int64{4, 10, 1000, 2000} },
			want: map[string][]want{"supplementalGroups": {drift(SeverityHigh, "")}},
			msg:  map[string][]string{"supplementalGroups": {"[4]", "Merge"}}},
		{name: "declared group missing",
			exp:  merge,
			obs:  func(s *probe.State) { s.Groups = []int64{10, 1000} },
			want: map[string][]want{"supplementalGroups": {drift(SeverityMedium, "")}},
			msg:  map[string][]string{"supplementalGroups": {"lacks [2000]"}}},
		{name: "declared group missing and an extra one",
			exp:  merge,
			obs:  func(s *probe.State) { s.Groups = []int64{4, 1000} },
			want: map[string][]want{"supplementalGroups": {drift(SeverityMedium, ""), drift(SeverityHigh, "")}}},
		{name: "image groups unknown: extras tolerated",
			exp: func(e *expect.Expected) {
				merge(e)
				e.AllowedGroups, e.ImageGroupsUnknown = []int64{1000}, true
			},
			obs:  func(s *probe.State) { s.Groups = []int64{4, 10, 1000, 2000} },
			want: map[string][]want{"supplementalGroups": {ok("")}}},
		{name: "image groups unknown: a declared group is still required",
			exp: func(e *expect.Expected) {
				merge(e)
				e.ImageGroupsUnknown = true
			},
			obs:  func(s *probe.State) { s.Groups = []int64{4, 1000} },
			want: map[string][]want{"supplementalGroups": {drift(SeverityMedium, "")}}},
		{name: "nothing declared and image groups unknown",
			exp:  func(e *expect.Expected) { e.ImageGroupsUnknown = true },
			obs:  func(s *probe.State) { s.Groups = []int64{4, 1000} },
			want: map[string][]want{"supplementalGroups": {skipped("")}}},
		{name: "Strict: image membership is extra",
			exp: func(e *expect.Expected) {
				e.GroupsPolicy = "Strict"
				e.SupplementalGroups = []int64{2000}
			},
			obs:  func(s *probe.State) { s.Groups = []int64{10, 1000, 2000} },
			want: map[string][]want{"supplementalGroups": {drift(SeverityHigh, "")}},
			msg:  map[string][]string{"supplementalGroups": {"Strict"}}},
		{name: "fsGroup is in the groups",
			exp:  func(e *expect.Expected) { e.FSGroup = ptr(int64(3000)) },
			obs:  func(s *probe.State) { s.Groups = []int64{1000, 3000} },
			want: map[string][]want{"supplementalGroups": {ok("")}, "fsGroup": {ok("")}}},
		{name: "fsGroup equal to the primary gid",
			exp:  func(e *expect.Expected) { e.FSGroup = ptr(int64(1000)) },
			obs:  func(s *probe.State) { s.Groups = []int64{} },
			want: map[string][]want{"supplementalGroups": {ok("")}, "fsGroup": {ok("")}}},
		{name: "fsGroup missing",
			exp:  func(e *expect.Expected) { e.FSGroup = ptr(int64(3000)) },
			want: map[string][]want{"supplementalGroups": {ok("")}, "fsGroup": {drift(SeverityMedium, "")}},
			msg:  map[string][]string{"fsGroup": {"fsGroup 3000"}}},
		{name: "platform hint travels with the finding",
			exp: func(e *expect.Expected) {
				e.FSGroup = ptr(int64(3000))
				e.Hints = map[check.ID]string{"fsGroup": "ECI: fsGroup is not listed as supported."}
			},
			want: map[string][]want{"fsGroup": {drift(SeverityMedium, "")}},
			hint: map[string][]string{"fsGroup": {"ECI: fsGroup"}}},
	})
}

func TestCapabilityChecks(t *testing.T) {
	t.Parallel()
	addNetAdmin := func(e *expect.Expected) { e.Capabilities = containerdCaps | netAdmin }
	allOK := map[string][]want{}
	for _, c := range Checks {
		if c.Values&ValuesCapabilities != 0 {
			allOK[string(c.ID)] = []want{ok("")}
		}
	}
	withCaps := func(m map[string][]want) map[string][]want {
		out := map[string][]want{}
		for k, v := range allOK {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	sysResource := caps.MustFromNames("SYS_RESOURCE")
	runCheckCases(t, []checkCase{
		{name: "non-root with add NET_ADMIN: empty permitted and effective (execve rule)",
			exp:  addNetAdmin,
			obs:  func(s *probe.State) { s.Caps.Bounding = containerdCaps | netAdmin },
			want: allOK,
			msg:  map[string][]string{"capabilities.effective": {"kubernetes#56374"}}},
		{name: "podman non-root with NET_ADMIN in all five sets",
			exp: func(e *expect.Expected) {
				e.Profile = "podman"
				e.Capabilities = podmanCaps | netAdmin
				e.Ambient, e.AmbientRule = netAdmin, "podman raises the added capabilities as ambient for a non-root user"
			},
			obs: func(s *probe.State) {
				s.Caps = probe.Capabilities{Bounding: podmanCaps | netAdmin, Inheritable: netAdmin,
					Permitted: netAdmin, Effective: netAdmin, Ambient: netAdmin}
			},
			want: allOK,
			msg:  map[string][]string{"capabilities.inheritable": {"only the expected ambient"}}},
		{name: "non-root with a file capability within the set",
			obs: func(s *probe.State) {
				nr := caps.MustFromNames("NET_RAW")
				s.Caps.Permitted, s.Caps.Effective = nr, nr
			},
			want: allOK},
		{name: "inheritable holds the 14 defaults, ambient empty",
			obs:  func(s *probe.State) { s.Caps.Inheritable = containerdCaps },
			want: withCaps(map[string][]want{"capabilities.inheritable": {drift(SeverityLow, "")}}),
			hint: map[string][]string{"capabilities.inheritable": {"1.5.11/1.6.2"}}},
		{name: "inheritable drift keeps the platform rule after the runtime note",
			exp:  func(e *expect.Expected) { e.Hints = map[check.ID]string{"capabilities.inheritable": "PLATFORM-RULE"} },
			obs:  func(s *probe.State) { s.Caps.Inheritable = containerdCaps },
			want: withCaps(map[string][]want{"capabilities.inheritable": {drift(SeverityLow, "")}}),
			hint: map[string][]string{"capabilities.inheritable": {"podman before 4.0 filled CapInh with the default set. PLATFORM-RULE"}}},
		{name: "inheritable outside the spec",
			exp:  func(e *expect.Expected) { e.Capabilities = 0 },
			obs:  func(s *probe.State) { s.Caps.Bounding, s.Caps.Inheritable = 0, containerdCaps },
			want: withCaps(map[string][]want{"capabilities.inheritable": {drift(SeverityHigh, "")}})},
		{name: "ambient outside the spec",
			obs: func(s *probe.State) {
				s.Caps.Inheritable, s.Caps.Ambient = netAdmin, netAdmin
			},
			want: withCaps(map[string][]want{"capabilities.inheritable": {drift(SeverityHigh, "")},
				"capabilities.ambient": {drift(SeverityHigh, "")}})},
		{name: "bounding holds an undeclared capability",
			obs:  func(s *probe.State) { s.Caps.Bounding |= netAdmin },
			want: withCaps(map[string][]want{"capabilities.bounding": {drift(SeverityHigh, "")}}),
			msg:  map[string][]string{"capabilities.bounding": {"NET_ADMIN"}}},
		{name: "bounding holds SYS_ADMIN",
			obs:  func(s *probe.State) { s.Caps.Bounding |= sysAdmin },
			want: withCaps(map[string][]want{"capabilities.bounding": {drift(SeverityCritical, "")}})},
		{name: "bounding lacks an added capability",
			exp:  addNetAdmin,
			want: withCaps(map[string][]want{"capabilities.bounding": {drift(SeverityMedium, "")}})},
		{name: "bounding with an extra and a missing capability",
			exp:  addNetAdmin,
			obs:  func(s *probe.State) { s.Caps.Bounding = containerdCaps | sysAdmin },
			want: withCaps(map[string][]want{"capabilities.bounding": {drift(SeverityCritical, ""), drift(SeverityMedium, "")}})},
		{name: "non-root with undeclared permitted and effective capability",
			obs: func(s *probe.State) {
				s.Caps.Permitted, s.Caps.Effective = netAdmin, netAdmin
			},
			want: withCaps(map[string][]want{"capabilities.effective": {drift(SeverityHigh, "")},
				"capabilities.permitted": {drift(SeverityHigh, "")}})},
		{name: "root with CapEff == CapPrm == CapBnd == expected",
			exp:  asRoot,
			obs:  func(s *probe.State) { rootCaps(s, containerdCaps) },
			want: allOK,
			msg:  map[string][]string{"capabilities.effective": {"uid-0 process holds exactly the expected 14"}}},
		{name: "root with drop ALL",
			exp:  func(e *expect.Expected) { asRoot(e); e.Capabilities = 0 },
			obs:  func(s *probe.State) { rootCaps(s, 0) },
			want: allOK},
		{name: "root lacking an expected capability in effective",
			exp: asRoot,
			obs: func(s *probe.State) {
				rootCaps(s, containerdCaps)
				s.Caps.Effective = containerdCaps.Remove(5) // KILL
			},
			want: withCaps(map[string][]want{"capabilities.effective": {drift(SeverityLow, "")}}),
			msg:  map[string][]string{"capabilities.effective": {"lacks KILL"}}},
		{name: "root lacking an expected capability in permitted",
			exp: asRoot,
			obs: func(s *probe.State) {
				rootCaps(s, containerdCaps)
				s.Caps.Permitted = containerdCaps.Remove(5) // KILL
				s.Caps.Effective = s.Caps.Permitted
			},
			want: withCaps(map[string][]want{"capabilities.effective": {drift(SeverityLow, "")}, "capabilities.permitted": {drift(SeverityLow, "")}}),
			msg:  map[string][]string{"capabilities.permitted": {"permitted set lacks KILL"}}},
		{name: "root with an undeclared capability everywhere",
			exp: asRoot,
			obs: func(s *probe.State) { rootCaps(s, containerdCaps|netAdmin) },
			want: withCaps(map[string][]want{"capabilities.bounding": {drift(SeverityHigh, "")},
				"capabilities.effective": {drift(SeverityHigh, "")}, "capabilities.permitted": {drift(SeverityHigh, "")}})},
		{name: "root, spec adds a capability the platform refused",
			exp:  func(e *expect.Expected) { asRoot(e); addNetAdmin(e) },
			obs:  func(s *probe.State) { rootCaps(s, containerdCaps) },
			want: withCaps(map[string][]want{"capabilities.bounding": {drift(SeverityMedium, "")}})},
		{name: "add ALL on a host lacking SYS_RESOURCE",
			exp: func(e *expect.Expected) {
				asRoot(e)
				e.Capabilities, e.AllCapabilities = caps.Full(lastCap), true
			},
			obs: func(s *probe.State) { rootCaps(s, caps.Full(lastCap).Minus(sysResource)) },
			want: withCaps(map[string][]want{"capabilities.bounding": {drift(SeverityInfo, "")},
				"privileged": {ok("")}}),
			hint: map[string][]string{"capabilities.bounding": {"SYS_RESOURCE"}}},
	})
}

func TestPrivilegedCheck(t *testing.T) {
	t.Parallel()
	full := caps.Full(lastCap)
	runCheckCases(t, []checkCase{
		{name: "privileged container",
			exp: privileged,
			obs: func(s *probe.State) { privilegedState(s, full) },
			want: map[string][]want{"privileged": {ok("")}, "capabilities.bounding": {ok("")},
				"capabilities.effective": {ok("")}, "capabilities.permitted": {ok("")},
				"procMount": {ok("")}, "seccompProfile": {ok("")}, "appArmorProfile": {ok("")}, "runAsNonRoot": {skipped("")}}},
		{name: "privileged on a host lacking CAP_SYS_RESOURCE",
			exp: privileged,
			obs: func(s *probe.State) { privilegedState(s, 0x1fffeffffff) },
			want: map[string][]want{"privileged": {ok("")}, "capabilities.bounding": {drift(SeverityInfo, "")},
				"capabilities.effective": {ok("")}, "capabilities.permitted": {ok("")}},
			msg:  map[string][]string{"capabilities.bounding": {"SYS_RESOURCE is absent"}},
			hint: map[string][]string{"capabilities.bounding": {"privileged containers never get it"}}},
		{name: "privileged with a platform hint on bounding",
			exp: func(e *expect.Expected) {
				privileged(e)
				e.Hints = map[check.ID]string{"capabilities.bounding": "PLATFORM-RULE"}
			},
			obs:  func(s *probe.State) { privilegedState(s, 0x1fffeffffff) },
			want: map[string][]want{"capabilities.bounding": {drift(SeverityInfo, "")}},
			hint: map[string][]string{"capabilities.bounding": {"SYS_RESOURCE), privileged containers never get it. PLATFORM-RULE"}}},
		{name: "declared privileged but seccomp filter",
			exp: privileged,
			obs: func(s *probe.State) { privilegedState(s, full); s.Seccomp = 2 },
			want: map[string][]want{"privileged": {drift(SeverityMedium, "")},
				"seccompProfile": {drift(SeverityLow, "")}}},
		{name: "declared privileged but missing two capabilities",
			exp: privileged,
			obs: func(s *probe.State) { privilegedState(s, full.Remove(24).Remove(21)) },
			want: map[string][]want{"privileged": {drift(SeverityMedium, "")},
				"capabilities.bounding": {drift(SeverityMedium, "")}}},
		{name: "privileged under a runtime predating PERFMON, BPF and CHECKPOINT_RESTORE, on a host lacking SYS_RESOURCE",
			exp: privileged,
			obs: func(s *probe.State) {
				privilegedState(s, full.Minus(caps.MustFromNames("PERFMON", "BPF", "CHECKPOINT_RESTORE", "SYS_RESOURCE")))
			},
			want: map[string][]want{"privileged": {ok("")}, "capabilities.bounding": {drift(SeverityInfo, "")},
				"capabilities.effective": {ok("")}, "capabilities.permitted": {ok("")}}},
		{name: "add ALL with a drop: still every capability the runtime holds, less the drop",
			exp: func(e *expect.Expected) {
				asRoot(e)
				e.Capabilities, e.AllCapabilities = full.Remove(0), true // drop CHOWN
			},
			obs: func(s *probe.State) { rootCaps(s, full.Remove(0).Remove(24)) },
			want: map[string][]want{"privileged": {ok("")}, "capabilities.bounding": {drift(SeverityInfo, "")},
				"capabilities.effective": {ok("")}, "capabilities.permitted": {ok("")}}},
		{name: "add ALL with a drop, the dropped capability present",
			exp: func(e *expect.Expected) {
				asRoot(e)
				e.Capabilities, e.AllCapabilities = full.Remove(0), true
			},
			obs: func(s *probe.State) { rootCaps(s, full) },
			want: map[string][]want{"capabilities.bounding": {drift(SeverityHigh, "")},
				"capabilities.effective": {drift(SeverityHigh, "")}, "capabilities.permitted": {drift(SeverityHigh, "")}}},
		{name: "not declared privileged but runs like one",
			exp:        asRoot,
			obs:        func(s *probe.State) { privilegedState(s, full) },
			want:       map[string][]want{"privileged": {drift(SeverityCritical, "")}},
			otherDrift: true},
		{name: "add ALL without privileged, default paths masked",
			exp: func(e *expect.Expected) {
				asRoot(e)
				e.Capabilities, e.AllCapabilities = full, true
			},
			obs:  func(s *probe.State) { rootCaps(s, full) },
			want: map[string][]want{"privileged": {ok("")}, "capabilities.bounding": {ok("")}}},
		{name: "one masked path suffices to tell a confined container",
			exp: asRoot,
			obs: func(s *probe.State) {
				rootCaps(s, full)
				unmaskAll(s)
				s.Mounts.Paths["/proc/kcore"] = probe.PathState{Exists: true, Masked: true}
			},
			want: map[string][]want{"privileged": {ok("")}, "capabilities.bounding": {drift(SeverityCritical, "")}},
			// the default paths are open
			otherDrift: true},
	})
}

func TestFlagChecks(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "no_new_privs asked and set",
			exp:  func(e *expect.Expected) { e.NoNewPrivs = true },
			obs:  func(s *probe.State) { s.NoNewPrivs = true },
			want: map[string][]want{"allowPrivilegeEscalation": {ok("no_new_privs")}}},
		{name: "no_new_privs asked but off",
			exp:  func(e *expect.Expected) { e.NoNewPrivs = true },
			want: map[string][]want{"allowPrivilegeEscalation": {drift(SeverityHigh, "no_new_privs")}}},
		{name: "no_new_privs on but not asked",
			obs:  func(s *probe.State) { s.NoNewPrivs = true },
			want: map[string][]want{"allowPrivilegeEscalation": {drift(SeverityLow, "no_new_privs")}}},
		{name: "read-only root asked and in force",
			exp:  func(e *expect.Expected) { e.ReadOnlyRootFilesystem = true },
			obs:  func(s *probe.State) { s.Mounts.RootReadOnly = true },
			want: map[string][]want{"readOnlyRootFilesystem": {ok("/")}}},
		{name: "read-only root asked but writable",
			exp:  func(e *expect.Expected) { e.ReadOnlyRootFilesystem = true },
			want: map[string][]want{"readOnlyRootFilesystem": {drift(SeverityHigh, "/")}}},
		{name: "read-only root not asked",
			obs:  func(s *probe.State) { s.Mounts.RootReadOnly = true },
			want: map[string][]want{"readOnlyRootFilesystem": {drift(SeverityLow, "/")}}},
		{name: "seccomp RuntimeDefault in force",
			exp: func(e *expect.Expected) {
				e.Seccomp = expect.Seccomp{Type: "RuntimeDefault", Mode: 2, Source: expect.Source{Kind: expect.FromPod}}
			},
			obs:  func(s *probe.State) { s.Seccomp, s.SeccompFilters = 2, 1 },
			want: map[string][]want{"seccompProfile": {ok("")}},
			msg:  map[string][]string{"seccompProfile": {"filter", "RuntimeDefault from pod", "1 filters"}}},
		{name: "seccomp Localhost in force",
			exp: func(e *expect.Expected) {
				e.Seccomp = expect.Seccomp{Type: "Localhost", LocalhostProfile: "profiles/audit.json", Mode: 2, Source: expect.Source{Kind: expect.FromContainer}}
			},
			obs:  func(s *probe.State) { s.Seccomp, s.SeccompFilters = 2, 2 },
			want: map[string][]want{"seccompProfile": {ok("")}}},
		{name: "seccomp RuntimeDefault not applied",
			exp: func(e *expect.Expected) {
				e.Seccomp = expect.Seccomp{Type: "RuntimeDefault", Mode: 2, Source: expect.Source{Kind: expect.FromContainer}}
			},
			want: map[string][]want{"seccompProfile": {drift(SeverityHigh, "")}},
			msg:  map[string][]string{"seccompProfile": {"seccomp is disabled"}}},
		{name: "seccomp filter although Unconfined expected",
			obs:  func(s *probe.State) { s.Seccomp = 2 },
			want: map[string][]want{"seccompProfile": {drift(SeverityLow, "")}}},
		{name: "seccomp strict although Unconfined expected",
			obs:  func(s *probe.State) { s.Seccomp = 1 },
			want: map[string][]want{"seccompProfile": {drift(SeverityLow, "")}},
			msg:  map[string][]string{"seccompProfile": {"strict mode"}}},
		{name: "seccomp mode the kernel does not document",
			obs:  func(s *probe.State) { s.Seccomp = 3 },
			want: map[string][]want{"seccompProfile": {drift(SeverityLow, "")}},
			msg:  map[string][]string{"seccompProfile": {"seccomp is 3"}}},
		{name: "hostUsers false in an own user namespace",
			exp:  func(e *expect.Expected) { e.HostUsers = false },
			obs:  func(s *probe.State) { s.UIDMap = probe.IDMap{{Inside: 0, Outside: 65536, Length: 65536}} },
			want: map[string][]want{"hostUsers": {ok("uid_map")}},
			msg:  map[string][]string{"hostUsers": {"0 65536 65536"}}},
		{name: "hostUsers false but the host's user namespace",
			exp:  func(e *expect.Expected) { e.HostUsers = false },
			want: map[string][]want{"hostUsers": {drift(SeverityHigh, "uid_map")}}},
		{name: "hostUsers unset but in a user namespace",
			obs: func(s *probe.State) {
				s.UIDMap = probe.IDMap{{Inside: 0, Outside: 1000, Length: 1}, {Inside: 1, Outside: 100000, Length: 65536}}
			},
			want: map[string][]want{"hostUsers": {drift(SeverityLow, "uid_map")}},
			msg:  map[string][]string{"hostUsers": {"0 1000 1; 1 100000 65536"}}},
	})
}

func TestProcMountCheck(t *testing.T) {
	t.Parallel()
	unmasked := func(e *expect.Expected) {
		e.ProcMount = "Unmasked"
		e.UnmaskedPaths = append(append([]string(nil), defaultMasked...), defaultReadonly...)
		e.MaskedPaths, e.ReadonlyPaths = []string{}, []string{}
	}
	runCheckCases(t, []checkCase{
		{name: "masked path visible",
			obs:  func(s *probe.State) { s.Mounts.Paths["/proc/kcore"] = probe.PathState{Exists: true} },
			want: map[string][]want{"procMount": {drift(SeverityHigh, "/proc/kcore")}}},
		{name: "two paths open",
			obs: func(s *probe.State) {
				s.Mounts.Paths["/proc/kcore"] = probe.PathState{Exists: true}
				s.Mounts.Paths["/proc/sys"] = probe.PathState{Exists: true}
			},
			want: map[string][]want{"procMount": {drift(SeverityHigh, "/proc/kcore"), drift(SeverityHigh, "/proc/sys")}}},
		{name: "read-only path writable",
			obs:  func(s *probe.State) { s.Mounts.Paths["/proc/sysrq-trigger"] = probe.PathState{Exists: true} },
			want: map[string][]want{"procMount": {drift(SeverityHigh, "/proc/sysrq-trigger")}}},
		{name: "read-only path masked instead",
			obs:  func(s *probe.State) { s.Mounts.Paths["/proc/irq"] = probe.PathState{Exists: true, Masked: true} },
			want: map[string][]want{"procMount": {ok("")}}},
		{name: "masked path absent from the container",
			obs:  func(s *probe.State) { s.Mounts.Paths["/sys/devices/virtual/powercap"] = probe.PathState{} },
			want: map[string][]want{"procMount": {ok("")}},
			msg:  map[string][]string{"procMount": {"All 15 existing", "1 absent"}}},
		{name: "path not in the probe's answer",
			obs:  func(s *probe.State) { delete(s.Mounts.Paths, "/proc/scsi") },
			want: map[string][]want{"procMount": {ok("")}}},
		{name: "path unread with no mount",
			obs: func(s *probe.State) {
				s.SetUnread(probe.PathItem("/proc/timer_stats"), denied("/proc/4242/root/proc/timer_stats"))
			},
			want: map[string][]want{"procMount": {unknown("/proc/timer_stats")}},
			msg:  map[string][]string{"procMount": {"/proc/4242/root/proc/timer_stats", "permission denied"}},
			hint: map[string][]string{"procMount": {"Run secctx as the same user"}}},
		{name: "path unread and another path open",
			obs: func(s *probe.State) {
				s.SetUnread(probe.PathItem("/proc/timer_stats"), denied("/proc/4242/root/proc/timer_stats"))
				s.Mounts.Paths["/proc/keys"] = probe.PathState{Exists: true}
			},
			want: map[string][]want{"procMount": {drift(SeverityHigh, "/proc/keys"), unknown("/proc/timer_stats")}}},
		{name: "Unmasked with every default path open",
			exp:  unmasked,
			obs:  unmaskAll,
			want: map[string][]want{"procMount": {ok("")}},
			msg:  map[string][]string{"procMount": {"procMount Unmasked"}}},
		{name: "Unmasked with a default path still masked",
			exp: unmasked,
			obs: func(s *probe.State) {
				unmaskAll(s)
				s.Mounts.Paths["/proc/kcore"] = probe.PathState{Exists: true, Masked: true, ReadOnly: true}
			},
			want: map[string][]want{"procMount": {drift(SeverityLow, "/proc/kcore")}},
			msg:  map[string][]string{"procMount": {"cri-o#6009"}}},
		{name: "Unmasked with an absent default path",
			exp: unmasked,
			obs: func(s *probe.State) {
				unmaskAll(s)
				s.Mounts.Paths["/proc/kcore"] = probe.PathState{Masked: true}
			},
			want: map[string][]want{"procMount": {ok("")}}},
	})
}

func TestLSMChecks(t *testing.T) {
	t.Parallel()
	noLSM := func(s *probe.State) { s.LSM = probe.LSM{} }
	localhost := func(e *expect.Expected) {
		e.AppArmor = expect.AppArmor{Type: "Localhost", Profile: "k8s-deny-write", Declared: true, Source: expect.Source{Kind: expect.FromContainer}}
	}
	podman := func(e *expect.Expected) {
		e.AppArmor = expect.AppArmor{Type: "RuntimeDefault", Profile: "containers-default-", ProfilePrefix: true, Source: expect.Source{Kind: expect.FromRuntime}}
	}
	sel := func(e *expect.Expected) {
		e.SELinux = &manifest.SELinuxOptions{Type: "container_t", Level: "s0:c1,c2"}
	}
	selLabel := func(label string) func(*probe.State) {
		return func(s *probe.State) { s.LSM = probe.ClassifyLabel(label) }
	}
	runCheckCases(t, []checkCase{
		{name: "AppArmor: runtime default in force",
			want: map[string][]want{"appArmorProfile": {ok("")}}},
		{name: "AppArmor: node without AppArmor, nothing declared",
			obs:  noLSM,
			want: map[string][]want{"appArmorProfile": {skipped("")}}},
		{name: "AppArmor: node without AppArmor, Unconfined declared",
			exp: func(e *expect.Expected) {
				e.AppArmor = expect.AppArmor{Type: "Unconfined", Profile: "unconfined", Declared: true, Source: expect.Source{Kind: expect.FromPod}}
			},
			obs:  noLSM,
			want: map[string][]want{"appArmorProfile": {skipped("")}}},
		{name: "AppArmor: node without AppArmor, Localhost declared",
			exp:  localhost,
			obs:  noLSM,
			want: map[string][]want{"appArmorProfile": {drift(SeverityMedium, "")}},
			msg:  map[string][]string{"appArmorProfile": {"k8s-deny-write"}}},
		{name: "AppArmor: SELinux node, RuntimeDefault declared",
			exp: func(e *expect.Expected) {
				e.AppArmor.Declared, e.AppArmor.Source = true, expect.Source{Kind: expect.FromContainer}
			},
			obs:  selLabel("system_u:system_r:container_t:s0:c1,c2"),
			want: map[string][]want{"appArmorProfile": {drift(SeverityMedium, "")}}},
		{name: "AppArmor: Localhost in force",
			exp:  localhost,
			obs:  selLabel("k8s-deny-write (enforce)"),
			want: map[string][]want{"appArmorProfile": {ok("")}}},
		{name: "AppArmor: Localhost declared, another profile in force",
			exp:  localhost,
			want: map[string][]want{"appArmorProfile": {drift(SeverityMedium, "")}},
			msg:  map[string][]string{"appArmorProfile": {"runs under " + ctrdAppArmor}}},
		{name: "AppArmor: podman's versioned default matches by prefix",
			exp:  podman,
			obs:  selLabel("containers-default-0.50.0 (enforce)"),
			want: map[string][]want{"appArmorProfile": {ok("")}}},
		{name: "AppArmor: without prefix matching the versioned name differs",
			exp:  func(e *expect.Expected) { podman(e); e.AppArmor.ProfilePrefix = false },
			obs:  selLabel("containers-default-0.50.0 (enforce)"),
			want: map[string][]want{"appArmorProfile": {drift(SeverityMedium, "")}}},
		{name: "AppArmor: complain mode",
			obs:  selLabel(ctrdAppArmor + " (complain)"),
			want: map[string][]want{"appArmorProfile": {drift(SeverityMedium, "")}},
			msg:  map[string][]string{"appArmorProfile": {"complain mode"}}},
		{name: "AppArmor: unconfined though the default is expected",
			obs:  selLabel("unconfined"),
			want: map[string][]want{"appArmorProfile": {drift(SeverityHigh, "")}},
			msg:  map[string][]string{"appArmorProfile": {"kubernetes#125069"}}},
		{name: "AppArmor: runtime default name unknown, some profile in force",
			exp:  func(e *expect.Expected) { e.AppArmor.Profile = "" },
			obs:  selLabel("eci-default (enforce)"),
			want: map[string][]want{"appArmorProfile": {ok("")}}},
		{name: "AppArmor: Unconfined declared and unconfined",
			exp: func(e *expect.Expected) {
				e.AppArmor = expect.AppArmor{Type: "Unconfined", Profile: "unconfined", Declared: true, Source: expect.Source{Kind: expect.FromPod}}
			},
			obs:  selLabel("unconfined"),
			want: map[string][]want{"appArmorProfile": {ok("")}}},
		{name: "AppArmor: Unconfined declared but confined",
			exp: func(e *expect.Expected) {
				e.AppArmor = expect.AppArmor{Type: "Unconfined", Profile: "unconfined", Declared: true, Source: expect.Source{Kind: expect.FromPod}}
			},
			want: map[string][]want{"appArmorProfile": {drift(SeverityLow, "")}}},

		{name: "SELinux: nothing declared on an SELinux node",
			obs:  selLabel("system_u:system_r:container_t:s0:c4,c5"),
			want: map[string][]want{"seLinuxOptions": {skipped("")}, "appArmorProfile": {skipped("")}},
			msg:  map[string][]string{"seLinuxOptions": {"container_t:s0:c4,c5"}}},
		{name: "SELinux: level with colons matches",
			exp:  sel,
			obs:  selLabel("system_u:system_r:container_t:s0:c1,c2"),
			want: map[string][]want{"seLinuxOptions": {ok("")}}},
		{name: "SELinux: MLS range level matches",
			exp: func(e *expect.Expected) {
				e.SELinux = &manifest.SELinuxOptions{User: "system_u", Role: "system_r", Type: "spc_t", Level: "s0-s0:c0.c1023"}
			},
			obs:  selLabel("system_u:system_r:spc_t:s0-s0:c0.c1023"),
			want: map[string][]want{"seLinuxOptions": {ok("")}}},
		{name: "SELinux: other categories",
			exp:  sel,
			obs:  selLabel("system_u:system_r:container_t:s0:c1,c3"),
			want: map[string][]want{"seLinuxOptions": {drift(SeverityMedium, "")}},
			msg:  map[string][]string{"seLinuxOptions": {"level s0:c1,c3 (want s0:c1,c2)"}}},
		{name: "SELinux: other type",
			exp:  sel,
			obs:  selLabel("system_u:system_r:spc_t:s0:c1,c2"),
			want: map[string][]want{"seLinuxOptions": {drift(SeverityMedium, "")}},
			msg:  map[string][]string{"seLinuxOptions": {"type spc_t (want container_t)"}}},
		{name: "SELinux: label without a level",
			exp:  sel,
			obs:  selLabel("system_u:system_r:container_t"),
			want: map[string][]want{"seLinuxOptions": {drift(SeverityMedium, "")}}},
		{name: "SELinux: declared on a node without SELinux",
			exp:  sel,
			want: map[string][]want{"seLinuxOptions": {drift(SeverityMedium, "")}}},
	})
}

func TestSysctlsCheck(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "tab-separated value normalised by the probe",
			obs:  func(s *probe.State) { s.Sysctls[pingRange] = sysctl.NormalizeValue("0\t2147483647\n") },
			want: map[string][]want{"sysctls": {ok(unprivPorts), ok(pingRange)}}},
		{name: "different range drifts at low for a runtime default",
			obs:  func(s *probe.State) { s.Sysctls[pingRange] = sysctl.NormalizeValue("1\t0") },
			want: map[string][]want{"sysctls": {ok(unprivPorts), drift(SeverityLow, pingRange)}},
			msg:  map[string][]string{"sysctls": {`"1 0"`, `"0 2147483647"`}}},
		{name: "pod sysctl not applied drifts at medium",
			exp: func(e *expect.Expected) {
				e.Sysctls = append(e.Sysctls, expect.ExpectedSysctl{Name: "net.core.somaxconn", Value: "1024", Source: expect.Source{Kind: expect.FromPod}})
			},
			obs:  func(s *probe.State) { s.Sysctls["net.core.somaxconn"] = "4096" },
			want: map[string][]want{"sysctls": {ok(unprivPorts), ok(pingRange), drift(SeverityMedium, "net.core.somaxconn")}}},
		{name: "unread sysctl is unknown for that subject only",
			obs: func(s *probe.State) {
				s.SetUnread(probe.SysctlItem(pingRange), &probe.ReadError{Path: "/proc/sys/net/ipv4/ping_group_range", Reason: "absent"})
			},
			want: map[string][]want{"sysctls": {ok(unprivPorts), unknown(pingRange)}},
			msg:  map[string][]string{"sysctls": {"/proc/sys/net/ipv4/ping_group_range: absent"}}},
		{name: "nothing declared or injected",
			exp:  func(e *expect.Expected) { e.Sysctls = nil },
			want: map[string][]want{"sysctls": {skipped("")}},
			msg:  map[string][]string{"sysctls": {"containerd profile"}}},
	})
}

// unreadItems lists, per Reads item, how the probe reports it unread.
func TestUnknownWhenUnread(t *testing.T) {
	t.Parallel()
	reasons := []*probe.ReadError{
		denied("/proc/4242/status"),
		{Path: "/proc/4242/status", Reason: "malformed", Detail: "no CapAmb line"},
	}
	for _, c := range Checks {
		for _, item := range c.Reads {
			for _, why := range reasons {
				t.Run(string(c.ID)+"/"+string(item)+"/"+why.Reason, func(t *testing.T) {
					o := obsNonRoot()
					o.SetUnread(item, why)
					got := byCheck(Compare(expNonRoot(), o))
					schematest.ReportValue(t, New(expNonRoot(), o, SpecRef{Source: "test"}, testTime))
					fs := got[string(c.ID)]
					assertFindings(t, string(c.ID), fs, []want{unknown("")})
					if len(fs) != 1 {
						return
					}
					f := fs[0]
					if !strings.Contains(f.Message, why.Path) || !strings.Contains(f.Message, why.Reason) {
						t.Errorf("message %q does not name %s and %s", f.Message, why.Path, why.Reason)
					}
					if f.Observed != "" {
						t.Errorf("unknown finding carries an observed value: %q", f.Observed)
					}
					granted := strings.Contains(f.Hint, "Run secctx as the same user as the target process")
					if granted != (why.Reason == "permission denied") {
						t.Errorf("hint %q for reason %s", f.Hint, why.Reason)
					}
					// Nothing else turns the zeroed item into drift.
					for id, other := range got {
						for _, f := range other {
							if f.Status == StatusDrift {
								t.Errorf("%s drifts with %s unread: %s", id, item, f.Message)
							}
						}
					}
				})
			}
		}
	}
}

func TestUnknownHints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		why   *probe.ReadError
		hints map[check.ID]string
		want  string
	}{
		{"permission denied", denied("/proc/4242/attr/current"), nil,
			"Run secctx as the same user as the target process, or in its container (kubectl exec), to read it."},
		{"permission denied with a platform rule", denied("/proc/4242/attr/current"),
			map[check.ID]string{"appArmorProfile": "ECI does not document support for appArmorProfile."},
			"Run secctx as the same user as the target process, or in its container (kubectl exec), to read it. ECI does not document support for appArmorProfile."},
		{"process gone", &probe.ReadError{Path: "/proc/4242/attr/current", Reason: "absent", Detail: probe.DetailZombie}, nil,
			"shareProcessNamespace: true"},
		{"hidepid", &probe.ReadError{Path: "/proc/4242/attr/current", Reason: "absent", Detail: "process gone or hidden by hidepid"}, nil,
			"hidepid"},
		{"absent file: no hint", &probe.ReadError{Path: "/proc/4242/attr/current", Reason: "absent"}, nil, ""},
		{"absent file keeps the platform rule", &probe.ReadError{Path: "/proc/4242/attr/current", Reason: "absent"},
			map[check.ID]string{"appArmorProfile": "RULE"}, "RULE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, o := expNonRoot(), obsNonRoot()
			e.Hints = tc.hints
			o.SetUnread(probe.ItemLSM, tc.why)
			fs := byCheck(compareHeld(t, e, o))["appArmorProfile"]
			assertFindings(t, "appArmorProfile", fs, []want{unknown("")})
			if len(fs) != 1 {
				return
			}
			if !strings.Contains(fs[0].Hint, tc.want) || tc.want == "" && fs[0].Hint != "" {
				t.Errorf("hint %q, want %q", fs[0].Hint, tc.want)
			}
		})
	}
}

// Doubtful behaviours, stated as what the final report asks for. Each test
// skips while the code still behaves otherwise.
func TestRegressions(t *testing.T) {
	t.Parallel()
	t.Run("add ALL + procMount Unmasked + seccomp Unconfined is not privileged drift", func(t *testing.T) {
		e, o := expNonRoot(), obsNonRoot()
		asRoot(e)
		e.Capabilities, e.AllCapabilities = caps.Full(lastCap), true
		e.ProcMount = "Unmasked"
		e.UnmaskedPaths = append(append([]string(nil), defaultMasked...), defaultReadonly...)
		e.MaskedPaths, e.ReadonlyPaths = []string{}, []string{}
		rootCaps(o, caps.Full(lastCap))
		unmaskAll(o)
		for _, f := range Compare(e, o) {
			if f.Status == StatusDrift {
				mustHold(t, false, string(f.Check)+" "+string(f.Severity)+" drift: "+f.Message)
			}
		}
	})
	t.Run("primary gid in Groups is allowed when the gid cannot be derived (Strict)", func(t *testing.T) {
		e, o := expNonRoot(), obsNonRoot()
		e.UID, e.GID, e.AllowedGroups, e.GroupsPolicy = nil, nil, nil, "Strict"
		fs := byCheck(compareHeld(t, e, o))["supplementalGroups"]
		mustHold(t, len(fs) == 1 && fs[0].Status != StatusDrift, "supplementalGroups "+fs[0].Message)
	})
	t.Run("a drifted primary gid is reported by runAsGroup only", func(t *testing.T) {
		e, o := expNonRoot(), obsNonRoot()
		o.GID, o.Groups = ids(1001), []int64{1001}
		fs := byCheck(compareHeld(t, e, o))["supplementalGroups"]
		mustHold(t, len(fs) == 1 && fs[0].Status != StatusDrift, "supplementalGroups "+string(fs[0].Severity)+": "+fs[0].Message)
	})
	t.Run("seccomp strict is not reported as every syscall open", func(t *testing.T) {
		e, o := expNonRoot(), obsNonRoot()
		e.Seccomp = expect.Seccomp{Type: "RuntimeDefault", Mode: 2, Source: expect.Source{Kind: expect.FromPod}}
		o.Seccomp = 1
		fs := byCheck(compareHeld(t, e, o))["seccompProfile"]
		mustHold(t, len(fs) == 1 && !strings.Contains(fs[0].Message, "every syscall is open"),
			"seccompProfile "+string(fs[0].Severity)+": "+fs[0].Message)
	})
	t.Run("saved uid 0 under runAsUser is critical", func(t *testing.T) {
		e, o := expNonRoot(), obsNonRoot()
		o.UID.Saved = 0
		fs := byCheck(compareHeld(t, e, o))["runAsUser"]
		mustHold(t, len(fs) == 1 && fs[0].Severity == SeverityCritical, "runAsUser severity "+string(fs[0].Severity))
	})
}

// TestProfileHintsAreRegisteredChecks: a profile's hints are keyed by check
// id; a key that names no registered check would drop its hint silently.
func TestProfileHintsAreRegisteredChecks(t *testing.T) {
	t.Parallel()
	registered := map[check.ID]bool{}
	for _, c := range Checks {
		registered[c.ID] = true
	}
	hinted := 0
	for _, name := range expect.ProfileNames() {
		p, err := expect.LookupProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		for id := range p.Hints {
			hinted++
			if !registered[id] {
				t.Errorf("profile %s has a hint for %q, which is not a registered check", name, id)
			}
		}
	}
	if hinted == 0 {
		t.Error("no profile has hints; the test checks nothing")
	}
}

// outcomeSeen returns the value of the outcome a finding says it saw.
func outcomeSeen(f Finding) string {
	if f.Outcomes == nil || f.Outcomes.Seen == nil {
		return ""
	}
	return f.Outcomes.Seen.Value
}

// imageUserApp is the expectation when no runAsUser is declared and the
// image's /etc/passwd lists app (1000, gid 1000, member of 50000) and root.
func imageUserApp(e *expect.Expected) {
	e.UID, e.GID, e.AllowedGroups = nil, nil, nil
	e.GIDSource = expect.GIDFromImageUser
	e.ImageUser = &expect.ImageUser{GroupsKnown: true, Accounts: []expect.ImageAccount{
		{Name: "root", UID: 0, GID: 0},
		{Name: "app", UID: 1000, GID: 1000, Groups: []int64{50000}},
	}}
}

func TestImageUserChecks(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "uid in the image's passwd: its gid",
			exp:  imageUserApp,
			want: map[string][]want{"runAsUser": {skipped("")}, "runAsGroup": {ok("")}, "supplementalGroups": {ok("")}},
			msg:  map[string][]string{"runAsGroup": {`uid 1000 is "app" in the image's /etc/passwd`}}},
		{name: "the group of the image's USER is not the gid the runtime gives",
			exp:  imageUserApp,
			obs:  func(s *probe.State) { s.GID, s.Groups = ids(2000), []int64{2000} },
			want: map[string][]want{"runAsUser": {skipped("")}, "runAsGroup": {drift(SeverityMedium, "")}},
			msg:  map[string][]string{"runAsGroup": {"expected primary gid is 1000", "not the group of the image's USER"}}},
		{name: "uid not in the image's passwd: gid 0",
			exp: imageUserApp,
			obs: func(s *probe.State) { s.UID, s.GID, s.Groups = ids(999), ids(0), []int64{0} },
			want: map[string][]want{"runAsUser": {skipped("")}, "runAsGroup": {ok("")}, "supplementalGroups": {ok("")},
				"runAsNonRoot": {ok("")}},
			msg: map[string][]string{"runAsGroup": {"uid 999 is not in the image's /etc/passwd"}}},
		{name: "uid not in the image's passwd with its own gid",
			exp:  imageUserApp,
			obs:  func(s *probe.State) { s.UID, s.GID, s.Groups = ids(999), ids(999), []int64{999} },
			want: map[string][]want{"runAsGroup": {drift(SeverityMedium, "")}, "runAsUser": {skipped("")}}},
		{name: "the user's memberships under Merge",
			exp:  imageUserApp,
			obs:  func(s *probe.State) { s.Groups = []int64{1000, 50000} },
			want: map[string][]want{"supplementalGroups": {ok("")}, "runAsUser": {skipped("")}}},
		{name: "a membership of another user's",
			exp: imageUserApp,
			obs: func(s *probe.State) {
				s.UID, s.GID, s.Groups = ids(0), ids(0), []int64{0, 50000}
				rootCaps(s, containerdCaps)
				s.Groups = []int64{0, 50000}
			},
			want:       map[string][]want{"supplementalGroups": {drift(SeverityHigh, "")}, "runAsUser": {skipped("")}, "runAsGroup": {ok("")}},
			otherDrift: true},
		{name: "runAsGroup with the image's user: the passwd gid is not a group then",
			exp: func(e *expect.Expected) {
				imageUserApp(e)
				e.GID, e.GIDSource, e.AllowedGroups = ptr(int64(3000)), expect.GIDFromRunAsGroup, []int64{3000}
			},
			obs: func(s *probe.State) { s.GID, s.Groups = ids(3000), []int64{1000, 3000, 50000} },
			want: map[string][]want{"runAsGroup": {ok("")}, "runAsUser": {skipped("")},
				"supplementalGroups": {drift(SeverityHigh, "")}},
			msg: map[string][]string{"supplementalGroups": {"[1000]"}}},
		{name: "several passwd entries with the uid: any of their gids",
			exp: func(e *expect.Expected) {
				imageUserApp(e)
				e.ImageUser.Accounts = append(e.ImageUser.Accounts, expect.ImageAccount{Name: "app2", UID: 1000, GID: 1001})
			},
			obs:  func(s *probe.State) { s.GID, s.Groups = ids(1001), []int64{1001} },
			want: map[string][]want{"runAsGroup": {ok("")}, "runAsUser": {skipped("")}}},
	})
}

func TestVolumeGroups(t *testing.T) {
	t.Parallel()
	pvc := func(e *expect.Expected) { e.VolumeGroups = "the pod mounts persistent volume claims (data)" }
	for _, tc := range []struct {
		name   string
		exp    func(*expect.Expected)
		groups []int64
		want   want
		seen   string
	}{
		{"a volume gid beside the spec's groups", pvc, []int64{1000, 4321}, ok(""), volumeGIDs},
		{"no volume gid", pvc, []int64{1000}, ok(""), noVolumeGIDs},
		{"no claim: the extra group is drift", nil, []int64{1000, 4321}, drift(SeverityHigh, ""), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, o := expNonRoot(), obsNonRoot()
			if tc.exp != nil {
				tc.exp(e)
			}
			o.Groups = tc.groups
			fs := byCheck(compareHeld(t, e, o))["supplementalGroups"]
			schematest.ReportValue(t, New(e, o, SpecRef{Source: "test"}, testTime))
			assertFindings(t, "supplementalGroups", fs, []want{tc.want})
			if got := outcomeSeen(fs[0]); got != tc.seen {
				t.Errorf("outcome seen %q, want %q", got, tc.seen)
			}
			if (tc.exp != nil) != fs[0].Groups.ExtraAllowed {
				t.Errorf("groups.extraAllowed %v", fs[0].Groups.ExtraAllowed)
			}
		})
	}
	// A declared group is still required.
	e, o := expNonRoot(), obsNonRoot()
	pvc(e)
	e.SupplementalGroups = []int64{2000}
	o.Groups = []int64{1000, 4321}
	assertFindings(t, "supplementalGroups", byCheck(compareHeld(t, e, o))["supplementalGroups"], []want{drift(SeverityMedium, "")})
}

func TestAmbientChecks(t *testing.T) {
	t.Parallel()
	nbs := caps.MustFromNames("NET_BIND_SERVICE")
	runCheckCases(t, []checkCase{
		// containerd clears the ambient set: a root process that raises a
		// capability of its own set into it is drift, not a change.
		{name: "root raises an allowed capability into inheritable and ambient",
			exp: asRoot,
			obs: func(s *probe.State) {
				rootCaps(s, containerdCaps)
				s.Caps.Inheritable, s.Caps.Ambient = nbs, nbs
			},
			want: map[string][]want{"capabilities.ambient": {drift(SeverityMedium, "")},
				"capabilities.inheritable": {drift(SeverityMedium, "")}},
			msg: map[string][]string{"capabilities.ambient": {"NET_BIND_SERVICE", "containerd clears the ambient set"}}},
		{name: "non-root with an added capability raised as ambient",
			exp: func(e *expect.Expected) { e.Capabilities = containerdCaps | netAdmin },
			obs: func(s *probe.State) {
				s.Caps = probe.Capabilities{Bounding: containerdCaps | netAdmin, Inheritable: netAdmin, Ambient: netAdmin,
					Permitted: netAdmin, Effective: netAdmin}
			},
			want: map[string][]want{"capabilities.ambient": {drift(SeverityMedium, "")},
				"capabilities.inheritable": {drift(SeverityMedium, "")}}},
		{name: "podman: the added capability missing from ambient",
			exp: func(e *expect.Expected) {
				e.Profile, e.Capabilities = "podman", podmanCaps|netAdmin
				e.Ambient, e.AmbientRule = netAdmin, "podman raises the added capabilities as ambient for a non-root user"
			},
			obs:  func(s *probe.State) { s.Caps.Bounding = podmanCaps | netAdmin },
			want: map[string][]want{"capabilities.ambient": {drift(SeverityMedium, "")}, "capabilities.inheritable": {ok("")}}},
		{name: "podman, image's USER: a root process gets no ambient",
			exp: func(e *expect.Expected) {
				e.Profile, e.Capabilities, e.UID, e.GID = "podman", podmanCaps|netAdmin, nil, nil
				e.Ambient, e.AmbientIfNonRoot = netAdmin, true
			},
			obs: func(s *probe.State) { rootCaps(s, podmanCaps|netAdmin) },
			want: map[string][]want{"capabilities.ambient": {ok("")}, "capabilities.inheritable": {ok("")},
				"runAsUser": {skipped("")}, "runAsNonRoot": {drift(SeverityCritical, "")}},
			otherDrift: true},
		{name: "CRI-O privileged: every capability in inheritable and ambient",
			exp: func(e *expect.Expected) {
				privileged(e)
				e.Profile, e.Ambient = "crio", caps.Full(lastCap)
			},
			obs: func(s *probe.State) {
				privilegedState(s, caps.Full(lastCap))
				s.Caps.Inheritable, s.Caps.Ambient = caps.Full(lastCap), caps.Full(lastCap)
			},
			want: map[string][]want{"capabilities.ambient": {ok("")}, "capabilities.inheritable": {ok("")}}},
	})
}

func TestNodeDependentChecks(t *testing.T) {
	t.Parallel()
	either := func(e *expect.Expected) {
		e.Seccomp.Outcomes = []expect.Outcome[int]{{Value: 0, When: "seccompDefault off"}, {Value: 2, When: "seccompDefault on"}}
	}
	kernelValues := func(e *expect.Expected) {
		e.Sysctls[0].Outcomes = []expect.Outcome[string]{{Value: "0", When: "containerd 2"}, {Value: "1024", When: "containerd 1.6"}}
		e.Sysctls[1].Outcomes = []expect.Outcome[string]{{Value: "0 2147483647", When: "containerd 2"}, {Value: "1 0", When: "containerd 1.6"}}
	}
	nodePaths := func(e *expect.Expected) {
		e.NodeMaskedPaths = []expect.NodePath{
			{Path: "/proc/interrupts", Masked: "kubelet 1.33.5", Visible: "kubelet 1.33.4"},
			{Path: "/sys/devices/system/cpu/cpu*/thermal_throttle", Masked: "kubelet 1.33.5", Visible: "kubelet 1.33.4"},
		}
	}
	for _, tc := range []struct {
		name  string
		exp   func(*expect.Expected)
		obs   func(*probe.State)
		check string
		want  []want
		seen  []string
	}{
		{"seccomp undeclared, disabled", either, nil, "seccompProfile", []want{ok("")}, []string{"disabled"}},
		{"seccomp undeclared, filter", either, func(s *probe.State) { s.Seccomp = 2 }, "seccompProfile", []want{ok("")}, []string{"filter"}},
		{"seccomp undeclared, strict", either, func(s *probe.State) { s.Seccomp = 1 }, "seccompProfile", []want{drift(SeverityLow, "")}, []string{""}},
		{"seccomp declared Unconfined, filter", nil, func(s *probe.State) { s.Seccomp = 2 }, "seccompProfile", []want{drift(SeverityLow, "")}, []string{""}},
		{"sysctls: containerd 1.6 leaves the kernel's values", kernelValues,
			func(s *probe.State) { s.Sysctls[unprivPorts], s.Sysctls[pingRange] = "1024", "1 0" },
			"sysctls", []want{ok(unprivPorts), ok(pingRange)}, []string{"1024", "1 0"}},
		{"sysctls: containerd 2 injects", kernelValues, nil, "sysctls", []want{ok(unprivPorts), ok(pingRange)}, []string{"0", "0 2147483647"}},
		{"sysctls: neither", kernelValues, func(s *probe.State) { s.Sysctls[unprivPorts] = "80" },
			"sysctls", []want{drift(SeverityLow, unprivPorts), ok(pingRange)}, []string{"", "0 2147483647"}},
		{"sysctls: exact without outcomes", nil, func(s *probe.State) { s.Sysctls[unprivPorts] = "1024" },
			"sysctls", []want{drift(SeverityLow, unprivPorts), ok(pingRange)}, []string{"", ""}},
		{"masked by the kubelet's version: masked", nodePaths,
			func(s *probe.State) {
				s.Mounts.Paths["/proc/interrupts"] = probe.PathState{Exists: true, Masked: true, ReadOnly: true}
				s.Mounts.Paths["/sys/devices/system/cpu/cpu0/thermal_throttle"] = probe.PathState{Exists: true}
				s.Mounts.Paths["/sys/devices/system/cpu/cpu1/thermal_throttle"] = probe.PathState{Exists: true, Masked: true}
			},
			"procMount", []want{ok(""), ok("/proc/interrupts"), ok("/sys/devices/system/cpu/cpu0/thermal_throttle"),
				ok("/sys/devices/system/cpu/cpu1/thermal_throttle")}, []string{"", "masked", "visible", "masked"}},
		{"masked by the kubelet's version: absent", nodePaths, nil, "procMount", []want{ok("")}, []string{""}},
		{"a pattern under Unmasked: still masked", func(e *expect.Expected) {
			e.ProcMount, e.MaskedPaths, e.ReadonlyPaths = "Unmasked", []string{}, []string{}
			e.UnmaskedPaths = []string{"/sys/devices/system/cpu/cpu*/thermal_throttle"}
		}, func(s *probe.State) {
			s.Mounts.Paths["/sys/devices/system/cpu/cpu3/thermal_throttle"] = probe.PathState{Exists: true, Masked: true}
		}, "procMount", []want{drift(SeverityLow, "/sys/devices/system/cpu/cpu3/thermal_throttle")}, []string{""}},
		{"ECI root read-only although undeclared", func(e *expect.Expected) {
			e.RootOutcomes = []expect.Outcome[bool]{{Value: false, When: "kubelet"}, {Value: true, When: "ECI"}}
		}, func(s *probe.State) { s.Mounts.RootReadOnly = true }, "readOnlyRootFilesystem", []want{ok("/")}, []string{"true"}},
		{"ECI root writable", func(e *expect.Expected) {
			e.RootOutcomes = []expect.Outcome[bool]{{Value: false, When: "kubelet"}, {Value: true, When: "ECI"}}
		}, nil, "readOnlyRootFilesystem", []want{ok("/")}, []string{"false"}},
		{"root read-only, not declared, no platform rule", nil, func(s *probe.State) { s.Mounts.RootReadOnly = true },
			"readOnlyRootFilesystem", []want{drift(SeverityLow, "/")}, []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, o := expNonRoot(), obsNonRoot()
			if tc.exp != nil {
				tc.exp(e)
			}
			if tc.obs != nil {
				tc.obs(o)
			}
			fs := byCheck(compareHeld(t, e, o))[tc.check]
			schematest.ReportValue(t, New(e, o, SpecRef{Source: "test"}, testTime))
			assertFindings(t, tc.check, fs, tc.want)
			for i, f := range fs {
				if i < len(tc.seen) && outcomeSeen(f) != tc.seen[i] {
					t.Errorf("%s %s: outcome seen %q, want %q (%s)", tc.check, f.Subject, outcomeSeen(f), tc.seen[i], f.Message)
				}
				if tc.seen[min(i, len(tc.seen)-1)] != "" && !strings.Contains(f.Message, "legitimate outcome") {
					t.Errorf("%s %s: message %q does not say which outcome it saw", tc.check, f.Subject, f.Message)
				}
				if f.Outcomes != nil && !strings.Contains(f.Expected, Alternatives) {
					t.Errorf("%s %s: expected %q does not list the outcomes", tc.check, f.Subject, f.Expected)
				}
			}
		})
	}
}

// TestSpecChecks: a securityContext field secctx does not know is one
// unknown finding, with its path as the subject and the version that does
// not know it; the known fields are compared as ever.
func TestSpecChecks(t *testing.T) {
	t.Parallel()
	const p1, p2 = "spec.securityContext.podFuture", "spec.containers[0].securityContext.futureIsolation"
	runCheckCases(t, []checkCase{
		{name: "every field known", want: map[string][]want{"unknownField": {ok("")}},
			msg: map[string][]string{"unknownField": {"Every securityContext field declared is known to secctx " + manifest.Version}}},
		{name: "one unknown field", exp: func(e *expect.Expected) { e.UnknownFields = []string{p2} },
			want: map[string][]want{"unknownField": {unknown(p2)}, "runAsUser": {ok("")}},
			msg:  map[string][]string{"unknownField": {"Field " + p2 + " is not known to secctx " + manifest.Version, "not verified"}},
			hint: map[string][]string{"unknownField": {"newer Kubernetes", "docs/unknown-fields.md"}}},
		{name: "pod and container fields, with drift elsewhere",
			exp:        func(e *expect.Expected) { e.UnknownFields = []string{p1, p2} },
			obs:        func(s *probe.State) { s.UID = ids(1001) },
			want:       map[string][]want{"unknownField": {unknown(p1), unknown(p2)}, "runAsUser": {drift(SeverityHigh, "")}},
			otherDrift: true},
	})
}
