package lint

import (
	"fmt"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/manifest"
	"github.com/secctx/secctx/report"
)

// The podman rules: what `podman kube play` (podman 4.3, the version the
// podman profile models) does not read from a pod manifest.

const podmanKube = "podman pkg/specgen/generate/kube/kube.go setupSecurityContext"

var podmanRules = []*Rule{
	{
		ID: "podman-fsgroup-ignored", Effect: Ignored, Severity: report.SeverityMedium, Check: check.FSGroup, Verify: PredictDrift,
		Requires: onKubePlay, run: rulePodmanPodFields,
		Summary: "podman kube play does not apply fsGroup",
		Help:    "Add the group through supplementalGroups, which podman applies.",
		Source:  podmanKube + " (fsGroup not read; measured with podman 4.3)",
	},
	{
		ID: "podman-sysctls-ignored", Effect: Ignored, Severity: report.SeverityMedium, Check: check.Sysctls, Verify: PredictDrift,
		Requires: onKubePlay, // run by rulePodmanPodFields
		Summary:  "podman 4.3 kube play does not apply pod sysctls",
		Help:     "podman applies pod sysctls from v4.5.0 on; with 4.3 set them with podman run --sysctl.",
		Source:   "podman v4.3.1 pkg/specgen/generate/kube (no sysctl support; added in v4.5.0, commit 94d4b5278f; measured with podman 4.3)",
	},
	{
		ID: "podman-strict-groups-ignored", Effect: Ignored, Severity: report.SeverityMedium, Check: check.SupplementalGroups, Verify: PredictDepends,
		Requires: onKubePlay, // run by rulePodmanPodFields
		Summary:  "podman kube play ignores supplementalGroupsPolicy",
		Help:     "podman merges the image's /etc/group memberships unless runAsGroup is set.",
		Source:   podmanKube + " (supplementalGroupsPolicy not read); libpod container_internal_common.go (memberships added when the user has no group)",
	},
	{
		ID: "podman-runasnonroot-ignored", Effect: Ignored, Severity: report.SeverityHigh, Check: check.RunAsNonRoot, Verify: PredictDepends,
		Requires: onKubePlay, run: rulePodmanContainerFields,
		Summary: "podman kube play does not enforce runAsNonRoot",
		Help:    "Set a non-zero runAsUser: podman starts an image that runs as root despite runAsNonRoot.",
		Source:  podmanKube + " (runAsNonRoot not read; docs/kubernetes_support.md)",
	},
	{
		ID: "podman-seccomp-field-ignored", Effect: Ignored, Severity: report.SeverityMedium, Check: check.SeccompProfile, Verify: PredictNoDrift,
		Requires: onKubePlay, // run by rulePodmanContainerFields
		Summary:  "podman kube play ignores the seccompProfile field",
		Help:     "podman applies its default filter; it reads only the legacy seccomp.security.alpha.kubernetes.io annotations.",
		Source:   podmanKube + " and pkg/specgen/generate/kube/seccomp.go (annotations only)",
	},
	{
		ID: "podman-apparmor-ignored", Effect: Ignored, Severity: report.SeverityMedium, Check: check.AppArmorProfile, Verify: PredictDepends,
		Requires: onKubePlay, // run by rulePodmanContainerFields
		Summary:  "podman kube play ignores the appArmorProfile field",
		Help:     "podman applies its containers-default profile where AppArmor is enabled.",
		Source:   podmanKube + " (appArmorProfile not read)",
	},
	{
		ID: "podman-procmount-ignored", Effect: Ignored, Severity: report.SeverityLow, Check: check.ProcMount, Verify: PredictDrift,
		Requires: onKubePlay, // run by rulePodmanContainerFields
		Summary:  "podman 4.3 kube play ignores procMount",
		Help:     "podman applies procMount from v4.7.0 on.",
		Source:   podmanKube + " in v4.3.1 (procMount read from v4.7.0)",
	},
	{
		ID: "podman-capability-conflict", Effect: Refused, Severity: report.SeverityHigh, Check: check.CapabilitiesBounding, Verify: PredictNotRun,
		Requires: onKubePlay, run: rulePodmanCapabilities,
		Summary: "podman refuses a capability that is both added and dropped",
		Help:    "List the capability in add or in drop, not both (and not add ALL with drop ALL).",
		Source:  "containers/common pkg/capabilities.MergeCapabilities",
	},
	{
		ID: "podman-lone-runasgroup", Effect: Changed, Severity: report.SeverityMedium, Check: check.RunAsUser, Verify: PredictNoDrift,
		Requires: onKubePlay, // run by rulePodmanContainerFields
		Summary:  "podman runs a container with runAsGroup and no runAsUser as root",
		Help:     "Set runAsUser too: podman turns a lone runAsGroup into the user 0:<gid>, whatever the image's USER.",
		Source:   podmanKube + ` ("0:<gid>" when runAsUser is unset)`,
	},
}

func rulePodmanPodFields(p *pod) {
	if p.psc.FSGroup != nil {
		p.add(ruleByID("podman-fsgroup-ignored"), nil, p.specField("securityContext.fsGroup"), overrides{},
			"podman kube play does not apply fsGroup %d: the processes are not in that group.", *p.psc.FSGroup)
	}
	for i, s := range p.psc.Sysctls {
		p.add(ruleByID("podman-sysctls-ignored"), nil, p.specField(fmt.Sprintf("securityContext.sysctls[%d]", i)), overrides{},
			"podman 4.3 kube play does not set pod sysctls: %s keeps the value of the pod's namespace.", s.Name)
	}
	if pol := p.psc.SupplementalGroupsPolicy; pol != nil && *pol == manifest.SupplementalGroupsPolicyStrict {
		p.add(ruleByID("podman-strict-groups-ignored"), nil, p.specField("securityContext.supplementalGroupsPolicy"), overrides{},
			"podman kube play ignores supplementalGroupsPolicy: Strict: the image's /etc/group memberships are still merged unless runAsGroup is set.")
	}
}

func rulePodmanContainerFields(p *pod) {
	for _, c := range p.ctrs {
		if c.exp.RunAsNonRoot {
			p.add(ruleByID("podman-runasnonroot-ignored"), c, p.runAsNonRootField(c), overrides{},
				"podman kube play does not enforce runAsNonRoot: container %q starts even if it runs as root.", c.c.Name)
		}
		seccomp, field := c.sc.SeccompProfile, p.specField(c.path("securityContext.seccompProfile"))
		if seccomp == nil {
			seccomp, field = p.psc.SeccompProfile, p.specField("securityContext.seccompProfile")
		}
		if seccomp != nil && seccomp.Type != manifest.SeccompProfileTypeRuntimeDefault {
			o := overrides{}
			msg := "podman kube play ignores the seccompProfile field: container %q runs with podman's default filter, not profile %s."
			if seccomp.Type == manifest.SeccompProfileTypeUnconfined {
				o = overrides{verify: PredictDrift, severity: report.SeverityLow}
				msg = "podman kube play ignores the seccompProfile field: container %q runs with podman's default filter, not %s."
			}
			what := string(seccomp.Type)
			if seccomp.LocalhostProfile != nil {
				what += " " + *seccomp.LocalhostProfile
			}
			p.add(ruleByID("podman-seccomp-field-ignored"), c, field, o, msg, c.c.Name, what)
		}
		if a := c.sc.AppArmorProfile; a != nil {
			p.add(ruleByID("podman-apparmor-ignored"), c, p.specField(c.path("securityContext.appArmorProfile")), overrides{},
				"podman kube play ignores appArmorProfile %s of container %q.", a.Type, c.c.Name)
		} else if a := p.psc.AppArmorProfile; a != nil {
			p.add(ruleByID("podman-apparmor-ignored"), c, p.specField("securityContext.appArmorProfile"), overrides{},
				"podman kube play ignores the pod's appArmorProfile %s for container %q.", a.Type, c.c.Name)
		}
		if pm := c.sc.ProcMount; pm != nil && *pm == manifest.UnmaskedProcMount {
			p.add(ruleByID("podman-procmount-ignored"), c, p.specField(c.path("securityContext.procMount")), overrides{},
				"podman 4.3 kube play ignores procMount: container %q gets podman's masked and read-only paths.", c.c.Name)
		}
		if c.sc.RunAsUser == nil && p.psc.RunAsUser == nil && (c.sc.RunAsGroup != nil || p.psc.RunAsGroup != nil) {
			field := p.specField(c.path("securityContext.runAsGroup"))
			gid := c.sc.RunAsGroup
			if gid == nil {
				field, gid = p.specField("securityContext.runAsGroup"), p.psc.RunAsGroup
			}
			p.add(ruleByID("podman-lone-runasgroup"), c, field, overrides{},
				"Container %q sets runAsGroup %d without runAsUser: podman runs it as user 0:%d, whatever the image's USER.", c.c.Name, *gid, *gid)
		}
	}
}

func rulePodmanCapabilities(p *pod) {
	r := ruleByID("podman-capability-conflict")
	for _, c := range p.ctrs {
		capConflicts(c, func(i int, name string) {
			if i < 0 {
				p.add(r, c, p.specField(c.path("securityContext.capabilities")), overrides{},
					"podman refuses container %q: capabilities add ALL and drop ALL together.", c.c.Name)
				return
			}
			p.add(r, c, p.specField(c.path(fmt.Sprintf("securityContext.capabilities.add[%d]", i))), overrides{},
				"podman refuses container %q: %s is both added and dropped.", c.c.Name, name)
		})
	}
}
