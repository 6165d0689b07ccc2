package lint

import (
	"fmt"
	"slices"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/report"
)

// The ECI rules, from Alibaba Cloud's two "Configure a security context"
// documents: seed 000 (the CreateContainerGroup parameters) and seed 001
// (the Kubernetes fields).
const (
	seed000 = `seed 000 (ECI "Configure a security context")`
	seed001 = `seed 001 (ECI "Configure a security context")`
)

var eciRules = []*Rule{
	{
		ID: "eci-capability-not-addable", Effect: Ignored, Severity: report.SeverityLow, Check: check.CapabilitiesBounding, Verify: PredictDrift,
		Requires: onECI, run: ruleECICapabilities,
		Summary: "ECI grants only 17 capabilities through capabilities.add",
		Help:    "Add only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FSETID, FOWNER, KILL, MKNOD, NET_ADMIN, NET_BIND_SERVICE, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, SYS_CHROOT, SYS_PTRACE (SYS_RAWIO by ticket).",
		Source:  seed000 + `, "Configure a security context for a container": capabilities; ` + seed001 + `, "Configurable capabilities"`,
	},
	{
		ID: "eci-sys-rawio-ticket", Effect: Ignored, Severity: report.SeverityLow, Check: check.CapabilitiesBounding, Verify: PredictDrift,
		Requires: onECI, // run by ruleECICapabilities
		Summary:  "SYS_RAWIO cannot be granted through capabilities.add without a ticket",
		Help:     "Submit a ticket to use SYS_RAWIO on ECI.",
		Source:   seed000 + `, "Configure a security context for a container", note on SYS_RAWIO; ` + seed001 + `, "Configurable capabilities"`,
	},
	{
		ID: "eci-privileged-ticket", Effect: Refused, Severity: report.SeverityHigh, Check: check.Privileged, Verify: PredictNotRun,
		Requires: onECI, run: ruleECIPrivileged,
		Summary: "Privileged containers are an ECI preview feature that needs a ticket",
		Help:    "Submit a ticket to join the privileged-container preview, or drop privileged.",
		Source:  seed000 + `, "Configure a security context for a container": privileged (note: internal preview, submit a ticket); ` + seed001 + `, "Supported parameters"`,
	},
	{
		ID: "eci-sysctl-unsupported", Effect: Ignored, Severity: report.SeverityMedium, Check: check.Sysctls, Verify: PredictDrift,
		Requires: onECI, run: ruleECISysctls,
		Summary: "ECI applies only namespaced sysctls from its list",
		Help:    "Use kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.* (but net.ipv4.tcp_syncookies) or vm.min_free_kbytes; other sysctls need the k8s.aliyun.com/eci-host-sysctls annotation after an approved ticket.",
		Source:  seed001 + `, "Supported sysctl parameters"; ` + seed000 + `, "Configure a security context for an instance"`,
	},
	{
		ID: "eci-sysctl-unlisted", Effect: Warning, Severity: report.SeverityInfo, Check: check.Sysctls, Verify: PredictDepends,
		Requires: onECI, // run by ruleECISysctls
		Summary:  "The two ECI documents disagree on this sysctl",
		Help:     "Check the sysctl on a test pod: seed 001's groups include it, seed 000's parameter lists do not.",
		Source:   seed000 + `, "Configuration description": SecurityContext.Sysctl and HostSecurityContext.Sysctl valid values`,
	},
	{
		ID: "eci-min-free-kbytes", Effect: Warning, Severity: report.SeverityLow, Check: check.Sysctls, Verify: PredictNoDrift,
		Requires: onECI, // run by ruleECISysctls
		Summary:  "vm.min_free_kbytes above 20% of the pod's memory",
		Help:     "Keep vm.min_free_kbytes at most 20% of the instance's memory.",
		Source:   seed001 + `, "Supported sysctl parameters": vm.min_free_kbytes; ` + seed000 + `, "Configure a security context for an instance"`,
	},
	{
		ID: "eci-min-free-kbytes-no-memory", Effect: Warning, Severity: report.SeverityInfo, Check: check.Sysctls, Verify: PredictNoDrift,
		Requires: onECI, // run by ruleECISysctls
		Summary:  "vm.min_free_kbytes cannot be checked: no container sets a memory limit or request",
		Help:     "Set resources.limits.memory (or requests) so that the 20% bound can be checked.",
		Source:   seed001 + `, "Supported sysctl parameters": vm.min_free_kbytes`,
	},
	{
		ID: "eci-host-sysctls-malformed", Effect: Ignored, Severity: report.SeverityMedium, Check: check.Sysctls, Verify: PredictNoDrift,
		Requires: onECI, run: ruleECIHostSysctls,
		Summary: "The k8s.aliyun.com/eci-host-sysctls annotation is not a JSON list of {name, value}",
		Help:    `Write it as '[{"name": "kernel.pid_max", "value": "65535"}]'.`,
		Source:  seed001 + `, "Supported sysctl parameters": the k8s.aliyun.com/eci-host-sysctls annotation`,
	},
	{
		ID: "eci-host-sysctl-excluded", Effect: Ignored, Severity: report.SeverityMedium, Check: check.Sysctls, Verify: PredictDrift,
		Requires: onECI, // run by ruleECIHostSysctls
		Summary:  "A host sysctl that ECI's HostSecurityContext.Sysctl excludes",
		Help:     "kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range and net.ipv4.ip_unprivileged_port_start are excluded; set the last two through the pod's securityContext.sysctls.",
		Source:   seed000 + `, "Configuration description": HostSecurityContext.Sysctl.N.Name valid values and exclusions`,
	},
	{
		ID: "eci-host-sysctls-ticket", Effect: Warning, Severity: report.SeverityInfo, Check: check.Sysctls, Verify: PredictDepends,
		Requires: onECI, // run by ruleECIHostSysctls
		Summary:  "Host sysctls apply only after an approved ticket, and only at pod creation",
		Help:     "Submit the ticket first; changing the annotation of a running pod has no effect.",
		Source:   seed001 + `, "Supported sysctl parameters" ("submit a ticket"); ECI annotations: effective only at pod creation`,
	},
	{
		ID: "eci-readonly-rootfs-fixed", Effect: Changed, Severity: report.SeverityLow, Check: check.ReadOnlyRootFilesystem, Verify: PredictDrift,
		Requires: onECI, run: ruleECIFixedFields,
		Summary: "ECI runs every root filesystem read-only",
		Help:    "Declare readOnlyRootFilesystem: true and give the application writable volumes (emptyDir) where it writes.",
		Source:  seed000 + `, unsupported parameters: readOnlyRootFilesystem (default true); ` + seed001 + `, fixed defaults: "Root filesystem is always read-only"`,
	},
	{
		ID: "eci-procmount-fixed", Effect: Changed, Severity: report.SeverityLow, Check: check.ProcMount, Verify: PredictDrift,
		Requires: onECI, // run by ruleECIFixedFields
		Summary:  "ECI fixes procMount at Default",
		Help:     "Drop procMount: Unmasked; ECI masks the default /proc paths whatever is declared.",
		Source:   seed000 + `, unsupported parameters: AllowedProcMountTypes (default DefaultProcMount); ` + seed001 + `, fixed defaults: "Cannot be changed"`,
	},
	{
		ID: "eci-pod-field-unsupported", Effect: Ignored, Severity: report.SeverityMedium, Verify: PredictDepends,
		Requires: onECI, run: ruleECIPodFields,
		Summary: "ECI supports only sysctls and runAsUser in the pod's securityContext",
		Help:    "Move the field into each container's securityContext where ECI documents it (runAsGroup, runAsNonRoot); ECI documents no equivalent for fsGroup, supplementalGroups or seccompProfile.",
		Source:  seed000 + `, "Configure a security context for an instance" ("You can modify the sysctl and runAsUser parameters"); ` + seed001 + `, security context levels table`,
	},
	{
		ID: "eci-field-undocumented", Effect: Warning, Severity: report.SeverityInfo, Verify: PredictDepends,
		Requires: onECI, run: ruleECIUndocumented,
		Summary: "ECI does not document this field",
		Help:    "Verify the field on a real ECI pod (secctx verify); ECI documents runAsUser, runAsGroup, runAsNonRoot, privileged and capabilities for containers.",
		Source:  seed001 + `, "Configure a container security context": supported parameters`,
	},
	{
		ID: "eci-init-container-field", Effect: Ignored, Severity: report.SeverityMedium, Verify: PredictDepends,
		Requires: onECI, run: ruleECIInitContainers,
		Summary: "ECI does not support runAsGroup and runAsNonRoot for init containers",
		Help:    "Drop the field from the init container, or set the user's group through its image.",
		Source:  seed000 + `, "Configure a security context for a container", last note (init containers)`,
	},
}

// eciAddable are the capabilities ECI lets capabilities.add grant.
var eciAddable = []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "KILL", "MKNOD",
	"NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "SYS_CHROOT",
	"SYS_PTRACE", "SYS_RAWIO"}

func ruleECICapabilities(p *pod) {
	notAddable, rawio := ruleByID("eci-capability-not-addable"), ruleByID("eci-sys-rawio-ticket")
	for _, c := range p.ctrs {
		for i, n := range capEntries(c, "add") {
			field := p.specField(c.path(fmt.Sprintf("securityContext.capabilities.add[%d]", i)))
			name := normCap(n)
			switch {
			case name == "SYS_RAWIO":
				p.add(rawio, c, field, overrides{},
					"SYS_RAWIO cannot be granted through capabilities.add on ECI: without an approved ticket container %q runs without it.", c.c.Name)
			case manifest.IsAll(n):
				p.add(notAddable, c, field, overrides{},
					"add ALL asks for every capability, but ECI grants only the 17 it lists: container %q does not get the others (whether ECI drops them or refuses the pod is not documented).", c.c.Name)
			case !slices.Contains(eciAddable, name):
				p.add(notAddable, c, field, overrides{},
					"%s is not among the capabilities ECI lets capabilities.add grant: container %q runs without it (whether ECI drops it or refuses the pod is not documented).", name, c.c.Name)
			}
		}
	}
}

func ruleECIPrivileged(p *pod) {
	r := ruleByID("eci-privileged-ticket")
	for _, c := range p.ctrs {
		if c.sc.Privileged != nil && *c.sc.Privileged {
			p.add(r, c, p.specField(c.path("securityContext.privileged")), overrides{},
				"Privileged containers are in internal preview on ECI: without an approved ticket container %q is not created privileged.", c.c.Name)
		}
	}
}

func ruleECIFixedFields(p *pod) {
	rofs, proc := ruleByID("eci-readonly-rootfs-fixed"), ruleByID("eci-procmount-fixed")
	for _, c := range p.ctrs {
		if ro := c.sc.ReadOnlyRootFilesystem; ro == nil || !*ro {
			field := p.specField(c.path("securityContext.readOnlyRootFilesystem"))
			// Undeclared, ECI's documented read-only root is one of the
			// legitimate outcomes verify expects; declared false, it
			// contradicts the field.
			what, o := "does not declare readOnlyRootFilesystem", overrides{verify: PredictNoDrift}
			if ro != nil {
				what, o = "declares readOnlyRootFilesystem: false", overrides{}
			}
			p.add(rofs, c, field, o,
				"Container %q %s, but ECI's root filesystem is always read-only: writes outside volumes fail.", c.c.Name, what)
		}
		if pm := c.sc.ProcMount; pm != nil && *pm == manifest.UnmaskedProcMount {
			p.add(proc, c, p.specField(c.path("securityContext.procMount")), overrides{},
				"ECI fixes procMount at Default: container %q gets the default masked and read-only /proc paths, not Unmasked.", c.c.Name)
		}
	}
}

// eciPodField is a pod-level securityContext field ECI does not support.
type eciPodField struct {
	name     string
	set      func(*manifest.PodSecurityContext) bool
	inCtr    func(*manifest.SecurityContext) bool // the container-level field that overrides it, if any
	check    check.ID
	severity report.Severity
	verify   Prediction
	effect   string // what ignoring it means
}

var eciPodFields = []eciPodField{
	{"runAsGroup", func(s *manifest.PodSecurityContext) bool { return s.RunAsGroup != nil },
		func(c *manifest.SecurityContext) bool { return c.RunAsGroup != nil },
		check.RunAsGroup, report.SeverityMedium, PredictDrift, "the primary group comes from the image's /etc/passwd (or 0)"},
	{"runAsNonRoot", func(s *manifest.PodSecurityContext) bool { return s.RunAsNonRoot != nil && *s.RunAsNonRoot },
		func(c *manifest.SecurityContext) bool { return c.RunAsNonRoot != nil },
		check.RunAsNonRoot, report.SeverityHigh, PredictDepends, "an image that runs as root is not refused"},
	{"fsGroup", func(s *manifest.PodSecurityContext) bool { return s.FSGroup != nil }, nil,
		check.FSGroup, report.SeverityMedium, PredictDrift, "the processes are not in that group and volumes are not handed to it"},
	{"supplementalGroups", func(s *manifest.PodSecurityContext) bool { return len(s.SupplementalGroups) > 0 }, nil,
		check.SupplementalGroups, report.SeverityMedium, PredictDrift, "the processes are not in those groups"},
	{"supplementalGroupsPolicy", func(s *manifest.PodSecurityContext) bool { return s.SupplementalGroupsPolicy != nil }, nil,
		check.SupplementalGroups, report.SeverityLow, PredictDepends, "the image's group memberships may still be merged"},
	{"seccompProfile", func(s *manifest.PodSecurityContext) bool { return s.SeccompProfile != nil },
		func(c *manifest.SecurityContext) bool { return c.SeccompProfile != nil },
		check.SeccompProfile, report.SeverityHigh, PredictDepends, "ECI's own seccomp default applies, which is not documented"},
	{"appArmorProfile", func(s *manifest.PodSecurityContext) bool { return s.AppArmorProfile != nil },
		func(c *manifest.SecurityContext) bool { return c.AppArmorProfile != nil },
		check.AppArmorProfile, report.SeverityMedium, PredictDepends, "ECI's own AppArmor default applies, which is not documented"},
	{"seLinuxOptions", func(s *manifest.PodSecurityContext) bool { return s.SELinuxOptions != nil },
		func(c *manifest.SecurityContext) bool { return c.SELinuxOptions != nil },
		check.SELinuxOptions, report.SeverityMedium, PredictDepends, "the processes do not get that label"},
	{"fsGroupChangePolicy", func(s *manifest.PodSecurityContext) bool { return s.FSGroupChangePolicy != nil }, nil,
		"", report.SeverityInfo, PredictDepends, "it has no fsGroup to apply"},
	{"seLinuxChangePolicy", func(s *manifest.PodSecurityContext) bool { return s.SELinuxChangePolicy != nil }, nil,
		"", report.SeverityInfo, PredictDepends, "volumes are not relabelled"},
	{"windowsOptions", func(s *manifest.PodSecurityContext) bool { return s.WindowsOptions != nil }, nil,
		"", report.SeverityInfo, PredictDepends, "it runs Linux containers only"},
}

func ruleECIPodFields(p *pod) {
	r := ruleByID("eci-pod-field-unsupported")
	for _, f := range eciPodFields {
		if !f.set(p.psc) {
			continue
		}
		if f.inCtr != nil && p.everyContainer(f.inCtr) {
			continue // every container overrides it: ignoring it changes nothing
		}
		o := overrides{check: ptrCheck(f.check), severity: f.severity, verify: f.verify}
		if f.name == "runAsGroup" && *p.psc.RunAsGroup == 0 {
			o.verify = PredictDepends // gid 0 is also the fallback
		}
		p.add(r, nil, p.specField("securityContext."+f.name), o,
			"ECI supports only sysctls and runAsUser in the pod's securityContext: %s is ignored, so %s.", f.name, f.effect)
	}
}

// everyContainer reports whether has holds for every container.
func (p *pod) everyContainer(has func(*manifest.SecurityContext) bool) bool {
	for _, c := range p.ctrs {
		if !has(c.sc) {
			return false
		}
	}
	return len(p.ctrs) > 0
}

func ruleECIUndocumented(p *pod) {
	r := ruleByID("eci-field-undocumented")
	fields := []struct {
		name  string
		set   func(*manifest.SecurityContext) bool
		check check.ID
	}{
		{"allowPrivilegeEscalation", func(s *manifest.SecurityContext) bool { return s.AllowPrivilegeEscalation != nil }, check.AllowPrivilegeEscalation},
		{"seccompProfile", func(s *manifest.SecurityContext) bool { return s.SeccompProfile != nil }, check.SeccompProfile},
		{"appArmorProfile", func(s *manifest.SecurityContext) bool { return s.AppArmorProfile != nil }, check.AppArmorProfile},
		{"seLinuxOptions", func(s *manifest.SecurityContext) bool { return s.SELinuxOptions != nil }, check.SELinuxOptions},
		{"windowsOptions", func(s *manifest.SecurityContext) bool { return s.WindowsOptions != nil }, ""},
	}
	for _, c := range p.ctrs {
		for _, f := range fields {
			if f.set(c.sc) {
				p.add(r, c, p.specField(c.path("securityContext."+f.name)), overrides{check: ptrCheck(f.check)},
					"ECI does not document %s for containers: whether container %q gets it is not known.", f.name, c.c.Name)
			}
		}
	}
	if hu := p.w.Spec.HostUsers; hu != nil && !*hu {
		p.add(r, nil, p.specField("hostUsers"), overrides{check: ptrCheck(check.HostUsers)},
			"ECI does not document hostUsers: whether the pod gets a user namespace of its own is not known.")
	}
}

func ruleECIInitContainers(p *pod) {
	r := ruleByID("eci-init-container-field")
	for _, c := range p.ctrs {
		if c.kind != manifest.KindInitContainer {
			continue
		}
		if c.sc.RunAsGroup != nil {
			v := PredictDrift
			if *c.sc.RunAsGroup == 0 {
				v = PredictDepends
			}
			p.add(r, c, p.specField(c.path("securityContext.runAsGroup")), overrides{check: ptrCheck(check.RunAsGroup), verify: v},
				"ECI does not support runAsGroup for init containers: init container %q gets its primary group from its image's /etc/passwd (or 0).", c.c.Name)
		}
		if c.sc.RunAsNonRoot != nil && *c.sc.RunAsNonRoot {
			p.add(r, c, p.specField(c.path("securityContext.runAsNonRoot")), overrides{check: ptrCheck(check.RunAsNonRoot), severity: report.SeverityHigh},
				"ECI does not support runAsNonRoot for init containers: init container %q is not refused if its image runs as root.", c.c.Name)
		}
	}
}
