package expect_test

// Resolver rows for what the kubelet, containerd, CRI-O, cri-dockerd and
// podman really do, each citing the upstream function that decides it:
// the image's USER without its group, ambient capabilities, capability
// conflicts and prefixes, privileged containers under CRI-O, and the
// defaults that depend on node configuration nothing inside a container
// reveals (the legitimate outcomes, and that a declared field never gets
// any).

import (
	"testing"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/expect"
	"github.com/secctx/secctx/userdb"
)

// appUser is an image whose uid 1000 ("app", gid 1000) is a member of
// gid 50000, with a gid 2000 that the image's USER 1000:2000 would name.
var appUser = expect.Image{
	Passwd: []userdb.Account{{Name: "root", UID: 0, GID: 0}, {Name: "app", UID: 1000, GID: 1000}},
	Group: []userdb.GroupEntry{
		{Name: "root", GID: 0},
		{Name: "app", GID: 1000},
		{Name: "two", GID: 2000},
		{Name: "extra", GID: 50000, Members: []string{"app"}},
	},
	PasswdReadable: true, GroupReadable: true,
}

// aliceOwnGroup lists alice in a group named after her and in dev.
var aliceOwnGroup = expect.Image{
	Passwd: []userdb.Account{{Name: "alice", UID: 1000, GID: 1000}},
	Group: []userdb.GroupEntry{
		{Name: "alice", GID: 1001, Members: []string{"alice"}},
		{Name: "dev", GID: 3000, Members: []string{"alice"}},
	},
	PasswdReadable: true, GroupReadable: true,
}

const (
	thermal    = "/sys/devices/system/cpu/cpu*/thermal_throttle"
	interrupts = "/proc/interrupts"
	portStart  = "net.ipv4.ip_unprivileged_port_start"
	pingRange  = "net.ipv4.ping_group_range"
)

func TestResolveImageUser(t *testing.T) {
	t.Parallel()
	unreadable := expect.Image{GroupReadable: true}
	runResolveCases(t, []resolveCase{
		// The runtime's image status keeps only the uid of USER 1000:2000
		// (containerd internal/cri/server/images getUserFromImage:
		// strings.Split(user, ":")[0]); the kubelet sends it as run_as_user
		// and containerd takes the gid from /etc/passwd (pkg/oci
		// WithUserID).
		{name: "kubelet/image-USER-uid-gid-drops-group", img: &appUser, yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.ids(e, -1, -1)
				c.eq("GIDSource", e.GIDSource, expect.GIDFromImageUser)
				c.gidOK(e, 1000, 1000)
				c.gidBad(e, 1000, 2000)
				// WithAdditionalGIDs: the primary gid and the memberships.
				c.groupsOKAs(e, 1000, 1000, 50000)
				c.groupsBadAs(e, 1000, 1000, 2000, 50000)
			}},
		// oci.WithUserID: "If /etc/passwd does not exist, or uid is not
		// found ... sets the gid to 0" (kubernetes#93666).
		{name: "kubelet/image-USER-uid-not-in-passwd", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.gidOK(e, 1234, 0)
				c.gidBad(e, 1234, 1234)
				c.groupsOKAs(e, 1234, 0)
			}},
		{name: "kubelet/image-USER-uid-scratch", img: &scratch, yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.gidOK(e, 65532, 0)
				c.gidBad(e, 65532, 65532)
			}},
		// USER app: the kubelet sends run_as_username; WithUsername takes
		// its uid and gid.
		{name: "kubelet/image-USER-name", img: &appUser, yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.gidOK(e, 1000, 1000) }},
		// A root image with nothing declared: the kubelet sends uid 0
		// (getImageUser: "treat it as root"), gid 0 from /etc/passwd.
		{name: "kubelet/image-root-nothing-declared", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.gidOK(e, 0, 0)
				c.gidBad(e, 0, 1)
			}},
		// GenerateUserString("1000", nil, 3000) → "1000:3000".
		{name: "kubelet/image-USER-uid-runAsGroup", img: &appUser, yaml: pod("", "{runAsGroup: 3000}"),
			check: func(c *chk, e *expect.Expected) {
				c.ids(e, -1, 3000)
				c.gidOK(e, 1000, 3000)
				c.gidBad(e, 1000, 1000)
			}},
		{name: "kubelet/image-passwd-unreadable", img: &unreadable, yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.eq("GIDSource", e.GIDSource, expect.GIDPasswdUnreadable)
				c.eq("ImageUser", e.ImageUser == nil, true)
				if st, _ := runAsGroupStatus(e, 1000, 1000); st != "skipped" {
					c.errorf("runAsGroup %s, want skipped", st)
				}
			}},
		// CRI-O server/image_status.go getUserFromImage drops the group the
		// same way; runc GetExecUser then reads /etc/passwd.
		{name: "crio/image-USER-uid-gid-drops-group", profile: "crio", img: &appUser, yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.gidOK(e, 1000, 1000); c.gidBad(e, 1000, 2000) }},
		// cri-dockerd core/security_context.go modifyContainerConfig:
		// config.User is the uid alone.
		{name: "docker/image-USER-uid-gid-drops-group", profile: "docker", img: &appUser, yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.gidOK(e, 1000, 1000); c.gidBad(e, 1000, 2000) }},
		// podman pkg/specgen/generate/kube/kube.go: s.User =
		// imageData.Config.User, group included: not derivable.
		{name: "podman/image-USER-uid-gid-kept", profile: "podman", img: &appUser, yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.eq("GIDSource", e.GIDSource, expect.GIDImageUser)
				c.eq("ImageUser", e.ImageUser == nil, true)
				if st, _ := runAsGroupStatus(e, 1000, 2000); st != "skipped" {
					c.errorf("runAsGroup %s, want skipped (podman keeps USER 1000:2000)", st)
				}
			}},
		// containerd pkg/oci WithAdditionalGIDs skips the group named after
		// the user ("we only want supplemental groups").
		{name: "containerd/Merge-skips-user-named-group", img: &aliceOwnGroup, yaml: pod("", "{runAsUser: 1000}"),
			check: func(c *chk, e *expect.Expected) {
				c.allowed(e, 1000, 3000)
				c.groupsBad(e, 1000, 1001, 3000)
			}},
		// runc libcontainer/user GetExecUser (CRI-O setupContainerUser)
		// has no such filter.
		{name: "crio/Merge-keeps-user-named-group", profile: "crio", img: &aliceOwnGroup, yaml: pod("", "{runAsUser: 1000}"),
			check: func(c *chk, e *expect.Expected) {
				c.allowed(e, 1000, 1001, 3000)
				c.groupsOK(e, 1000, 1001, 3000)
			}},
		{name: "crio/Merge-image-user-keeps-user-named-group", profile: "crio", img: &aliceOwnGroup, yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.groupsOKAs(e, 1000, 1000, 1001, 3000) }},
		// containerd containerSpecOpts: userstr is the image's user part.
		{name: "kubelet/Merge-image-user-undeclared", img: &predefinedGroup, yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.eq("ImageGroupsUnknown", e.ImageGroupsUnknown, false)
				c.groupsOKAs(e, 1000, 1000, 50000)
				c.groupsBadAs(e, 1000, 1000, 50000, 60000)
				c.groupsBadAs(e, 0, 0, 50000) // root is not in 50000
			}},
		// WithAdditionalGIDs: ErrNoUsersFound → no group.
		{name: "containerd/Merge-uid-not-in-passwd", yaml: pod("", "{runAsUser: 2000}"),
			check: func(c *chk, e *expect.Expected) {
				c.allowed(e, 0)
				c.groupsOK(e, 0)
				c.groupsBad(e, 0, 10)
			}},
		// libpod container_internal_common.go: image memberships only "if
		// a group wasn't directly specified".
		{name: "podman/runAsGroup-disables-image-groups", profile: "podman", img: &predefinedGroup,
			yaml: pod("{runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000]}", ""),
			check: func(c *chk, e *expect.Expected) {
				c.groupsOK(e, 3000, 4000)
				c.groupsBad(e, 3000, 4000, 50000)
			}},
		// volumemanager GetExtraSupplementalGroupsForPod: the gid of a
		// PersistentVolume annotated pv.beta.kubernetes.io/gid.
		{name: "kubelet/pvc-volume-gid-tolerated", yaml: podWith("  volumes: [{name: d, persistentVolumeClaim: {claimName: c}}]", "", "{runAsUser: 1000}"),
			check: func(c *chk, e *expect.Expected) {
				c.eq("VolumeGroups set", e.VolumeGroups != "", true)
				c.groupsOK(e, 0, 4321)
			}},
		{name: "kubelet/ephemeral-volume-gid-tolerated", yaml: podWith("  volumes: [{name: d, ephemeral: {volumeClaimTemplate: {spec: {}}}}]", "", "{runAsUser: 1000}"),
			check: func(c *chk, e *expect.Expected) { c.groupsOK(e, 0, 4321) }},
		{name: "kubelet/no-pvc-extra-group-is-drift", yaml: podWith("  volumes: [{name: d, emptyDir: {}}]", "", "{runAsUser: 1000}"),
			check: func(c *chk, e *expect.Expected) {
				c.eq("VolumeGroups", e.VolumeGroups, "")
				c.groupsBad(e, 0, 4321)
			}},
		{name: "podman/pvc-no-volume-gid", profile: "podman", yaml: podWith("  volumes: [{name: d, persistentVolumeClaim: {claimName: c}}]", "", "{runAsUser: 1000}"),
			check: func(c *chk, e *expect.Expected) { c.eq("VolumeGroups", e.VolumeGroups, "") }},
	})
}

func TestResolveCapabilityRules(t *testing.T) {
	t.Parallel()
	runResolveCases(t, []resolveCase{
		// containerd WithCapabilities: "CAP_"+strings.ToUpper(c), and runc
		// libcontainer/capabilities ignores the unknown CAP_CAP_NET_RAW. The
		// expectation keeps the declared name's meaning (what containerd
		// does contradicts it: drift), and the findings say why.
		{name: "containerd/drop-CAP_-prefixed-expected-dropped", yaml: pod("", "{capabilities: {drop: [CAP_NET_RAW]}}"),
			check: func(c *chk, e *expect.Expected) {
				c.caps(e, "00000000a80405fb")
				c.hint(e, check.CapabilitiesBounding, "turns capabilities.drop CAP_NET_RAW into CAP_CAP_NET_RAW")
			}},
		{name: "containerd/add-CAP_-prefixed-expected-added", yaml: pod("", "{capabilities: {add: [cap_net_admin]}}"),
			check: func(c *chk, e *expect.Expected) {
				c.caps(e, "00000000a80435fb")
				c.hint(e, check.CapabilitiesEffective, "which runc ignores")
			}},
		// CRI-O internal/factory/container SpecSetupCapabilities:
		// toCAPPrefixed accepts the prefix.
		{name: "crio/drop-CAP_-prefixed-works", profile: "crio", yaml: pod("", "{capabilities: {drop: [CAP_CHOWN]}}"),
			check: func(c *chk, e *expect.Expected) { c.caps(e, "00000000000005fa") }},
		// containerd WithCapabilities upper-cases the name.
		{name: "containerd/add-lowercase-net_admin", yaml: pod("", "{capabilities: {add: [net_admin]}}"),
			check: func(c *chk, e *expect.Expected) { c.caps(e, "00000000a80435fb") }},
		// moby daemon/pkg/oci/caps TweakCapabilities: defaults less the
		// drops, plus the adds, so docker keeps a capability both added and
		// dropped. The expectation keeps the declared drop (docker
		// contradicts it: drift), and the findings say why.
		{name: "docker/add-and-drop-same-expected-dropped", profile: "docker", yaml: pod("", "{capabilities: {add: [NET_ADMIN], drop: [NET_ADMIN]}}"),
			check: func(c *chk, e *expect.Expected) {
				c.caps(e, "00000000a80425fb")
				c.hint(e, check.CapabilitiesBounding, "keeps a capability that is both added and dropped")
			}},
		{name: "docker/add-ALL-drop-ALL-expected-none", profile: "docker", yaml: pod("", "{capabilities: {add: [ALL], drop: [ALL]}}"),
			check: func(c *chk, e *expect.Expected) {
				c.caps(e, maskNone)
				c.allCaps(e, false)
				c.hint(e, check.CapabilitiesBounding, "add ALL beats drop ALL")
			}},
		{name: "docker/add-ALL-drop-CHOWN", profile: "docker", yaml: pod("", "{capabilities: {add: [ALL], drop: [CHOWN]}}"),
			check: func(c *chk, e *expect.Expected) { c.caps(e, "000001fffffffffe"); c.allCaps(e, true) }},
		{name: "docker/drop-ALL-add-NET_BIND_SERVICE", profile: "docker", yaml: pod("", "{capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}"),
			check: func(c *chk, e *expect.Expected) { c.caps(e, "0000000000000400") }},
		{name: "docker/drop-CAP_-prefixed-works", profile: "docker", yaml: pod("", "{capabilities: {drop: [CAP_NET_RAW]}}"),
			check: func(c *chk, e *expect.Expected) { c.caps(e, "00000000a80405fb") }},
		{name: "containerd/add-ALL-drop-ALL-is-none", yaml: pod("", "{capabilities: {add: [ALL], drop: [ALL]}}"),
			check: func(c *chk, e *expect.Expected) { c.caps(e, maskNone) }},

		// containerd internal/cri/opts.WithoutAmbientCaps, appended after
		// WithPrivileged (kubernetes#56374).
		{name: "containerd/ambient-always-empty", yaml: pod("", "{runAsUser: 1000, capabilities: {add: [NET_ADMIN]}}"),
			check: func(c *chk, e *expect.Expected) { c.ambient(e, maskNone, false) }},
		{name: "containerd/ambient-always-empty-privileged", yaml: pod("", "{privileged: true}"),
			check: func(c *chk, e *expect.Expected) { c.ambient(e, maskNone, false) }},
		{name: "docker/ambient-empty", profile: "docker", yaml: pod("", "{runAsUser: 1000, capabilities: {add: [NET_ADMIN]}}"),
			check: func(c *chk, e *expect.Expected) { c.ambient(e, maskNone, false) }},
		// CRI-O SpecSetupCapabilities: "Make sure to remove all ambient
		// capabilities"; SpecSetPrivileges → runtime-tools
		// SetupPrivileged(true) fills ambient and inheritable.
		{name: "crio/ambient-nonpriv-empty", profile: "crio", yaml: pod("", "{runAsUser: 1000, capabilities: {add: [NET_ADMIN]}}"),
			check: func(c *chk, e *expect.Expected) { c.ambient(e, maskNone, false) }},
		{name: "crio/privileged-ambient-full", profile: "crio", yaml: pod("", "{privileged: true}"),
			check: func(c *chk, e *expect.Expected) { c.ambient(e, maskFull40, false) }},
		// podman pkg/specgen/generate/security_linux.go
		// securityConfigureGenerator: the adds within the bounding set
		// become ambient unless the user part is "", "0" or "root".
		{name: "podman/ambient-runAsUser-1000", profile: "podman", yaml: pod("", "{runAsUser: 1000, capabilities: {add: [NET_ADMIN]}}"),
			check: func(c *chk, e *expect.Expected) { c.ambient(e, "0000000000001000", false) }},
		{name: "podman/ambient-from-image-USER", profile: "podman", yaml: pod("", "{capabilities: {add: [NET_ADMIN]}}"),
			check: func(c *chk, e *expect.Expected) { c.ambient(e, "0000000000001000", true) }},
		{name: "podman/no-ambient-lone-runAsGroup", profile: "podman", yaml: pod("", "{runAsGroup: 3000, capabilities: {add: [NET_ADMIN]}}"),
			check: func(c *chk, e *expect.Expected) { c.ambient(e, maskNone, false) }},
		{name: "podman/no-ambient-root", profile: "podman", yaml: pod("", "{runAsUser: 0, capabilities: {add: [NET_ADMIN]}}"),
			check: func(c *chk, e *expect.Expected) { c.ambient(e, maskNone, false) }},
		{name: "podman/no-ambient-privileged", profile: "podman", yaml: pod("", "{runAsUser: 1000, privileged: true}"),
			check: func(c *chk, e *expect.Expected) { c.ambient(e, maskNone, false) }},
	})
}

func TestResolvePrivilegedRules(t *testing.T) {
	t.Parallel()
	localhost := "{privileged: true, appArmorProfile: {type: Localhost, localhostProfile: k8s-deny-write}}"
	runResolveCases(t, []resolveCase{
		// CRI-O server/container_create_linux.go: specSetApparmorProfile
		// runs only for unprivileged containers.
		{name: "crio/privileged-drops-Localhost-apparmor", profile: "crio", yaml: pod("", localhost),
			check: func(c *chk, e *expect.Expected) { c.apparmor(e, "Unconfined", "unconfined", true) }},
		// moby WithApparmor: a given profile wins over privileged.
		{name: "docker/privileged-keeps-Localhost-apparmor", profile: "docker", yaml: pod("", localhost),
			check: func(c *chk, e *expect.Expected) { c.apparmor(e, "Localhost", "k8s-deny-write", true) }},
		// CRI-O internal/config/seccomp setupSeccomp: privileged_seccomp_profile
		// (1.33 and later).
		{name: "crio/privileged-seccomp-node-setting", profile: "crio", yaml: pod("", "{privileged: true}"),
			check: func(c *chk, e *expect.Expected) { c.seccompModes(e, 0, 2) }},
		// containerd GenerateSeccompSpecOpts: "Do not set seccomp profile
		// when container is privileged", whatever the kubelet sends.
		{name: "containerd/privileged-seccompDefault-still-0", node: seccompDefault(true), yaml: pod("", "{privileged: true}"),
			check: func(c *chk, e *expect.Expected) { c.seccomp(e, "Unconfined", 0) }},
	})
}

func TestResolveNodeDependent(t *testing.T) {
	t.Parallel()
	hostNet := "  hostNetwork: true"
	runResolveCases(t, []resolveCase{
		// kubelet kuberuntime/helpers.go getSeccompProfile: RuntimeDefault
		// when seccompDefault, else Unconfined; nothing inside tells.
		{name: "kubelet/seccomp-undeclared-either", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.seccompModes(e, 0, 2) }},
		{name: "kubelet/seccomp-default-given-on", node: seccompDefault(true), yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.seccomp(e, "RuntimeDefault", 2) }},
		{name: "kubelet/seccomp-default-given-off", node: seccompDefault(false), yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.seccomp(e, "Unconfined", 0) }},
		// A declared profile is never widened: fieldSeccompProfile.
		{name: "containerd/declared-Unconfined-exact", yaml: pod("", "{seccompProfile: {type: Unconfined}}"),
			check: func(c *chk, e *expect.Expected) { c.seccomp(e, "Unconfined", 0) }},
		{name: "containerd/declared-pod-RuntimeDefault-exact", node: seccompDefault(false), yaml: pod("{seccompProfile: {type: RuntimeDefault}}", ""),
			check: func(c *chk, e *expect.Expected) { c.seccomp(e, "RuntimeDefault", 2) }},
		{name: "docker/seccomp-undeclared-either", profile: "docker", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.seccompModes(e, 0, 2) }},
		// CRI-O internal/config/seccomp Setup: "running w/o seccomp" for
		// Unconfined; an OCI-artifact profile named by the pod's
		// annotation applies (seccompociartifact.TryPull, 1.30 and later).
		{name: "crio/seccomp-Unconfined-no-default", profile: "crio", node: seccompDefault(true), yaml: pod("", "{seccompProfile: {type: Unconfined}}"),
			check: func(c *chk, e *expect.Expected) { c.seccomp(e, "Unconfined", 0) }},
		{name: "crio/seccomp-oci-artifact-annotation", profile: "crio", yaml: `apiVersion: v1
kind: Pod
metadata:
  name: t
  annotations: {seccomp-profile.kubernetes.cri-o.io/app: quay.io/x/prof:1}
spec:
  containers: [{name: app}]
`, check: func(c *chk, e *expect.Expected) {
			c.seccomp(e, "Localhost", 2)
			c.eq("Seccomp.Source", e.Seccomp.Source.String(), "annotation seccomp-profile.kubernetes.cri-o.io/app")
		}},
		{name: "crio/seccomp-oci-artifact-pod-annotation-over-Unconfined", profile: "crio", yaml: `apiVersion: v1
kind: Pod
metadata:
  name: t
  annotations: {seccomp-profile.kubernetes.cri-o.io/POD: quay.io/x/prof:1}
spec:
  securityContext: {seccompProfile: {type: Unconfined}}
  containers: [{name: app}]
`, check: func(c *chk, e *expect.Expected) { c.seccomp(e, "Localhost", 2) }},
		{name: "containerd/seccomp-oci-artifact-annotation-ignored", yaml: `apiVersion: v1
kind: Pod
metadata:
  name: t
  annotations: {seccomp-profile.kubernetes.cri-o.io/app: quay.io/x/prof:1}
spec:
  containers: [{name: app}]
`, check: func(c *chk, e *expect.Expected) { c.seccompModes(e, 0, 2) }},
		// The image's annotation is invisible: a filter stays legitimate
		// under CRI-O even with seccompDefault known to be off.
		{name: "crio/seccomp-default-off-image-artifact", profile: "crio", node: seccompDefault(false), yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.seccompModes(e, 0, 2) }},
		{name: "podman/seccomp-default-exact", profile: "podman", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.seccomp(e, "RuntimeDefault", 2) }},

		// containerd config: enable_unprivileged_ports/icmp default false in
		// 1.6.39 and 1.7.34, true from 2.0 (internal/cri/config
		// config_unix.go, containerd#9348); sandbox_run_linux.go sets them
		// per key the pod does not declare.
		{name: "containerd/1.x-or-2.x-injection", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.sysctlOutcomes(e, portStart, "0", "1024")
				c.sysctlOutcomes(e, pingRange, "0 2147483647", "1 0")
			}},
		{name: "containerd/injected-only-one-declared", yaml: pod("{sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: '1024'}]}", ""),
			check: func(c *chk, e *expect.Expected) {
				c.sysctlOutcomes(e, portStart)
				c.sysctlSource(e, portStart, "pod")
				c.sysctlOutcomes(e, pingRange, "0 2147483647", "1 0")
			}},
		{name: "containerd/no-injection-hostNetwork", yaml: podWith(hostNet, "", ""),
			check: func(c *chk, e *expect.Expected) { c.sysctls(e) }},
		// CRI-O configureGeneratorForSysctls: default_sysctls = [].
		{name: "crio/no-injection", profile: "crio", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.sysctls(e) }},
		// moby daemon/oci_linux.go withCommonOptions (20.10 and later).
		{name: "docker/injected-exact", profile: "docker", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.sysctls(e, injected...)
				c.sysctlOutcomes(e, portStart)
				c.sysctlOutcomes(e, pingRange)
			}},
		// containers.conf default_sysctls as shipped; the built-in default
		// is empty (containers/common pkg/config).
		{name: "podman/ping-group-range-config", profile: "podman", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.sysctlOutcomes(e, pingRange, "0 0", "1 0") }},
		{name: "podman/ping-group-range-hostNetwork", profile: "podman", yaml: podWith(hostNet, "", ""),
			check: func(c *chk, e *expect.Expected) { c.sysctls(e) }},
		{name: "eci/injection-not-documented", profile: "eci", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.sysctlOutcomes(e, portStart, "0", "1024")
				c.sysctlOutcomes(e, pingRange, "0 2147483647", "1 0")
			}},

		// kubelet pkg/securitycontext/util.go defaultMaskedPaths: 1.33.5
		// added /proc/interrupts and the per-CPU thermal_throttle
		// (kubernetes#132985).
		{name: "kubelet/1.33.5-interrupts-and-thermal-throttle-either", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.masks(e, kubeletMasked, kubeletReadonly)
				c.nodeMasked(e, interrupts, thermal)
			}},
		{name: "docker/kubelet-masked-by-version", profile: "docker", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.nodeMasked(e, interrupts, thermal) }},
		// CRI-O server/masked_paths.go appendDefaultMaskedPaths (1.33).
		{name: "crio/1.33-extra-masked", profile: "crio", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.masks(e, kubeletMasked, kubeletReadonly)
				c.nodeMasked(e, interrupts, thermal, "/sys/fs/selinux")
			}},
		// Only when the kubelet sends masked paths: not for Unmasked.
		{name: "crio/unmasked-no-extra", profile: "crio", yaml: podWith("  hostUsers: false", "", "{procMount: Unmasked}"),
			check: func(c *chk, e *expect.Expected) { c.unmasked(e, profile("crio")) }},
		// containers/common DefaultMaskedPaths by release.
		{name: "podman/masked-paths-by-version", profile: "podman", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.nodeMasked(e, "/sys/dev/block", "/sys/devices/virtual/powercap", interrupts, thermal)
			}},

		// ECI documents the root filesystem as always read-only.
		{name: "eci/rootfs-readonly-when-undeclared", profile: "eci", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) {
				c.ro(e, false)
				c.eq("RootOutcomes", len(e.RootOutcomes), 2)
			}},
		{name: "eci/rootfs-declared-false-exact", profile: "eci", yaml: pod("", "{readOnlyRootFilesystem: false}"),
			check: func(c *chk, e *expect.Expected) { c.eq("RootOutcomes", len(e.RootOutcomes), 0) }},
		{name: "containerd/rootfs-undeclared-exact", yaml: pod("", ""),
			check: func(c *chk, e *expect.Expected) { c.eq("RootOutcomes", len(e.RootOutcomes), 0) }},

		// kubelet pkg/security/apparmor/helpers.go
		// getProfileFromPodAnnotations: an invalid value is ignored.
		{name: "kubelet/apparmor-invalid-annotation-falls-through", yaml: `apiVersion: v1
kind: Pod
metadata:
  name: t
  annotations: {container.apparmor.security.beta.kubernetes.io/app: bogus}
spec:
  securityContext: {appArmorProfile: {type: Unconfined}}
  containers: [{name: app}]
`, check: func(c *chk, e *expect.Expected) {
			c.apparmor(e, "Unconfined", "unconfined", true)
			c.eq("AppArmor.Source", e.AppArmor.Source.String(), "pod")
		}},
	})
}
