package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/probe"
)

// writeStateText renders the observed state for `secctx probe -o text`.
func writeStateText(w io.Writer, st *probe.State) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(k string, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...))
	}
	p("pid", "%d (%s)", st.PID, st.Comm)
	p("uid", "%d %d %d %d", st.UID.Real, st.UID.Effective, st.UID.Saved, st.UID.FS)
	p("gid", "%d %d %d %d", st.GID.Real, st.GID.Effective, st.GID.Saved, st.GID.FS)
	p("groups", "%v", st.Groups)
	p("CapBnd", "%s %s", st.Caps.Bounding.Hex(), st.Caps.Bounding)
	p("CapPrm", "%s %s", st.Caps.Permitted.Hex(), st.Caps.Permitted)
	p("CapEff", "%s %s", st.Caps.Effective.Hex(), st.Caps.Effective)
	p("CapInh", "%s %s", st.Caps.Inheritable.Hex(), st.Caps.Inheritable)
	p("CapAmb", "%s %s", st.Caps.Ambient.Hex(), st.Caps.Ambient)
	p("cap_last_cap", "%d", st.LastCap)
	p("NoNewPrivs", "%v", st.NoNewPrivs)
	p("Seccomp", "%d (%d filters)", st.Seccomp, st.SeccompFilters)
	lsm := st.LSM.Name
	if lsm == "" {
		lsm = "none"
	}
	p("lsm", "%s %s", lsm, st.LSM.Label)
	p("root read-only", "%v", st.Mounts.RootReadOnly)
	paths := make([]string, 0, len(st.Mounts.Paths))
	for k := range st.Mounts.Paths {
		paths = append(paths, k)
	}
	sort.Strings(paths)
	for _, k := range paths {
		s := st.Mounts.Paths[k]
		state := "absent"
		switch {
		case s.Masked:
			state = "masked"
		case s.ReadOnly:
			state = "read-only"
		case s.Exists:
			state = "visible"
		}
		p("path "+k, "%s", state)
	}
	for _, v := range st.Mounts.Volumes {
		p("volume "+v.Path, "%s ro=%v", v.FSType, v.ReadOnly)
	}
	names := make([]string, 0, len(st.Sysctls))
	for k := range st.Sysctls {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p("sysctl "+k, "%s", st.Sysctls[k])
	}
	p("uid_map", "%s", idMap(st.UIDMap))
	p("gid_map", "%s", idMap(st.GIDMap))
	unread := make([]string, 0, len(st.Unread))
	for k := range st.Unread {
		unread = append(unread, k)
	}
	sort.Strings(unread)
	for _, k := range unread {
		p("unread "+k, "%s", st.Unread[k].Error())
	}
	return tw.Flush()
}

func idMap(m probe.IDMap) string {
	var parts []string
	for _, e := range m {
		parts = append(parts, fmt.Sprintf("%d %d %d", e.Inside, e.Outside, e.Length))
	}
	return strings.Join(parts, "; ")
}

func ptr(v *int64) string {
	if v == nil {
		return "(image default)"
	}
	return fmt.Sprint(*v)
}

// writeExpectedText renders the resolved expectation for `secctx expect`.
func writeExpectedText(w io.Writer, e *expect.Expected) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(k string, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...))
	}
	p("workload", "%s container %s (%s)", e.Workload, e.Container, e.ContainerKind)
	p("profile", "%s", e.Profile)
	p("uid", "%s", ptr(e.UID))
	p("gid", "%s", ptr(e.GID))
	p("runAsNonRoot", "%v", e.RunAsNonRoot)
	p("supplementalGroups", "%v (policy %s, also allowed %v)", e.SupplementalGroups, e.GroupsPolicy, e.AllowedGroups)
	p("fsGroup", "%s", ptr(e.FSGroup))
	p("capabilities", "%s %s (all: %v)", e.Capabilities.Hex(), e.Capabilities, e.AllCapabilities)
	p("privileged", "%v", e.Privileged)
	p("noNewPrivs", "%v", e.NoNewPrivs)
	p("readOnlyRootFilesystem", "%v", e.ReadOnlyRootFilesystem)
	p("procMount", "%s: masked %v, read-only %v", e.ProcMount, e.MaskedPaths, e.ReadonlyPaths)
	p("seccomp", "%s from %s (mode %d)", e.Seccomp.Type, e.Seccomp.Source, e.Seccomp.Mode)
	p("appArmor", "%s %s from %s", e.AppArmor.Type, e.AppArmor.Profile, e.AppArmor.Source)
	if e.SELinux != nil {
		p("seLinux", "%+v", *e.SELinux)
	}
	for _, s := range e.Sysctls {
		p("sysctl "+s.Name, "%q (%s)", s.Value, s.Source)
	}
	p("hostUsers", "%v", e.HostUsers)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nrules applied:")
	for _, r := range e.Rules {
		fmt.Fprintf(w, "- %s\n", r)
	}
	return nil
}
