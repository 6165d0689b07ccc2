package cluster

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// TestZContainerd22 runs last (its file sorts last): it brings the cluster
// back up on containerd 2.2, whose CRI reports the process identity, so the
// kubelet fills status.containerStatuses[].user.linux. A pod that declares
// no uid runs as its image's USER 1000:1000, which the spec does not show:
// the debugger must take it from the status and run as 1000:1000 with no
// capability (on containerd 1.6 it would be root with CAP_SYS_PTRACE).
func TestZContainerd22(t *testing.T) {
	requireTier(t)
	if out, err := exec.Command("bash", filepath.Join(repoRoot, "scripts", "kube", "cluster.sh"), "check", "2.2").CombinedOutput(); err != nil {
		e2eutil.SkipOrFail(t, "containerd 2.2 cannot run: "+strings.TrimSpace(string(out)))
	}
	start := time.Now()
	if out, err := clusterSh(nodeLock, "up", "--containerd", "2.2", "--unprivileged", "on", "--seccomp-default", "off"); err != nil {
		t.Fatalf("cluster.sh up --containerd 2.2: %v\n%s", err, out)
	}
	t.Logf("cluster up on containerd 2.2 in %s", time.Since(start).Round(10*time.Millisecond))
	env, err := readEnv(nodeLock)
	if err != nil {
		t.Fatal(err)
	}
	clusterEnv = env
	if out, err := clusterSh(nodeLock, append([]string{"import"}, imageArchives...)...); err != nil {
		t.Fatalf("importing the images: %v\n%s", err, out)
	}
	pod := startPod(t, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "imageuser"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: appUserImage, Command: []string{"sleep", "3600"},
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}}},
	})
	st := pod.Status.ContainerStatuses[0]
	if st.User == nil || st.User.Linux == nil || st.User.Linux.UID != 1000 || st.User.Linux.GID != 1000 {
		t.Fatalf("the kubelet reports user %+v, want uid 1000 gid 1000 from containerd 2.2", st.User)
	}
	r := plugin(t, "", verifyArgs("imageuser", "-v=1")...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout: %s", r.code, r.stdout)
	}
	rep := decodeReport(t, r)
	if d := drifts(rep); len(d) != 0 || rep.Summary.Unknown != 0 {
		t.Errorf("drift %v, %d unknown", d, rep.Summary.Unknown)
	}
	if !strings.Contains(r.stderr, "uid 1000 and gid 1000 as the target (from status.containerStatuses[].user.linux)") {
		t.Errorf("-v does not say the identity came from the status: %s", r.stderr)
	}
	p, err := admin(t).CoreV1().Pods("default").Get(context.Background(), "imageuser", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc := p.Spec.EphemeralContainers[0].SecurityContext
	if *sc.RunAsUser != 1000 || *sc.RunAsGroup != 1000 || len(sc.Capabilities.Add) != 0 {
		t.Errorf("debugger runs as %d:%d adding %v; want 1000:1000 and no capability", *sc.RunAsUser, *sc.RunAsGroup, sc.Capabilities.Add)
	}
}
