package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secctx/secctx/report"
)

// hardenedPod runs as 1000:1000 with a read-only root, no capability, no
// privilege escalation and the runtime's seccomp filter.
func hardenedPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: appImage, Command: []string{"sleep", "3600"},
			SecurityContext: &corev1.SecurityContext{
				RunAsUser: ptr(int64(1000)), RunAsGroup: ptr(int64(1000)), RunAsNonRoot: ptr(true),
				ReadOnlyRootFilesystem: ptr(true), AllowPrivilegeEscalation: ptr(false),
				Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
		}}},
	}
}

// rootPod runs as the image's root with the runtime's defaults.
func rootPod(name string, command ...string) *corev1.Pod {
	if len(command) == 0 {
		command = []string{"sleep", "3600"}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: appImage, Command: command}}},
	}
}

// ephemeralOf returns the pod's ephemeral containers, read back from the API.
func ephemeralOf(t *testing.T, pod string) []corev1.EphemeralContainer {
	t.Helper()
	p, err := admin(t).CoreV1().Pods("default").Get(context.Background(), pod, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Spec.EphemeralContainers
}

// TestVerifyNoDrift: a pod whose securityContext the kubelet and containerd
// honour verifies clean, through an ephemeral container with the least
// privilege that reads it, and through --exec where the pod allows it.
func TestVerifyNoDrift(t *testing.T) {
	requireTier(t)
	cases := []struct {
		name string
		pod  *corev1.Pod
		args []string
		// debugger's uid, gid and added capabilities; nil for --exec
		uid, gid int64
		caps     []corev1.Capability
		source   string
	}{
		{name: "hardened-nonroot", pod: hardenedPod("hardened"), uid: 1000, gid: 1000, source: "env:SECCTX_SPEC"},
		{name: "root-defaults", pod: rootPod("rootdefaults"), uid: 0, gid: 0, caps: []corev1.Capability{"SYS_PTRACE"}, source: "env:SECCTX_SPEC"},
		{name: "root-defaults-exec", pod: rootPod("rootexec"), args: []string{"--exec"}, source: "stdin"},
		{name: "hardened-run-as", pod: hardenedPod("hardenedrunas"), args: []string{"--run-as", "1000:1000"}, uid: 1000, gid: 1000, source: "env:SECCTX_SPEC"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			startPod(t, tc.pod)
			r := plugin(t, "", verifyArgs(tc.pod.Name, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0\nstdout: %s", r.code, r.stdout)
			}
			rep := decodeReport(t, r)
			if d := drifts(rep); len(d) != 0 {
				t.Errorf("drift %v in a pod the runtime honours", d)
			}
			if rep.Summary.Unknown != 0 {
				t.Errorf("%d unknown findings: the debugger could not read everything", rep.Summary.Unknown)
			}
			if rep.Target.PID != 1 || rep.Target.Comm != "sleep" || rep.Target.Container != "app" {
				t.Errorf("target %+v, want pid 1 (sleep) of container app", rep.Target)
			}
			if rep.Profile != "containerd" || rep.Spec.Source != tc.source {
				t.Errorf("profile %q, spec %q; want containerd, %s", rep.Profile, rep.Spec.Source, tc.source)
			}
			ecs := ephemeralOf(t, tc.pod.Name)
			if slices.Contains(tc.args, "--exec") {
				if len(ecs) != 0 {
					t.Errorf("--exec added %d ephemeral containers", len(ecs))
				}
				if out := execIn(t, tc.pod.Name, "app", "ls", "-a", "/tmp"); strings.Contains(out, ".secctx") {
					t.Errorf("--exec left its binary behind in /tmp: %s", out)
				}
				return
			}
			if len(ecs) != 1 {
				t.Fatalf("%d ephemeral containers, want 1", len(ecs))
			}
			sc := ecs[0].SecurityContext
			if ecs[0].TargetContainerName != "app" || sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != tc.uid ||
				sc.RunAsGroup == nil || *sc.RunAsGroup != tc.gid || !slices.Equal(sc.Capabilities.Add, tc.caps) ||
				!slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || !*sc.ReadOnlyRootFilesystem ||
				*sc.AllowPrivilegeEscalation || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("debugger target %q, securityContext %+v; want uid %d gid %d, add %v, drop ALL, read-only, no escalation, RuntimeDefault",
					ecs[0].TargetContainerName, sc, tc.uid, tc.gid, tc.caps)
			}
		})
	}
}

// TestVerifyText: -o text renders the report as secctx render does.
func TestVerifyText(t *testing.T) {
	requireTier(t)
	startPod(t, hardenedPod("hardenedtext"))
	r := plugin(t, "", "verify", "hardenedtext", "--image", secctxImage, "--image-pull-policy", "Never")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	text := strings.Join(strings.Fields(r.stdout), " ") // the summary wraps at 80 columns
	for _, want := range []string{"0 drift, 0 unknown, ", "Pod/hardenedtext", "container app, profile containerd", "pid 1 (sleep)", "runAsUser"} {
		if !strings.HasPrefix(r.stdout, "0 drift, 0 unknown, ") || !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, r.stdout)
		}
	}
	// kubectl finds the plugin on PATH: `kubectl secctx ...`, with the
	// environment's KUBECONFIG.
	kubectl := func(args ...string) *exec.Cmd {
		cmd := exec.Command(clusterEnv["KUBECTL"], append([]string{"secctx"}, args...)...)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(pluginBin)+":"+os.Getenv("PATH"), "KUBECONFIG="+clusterEnv["KUBECONFIG"])
		return cmd
	}
	out, err := kubectl("verify", "hardenedtext", "--image", secctxImage, "--image-pull-policy", "Never").Output()
	if err != nil || !strings.HasPrefix(string(out), "0 drift, 0 unknown, ") {
		t.Errorf("kubectl secctx verify: %v\n%s", err, out)
	}
	_, err = kubectl("verify", "hardenedtext", "--exec").Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(string(ee.Stderr), "no directory is both writable and executable") {
		t.Errorf("kubectl secctx verify --exec on a read-only pod: %v, want exit 3 and the reason", err)
	}
}

// TestVerifyDriftAfterStart: apps that change their own security state
// after start are reported, by the ephemeral container and by --exec.
func TestVerifyDriftAfterStart(t *testing.T) {
	requireTier(t)
	asRoot := &corev1.SecurityContext{RunAsUser: ptr(int64(0)), RunAsGroup: ptr(int64(0))}
	cases := []struct {
		name    string
		command []string
		sc      *corev1.SecurityContext
		args    []string
		// want are drift checks that must be there; only lists the
		// families every drift must belong to.
		want []string
		only string
	}{
		// idchanger runs as the declared root and calls setuid(1234) after 3s.
		{name: "setuid", command: []string{"/idchanger"}, sc: asRoot, want: []string{"runAsUser"}, only: "runAsUser"},
		{name: "setuid-exec", command: []string{"/idchanger"}, sc: asRoot, args: []string{"--exec"}, want: []string{"runAsUser"}, only: "runAsUser"},
		// mutate drops NET_RAW from its bounding, effective and permitted sets after 1s.
		{name: "drop-net-raw", command: []string{"/mutate", "-wait-for", "", "-after", "1s", "drop", "NET_RAW"},
			want: []string{"capabilities.bounding"}, only: "capabilities."},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("mutating%d", i)
			pod := rootPod(name, tc.command...)
			pod.Spec.Containers[0].SecurityContext = tc.sc
			startPod(t, pod)
			time.Sleep(4 * time.Second)
			r := plugin(t, "", verifyArgs(name, tc.args...)...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1 (drift)\nstdout: %s", r.code, r.stdout)
			}
			rep := decodeReport(t, r)
			got := drifts(rep)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("drift %v lacks %s", got, w)
				}
			}
			for _, g := range got {
				if !strings.HasPrefix(g, tc.only) {
					t.Errorf("drift %s, where only %s* changed", g, tc.only)
				}
			}
			for _, f := range rep.Drifts() {
				if f.Check == "runAsUser" && fmt.Sprint(f.Observed) != "1234" {
					t.Errorf("runAsUser observed %v, want 1234", f.Observed)
				}
			}
			// --fail-on above the worst drift: exit 0, the same drift reported.
			above := severityAbove(rep.Summary.HighestSeverity)
			if above == "" {
				return
			}
			r = plugin(t, "", verifyArgs(name, append(tc.args, "--fail-on", string(above))...)...)
			if r.code != 0 || !slices.Equal(drifts(decodeReport(t, r)), got) {
				t.Errorf("--fail-on %s: exit %d, drift %v; want 0 and %v", above, r.code, drifts(decodeReport(t, r)), got)
			}
		})
	}
}

// severityAbove is the next severity above s, "" above critical.
func severityAbove(s report.Severity) report.Severity {
	for _, c := range []report.Severity{report.SeverityInfo, report.SeverityLow, report.SeverityMedium, report.SeverityHigh, report.SeverityCritical} {
		if c.Rank() > s.Rank() {
			return c
		}
	}
	return ""
}

// TestVerifyEphemeralForbidden: a user whose RBAC lacks
// pods/ephemeralcontainers is told so in one line, offered --exec, and
// --exec works for that user.
func TestVerifyEphemeralForbidden(t *testing.T) {
	requireTier(t)
	cs := admin(t)
	ctx := context.Background()
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "secctx-no-debug", Namespace: "default"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "pods/log"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create", "get"}},
		},
	}
	if _, err := cs.RbacV1().Roles("default").Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "secctx-no-debug", Namespace: "default"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "secctx-no-debug"},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: "dev", APIGroup: "rbac.authorization.k8s.io"}},
	}
	if _, err := cs.RbacV1().RoleBindings("default").Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.RbacV1().RoleBindings("default").Delete(ctx, binding.Name, metav1.DeleteOptions{})
		_ = cs.RbacV1().Roles("default").Delete(ctx, role.Name, metav1.DeleteOptions{})
	})
	out, err := exec.Command("bash", clusterScript(), "user", "dev").Output()
	if err != nil {
		t.Fatalf("cluster.sh user dev: %v", err)
	}
	kubeconfig := strings.TrimSpace(string(out))
	startPod(t, rootPod("forbidden"))

	r := plugin(t, kubeconfig, verifyArgs("forbidden")...)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3 (not verifiable)", r.code)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q, want nothing", r.stdout)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "ephemeral containers are refused") ||
		!strings.Contains(lines[0], "pods/ephemeralcontainers") || !strings.Contains(lines[0], "--exec") {
		t.Errorf("stderr %q: want one line saying ephemeral containers are refused (pods/ephemeralcontainers) and offering --exec", r.stderr)
	}
	if n := len(ephemeralOf(t, "forbidden")); n != 0 {
		t.Errorf("%d ephemeral containers added although refused", n)
	}

	r = plugin(t, kubeconfig, verifyArgs("forbidden", "--exec")...)
	if r.code != 0 {
		t.Fatalf("--exec as the same user: exit %d, want 0", r.code)
	}
	if rep := decodeReport(t, r); rep.Summary.Drift != 0 || rep.Target.Comm != "sleep" {
		t.Errorf("--exec report: %d drift, target %+v", rep.Summary.Drift, rep.Target)
	}
}

// TestVerifyPodSecurity: the non-root debugger meets Pod Security
// `restricted`, so a namespace enforcing it admits it; a namespace enforcing
// `baseline` refuses the CAP_SYS_PTRACE debugger a root target needs, which
// the plugin says in one line, offering --exec, which is not subject to Pod
// Security.
func TestVerifyPodSecurity(t *testing.T) {
	requireTier(t)
	cs := admin(t)
	ctx := context.Background()
	for _, level := range []string{"restricted", "baseline"} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "pss-" + level,
			Labels: map[string]string{"pod-security.kubernetes.io/enforce": level}}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// What the controller-manager would create (cluster.sh does it for default).
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
		if _, err := cs.CoreV1().ServiceAccounts(ns.Name).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	hardened := hardenedPod("restrictedapp")
	hardened.Namespace = "pss-restricted"
	startPod(t, hardened)
	r := plugin(t, "", verifyArgs("restrictedapp", "-n", "pss-restricted")...)
	if r.code != 0 {
		t.Errorf("restricted namespace, non-root target: exit %d, want 0 (the debugger meets restricted)", r.code)
	}

	root := rootPod("baselineapp")
	root.Namespace = "pss-baseline"
	startPod(t, root)
	r = plugin(t, "", verifyArgs("baselineapp", "-n", "pss-baseline")...)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != 3 || len(lines) != 1 || !strings.Contains(lines[0], `violates PodSecurity "baseline:latest"`) ||
		!strings.Contains(lines[0], "SYS_PTRACE") || !strings.Contains(lines[0], "--exec") {
		t.Errorf("baseline namespace, root target: exit %d, stderr %q; want 3 and one line on Pod Security offering --exec", r.code, r.stderr)
	}
	r = plugin(t, "", verifyArgs("baselineapp", "-n", "pss-baseline", "--exec")...)
	if r.code != 0 {
		t.Errorf("--exec in the baseline namespace: exit %d, want 0", r.code)
	}
}

// TestVerifyExecRefusals: where --exec cannot run, one line says exactly
// why, and nothing is left in the container.
func TestVerifyExecRefusals(t *testing.T) {
	requireTier(t)
	cases := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{name: "read-only-root", pod: hardenedPod("execro"), want: "no directory is both writable and executable for this container's user (tried /tmp:not-writable /dev/shm:noexec"},
		{name: "no-shell", pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "noshell"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: noShellImage, Command: []string{"/idchanger"}}}}},
			want: `container "app" of pod noshell has no shell (sh)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			startPod(t, tc.pod)
			r := plugin(t, "", verifyArgs(tc.pod.Name, "--exec")...)
			if r.code != 3 {
				t.Errorf("exit %d, want 3", r.code)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr %q: want one line with %q", r.stderr, tc.want)
			}
			if tc.name == "read-only-root" {
				if out := execIn(t, tc.pod.Name, "app", "ls", "-a", "/tmp", "/dev/shm"); strings.Contains(out, ".secctx") {
					t.Errorf("left behind: %s", out)
				}
			}
		})
	}
}

// TestVerifyBadInput: a missing pod or container is bad usage (exit 2).
func TestVerifyBadInput(t *testing.T) {
	requireTier(t)
	startPod(t, rootPod("badinput"))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no-such-pod", verifyArgs("nosuchpod"), "pod nosuchpod not found in namespace default"},
		{"no-such-container", verifyArgs("badinput", "-c", "nope"), `pod badinput has no container "nope"`},
		{"bad-fail-on", verifyArgs("badinput", "--fail-on", "urgent"), "--fail-on"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := plugin(t, "", tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 2 and %q", r.code, r.stderr, r.stdout, tc.want)
			}
		})
	}
}

func clusterScript() string { return repoRoot + "/scripts/kube/cluster.sh" }

// TestZTimes logs the measured figures (it runs last: Go runs tests in
// source order, files in name order).
func TestZTimes(t *testing.T) {
	requireTier(t)
	if len(podTimes) == 0 {
		t.Skip("no pod was started")
	}
	sorted := slices.Clone(podTimes)
	slices.Sort(sorted)
	msg := fmt.Sprintf("cluster up %s; pod creation to running: median %s, max %s over %d pods",
		clusterUp.Round(10*time.Millisecond), sorted[len(sorted)/2].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond), len(sorted))
	t.Log(msg)
	fmt.Fprintln(os.Stdout, "cluster tier: "+msg)
}
