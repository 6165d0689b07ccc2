package lint

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
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
		Profiles: profilesECI, run: ruleECICapabilities,
		Summary: "ECI grants only 17 capabilities through capabilities.add",
		Help:    "Add only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FSETID, FOWNER, KILL, MKNOD, NET_ADMIN, NET_BIND_SERVICE, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, SYS_CHROOT, SYS_PTRACE (SYS_RAWIO by ticket).",
		Source:  seed000 + `, "Configure a security context for a container": capabilities; ` + seed001 + `, "Configurable capabilities"`,
	},
	{
		ID: "eci-sys-rawio-ticket", Effect: Ignored, Severity: report.SeverityLow, Check: check.CapabilitiesBounding, Verify: PredictDrift,
		Profiles: profilesECI, // run by ruleECICapabilities
		Summary:  "SYS_RAWIO cannot be granted through capabilities.add without a ticket",
		Help:     "Submit a ticket to use SYS_RAWIO on ECI.",
		Source:   seed000 + `, "Configure a security context for a container", note on SYS_RAWIO; ` + seed001 + `, "Configurable capabilities"`,
	},
	{
		ID: "eci-privileged-ticket", Effect: Refused, Severity: report.SeverityHigh, Check: check.Privileged, Verify: PredictNotRun,
		Profiles: profilesECI, run: ruleECIPrivileged,
		Summary: "Privileged containers are an ECI preview feature that needs a ticket",
		Help:    "Submit a ticket to join the privileged-container preview, or drop privileged.",
		Source:  seed000 + `, "Configure a security context for a container": privileged (note: internal preview, submit a ticket); ` + seed001 + `, "Supported parameters"`,
	},
	{
		ID: "eci-sysctl-unsupported", Effect: Ignored, Severity: report.SeverityMedium, Check: check.Sysctls, Verify: PredictDrift,
		Profiles: profilesECI, run: ruleECISysctls,
		Summary: "ECI applies only namespaced sysctls from its list",
		Help:    "Use kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.* (but net.ipv4.tcp_syncookies) or vm.min_free_kbytes; other sysctls need the k8s.aliyun.com/eci-host-sysctls annotation after an approved ticket.",
		Source:  seed001 + `, "Supported sysctl parameters"; ` + seed000 + `, "Configure a security context for an instance"`,
	},
	{
		ID: "eci-sysctl-unlisted", Effect: Warning, Severity: report.SeverityInfo, Check: check.Sysctls, Verify: PredictDepends,
		Profiles: profilesECI, // run by ruleECISysctls
		Summary:  "The two ECI documents disagree on this sysctl",
		Help:     "Check the sysctl on a test pod: seed 001's groups include it, seed 000's parameter lists do not.",
		Source:   seed000 + `, "Configuration description": SecurityContext.Sysctl and HostSecurityContext.Sysctl valid values`,
	},
	{
		ID: "eci-min-free-kbytes", Effect: Warning, Severity: report.SeverityLow, Check: check.Sysctls, Verify: PredictNoDrift,
		Profiles: profilesECI, // run by ruleECISysctls
		Summary:  "vm.min_free_kbytes above 20% of the pod's memory",
		Help:     "Keep vm.min_free_kbytes at most 20% of the instance's memory.",
		Source:   seed001 + `, "Supported sysctl parameters": vm.min_free_kbytes; ` + seed000 + `, "Configure a security context for an instance"`,
	},
	{
		ID: "eci-min-free-kbytes-no-memory", Effect: Warning, Severity: report.SeverityInfo, Check: check.Sysctls, Verify: PredictNoDrift,
		Profiles: profilesECI, // run by ruleECISysctls
		Summary:  "vm.min_free_kbytes cannot be checked: no container sets a memory limit or request",
		Help:     "Set resources.limits.memory (or requests) so that the 20% bound can be checked.",
		Source:   seed001 + `, "Supported sysctl parameters": vm.min_free_kbytes`,
	},
	{
		ID: "eci-host-sysctls-malformed", Effect: Ignored, Severity: report.SeverityMedium, Check: check.Sysctls, Verify: PredictNoDrift,
		Profiles: profilesECI, run: ruleECIHostSysctls,
		Summary: "The k8s.aliyun.com/eci-host-sysctls annotation is not a JSON list of {name, value}",
		Help:    `Write it as '[{"name": "kernel.pid_max", "value": "65535"}]'.`,
		Source:  seed001 + `, "Supported sysctl parameters": the k8s.aliyun.com/eci-host-sysctls annotation`,
	},
	{
		ID: "eci-host-sysctl-excluded", Effect: Ignored, Severity: report.SeverityMedium, Check: check.Sysctls, Verify: PredictDrift,
		Profiles: profilesECI, // run by ruleECIHostSysctls
		Summary:  "A host sysctl that ECI's HostSecurityContext.Sysctl excludes",
		Help:     "kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range and net.ipv4.ip_unprivileged_port_start are excluded; set the last two through the pod's securityContext.sysctls.",
		Source:   seed000 + `, "Configuration description": HostSecurityContext.Sysctl.N.Name valid values and exclusions`,
	},
	{
		ID: "eci-host-sysctls-ticket", Effect: Warning, Severity: report.SeverityInfo, Check: check.Sysctls, Verify: PredictDepends,
		Profiles: profilesECI, // run by ruleECIHostSysctls
		Summary:  "Host sysctls apply only after an approved ticket, and only at pod creation",
		Help:     "Submit the ticket first; changing the annotation of a running pod has no effect.",
		Source:   seed001 + `, "Supported sysctl parameters" ("submit a ticket"); ECI annotations: effective only at pod creation`,
	},
	{
		ID: "eci-readonly-rootfs-fixed", Effect: Changed, Severity: report.SeverityLow, Check: check.ReadOnlyRootFilesystem, Verify: PredictDrift,
		Profiles: profilesECI, run: ruleECIFixedFields,
		Summary: "ECI runs every root filesystem read-only",
		Help:    "Declare readOnlyRootFilesystem: true and give the application writable volumes (emptyDir) where it writes.",
		Source:  seed000 + `, unsupported parameters: readOnlyRootFilesystem (default true); ` + seed001 + `, fixed defaults: "Root filesystem is always read-only"`,
	},
	{
		ID: "eci-procmount-fixed", Effect: Changed, Severity: report.SeverityLow, Check: check.ProcMount, Verify: PredictDrift,
		Profiles: profilesECI, // run by ruleECIFixedFields
		Summary:  "ECI fixes procMount at Default",
		Help:     "Drop procMount: Unmasked; ECI masks the default /proc paths whatever is declared.",
		Source:   seed000 + `, unsupported parameters: AllowedProcMountTypes (default DefaultProcMount); ` + seed001 + `, fixed defaults: "Cannot be changed"`,
	},
	{
		ID: "eci-pod-field-unsupported", Effect: Ignored, Severity: report.SeverityMedium, Verify: PredictDepends,
		Profiles: profilesECI, run: ruleECIPodFields,
		Summary: "ECI supports only sysctls and runAsUser in the pod's securityContext",
		Help:    "Move the field into each container's securityContext where ECI documents it (runAsGroup, runAsNonRoot); ECI documents no equivalent for fsGroup, supplementalGroups or seccompProfile.",
		Source:  seed000 + `, "Configure a security context for an instance" ("You can modify the sysctl and runAsUser parameters"); ` + seed001 + `, security context levels table`,
	},
	{
		ID: "eci-field-undocumented", Effect: Warning, Severity: report.SeverityInfo, Verify: PredictDepends,
		Profiles: profilesECI, run: ruleECIUndocumented,
		Summary: "ECI does not document this field",
		Help:    "Verify the field on a real ECI pod (secctx verify); ECI documents runAsUser, runAsGroup, runAsNonRoot, privileged and capabilities for containers.",
		Source:  seed001 + `, "Configure a container security context": supported parameters`,
	},
	{
		ID: "eci-init-container-field", Effect: Ignored, Severity: report.SeverityMedium, Verify: PredictDepends,
		Profiles: profilesECI, run: ruleECIInitContainers,
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
			case !containsString(eciAddable, name):
				p.add(notAddable, c, field, overrides{},
					"%s is not among the capabilities ECI lets capabilities.add grant: container %q runs without it (whether ECI drops it or refuses the pod is not documented).", name, c.c.Name)
			}
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
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

// eciSysctlSupported reports whether seed 001 lists a (normalised) sysctl.
func eciSysctlSupported(n string) bool {
	switch {
	case n == "net.ipv4.tcp_syncookies":
		return false
	case n == "kernel.sem", n == "vm.min_free_kbytes":
		return true
	}
	for _, p := range []string{"kernel.shm", "kernel.msg", "fs.mqueue.", "net."} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

func ruleECISysctls(p *pod) {
	unsupported, unlisted := ruleByID("eci-sysctl-unsupported"), ruleByID("eci-sysctl-unlisted")
	for i, s := range p.psc.Sysctls {
		field := p.specField(fmt.Sprintf("securityContext.sysctls[%d]", i))
		n := manifest.NormalizeSysctlName(s.Name)
		switch {
		case n == "net.ipv4.tcp_syncookies":
			p.add(unsupported, nil, field+".name", overrides{},
				"ECI excludes net.ipv4.tcp_syncookies from the net.* sysctls it applies (Kubernetes counts it safe): the pod keeps the default value.")
		case !eciSysctlSupported(n):
			p.add(unsupported, nil, field+".name", overrides{},
				"ECI applies only kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.* and vm.min_free_kbytes: %s is not set (it needs the k8s.aliyun.com/eci-host-sysctls annotation and an approved ticket).", s.Name)
		case n == "kernel.shm_rmid_forced" || n == "net.ipv4.ip_local_port_range":
			p.add(unlisted, nil, field+".name", overrides{},
				"Seed 001 includes %s in its sysctl groups, but seed 000 lists it neither among SecurityContext.Sysctl's safe values nor among HostSecurityContext.Sysctl's: whether ECI sets it is not clear.", n)
		case n == "vm.min_free_kbytes":
			checkMinFreeKbytes(p, field, s.Value)
		}
	}
}

// checkMinFreeKbytes applies the 20% bound to the pod's memory.
func checkMinFreeKbytes(p *pod, field, value string) {
	kb, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil || kb < 0 {
		return // the kernel refuses it; not an ECI rule
	}
	mem, detail := p.memory()
	if mem == nil {
		p.add(ruleByID("eci-min-free-kbytes-no-memory"), nil, field+".value", overrides{},
			"vm.min_free_kbytes is %d KiB, but no container sets resources.limits.memory or requests.memory: its bound of 20%% of the pod's memory cannot be checked.", kb)
		return
	}
	// 5 * kb * 1024 > mem  <=>  kb KiB > 20% of mem.
	lhs := new(big.Int).Mul(big.NewInt(kb), big.NewInt(5*1024))
	if lhs.Cmp(mem) <= 0 {
		return
	}
	limit := new(big.Int).Div(mem, big.NewInt(5*1024))
	p.add(ruleByID("eci-min-free-kbytes"), nil, field+".value", overrides{},
		"vm.min_free_kbytes is %d KiB, above 20%% of the pod's memory (%s: at most %s KiB): ECI recommends staying below it, more can starve the instance.", kb, detail, limit)
}

// memory is the pod's memory as the scheduler counts it: the sum of the
// app containers' limits (else requests), or the largest init
// container's, whichever is more; nil when no container sets either.
func (p *pod) memory() (*big.Int, string) {
	sum, maxInit := new(big.Int), new(big.Int)
	var none []string
	found := false
	for _, c := range p.ctrs {
		if c.kind == manifest.KindEphemeralContainer {
			continue
		}
		v, ok := c.c.Resources.Limits["memory"]
		if !ok {
			v, ok = c.c.Resources.Requests["memory"]
		}
		q, err := v.Value()
		if !ok || err != nil {
			if c.kind == manifest.KindContainer {
				none = append(none, c.c.Name)
			}
			continue
		}
		found = true
		if c.kind == manifest.KindInitContainer {
			if q.Cmp(maxInit) > 0 {
				maxInit = q
			}
			continue
		}
		sum.Add(sum, q)
	}
	if !found {
		return nil, ""
	}
	mem := sum
	if maxInit.Cmp(sum) > 0 {
		mem = maxInit
	}
	detail := fmt.Sprintf("%s bytes from the containers' memory limits or requests", mem)
	if len(none) > 0 {
		detail += fmt.Sprintf(", not counting %s, which set%s neither", strings.Join(none, ", "), plural(len(none) == 1, "s", ""))
	}
	return mem, detail
}

func plural(one bool, singular, many string) string {
	if one {
		return singular
	}
	return many
}

// eciHostExcluded are excluded from HostSecurityContext.Sysctl (seed 000).
var eciHostExcluded = []string{"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"}

func ruleECIHostSysctls(p *pod) {
	key := p.opts.Profile.HostSysctlsAnnotation
	if key == "" {
		return
	}
	v, ok := p.w.Annotations[key]
	if !ok {
		return
	}
	field := p.annotationField(key)
	list, err := expect.ParseHostSysctls(v)
	if err != nil {
		p.add(ruleByID("eci-host-sysctls-malformed"), nil, field, overrides{},
			"The annotation %s is not a JSON list of {name, value} (%v): ECI sets none of its sysctls, and secctx verify expects none.", key, err)
		return
	}
	applied := 0
	for i, s := range list {
		n := manifest.NormalizeSysctlName(s.Name)
		switch {
		case s.Name == "" || !validSysctlName(s.Name):
			p.add(ruleByID("eci-host-sysctls-malformed"), nil, field, overrides{verify: PredictDepends},
				"Entry %d of the annotation %s names %q, which is not a sysctl name: ECI cannot set it.", i, key, s.Name)
		case containsString(eciHostExcluded, n):
			p.add(ruleByID("eci-host-sysctl-excluded"), nil, field, overrides{},
				"ECI excludes %s from the host sysctls it sets (entry %d of %s): it keeps its default value.", n, i, key)
		default:
			applied++
		}
	}
	if applied > 0 {
		p.add(ruleByID("eci-host-sysctls-ticket"), nil, field, overrides{},
			"The annotation %s sets %d host sysctl%s only if an approved ticket enables them, and only when the pod is created: editing it later has no effect.", key, applied, plural(applied == 1, "", "s"))
	}
}

// validSysctlName is the Kubernetes sysctl name syntax.
func validSysctlName(n string) bool {
	return len(n) <= 253 && sysctlNameRE.MatchString(n)
}

func ruleECIFixedFields(p *pod) {
	rofs, proc := ruleByID("eci-readonly-rootfs-fixed"), ruleByID("eci-procmount-fixed")
	for _, c := range p.ctrs {
		if ro := c.sc.ReadOnlyRootFilesystem; ro == nil || !*ro {
			field := p.specField(c.path("securityContext.readOnlyRootFilesystem"))
			what := "does not declare readOnlyRootFilesystem"
			if ro != nil {
				what = "declares readOnlyRootFilesystem: false"
			}
			p.add(rofs, c, field, overrides{},
				"Container %q %s, but ECI's root filesystem is always read-only: writes outside volumes fail.", c.c.Name, what)
		}
		if pm := c.sc.ProcMount; pm != nil && *pm == "Unmasked" {
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
