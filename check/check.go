// Package check names the checks: one constant per check id. The ids are a
// contract other tools parse (report findings, metrics labels, platform
// hints keyed by check); they are never renamed. Package report holds the
// registry that gives each id its comparison; package expect keys the
// runtime profiles' hints by these ids.
package check

// ID is a stable check id.
type ID string

// The check ids, in report order.
const (
	RunAsUser                ID = "runAsUser"
	RunAsGroup               ID = "runAsGroup"
	RunAsNonRoot             ID = "runAsNonRoot"
	SupplementalGroups       ID = "supplementalGroups"
	FSGroup                  ID = "fsGroup"
	CapabilitiesBounding     ID = "capabilities.bounding"
	CapabilitiesEffective    ID = "capabilities.effective"
	CapabilitiesPermitted    ID = "capabilities.permitted"
	CapabilitiesInheritable  ID = "capabilities.inheritable"
	CapabilitiesAmbient      ID = "capabilities.ambient"
	Privileged               ID = "privileged"
	AllowPrivilegeEscalation ID = "allowPrivilegeEscalation"
	ReadOnlyRootFilesystem   ID = "readOnlyRootFilesystem"
	ProcMount                ID = "procMount"
	SeccompProfile           ID = "seccompProfile"
	AppArmorProfile          ID = "appArmorProfile"
	SELinuxOptions           ID = "seLinuxOptions"
	Sysctls                  ID = "sysctls"
	HostUsers                ID = "hostUsers"
	// UnknownField reports each securityContext field of the spec that
	// this build of secctx does not know, as not verified.
	UnknownField ID = "unknownField"
)
