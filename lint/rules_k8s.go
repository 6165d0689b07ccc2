package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/sysctl"
)

// The Kubernetes rules: what the API server rejects, what the kubelet
// refuses, what the CRI runtimes refuse or change.

var k8sRules = []*Rule{
	{
		ID: "k8s-invalid", Effect: Refused, Severity: report.SeverityHigh, Verify: PredictNotRun,
		Summary: "The API server rejects the object",
		Help:    "Fix the field: the object is refused at admission (strict field validation, pod validation), so nothing runs.",
		Source:  "kube-apiserver pkg/apis/core/validation.ValidatePodSpec and strict field validation (mirrored by secctx's decoder, package manifest)",
	},
	{
		ID: "k8s-sysctl-unsafe", Effect: Refused, Severity: report.SeverityHigh, Check: check.Sysctls, Verify: PredictNotRun,
		Requires: onKubeletNode, run: ruleUnsafeSysctls,
		Summary: "The kubelet refuses a sysctl that is not on its allowlist",
		Help:    "Use a safe sysctl, or have the node's kubelet allow it with --allowed-unsafe-sysctls (namespaced sysctls only); lint takes the same flag.",
		Source:  "kubelet pkg/kubelet/sysctl.(*patternAllowlist).Admit with SafeSysctlAllowlist and --allowed-unsafe-sysctls (v1.33)",
	},
	{
		ID: "k8s-strict-groups-unsupported", Effect: Warning, Severity: report.SeverityLow, Check: check.SupplementalGroups, Verify: PredictDepends,
		Requires: onKubeletNode, run: ruleStrictGroups,
		Summary: "supplementalGroupsPolicy: Strict is refused on runtimes without the feature",
		Help:    "Strict needs containerd 2.0 or later, or CRI-O 1.31 or later; elsewhere the kubelet refuses the pod (SupplementalGroupsPolicyNotSupported).",
		Source:  "kubelet pkg/kubelet/lifecycle.rejectPodAdmissionBasedOnSupplementalGroupsPolicy (node status features.supplementalGroupsPolicy)",
	},
	{
		ID: "k8s-containerd-pod-group-without-user", Effect: Refused, Severity: report.SeverityHigh, Check: check.RunAsGroup, Verify: PredictNotRun,
		Requires: podGroupNeedsUser, run: rulePodGroupWithoutUser,
		Summary: "containerd refuses a sandbox with a pod-level runAsGroup and no pod-level runAsUser",
		Help:    "Set runAsUser at pod level too, or move runAsGroup into the containers.",
		Source:  `containerd sandbox_run_linux.go (pod sandbox) via GenerateUserString: "user group is specified without user" (measured with containerd 1.6.20 and 2.2.9)`,
	},
	{
		ID: "k8s-runasnonroot-uid-0", Effect: Refused, Severity: report.SeverityHigh, Check: check.RunAsNonRoot, Verify: PredictNotRun,
		Requires: underKubelet, run: ruleRunAsNonRootUID0,
		Summary: "runAsNonRoot with runAsUser 0: the kubelet refuses the container",
		Help:    "Choose a non-zero runAsUser, or drop runAsNonRoot.",
		Source:  `kubelet pkg/kubelet/kuberuntime.verifyRunAsNonRoot: "container's runAsUser breaks non-root policy"`,
	},
	{
		ID: "k8s-runasnonroot-image-user", Effect: Warning, Severity: report.SeverityInfo, Check: check.RunAsNonRoot, Verify: PredictDepends,
		Requires: underKubelet, run: ruleRunAsNonRootImage,
		Summary: "runAsNonRoot without runAsUser: whether the container starts depends on the image's USER",
		Help:    "Set runAsUser, or make sure the image's USER is numeric and not 0.",
		Source:  `kubelet pkg/kubelet/kuberuntime.verifyRunAsNonRoot: "image will run as root" / "cannot verify user is non-root"`,
	},
	{
		ID: "k8s-nonroot-capabilities", Effect: Changed, Severity: report.SeverityLow, Check: check.CapabilitiesEffective, Verify: PredictNoDrift,
		Requires: noAmbientForNonRoot, run: ruleNonRootCapabilities,
		Summary: "Added capabilities are never effective for a non-root user",
		Help:    "Without ambient capabilities the kernel clears the permitted and effective sets at execve for a non-root user; only the bounding set holds the added capabilities. Give the binary file capabilities, run as root with a reduced set, or avoid the need (e.g. ports below 1024 through net.ipv4.ip_unprivileged_port_start).",
		Source:  "kubernetes#56374; containerd WithoutAmbientCaps and CRI-O SpecSetupCapabilities clear ambient capabilities; capabilities(7) execve rules",
	},
	{
		ID: "k8s-containerd-cap-prefix", Effect: Ignored, Severity: report.SeverityHigh, Check: check.CapabilitiesBounding, Verify: PredictDrift,
		Requires: capPrefixIgnored, run: ruleCapPrefix,
		Summary: "containerd ignores a capability written with the CAP_ prefix",
		Help:    `Write the name without "CAP_" (NET_RAW, not CAP_NET_RAW): containerd prefixes it again and runc drops the unknown CAP_CAP_ name.`,
		Source:  `containerd WithCapabilities ("CAP_"+strings.ToUpper(c)) and runc libcontainer/capabilities.New (unknown names ignored since v1.0.0-rc94)`,
	},
	{
		ID: "k8s-docker-add-beats-drop", Effect: Changed, Severity: report.SeverityHigh, Check: check.CapabilitiesBounding, Verify: PredictDrift,
		Requires: addBeatsDrop, run: ruleDockerAddBeatsDrop,
		Summary: "Docker keeps a capability that is both added and dropped",
		Help:    "List the capability in add or in drop, not both: Docker applies adds after drops (and add ALL beats drop ALL), containerd and CRI-O the other way round.",
		Source:  "moby daemon/pkg/oci/caps.TweakCapabilities",
	},
	{
		ID: "k8s-apparmor-node", Effect: Warning, Severity: report.SeverityInfo, Check: check.AppArmorProfile, Verify: PredictDepends,
		Requires: onKubeletNode, run: ruleAppArmorNode,
		Summary: "A declared AppArmor profile needs AppArmor on the node",
		Help:    "The kubelet does not admit the pod on a node without AppArmor, and a Localhost profile must be loaded on every node the pod may run on.",
		Source:  "kubelet pkg/security/apparmor.Validate; seed 004, \"Set the AppArmor Profile for a Container\" (note)",
	},
	{
		ID: "k8s-selinux-node", Effect: Warning, Severity: report.SeverityInfo, Check: check.SELinuxOptions, Verify: PredictDepends,
		Requires: onOwnNode, run: ruleSELinuxNode,
		Summary: "seLinuxOptions are silently ignored on a node without SELinux",
		Help:    "The runtimes label the process only where SELinux is enabled; elsewhere the options have no effect.",
		Source:  "go-selinux label.InitLabels (returns no label when SELinux is disabled), used by containerd, CRI-O and podman; seed 004, \"Assign SELinux labels to a Container\" (note)",
	},
	{
		ID: "k8s-hostusers-runtime", Effect: Warning, Severity: report.SeverityLow, Check: check.HostUsers, Verify: PredictDepends,
		Requires: onKubeletNode, run: ruleHostUsers,
		Summary: "hostUsers: false needs a runtime with user-namespace support",
		Help:    "containerd 2.0+ with runc 1.2+ and CRI-O support it; containerd 1.x and cri-dockerd do not, and the kubelet then refuses the pod.",
		Source:  `kubelet pkg/kubelet/userns.(*UsernsManager).GetOrCreateUserNamespaceMappings: "runtime does not support user namespaces"`,
	},
}

// capEntries lists a container's capabilities.add or drop entries.
func capEntries(c *ctr, field string) []string {
	if c.sc.Capabilities == nil {
		return nil
	}
	if field == "add" {
		return c.sc.Capabilities.Add
	}
	return c.sc.Capabilities.Drop
}

// normCap is a capability name as runtimes compare it: upper case,
// without CAP_.
func normCap(name string) string {
	return strings.TrimPrefix(strings.ToUpper(name), "CAP_")
}

func ruleUnsafeSysctls(p *pod) {
	r := ruleByID("k8s-sysctl-unsafe")
	for i, s := range p.psc.Sysctls {
		if kubeletAdmits(s.Name, p.opts.AllowedUnsafeSysctls) {
			continue
		}
		field := p.specField(fmt.Sprintf("securityContext.sysctls[%d].name", i))
		n := sysctl.NormalizeName(s.Name)
		if !manifest.NamespacedSysctl(n) {
			p.add(r, nil, field, overrides{},
				"The kubelet refuses the pod (SysctlForbidden): %s is not a safe sysctl and not namespaced, so no --allowed-unsafe-sysctls can allow it.", s.Name)
			continue
		}
		p.add(r, nil, field, overrides{},
			"The kubelet refuses the pod (SysctlForbidden): %s is not a safe sysctl; only a node whose kubelet runs with --allowed-unsafe-sysctls=%s (or a pattern covering it) admits it.", s.Name, n)
	}
}

func ruleStrictGroups(p *pod) {
	pol := p.psc.SupplementalGroupsPolicy
	if pol == nil || *pol != manifest.SupplementalGroupsPolicyStrict {
		return
	}
	r := ruleByID("k8s-strict-groups-unsupported")
	field := p.specField("securityContext.supplementalGroupsPolicy")
	prof := p.opts.Profile
	if prof.StrictGroupsSince == "" {
		p.add(r, nil, field, overrides{effect: Refused, severity: report.SeverityHigh, verify: PredictNotRun},
			"%s reports no SupplementalGroupsPolicy feature, so the kubelet refuses the pod (SupplementalGroupsPolicyNotSupported).", prof.CRI)
		return
	}
	p.add(r, nil, field, overrides{},
		"%s supports Strict from %s; on %s the kubelet refuses the pod (SupplementalGroupsPolicyNotSupported).", prof.CRI, prof.StrictGroupsSince, prof.StrictGroupsBefore)
}

func rulePodGroupWithoutUser(p *pod) {
	if p.psc.RunAsGroup == nil || p.psc.RunAsUser != nil {
		return
	}
	p.add(ruleByID("k8s-containerd-pod-group-without-user"), nil, p.specField("securityContext.runAsGroup"), overrides{},
		"containerd refuses the pod sandbox: runAsGroup %d is set at pod level without a pod-level runAsUser (\"user group is specified without user\"); a container's runAsUser does not help, the sandbox takes the pod's fields only.", *p.psc.RunAsGroup)
}

// runAsNonRootField is where a container's effective runAsNonRoot is
// declared.
func (p *pod) runAsNonRootField(c *ctr) string {
	if c.sc.RunAsNonRoot != nil {
		return p.specField(c.path("securityContext.runAsNonRoot"))
	}
	return p.specField("securityContext.runAsNonRoot")
}

func ruleRunAsNonRootUID0(p *pod) {
	r := ruleByID("k8s-runasnonroot-uid-0")
	for _, c := range p.ctrs {
		if !c.exp.RunAsNonRoot || c.uid() == nil || *c.uid() != 0 {
			continue
		}
		field := p.specField("securityContext.runAsUser")
		if c.sc.RunAsUser != nil {
			field = p.specField(c.path("securityContext.runAsUser"))
		}
		p.add(r, c, field, overrides{},
			"The kubelet refuses to start container %q: runAsNonRoot is true and runAsUser is 0 (CreateContainerConfigError).", c.c.Name)
	}
}

func ruleRunAsNonRootImage(p *pod) {
	r := ruleByID("k8s-runasnonroot-image-user")
	for _, c := range p.ctrs {
		if !c.exp.RunAsNonRoot || c.uid() != nil {
			continue
		}
		p.add(r, c, p.runAsNonRootField(c), overrides{},
			"runAsNonRoot is true and no runAsUser is set: the kubelet starts container %q only if its image's USER is a non-zero uid; an image running as root, or with a USER name, is refused.", c.c.Name)
	}
}

func ruleNonRootCapabilities(p *pod) {
	r := ruleByID("k8s-nonroot-capabilities")
	for _, c := range p.ctrs {
		adds := capEntries(c, "add")
		if len(adds) == 0 || !c.nonRoot() {
			continue
		}
		who := "runs as a non-root user (runAsNonRoot)"
		if u := c.uid(); u != nil {
			who = fmt.Sprintf("runs as uid %d", *u)
		}
		p.add(r, c, p.specField(c.path("securityContext.capabilities.add")), overrides{},
			"Container %q %s: the added capabilities %s reach only its bounding set; its permitted and effective sets are empty after execve, since no runtime behind the kubelet sets ambient capabilities.",
			c.c.Name, who, strings.Join(adds, ", "))
	}
}

func ruleCapPrefix(p *pod) {
	r := ruleByID("k8s-containerd-cap-prefix")
	for _, c := range p.ctrs {
		for _, field := range []string{"add", "drop"} {
			for i, n := range capEntries(c, field) {
				if !strings.HasPrefix(strings.ToUpper(n), "CAP_") {
					continue
				}
				o := overrides{}
				what := "is not dropped: the container keeps it"
				if field == "add" {
					o.severity = report.SeverityLow
					what = "is not added"
				}
				p.add(r, c, p.specField(c.path(fmt.Sprintf("securityContext.capabilities.%s[%d]", field, i))), o,
					"containerd turns %q into CAP_%s, which runc ignores: %s %s.", n, strings.ToUpper(n), normCap(n), what)
			}
		}
	}
}

func ruleDockerAddBeatsDrop(p *pod) {
	r := ruleByID("k8s-docker-add-beats-drop")
	for _, c := range p.ctrs {
		capConflicts(c, func(i int, name string) {
			if i < 0 {
				p.add(r, c, p.specField(c.path("securityContext.capabilities")), overrides{},
					"Docker gives container %q every capability: add ALL beats drop ALL (containerd and CRI-O give none).", c.c.Name)
				return
			}
			p.add(r, c, p.specField(c.path(fmt.Sprintf("securityContext.capabilities.add[%d]", i))), overrides{},
				"Docker keeps %s, which is both added and dropped: it applies adds after drops (containerd and CRI-O drop it).", name)
		})
	}
}

// capConflicts calls found once for a container that adds and drops ALL
// (i is -1), or else for each capability it both adds and drops (i is its
// index in capabilities.add, name its normalized name).
func capConflicts(c *ctr, found func(i int, name string)) {
	adds, drops := capEntries(c, "add"), capEntries(c, "drop")
	if slices.ContainsFunc(adds, manifest.IsAll) && slices.ContainsFunc(drops, manifest.IsAll) {
		found(-1, "ALL")
		return
	}
	for i, n := range adds {
		if !manifest.IsAll(n) && slices.ContainsFunc(drops, func(d string) bool { return normCap(d) == normCap(n) }) {
			found(i, normCap(n))
		}
	}
}

func ruleAppArmorNode(p *pod) {
	r := ruleByID("k8s-apparmor-node")
	if a := p.psc.AppArmorProfile; a != nil && a.Type != manifest.AppArmorProfileTypeUnconfined {
		p.add(r, nil, p.specField("securityContext.appArmorProfile"), overrides{},
			"AppArmor profile %s is declared: the kubelet does not admit the pod on a node without AppArmor (and a Localhost profile must be loaded there).", a.Type)
	}
	for _, c := range p.ctrs {
		if a := c.sc.AppArmorProfile; a != nil && a.Type != manifest.AppArmorProfileTypeUnconfined {
			p.add(r, c, p.specField(c.path("securityContext.appArmorProfile")), overrides{},
				"AppArmor profile %s is declared for container %q: the kubelet does not admit the pod on a node without AppArmor (and a Localhost profile must be loaded there).", a.Type, c.c.Name)
		}
		key := "container.apparmor.security.beta.kubernetes.io/" + c.c.Name
		if v, ok := p.w.Annotations[key]; ok && v != "unconfined" {
			p.add(r, c, p.annotationField(key), overrides{},
				"The annotation asks AppArmor profile %q for container %q: the kubelet does not admit the pod on a node without AppArmor.", v, c.c.Name)
		}
	}
}

func ruleSELinuxNode(p *pod) {
	r := ruleByID("k8s-selinux-node")
	if o := p.psc.SELinuxOptions; o != nil && (*o != manifest.SELinuxOptions{}) {
		p.add(r, nil, p.specField("securityContext.seLinuxOptions"), overrides{},
			"seLinuxOptions are applied only on nodes with SELinux enabled; elsewhere the runtime ignores them and the processes carry no such label.")
	}
	for _, c := range p.ctrs {
		if o := c.sc.SELinuxOptions; o != nil && (*o != manifest.SELinuxOptions{}) {
			p.add(r, c, p.specField(c.path("securityContext.seLinuxOptions")), overrides{},
				"seLinuxOptions of container %q are applied only on nodes with SELinux enabled; elsewhere the runtime ignores them.", c.c.Name)
		}
	}
}

func ruleHostUsers(p *pod) {
	hu := p.w.Spec.HostUsers
	if hu == nil || *hu {
		return
	}
	r := ruleByID("k8s-hostusers-runtime")
	field := p.specField("hostUsers")
	if !p.opts.Profile.UserNamespaces {
		p.add(r, nil, field, overrides{effect: Refused, severity: report.SeverityHigh, verify: PredictNotRun},
			"%s does not support user namespaces: the kubelet refuses the pod (\"runtime does not support user namespaces\").", p.opts.Profile.CRI)
		return
	}
	p.add(r, nil, field, overrides{},
		"hostUsers: false runs only where the runtime supports user namespaces (containerd 2.0+ with runc 1.2+, CRI-O); containerd 1.x reports no support and the kubelet refuses the pod.")
}
