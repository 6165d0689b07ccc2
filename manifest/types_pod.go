package manifest

import (
	"reflect"
	"strings"
)

// The pod and container fields below are outside the securityContext;
// secctx lint reads them, the resolver does not. Each mirrors only the
// fields read, with the Kubernetes JSON names; the rest of each object is
// accepted as unknown fields are outside a securityContext.

// ContainerPort mirrors the host port of core/v1 ContainerPort.
type ContainerPort struct {
	HostPort int32 `json:"hostPort,omitempty"`
}

// ResourceRequirements mirrors the limits and requests of core/v1
// ResourceRequirements.
type ResourceRequirements struct {
	Limits   map[string]Quantity `json:"limits,omitempty"`
	Requests map[string]Quantity `json:"requests,omitempty"`
}

// Handler mirrors the host-bearing actions of core/v1 ProbeHandler and
// LifecycleHandler.
type Handler struct {
	HTTPGet   *HostAction `json:"httpGet,omitempty"`
	TCPSocket *HostAction `json:"tcpSocket,omitempty"`
}

// HostAction mirrors the host of core/v1 HTTPGetAction and
// TCPSocketAction.
type HostAction struct {
	Host string `json:"host,omitempty"`
}

// Lifecycle mirrors core/v1 Lifecycle.
type Lifecycle struct {
	PostStart *Handler `json:"postStart,omitempty"`
	PreStop   *Handler `json:"preStop,omitempty"`
}

// PodOS mirrors core/v1 PodOS.
type PodOS struct {
	Name string `json:"name"`
}

// Opaque is an object of which only its presence is read: a volume's
// source. Its fields are unknown to the decoder and accepted as such; a
// value that is not an object is refused, as the API server refuses it.
type Opaque struct{}

// Volume mirrors core/v1 Volume: its name, and which source is set.
type Volume struct {
	Name                  string  `json:"name"`
	HostPath              *Opaque `json:"hostPath,omitempty"`
	EmptyDir              *Opaque `json:"emptyDir,omitempty"`
	GCEPersistentDisk     *Opaque `json:"gcePersistentDisk,omitempty"`
	AWSElasticBlockStore  *Opaque `json:"awsElasticBlockStore,omitempty"`
	GitRepo               *Opaque `json:"gitRepo,omitempty"`
	Secret                *Opaque `json:"secret,omitempty"`
	NFS                   *Opaque `json:"nfs,omitempty"`
	ISCSI                 *Opaque `json:"iscsi,omitempty"`
	Glusterfs             *Opaque `json:"glusterfs,omitempty"`
	PersistentVolumeClaim *Opaque `json:"persistentVolumeClaim,omitempty"`
	RBD                   *Opaque `json:"rbd,omitempty"`
	FlexVolume            *Opaque `json:"flexVolume,omitempty"`
	Cinder                *Opaque `json:"cinder,omitempty"`
	CephFS                *Opaque `json:"cephfs,omitempty"`
	Flocker               *Opaque `json:"flocker,omitempty"`
	DownwardAPI           *Opaque `json:"downwardAPI,omitempty"`
	FC                    *Opaque `json:"fc,omitempty"`
	AzureFile             *Opaque `json:"azureFile,omitempty"`
	ConfigMap             *Opaque `json:"configMap,omitempty"`
	VsphereVolume         *Opaque `json:"vsphereVolume,omitempty"`
	Quobyte               *Opaque `json:"quobyte,omitempty"`
	AzureDisk             *Opaque `json:"azureDisk,omitempty"`
	PhotonPersistentDisk  *Opaque `json:"photonPersistentDisk,omitempty"`
	Projected             *Opaque `json:"projected,omitempty"`
	PortworxVolume        *Opaque `json:"portworxVolume,omitempty"`
	ScaleIO               *Opaque `json:"scaleIO,omitempty"`
	StorageOS             *Opaque `json:"storageos,omitempty"`
	CSI                   *Opaque `json:"csi,omitempty"`
	Ephemeral             *Opaque `json:"ephemeral,omitempty"`
	Image                 *Opaque `json:"image,omitempty"`
}

// Source is the JSON name of the volume's first set source ("hostPath",
// "emptyDir", ...), or "" when none is set.
func (v *Volume) Source() string {
	rv := reflect.ValueOf(v).Elem()
	for i := 1; i < rv.NumField(); i++ {
		if !rv.Field(i).IsNil() {
			name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
			return name
		}
	}
	return ""
}

// Handlers returns the container's probes and lifecycle handlers that are
// set, each with its path relative to the container ("livenessProbe",
// "lifecycle.preStop").
func (c *Container) Handlers() []NamedHandler {
	var out []NamedHandler
	add := func(path string, h *Handler) {
		if h != nil {
			out = append(out, NamedHandler{path, h})
		}
	}
	add("livenessProbe", c.LivenessProbe)
	add("readinessProbe", c.ReadinessProbe)
	add("startupProbe", c.StartupProbe)
	if c.Lifecycle != nil {
		add("lifecycle.postStart", c.Lifecycle.PostStart)
		add("lifecycle.preStop", c.Lifecycle.PreStop)
	}
	return out
}

// NamedHandler is a probe or lifecycle handler and its path relative to
// the container.
type NamedHandler struct {
	Path string
	*Handler
}
