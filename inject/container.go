package inject

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// restricted is the injected containers' securityContext, which meets the
// Pod Security Standards' restricted level (Pod Security admission
// validates after mutation, so the injected container must meet the
// namespace's level itself).
func restricted() *corev1.SecurityContext {
	uid := int64(SidecarUID)
	yes, no := true, false
	return &corev1.SecurityContext{
		RunAsUser:                &uid,
		RunAsGroup:               &uid,
		RunAsNonRoot:             &yes,
		AllowPrivilegeEscalation: &no,
		ReadOnlyRootFilesystem:   &yes,
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func resources(cpu, mem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(cpu),
			corev1.ResourceMemory: resource.MustParse(mem),
		},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
	}
}

// sidecar is the secctx watch container, the command line of
// deploy/eci/pod.yaml: the app's processes and itself, with metrics.
func sidecar(image, doc string, targets []string) corev1.Container {
	args := []string{"watch"}
	for _, t := range targets {
		args = append(args, "--target="+t)
	}
	args = append(args, "--target="+SidecarName+"=self", "--listen=:9102")
	port := intstr.FromString("metrics")
	return corev1.Container{
		Name:  SidecarName,
		Image: image,
		Args:  args,
		Env:   []corev1.EnvVar{{Name: envSpec, Value: doc}},
		Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: MetricsPort}},
		LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
			HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: port}}, PeriodSeconds: 30},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
			HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: port}}, PeriodSeconds: 10},
		Resources:       resources("5m", "16Mi"),
		SecurityContext: restricted(),
	}
}

// execPrefix is what wraps an app's command in exec mode. --warn-only: a
// verifier reports, it never keeps the app from starting.
var execPrefix = []string{BinPath, "exec", "--warn-only", "--"}

// wrapAll wraps each app container's explicit command in `secctx exec`,
// with the binary copied into an emptyDir by an init container, and lists
// the containers it cannot wrap: without an explicit command the image's
// entrypoint runs, which the pod does not name. It returns why nothing
// could be wrapped, or "".
func wrapAll(p *corev1.Pod, doc string, o Options) string {
	var blind []string
	wrapped := 0
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		if len(c.Command) == 0 {
			blind = append(blind, c.Name)
			continue
		}
		wrapped++
		c.Command = append(slices.Clone(execPrefix), c.Command...)
		c.Env = append(c.Env, corev1.EnvVar{Name: envSpec, Value: doc}, corev1.EnvVar{Name: envContainer, Value: c.Name})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: BinVolume, MountPath: BinDir, ReadOnly: true})
	}
	if wrapped == 0 {
		return "exec mode: no container has an explicit command to wrap (" + strings.Join(blind, ",") + ")"
	}
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: BinVolume,
		VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resource.MustParse("16Mi"))}}})
	p.Spec.InitContainers = append([]corev1.Container{{
		Name:            CopierName,
		Image:           o.copyImage(),
		ImagePullPolicy: o.PullPolicy,
		Command:         []string{"cp", "/secctx", BinPath},
		VolumeMounts:    []corev1.VolumeMount{{Name: BinVolume, MountPath: BinDir}},
		Resources:       resources("5m", "16Mi"),
		SecurityContext: restricted(),
	}}, p.Spec.InitContainers...)
	setAnnotation(p, Injected, ExecMode.String())
	if len(blind) > 0 {
		setAnnotation(p, Unwrapped, strings.Join(blind, ",")+": no explicit command to wrap")
	}
	return ""
}

// unwrap takes back wrapAll's prefix.
func unwrap(cmd []string) []string {
	if len(cmd) > len(execPrefix) && slices.Equal(cmd[:len(execPrefix)], execPrefix) {
		return slices.Clone(cmd[len(execPrefix):])
	}
	return cmd
}

func ptr[T any](v T) *T { return &v }
