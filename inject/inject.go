package inject

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Outcome is what the injector did with a pod, the metric's result label.
type Outcome int

// The outcomes.
const (
	// OutcomeInjected: the pod has the sidecar (or, in exec mode, its
	// wrapped commands), newly or already.
	OutcomeInjected Outcome = iota
	// OutcomeSkipped: the pod is admitted without it, opted out or with
	// a Skipped annotation saying why.
	OutcomeSkipped
	// OutcomeError: the request could not be read or patched.
	OutcomeError
)

// String is the metric label.
func (o Outcome) String() string {
	switch o {
	case OutcomeInjected:
		return "injected"
	case OutcomeSkipped:
		return "skipped"
	}
	return "error"
}

// Outcomes lists every outcome, for a metric that shows each from start.
var Outcomes = []Outcome{OutcomeInjected, OutcomeSkipped, OutcomeError}

// Result is the injector's answer for one pod.
type Result struct {
	Outcome Outcome
	// Reason says why a pod was skipped ("" when injected).
	Reason string
	// Patch is the JSONPatch (RFC 6902) that turns the pod into the
	// injected one; empty when the pod already is what the injector makes
	// of it (a re-invocation with nothing changed), or when it opted out.
	Patch []Op
}

// lastApplied is kubectl's copy of the applied manifest: as large as the
// manifest, and nothing secctx reads.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// Pod computes the patch for a pod. It is idempotent: on a pod it already
// injected it first takes back what it added (Admitted), so a re-invocation
// after another webhook changed the pod only updates the embedded manifest,
// and one after no change returns an empty patch.
func Pod(pod *corev1.Pod, o Options) (Result, error) {
	if err := o.Check(); err != nil {
		return Result{Outcome: OutcomeError}, err
	}
	if pod.Labels[OptOut] == "false" || pod.Annotations[OptOut] == "false" {
		return Result{Outcome: OutcomeSkipped, Reason: "opted out (" + OptOut + `: "false")`}, nil
	}
	var want *corev1.Pod
	base, err := Admitted(pod)
	reason := ""
	if err != nil {
		base, reason = pod, err.Error()
	} else {
		want, reason = injected(base, o)
	}
	res := Result{Outcome: OutcomeInjected}
	if reason != "" {
		want = base.DeepCopy()
		setAnnotation(want, Skipped, reason)
		res = Result{Outcome: OutcomeSkipped, Reason: reason}
	}
	res.Patch, err = diff(pod, want)
	if err != nil {
		return Result{Outcome: OutcomeError}, err
	}
	return res, nil
}

// Admitted is the pod as admitted, before the injector: on a pod it marked
// as injected, without the containers, volume, environment, command
// wrapping and annotations it added; any other pod as it is. A pod that
// was not injected but already has a container of the sidecar's name is
// an error: that container is not the injector's to take away.
func Admitted(pod *corev1.Pod) (*corev1.Pod, error) {
	p := pod.DeepCopy()
	delete(p.Annotations, Skipped)
	if _, ok := p.Annotations[Injected]; !ok {
		if hasContainer(p.Spec.Containers, SidecarName) || hasContainer(p.Spec.InitContainers, SidecarName) ||
			hasContainer(p.Spec.InitContainers, CopierName) {
			return nil, fmt.Errorf("the pod already has a container named %s or %s that the injector did not add", SidecarName, CopierName)
		}
		return p, nil
	}
	delete(p.Annotations, Injected)
	delete(p.Annotations, Unwrapped)
	p.Spec.Containers = slices.DeleteFunc(p.Spec.Containers, named(SidecarName))
	p.Spec.InitContainers = slices.DeleteFunc(p.Spec.InitContainers, named(SidecarName))
	p.Spec.InitContainers = slices.DeleteFunc(p.Spec.InitContainers, named(CopierName))
	p.Spec.Volumes = slices.DeleteFunc(p.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == BinVolume })
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		c.Command = unwrap(c.Command)
		c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == envSpec || e.Name == envContainer })
		c.VolumeMounts = slices.DeleteFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == BinVolume })
		if len(c.Env) == 0 {
			c.Env = nil
		}
		if len(c.VolumeMounts) == 0 {
			c.VolumeMounts = nil
		}
	}
	for _, s := range []*[]corev1.Container{&p.Spec.Containers, &p.Spec.InitContainers} {
		if len(*s) == 0 {
			*s = nil
		}
	}
	if len(p.Spec.Volumes) == 0 {
		p.Spec.Volumes = nil
	}
	if len(p.Annotations) == 0 {
		p.Annotations = nil
	}
	return p, nil
}

// Document is the manifest the sidecar verifies against: the pod as
// admitted without its status, managedFields, kubectl's last-applied copy
// and ephemeral containers, as compact JSON.
func Document(admitted *corev1.Pod) ([]byte, error) {
	p := admitted.DeepCopy()
	p.APIVersion, p.Kind = "v1", "Pod"
	p.ManagedFields = nil
	p.Spec.EphemeralContainers = nil
	delete(p.Annotations, lastApplied)
	if len(p.Annotations) == 0 {
		p.Annotations = nil
	}
	// Status is a struct: marshal without it rather than as {}.
	doc := struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   any            `json:"metadata"`
		Spec       corev1.PodSpec `json:"spec"`
	}{p.APIVersion, p.Kind, p.ObjectMeta, p.Spec}
	return json.Marshal(doc)
}

// embeddable is the manifest of p as the sidecar's environment carries it,
// or why it cannot be.
func embeddable(p *corev1.Pod) (string, string) {
	doc, err := Document(p)
	if err != nil {
		return "", "its manifest does not encode: " + err.Error()
	}
	if len(doc) > MaxEnvSpec {
		return "", fmt.Sprintf("its manifest is %d bytes, over the %d an environment variable can carry", len(doc), MaxEnvSpec)
	}
	return string(doc), ""
}

// injected is the injected pod, or why the pod cannot be injected.
func injected(base *corev1.Pod, o Options) (*corev1.Pod, string) {
	p := base.DeepCopy()
	if o.Mode == SidecarMode {
		if p.Spec.ShareProcessNamespace != nil && !*p.Spec.ShareProcessNamespace {
			return nil, "shareProcessNamespace is false: the sidecar cannot see the app"
		}
		// Set before the manifest is embedded: it is how the pod runs, and
		// a re-invocation's pod has it, so the embedded manifest is the same.
		share := true
		p.Spec.ShareProcessNamespace = &share
	}
	if o.Mode == ExecMode {
		doc, why := embeddable(p)
		if why != "" {
			return nil, why
		}
		return p, wrapAll(p, doc, o)
	}
	targets, blind := sidecarTargets(p.Spec.Containers)
	// The embedded manifest holds the sidecar too, without the manifest
	// itself: the sidecar verifies itself (--target=secctx=self) against
	// its own container's securityContext.
	c := sidecar(o.Image, "", targets)
	c.Env = nil
	c.ImagePullPolicy = o.PullPolicy
	var added *corev1.Container
	if o.Sidecar == Native {
		always := corev1.ContainerRestartPolicyAlways
		c.RestartPolicy = &always
		p.Spec.InitContainers = append([]corev1.Container{c}, p.Spec.InitContainers...)
		added = &p.Spec.InitContainers[0]
	} else {
		p.Spec.Containers = append(p.Spec.Containers, c)
		added = &p.Spec.Containers[len(p.Spec.Containers)-1]
	}
	doc, why := embeddable(p)
	if why != "" {
		return nil, why
	}
	added.Env = []corev1.EnvVar{{Name: envSpec, Value: doc}}
	setAnnotation(p, Injected, o.Sidecar.String()+"-sidecar")
	if len(blind) > 0 {
		setAnnotation(p, Unwrapped, strings.Join(blind, ",")+": no absolute command path to tell its processes apart")
	}
	return p, ""
}

// sidecarTargets are the sidecar's --target values: with one app container,
// every process outside the sidecar (`others`); with several, which
// `others` cannot tell apart, each container whose explicit command starts
// with an absolute path by its executable (`exe:PATH`), and the others are
// listed as not verified (a false drift is as bad as a miss).
func sidecarTargets(apps []corev1.Container) (targets, blind []string) {
	if len(apps) == 1 {
		return []string{apps[0].Name + "=others"}, nil
	}
	for _, c := range apps {
		if len(c.Command) > 0 && strings.HasPrefix(c.Command[0], "/") {
			targets = append(targets, c.Name+"=exe:"+c.Command[0])
		} else {
			blind = append(blind, c.Name)
		}
	}
	return targets, blind
}

func setAnnotation(p *corev1.Pod, k, v string) {
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[k] = v
}

func hasContainer(cs []corev1.Container, name string) bool {
	return slices.ContainsFunc(cs, named(name))
}

func named(name string) func(corev1.Container) bool {
	return func(c corev1.Container) bool { return c.Name == name }
}
