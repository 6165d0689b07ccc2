package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/secctx/secctx/expect"
)

// verifyOptions are the flags of `kubectl secctx verify`.
type verifyOptions struct {
	kube       *kubeFlags
	container  string
	print      printer
	failOn     string
	image      string
	pullPolicy string
	profile    string
	runAs      string
	exec       bool
	binary     string
	timeout    time.Duration
	verbose    bool
}

// verifyFlagSet registers verify's flags (kubectl's are in kube).
func verifyFlagSet(fs *pflag.FlagSet, kube *kubeFlags) func(context.Context, []string, *env) error {
	o := &verifyOptions{kube: kube}
	o.register(fs)
	return func(ctx context.Context, args []string, e *env) error { return runVerify(ctx, o, args, e) }
}

func (o *verifyOptions) register(fs *pflag.FlagSet) {
	fs.StringVarP(&o.container, "container", "c", "", "the container to verify (default: the only one)")
	o.print.register(fs)
	fs.StringVar(&o.failOn, "fail-on", "low", "exit 1 on a drift"+failOnHelp)
	fs.StringVar(&o.image, "image", defaultImage(), "the secctx image of the ephemeral container")
	fs.StringVar(&o.pullPolicy, "image-pull-policy", string(corev1.PullIfNotPresent), "the ephemeral container's imagePullPolicy: Always, IfNotPresent or Never")
	fs.StringVar(&o.profile, "profile", "", "runtime profile ("+strings.Join(expect.ProfileNames(), ", ")+"); default: from the container runtime and the node")
	fs.StringVar(&o.runAs, "run-as", "", "UID:GID for the ephemeral container, when the API does not show the target's (default: from the pod's status or spec)")
	fs.BoolVar(&o.exec, "exec", false, "instead of an ephemeral container, stream the secctx binary into the container through kubectl exec (needs sh and a writable, executable directory), run it and remove it")
	fs.StringVar(&o.binary, "binary", "", "with --exec: the static secctx binary to stream (default: secctx beside this plugin, else in PATH)")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for the verification")
	fs.BoolVar(&o.verbose, "verbose", false, "say on stderr which profile, identity and privileges were chosen, and why (as -v=1)")
}

// target is the container to verify and everything decided about it.
type target struct {
	pod       *corev1.Pod
	container *corev1.Container
	status    *corev1.ContainerStatus
	node      nodeKind
	profile   profileChoice
	spec      []byte
}

// runVerify is `kubectl secctx verify` with its parsed flags.
func runVerify(ctx context.Context, o *verifyOptions, args []string, e *env) error {
	if len(args) != 1 {
		return usageErr("verify takes one pod name (got %d arguments)", len(args))
	}
	if err := o.print.check(); err != nil {
		return err
	}
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return err
	}
	if o.profile != "" {
		if _, err := expect.LookupProfile(o.profile); err != nil {
			return usageErr("--profile: %v", err)
		}
	}
	var runAs *identity
	if o.runAs != "" {
		id, err := parseRunAs(o.runAs)
		if err != nil {
			return usageErr("--run-as: %v", err)
		}
		runAs = &id
	}
	switch corev1.PullPolicy(o.pullPolicy) {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		return usageErr("--image-pull-policy: want Always, IfNotPresent or Never, not %q", o.pullPolicy)
	}
	cfg, cs, ns, err := o.kube.clients()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	t, err := resolveTarget(ctx, cs, ns, args[0], o)
	if err != nil {
		return err
	}
	say := func(format string, args ...any) {
		if o.verbose || verbose(1) {
			fmt.Fprintf(e.stderr, "kubectl-secctx: "+format+"\n", args...)
		}
	}
	say("profile %s: %s", t.profile.Name, t.profile.Why)

	var res *result
	if o.exec {
		res, err = verifyByExec(ctx, cfg, cs, t, o, say)
	} else {
		if t.node.Virtual {
			return blindErr("pod %s runs on virtual-kubelet node %s (provider %q), whose providers do not start ephemeral containers; rerun with --exec to stream secctx into the container", t.pod.Name, t.pod.Spec.NodeName, t.node.Provider)
		}
		id := targetIdentity(t.pod, t.container, t.status)
		if runAs != nil {
			id = *runAs
		}
		res, err = verifyByEphemeral(ctx, cs, t, o, id, say)
	}
	if err != nil {
		return err
	}
	return res.print(e, &o.print, failOn)
}

// parseRunAs parses UID:GID.
func parseRunAs(s string) (identity, error) {
	u, g, ok := strings.Cut(s, ":")
	if !ok {
		return identity{}, fmt.Errorf("want UID:GID, not %q", s)
	}
	uid, err1 := strconv.ParseInt(u, 10, 64)
	gid, err2 := strconv.ParseInt(g, 10, 64)
	if err1 != nil || err2 != nil || uid < 0 || gid < 0 {
		return identity{}, fmt.Errorf("want numeric UID:GID, not %q", s)
	}
	return identity{UID: &uid, GID: &gid, Source: "--run-as"}, nil
}

// resolveTarget reads the pod (and its node, where allowed) and decides the
// profile and the spec.
func resolveTarget(ctx context.Context, cs kubernetes.Interface, ns, name string, o *verifyOptions) (*target, error) {
	pod, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, usageErr("pod %s not found in namespace %s", name, ns)
		}
		return nil, blindErr("reading pod %s/%s: %v", ns, name, err)
	}
	c, st, err := findContainer(pod, o.container)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if why := running(pod, c.Name, st); why != "" {
		return nil, blindErr("%s", why)
	}
	t := &target{pod: pod, container: c, status: st}
	if pod.Spec.NodeName != "" {
		// Reading nodes is often not granted to a namespace's users: then
		// the pod's own annotations and container ID decide.
		if n, err := cs.CoreV1().Nodes().Get(ctx, pod.Spec.NodeName, metav1.GetOptions{}); err == nil {
			t.node = classifyNode(n)
		}
	}
	if p := annotatedProfile(pod); p != nil && p.VirtualNodeProvider != "" && !t.node.Virtual {
		// The platform (ECI) runs the pod on a virtual node, readable or not.
		t.node.Virtual, t.node.Provider = true, p.VirtualNodeProvider
	}
	if t.profile, err = chooseProfile(o.profile, pod, st, t.node); err != nil {
		return nil, usageErr("%v", err)
	}
	if t.spec, err = podSpecDocument(pod); err != nil {
		return nil, usageErr("%v", err)
	}
	return t, nil
}

// verifyFlags are the flags of `secctx verify` for the target: its
// container's processes by the container id (checkContainerID), never PID
// 1 by assumption (hostPID, shareProcessNamespace).
func verifyFlags(t *target, o *verifyOptions) []string {
	return []string{"--target", "container-id:" + t.status.ContainerID, "-o", "json", "--container", t.container.Name,
		"--profile", t.profile.Name, "--fail-on", o.failOn, "--log-level", "error"}
}

// checkContainerID fails unless the pod's status gives the target's
// container id, by which secctx finds the container's processes (in a
// PID namespace of the node's or shared by the pod, PID 1 is not them).
func checkContainerID(t *target) error {
	if t.status == nil || t.status.ContainerID == "" {
		return blindErr("container %q of pod %s has no container ID in the pod's status, by which secctx finds its processes", t.container.Name, t.pod.Name)
	}
	return nil
}

// restConfigFor is the REST config of streaming calls.
func restConfigFor(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	// A stream stays open for the whole run; the context bounds it.
	c.Timeout = 0
	return c
}
