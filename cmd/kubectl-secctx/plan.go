package main

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/secctx/secctx/expect"
)

// Virtual-kubelet nodes carry the type label and the provider taint (ACK's
// virtual nodes for ECI among them); which platform a provider is, and
// which annotation a platform adds to its pods (ECI's documented
// "annotations added after scheduling"), the profiles say.
const (
	virtualKubeletLabel = "type"
	virtualKubeletValue = "virtual-kubelet"
	providerTaint       = "virtual-kubelet.io/provider"
)

// annotatedProfile is the profile whose pod annotation the pod carries, or
// nil.
func annotatedProfile(pod *corev1.Pod) *expect.Profile { return annotatedAmong(expect.Profiles(), pod) }

func annotatedAmong(profiles []*expect.Profile, pod *corev1.Pod) *expect.Profile {
	for _, p := range profiles {
		if p.PodAnnotation != "" && pod.Annotations[p.PodAnnotation] != "" {
			return p
		}
	}
	return nil
}

// nodeKind says what the plugin learnt of the pod's node.
type nodeKind struct {
	// Virtual is true on a virtual-kubelet node.
	Virtual bool
	// Provider is the virtual-kubelet provider (the taint's value).
	Provider string
	// Arch is the node's kubernetes.io/arch label.
	Arch string
}

// classifyNode reads a node's labels and taints; nil (the node could not be
// read) says nothing.
func classifyNode(n *corev1.Node) nodeKind {
	if n == nil {
		return nodeKind{}
	}
	k := nodeKind{Arch: n.Labels["kubernetes.io/arch"]}
	k.Virtual = n.Labels[virtualKubeletLabel] == virtualKubeletValue
	for _, t := range n.Spec.Taints {
		if t.Key == providerTaint {
			k.Virtual = true
			k.Provider = t.Value
		}
	}
	return k
}

// profileChoice is the runtime profile and why.
type profileChoice struct {
	Name string
	Why  string
}

// chooseProfile picks the runtime profile by the profiles' properties: an
// explicit --profile, else the profile whose pod annotation the pod carries,
// else the one whose virtual-kubelet provider runs the node, else the one
// whose runtime writes the container ID's scheme.
func chooseProfile(explicit string, pod *corev1.Pod, st *corev1.ContainerStatus, node nodeKind) (profileChoice, error) {
	return chooseAmong(expect.Profiles(), explicit, pod, st, node)
}

// chooseAmong is chooseProfile among the given profiles.
func chooseAmong(profiles []*expect.Profile, explicit string, pod *corev1.Pod, st *corev1.ContainerStatus, node nodeKind) (profileChoice, error) {
	if explicit != "" {
		return profileChoice{explicit, "--profile"}, nil
	}
	if p := annotatedAmong(profiles, pod); p != nil {
		return profileChoice{p.Name, fmt.Sprintf("the pod carries the annotation %s=%s of the %s platform", p.PodAnnotation, pod.Annotations[p.PodAnnotation], p.Name)}, nil
	}
	if node.Virtual {
		for _, p := range profiles {
			if p.VirtualNodeProvider != "" && node.Provider == p.VirtualNodeProvider {
				return profileChoice{p.Name, fmt.Sprintf("node %s is a virtual node of the %s platform (taint %s=%s)", pod.Spec.NodeName, p.Name, providerTaint, node.Provider)}, nil
			}
		}
	}
	if st == nil || st.ContainerID == "" {
		return profileChoice{}, fmt.Errorf("container %q has no container ID yet (not started); pass --profile", containerName(st))
	}
	scheme, _, ok := strings.Cut(st.ContainerID, "://")
	if !ok {
		return profileChoice{}, fmt.Errorf("container ID %q has no runtime scheme; pass --profile", st.ContainerID)
	}
	for _, p := range profiles {
		if p.ContainerIDScheme != "" && p.ContainerIDScheme == scheme {
			return profileChoice{p.Name, fmt.Sprintf("container ID scheme %s://", scheme)}, nil
		}
	}
	return profileChoice{}, fmt.Errorf("runtime %q (container ID %s) has no secctx profile; pass --profile", scheme, st.ContainerID)
}

func containerName(st *corev1.ContainerStatus) string {
	if st == nil {
		return ""
	}
	return st.Name
}

// identity is the uid and gid the target runs as, where known.
type identity struct {
	UID, GID *int64
	// Source says where they were read.
	Source string
}

// targetIdentity reads the target's uid and gid: the kubelet's report of
// the process identity (status.containerStatuses[].user.linux, where the
// runtime reports it), else the spec's runAsUser and runAsGroup (container
// over pod). Without them the image's USER and /etc/passwd decide, which
// the API does not show.
func targetIdentity(pod *corev1.Pod, c *corev1.Container, st *corev1.ContainerStatus) identity {
	if st != nil && st.User != nil && st.User.Linux != nil {
		u, g := st.User.Linux.UID, st.User.Linux.GID
		return identity{UID: &u, GID: &g, Source: "status.containerStatuses[].user.linux"}
	}
	var id identity
	if psc := pod.Spec.SecurityContext; psc != nil {
		id.UID, id.GID = psc.RunAsUser, psc.RunAsGroup
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			id.UID = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			id.GID = sc.RunAsGroup
		}
	}
	id.Source = "spec (runAsUser, runAsGroup)"
	return id
}

// debugger is the securityContext of the ephemeral container and why.
type debugger struct {
	SecurityContext *corev1.SecurityContext
	Why             string
}

// debuggerFor chooses the least privilege that can read the target's /proc.
//
// The kernel lets anyone in the PID namespace read a process's status,
// cmdline and mountinfo; the rest secctx reads (the root, environ, fd, exe
// and ns links, hence the image's /etc/passwd through /proc/PID/root) passes
// its ptrace read check only for the same uid and gid as the target with a
// permitted capability set holding the target's, or with CAP_SYS_PTRACE.
// So: a known non-root uid and gid → run as them, with no capability at all
// (a non-root target keeps no permitted capabilities across execve in
// Kubernetes, which sets no ambient ones); a root target, or one whose uid or
// gid is unknown → root with CAP_SYS_PTRACE alone, since matching a root
// target would take every capability it holds. Both drop ALL, forbid
// privilege escalation, mount the root read-only and keep the runtime's
// default seccomp filter, none of which the reads need.
func debuggerFor(id identity) debugger {
	f := false
	t := true
	sc := &corev1.SecurityContext{
		AllowPrivilegeEscalation: &f,
		ReadOnlyRootFilesystem:   &t,
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	if id.UID != nil && id.GID != nil && *id.UID != 0 {
		u, g := *id.UID, *id.GID
		sc.RunAsUser, sc.RunAsGroup, sc.RunAsNonRoot = &u, &g, &t
		return debugger{sc, fmt.Sprintf("uid %d and gid %d as the target (from %s): no capability needed", u, g, id.Source)}
	}
	root := int64(0)
	sc.RunAsUser, sc.RunAsNonRoot = &root, &f
	gid := root
	if id.GID != nil {
		gid = *id.GID
	}
	sc.RunAsGroup = &gid
	sc.Capabilities.Add = []corev1.Capability{"SYS_PTRACE"}
	why := "the target runs as root: CAP_SYS_PTRACE alone reads it"
	switch {
	case id.UID == nil:
		why = "the target's uid is the image's USER, unknown to the API: root with CAP_SYS_PTRACE alone reads any uid (--run-as UID:GID avoids it)"
	case *id.UID != 0:
		why = fmt.Sprintf("the target's gid is the image's /etc/passwd entry for uid %d, unknown to the API: root with CAP_SYS_PTRACE alone reads it (--run-as UID:GID avoids it)", *id.UID)
	}
	return debugger{sc, why}
}

// findContainer returns the container named name (or the only one) and its
// status.
func findContainer(pod *corev1.Pod, name string) (*corev1.Container, *corev1.ContainerStatus, error) {
	var c *corev1.Container
	if name == "" {
		if len(pod.Spec.Containers) != 1 {
			names := make([]string, len(pod.Spec.Containers))
			for i := range pod.Spec.Containers {
				names[i] = pod.Spec.Containers[i].Name
			}
			return nil, nil, fmt.Errorf("pod %s has %d containers (%s): choose one with -c", pod.Name, len(names), strings.Join(names, ", "))
		}
		c = &pod.Spec.Containers[0]
	} else {
		for i := range pod.Spec.Containers {
			if pod.Spec.Containers[i].Name == name {
				c = &pod.Spec.Containers[i]
			}
		}
		if c == nil {
			return nil, nil, fmt.Errorf("pod %s has no container %q", pod.Name, name)
		}
	}
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == c.Name {
			return c, &pod.Status.ContainerStatuses[i], nil
		}
	}
	return c, nil, nil
}

// running says why the container cannot be verified now, or "".
func running(pod *corev1.Pod, name string, st *corev1.ContainerStatus) string {
	if pod.DeletionTimestamp != nil {
		return fmt.Sprintf("pod %s is being deleted", pod.Name)
	}
	if st == nil || st.State.Running == nil {
		state := "not started"
		if st != nil {
			switch {
			case st.State.Waiting != nil:
				state = "waiting: " + st.State.Waiting.Reason
			case st.State.Terminated != nil:
				state = "terminated: " + st.State.Terminated.Reason
			}
		}
		return fmt.Sprintf("container %q of pod %s is not running (%s)", name, pod.Name, state)
	}
	return ""
}
