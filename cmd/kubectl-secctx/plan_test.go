package main

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secctx/secctx/expect"
)

func i64(v int64) *int64 { return &v }

func TestChooseProfile(t *testing.T) {
	t.Parallel()
	status := func(id string) *corev1.ContainerStatus { return &corev1.ContainerStatus{Name: "app", ContainerID: id} }
	// ECI's documented instance annotation, and ACK's virtual-kubelet
	// provider.
	eciPod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"k8s.aliyun.com/eci-instance-id": "eci-2ze1y0la40qgva09"}}}
	plain := &corev1.Pod{Spec: corev1.PodSpec{NodeName: "n1"}}
	ack := nodeKind{Virtual: true, Provider: "alibabacloud"}
	cases := []struct {
		name     string
		explicit string
		pod      *corev1.Pod
		st       *corev1.ContainerStatus
		node     nodeKind
		want     string
		err      string
	}{
		{name: "explicit wins", explicit: "podman", pod: eciPod, st: status("containerd://a"), want: "podman"},
		{name: "ECI annotation", pod: eciPod, st: status("containerd://a"), want: "eci"},
		{name: "ACK virtual node", pod: plain, st: status("containerd://a"), node: ack, want: "eci"},
		{name: "other virtual-kubelet provider: by runtime", pod: plain, st: status("containerd://a"), node: nodeKind{Virtual: true, Provider: "azure"}, want: "containerd"},
		{name: "containerd", pod: plain, st: status("containerd://543991a2"), want: "containerd"},
		{name: "cri-o", pod: plain, st: status("cri-o://543991a2"), want: "crio"},
		{name: "docker (cri-dockerd)", pod: plain, st: status("docker://543991a2"), want: "docker"},
		{name: "unknown runtime", pod: plain, st: status("rkt://x"), err: `runtime "rkt"`},
		{name: "no scheme", pod: plain, st: status("543991a2"), err: "no runtime scheme"},
		{name: "not started", pod: plain, st: &corev1.ContainerStatus{Name: "app"}, err: "no container ID"},
		{name: "no status", pod: plain, err: "no container ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := chooseProfile(tc.explicit, tc.pod, tc.st, tc.node)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got.Name != tc.want || got.Why == "" {
				t.Fatalf("got %+v, %v; want %s with a reason", got, err, tc.want)
			}
		})
	}
}

// TestChooseProfileByProperties: a profile added with its own container ID
// scheme, pod annotation or virtual-kubelet provider is chosen by them,
// as the registered ones are; no name is mapped.
func TestChooseProfileByProperties(t *testing.T) {
	t.Parallel()
	crio, err := expect.LookupProfile("crio")
	if err != nil {
		t.Fatal(err)
	}
	next := *crio
	next.Name, next.ContainerIDScheme = "crio-next", "cri-o-next"
	platform := *crio
	platform.Name, platform.ContainerIDScheme = "some-platform", ""
	platform.PodAnnotation, platform.VirtualNodeProvider = "example.com/instance", "example"
	profiles := append(expect.Profiles(), &next, &platform)
	status := func(id string) *corev1.ContainerStatus { return &corev1.ContainerStatus{Name: "app", ContainerID: id} }
	plain := &corev1.Pod{Spec: corev1.PodSpec{NodeName: "n1"}}
	annotated := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"example.com/instance": "i-1"}}}
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		st   *corev1.ContainerStatus
		node nodeKind
		want string
	}{
		{"its scheme", plain, status("cri-o-next://a"), nodeKind{}, "crio-next"},
		{"the registered scheme still", plain, status("cri-o://a"), nodeKind{}, "crio"},
		{"its annotation", annotated, status("containerd://a"), nodeKind{}, "some-platform"},
		{"its provider", plain, status("containerd://a"), nodeKind{Virtual: true, Provider: "example"}, "some-platform"},
	} {
		got, err := chooseAmong(profiles, "", tc.pod, tc.st, tc.node)
		if err != nil || got.Name != tc.want {
			t.Errorf("%s: got %+v, %v; want %s", tc.name, got, err, tc.want)
		}
	}
}

func TestClassifyNode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		node *corev1.Node
		want nodeKind
	}{
		{"unreadable", nil, nodeKind{}},
		{"plain", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"kubernetes.io/arch": "amd64"}}}, nodeKind{Arch: "amd64"}},
		{"ACK virtual node", &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"type": "virtual-kubelet", "kubernetes.io/arch": "amd64"}},
			Spec:       corev1.NodeSpec{Taints: []corev1.Taint{{Key: "virtual-kubelet.io/provider", Value: "alibabacloud", Effect: corev1.TaintEffectNoSchedule}}},
		}, nodeKind{Virtual: true, Provider: "alibabacloud", Arch: "amd64"}},
		{"label only", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"type": "virtual-kubelet"}}}, nodeKind{Virtual: true}},
	}
	for _, tc := range cases {
		if got := classifyNode(tc.node); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestTargetIdentity(t *testing.T) {
	t.Parallel()
	pod := func(psc *corev1.PodSecurityContext) *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{SecurityContext: psc}}
	}
	cases := []struct {
		name     string
		pod      *corev1.Pod
		sc       *corev1.SecurityContext
		st       *corev1.ContainerStatus
		uid, gid *int64
		source   string
	}{
		{name: "kubelet's report wins", pod: pod(&corev1.PodSecurityContext{RunAsUser: i64(5)}), sc: &corev1.SecurityContext{RunAsUser: i64(6)},
			st:  &corev1.ContainerStatus{User: &corev1.ContainerUser{Linux: &corev1.LinuxContainerUser{UID: 1000, GID: 3000}}},
			uid: i64(1000), gid: i64(3000), source: "status"},
		{name: "container over pod", pod: pod(&corev1.PodSecurityContext{RunAsUser: i64(5), RunAsGroup: i64(7)}), sc: &corev1.SecurityContext{RunAsUser: i64(6)},
			uid: i64(6), gid: i64(7), source: "spec"},
		{name: "pod only", pod: pod(&corev1.PodSecurityContext{RunAsUser: i64(5), RunAsGroup: i64(7)}), uid: i64(5), gid: i64(7), source: "spec"},
		{name: "uid without gid", pod: pod(nil), sc: &corev1.SecurityContext{RunAsUser: i64(1000)}, uid: i64(1000), source: "spec"},
		{name: "image decides", pod: pod(nil), source: "spec"},
		{name: "status without user", pod: pod(nil), st: &corev1.ContainerStatus{}, sc: &corev1.SecurityContext{RunAsUser: i64(2), RunAsGroup: i64(3)}, uid: i64(2), gid: i64(3), source: "spec"},
	}
	eq := func(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
	for _, tc := range cases {
		got := targetIdentity(tc.pod, &corev1.Container{Name: "app", SecurityContext: tc.sc}, tc.st)
		if !eq(got.UID, tc.uid) || !eq(got.GID, tc.gid) || !strings.HasPrefix(got.Source, tc.source) {
			t.Errorf("%s: uid %v gid %v from %q", tc.name, got.UID, got.GID, got.Source)
		}
	}
}

func TestDebuggerFor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		id      identity
		uid     int64
		gid     int64
		nonRoot bool
		add     []corev1.Capability
		why     string
	}{
		{name: "non-root uid and gid known", id: identity{UID: i64(1000), GID: i64(3000), Source: "spec"}, uid: 1000, gid: 3000, nonRoot: true, why: "no capability needed"},
		{name: "root target", id: identity{UID: i64(0), GID: i64(0)}, uid: 0, gid: 0, add: []corev1.Capability{"SYS_PTRACE"}, why: "runs as root"},
		{name: "root uid, other gid", id: identity{UID: i64(0), GID: i64(10)}, uid: 0, gid: 10, add: []corev1.Capability{"SYS_PTRACE"}, why: "runs as root"},
		{name: "uid unknown", id: identity{}, uid: 0, gid: 0, add: []corev1.Capability{"SYS_PTRACE"}, why: "image's USER"},
		{name: "gid unknown", id: identity{UID: i64(1000)}, uid: 0, gid: 0, add: []corev1.Capability{"SYS_PTRACE"}, why: "/etc/passwd entry for uid 1000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := debuggerFor(tc.id)
			sc := d.SecurityContext
			if *sc.RunAsUser != tc.uid || *sc.RunAsGroup != tc.gid || *sc.RunAsNonRoot != tc.nonRoot {
				t.Errorf("runs as %d:%d nonRoot %v, want %d:%d %v", *sc.RunAsUser, *sc.RunAsGroup, *sc.RunAsNonRoot, tc.uid, tc.gid, tc.nonRoot)
			}
			if !slices.Equal(sc.Capabilities.Add, tc.add) || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
				t.Errorf("capabilities %+v, want add %v, drop ALL", sc.Capabilities, tc.add)
			}
			if *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault || sc.Privileged != nil {
				t.Errorf("not hardened: %+v", sc)
			}
			if !strings.Contains(d.Why, tc.why) {
				t.Errorf("why %q lacks %q", d.Why, tc.why)
			}
		})
	}
}

func TestFindContainerAndRunning(t *testing.T) {
	t.Parallel()
	run := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}, {Name: "side"}}},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "app", State: run},
			{Name: "side", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}}}
	cases := []struct {
		name, container, err, notRunning string
	}{
		{name: "named", container: "app"},
		{name: "two containers, none named", err: "has 2 containers (app, side): choose one with -c"},
		{name: "absent", container: "nope", err: `no container "nope"`},
		{name: "waiting", container: "side", notRunning: "waiting: CrashLoopBackOff"},
	}
	for _, tc := range cases {
		c, st, err := findContainer(pod, tc.container)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || c.Name != tc.container || st == nil || st.Name != tc.container {
			t.Errorf("%s: %v %v %v", tc.name, c, st, err)
			continue
		}
		why := running(pod, c.Name, st)
		if (tc.notRunning == "") != (why == "") || !strings.Contains(why, tc.notRunning) {
			t.Errorf("%s: running says %q, want %q", tc.name, why, tc.notRunning)
		}
	}
}

func TestParseRunAs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in       string
		uid, gid int64
		ok       bool
	}{
		{"1000:3000", 1000, 3000, true}, {"0:0", 0, 0, true}, {"1000", 0, 0, false}, {"a:b", 0, 0, false}, {"-1:0", 0, 0, false},
	}
	for _, tc := range cases {
		id, err := parseRunAs(tc.in)
		if (err == nil) != tc.ok || (tc.ok && (*id.UID != tc.uid || *id.GID != tc.gid)) {
			t.Errorf("%q: %+v %v", tc.in, id, err)
		}
	}
}
