// Package manifest is what was declared: where the spec comes from (the
// --spec flag, the environment, stdin, the embedded default) and its size
// limit, strict decoding of the manifest stream, validation as the API
// server validates, and the choice of workload and container.
//
// The structs here are a minimal mirror of the securityContext-related
// subset of the Kubernetes API, plus the few pod and container fields
// secctx lint reads (volumes, os, host ports, probe hosts, resources), with
// the exact JSON field names; k8s.io/api itself is used only in tests, to
// prove the two decode alike.
package manifest

// PodSecurityContext mirrors core/v1 PodSecurityContext.
type PodSecurityContext struct {
	SELinuxOptions           *SELinuxOptions           `json:"seLinuxOptions,omitempty"`
	WindowsOptions           *WindowsOptions           `json:"windowsOptions,omitempty"`
	RunAsUser                *int64                    `json:"runAsUser,omitempty"`
	RunAsGroup               *int64                    `json:"runAsGroup,omitempty"`
	RunAsNonRoot             *bool                     `json:"runAsNonRoot,omitempty"`
	SupplementalGroups       []int64                   `json:"supplementalGroups,omitempty"`
	SupplementalGroupsPolicy *SupplementalGroupsPolicy `json:"supplementalGroupsPolicy,omitempty"`
	FSGroup                  *int64                    `json:"fsGroup,omitempty"`
	Sysctls                  []Sysctl                  `json:"sysctls,omitempty"`
	FSGroupChangePolicy      *string                   `json:"fsGroupChangePolicy,omitempty"`
	SeccompProfile           *SeccompProfile           `json:"seccompProfile,omitempty"`
	AppArmorProfile          *AppArmorProfile          `json:"appArmorProfile,omitempty"`
	SELinuxChangePolicy      *string                   `json:"seLinuxChangePolicy,omitempty"`
}

// SecurityContext mirrors core/v1 SecurityContext (the container level).
type SecurityContext struct {
	Capabilities             *Capabilities    `json:"capabilities,omitempty"`
	Privileged               *bool            `json:"privileged,omitempty"`
	SELinuxOptions           *SELinuxOptions  `json:"seLinuxOptions,omitempty"`
	WindowsOptions           *WindowsOptions  `json:"windowsOptions,omitempty"`
	RunAsUser                *int64           `json:"runAsUser,omitempty"`
	RunAsGroup               *int64           `json:"runAsGroup,omitempty"`
	RunAsNonRoot             *bool            `json:"runAsNonRoot,omitempty"`
	ReadOnlyRootFilesystem   *bool            `json:"readOnlyRootFilesystem,omitempty"`
	AllowPrivilegeEscalation *bool            `json:"allowPrivilegeEscalation,omitempty"`
	ProcMount                *ProcMountType   `json:"procMount,omitempty"`
	SeccompProfile           *SeccompProfile  `json:"seccompProfile,omitempty"`
	AppArmorProfile          *AppArmorProfile `json:"appArmorProfile,omitempty"`
}

// Capabilities mirrors core/v1 Capabilities.
type Capabilities struct {
	Add  []string `json:"add,omitempty"`
	Drop []string `json:"drop,omitempty"`
}

// SELinuxOptions mirrors core/v1 SELinuxOptions.
type SELinuxOptions struct {
	User  string `json:"user,omitempty"`
	Role  string `json:"role,omitempty"`
	Type  string `json:"type,omitempty"`
	Level string `json:"level,omitempty"`
}

// WindowsOptions mirrors core/v1 WindowsSecurityContextOptions; it is
// accepted so that valid manifests decode, and otherwise ignored.
type WindowsOptions struct {
	GMSACredentialSpecName *string `json:"gmsaCredentialSpecName,omitempty"`
	GMSACredentialSpec     *string `json:"gmsaCredentialSpec,omitempty"`
	RunAsUserName          *string `json:"runAsUserName,omitempty"`
	HostProcess            *bool   `json:"hostProcess,omitempty"`
}

// SeccompProfile mirrors core/v1 SeccompProfile.
type SeccompProfile struct {
	Type             SeccompProfileType `json:"type"`
	LocalhostProfile *string            `json:"localhostProfile,omitempty"`
}

// AppArmorProfile mirrors core/v1 AppArmorProfile.
type AppArmorProfile struct {
	Type             AppArmorProfileType `json:"type"`
	LocalhostProfile *string             `json:"localhostProfile,omitempty"`
}

// Sysctl mirrors core/v1 Sysctl.
type Sysctl struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Container holds the container fields the resolver and secctx lint need.
type Container struct {
	Name            string           `json:"name"`
	Image           string           `json:"image,omitempty"`
	SecurityContext *SecurityContext `json:"securityContext,omitempty"`
	// Ports, Resources, the probes and Lifecycle are read by secctx lint
	// only: host ports and probe hosts for the Pod Security Standards,
	// memory for ECI's vm.min_free_kbytes rule.
	Ports          []ContainerPort      `json:"ports,omitempty"`
	Resources      ResourceRequirements `json:"resources,omitempty"`
	LivenessProbe  *Handler             `json:"livenessProbe,omitempty"`
	ReadinessProbe *Handler             `json:"readinessProbe,omitempty"`
	StartupProbe   *Handler             `json:"startupProbe,omitempty"`
	Lifecycle      *Lifecycle           `json:"lifecycle,omitempty"`
}

// PodSpec holds the pod fields the resolver and secctx lint need.
type PodSpec struct {
	Containers            []Container         `json:"containers"`
	InitContainers        []Container         `json:"initContainers,omitempty"`
	EphemeralContainers   []Container         `json:"ephemeralContainers,omitempty"`
	SecurityContext       *PodSecurityContext `json:"securityContext,omitempty"`
	HostNetwork           bool                `json:"hostNetwork,omitempty"`
	HostPID               bool                `json:"hostPID,omitempty"`
	HostIPC               bool                `json:"hostIPC,omitempty"`
	HostUsers             *bool               `json:"hostUsers,omitempty"`
	ShareProcessNamespace *bool               `json:"shareProcessNamespace,omitempty"`
	// Volumes and OS are read by secctx lint only (the Pod Security
	// Standards).
	Volumes []Volume `json:"volumes,omitempty"`
	OS      *PodOS   `json:"os,omitempty"`
}

// Workload is one pod template found in a manifest stream, with the
// metadata of the object that holds it.
type Workload struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	// Annotations are the pod template's annotations (the pod's own for a
	// Pod), where the legacy seccomp/AppArmor and ECI annotations live.
	Annotations map[string]string `json:"annotations,omitempty"`
	Spec        PodSpec           `json:"spec"`
	// Source names where the manifest came from, for error messages.
	Source string `json:"-"`
	// Doc is the 1-based document index in the stream.
	Doc int `json:"-"`
	// SpecPath is the pod spec's path in its document: "spec",
	// "spec.template.spec", "items[1].spec", ...
	SpecPath string `json:"-"`
	// UnknownFields are the securityContext fields of the spec that this
	// build does not know (see UnknownField), in document order.
	UnknownFields []UnknownField `json:"-"`
}

// ID returns "Kind/name".
func (w *Workload) ID() string { return w.Kind + "/" + w.Name }

// ContainerList is one of a pod's three lists of containers.
type ContainerList struct {
	Field string // JSON field name
	Kind  ContainerKind
	Items []Container
}

// ContainerLists returns the pod's lists of containers, regular first.
func (s *PodSpec) ContainerLists() [3]ContainerList {
	return [3]ContainerList{
		{KindContainer.Field(), KindContainer, s.Containers},
		{KindInitContainer.Field(), KindInitContainer, s.InitContainers},
		{KindEphemeralContainer.Field(), KindEphemeralContainer, s.EphemeralContainers},
	}
}

// UnknownField is a field inside a securityContext that this build of
// secctx does not know, and that is not a close misspelling of one it does
// (that is an error): most likely a field of a newer Kubernetes. The spec
// loads; the field is reported as not verified (docs/unknown-fields.md).
type UnknownField struct {
	// Path is the field's full path in its document
	// ("spec.containers[0].securityContext.newField").
	Path string
	// Container names the container whose securityContext holds the
	// field; "" for the pod's securityContext, which every container
	// inherits.
	Container string
}

// UnknownFieldsOf returns the unknown securityContext fields that bear on
// container: the pod's and its own.
func (w *Workload) UnknownFieldsOf(container string) []UnknownField {
	var out []UnknownField
	for _, u := range w.UnknownFields {
		if u.Container == "" || u.Container == container {
			out = append(out, u)
		}
	}
	return out
}
