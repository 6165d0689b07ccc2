package e2eutil

import (
	"errors"
	"os"
	"strings"
)

// ImageFiles are the parts of an image the runtime reads: /etc/passwd and
// /etc/group ("" = the file is absent).
type ImageFiles struct {
	Passwd string `json:"passwd"`
	Group  string `json:"group"`
}

var (
	// BusyboxFiles are shaped like the busybox image critest and
	// containerd's golden tests use: root is a member of wheel.
	BusyboxFiles = ImageFiles{
		Passwd: "root:x:0:0:root:/root:/bin/sh\n" +
			"daemon:x:1:1:daemon:/usr/sbin:/bin/false\n" +
			"nobody:x:65534:65534:nobody:/home:/bin/false\n",
		Group: "root:x:0:\n" +
			"daemon:x:1:\n" +
			"wheel:x:10:root\n" +
			"nogroup:x:65534:\n",
	}
	// AppFiles are the upstream e2e "test-image-predefined-group" of the
	// SupplementalGroupsPolicy tests: uid 1000 in gid 1000, listed as a
	// member of gid 50000.
	AppFiles = ImageFiles{
		Passwd: "root:x:0:0:root:/root:/bin/sh\n" +
			"app:x:1000:1000::/home/app:/bin/sh\n",
		Group: "root:x:0:\n" +
			"app:x:1000:\n" +
			"extra:x:50000:app\n",
	}
)

// Golden is one golden file of e2e/testdata/kubelet-golden: the
// security-relevant fields of the OCI config containerd produced for a pod
// that mirrors a scenario of the runc tier. The kubelet tier writes it and
// compares new captures with it; package e2e holds its own generator to it.
type Golden struct {
	Scenario string `json:"scenario"`
	Node     struct {
		Config         string `json:"config"`
		Containerd     string `json:"containerd"`
		Kubelet        string `json:"kubelet"`
		Unprivileged   bool   `json:"unprivileged"`
		SeccompDefault bool   `json:"seccompDefault"`
	} `json:"node"`
	// Manifest is what the pod declared (the first container's
	// securityContext), so a reader can check it compares the same pod.
	Manifest struct {
		PodSecurityContext       any `json:"podSecurityContext"`
		ContainerSecurityContext any `json:"containerSecurityContext"`
		HostUsers                any `json:"hostUsers"`
		HostNetwork              any `json:"hostNetwork"`
	} `json:"manifest"`
	Image ImageFiles `json:"image"`
	// HostCapBnd is the bounding set of the machine that captured the
	// file: "every capability" (privileged, add ALL) depends on it.
	HostCapBnd string     `json:"hostCapBnd"`
	Container  GoldenSpec `json:"container"`
	Sandbox    GoldenSpec `json:"sandbox"`
}

// GoldenSpec is what a golden keeps of one runtime spec, the container's
// or its sandbox's.
type GoldenSpec struct {
	UID             *uint32             `json:"uid,omitempty"`
	GID             *uint32             `json:"gid,omitempty"`
	AdditionalGids  []uint32            `json:"additionalGids,omitempty"`
	Capabilities    map[string][]string `json:"capabilities,omitempty"`
	NoNewPrivileges *bool               `json:"noNewPrivileges,omitempty"`
	ReadonlyRoot    *bool               `json:"readonlyRoot,omitempty"`
	MaskedPaths     []string            `json:"maskedPaths"`
	ReadonlyPaths   []string            `json:"readonlyPaths"`
	Sysctl          map[string]string   `json:"sysctl"`
	Seccomp         bool                `json:"seccomp"`
	// Namespaces lists the namespace types of the spec.
	Namespaces []string `json:"namespaces"`
	// Isolated tells, per namespace type, whether the process is in a
	// namespace other than the host's: a new one, or the pod's (a path into
	// the sandbox, which has one of its own). Container specs only.
	Isolated map[string]bool `json:"isolated,omitempty"`
	// UIDMappings and GIDMappings keep containerID and size; the host id
	// is the kubelet's allocation and changes from run to run.
	UIDMappings []GoldenMapping `json:"uidMappings,omitempty"`
	GIDMappings []GoldenMapping `json:"gidMappings,omitempty"`
}

// GoldenMapping is a user namespace mapping without its host id.
type GoldenMapping struct {
	ContainerID uint32 `json:"containerID"`
	Size        uint32 `json:"size"`
}

// HostCapBnd is this machine's bounding set as /proc/self/status shows it
// (the hex mask).
func HostCapBnd() (string, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", errors.New("no CapBnd line in /proc/self/status")
}
