package probe

import "testing"

func TestClassifyLabel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		label string
		want  LSM
	}{
		{"", LSM{}},
		{"unconfined", LSM{Name: "apparmor", Label: "unconfined", Profile: "unconfined"}},
		{"cri-containerd.apparmor.d (enforce)",
			LSM{Name: "apparmor", Label: "cri-containerd.apparmor.d (enforce)", Profile: "cri-containerd.apparmor.d", Mode: "enforce"}},
		{"docker-default (complain)",
			LSM{Name: "apparmor", Label: "docker-default (complain)", Profile: "docker-default", Mode: "complain"}},
		{"/usr/bin/my app (enforce)",
			LSM{Name: "apparmor", Label: "/usr/bin/my app (enforce)", Profile: "/usr/bin/my app", Mode: "enforce"}},
		{"system_u:system_r:container_t:s0:c4,c5",
			LSM{Name: "selinux", Label: "system_u:system_r:container_t:s0:c4,c5"}},
		{"unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023",
			LSM{Name: "selinux", Label: "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023"}},
		{"user_u:user_r:user_t", LSM{Name: "selinux", Label: "user_u:user_r:user_t"}},
		{"_", LSM{Label: "_"}}, // Smack floor label
		{"a:b", LSM{Label: "a:b"}},
		{"x ()", LSM{Label: "x ()"}},
	} {
		if got := ClassifyLabel(tc.label); got != tc.want {
			t.Errorf("ClassifyLabel(%q) = %+v; want %+v", tc.label, got, tc.want)
		}
	}
}

func TestReadLSM(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		root   string
		pid    int
		want   LSM
		reason string
	}{
		{"testdata/containerd-nonroot", 0,
			LSM{Name: "apparmor", Label: "cri-containerd.apparmor.d (enforce)", Profile: "cri-containerd.apparmor.d", Mode: "enforce"}, ""},
		{"testdata/old-kernel", 0, LSM{Name: "apparmor", Label: "unconfined", Profile: "unconfined"}, ""},
		{"testdata/selinux-userns", 0, LSM{Name: "selinux", Label: "system_u:system_r:container_t:s0:c4,c5"}, ""},
		// No attr directory at all: a kernel without CONFIG_SECURITY.
		{"testdata/host", 0, LSM{}, ""},
		{"testdata/broken", 0, LSM{}, ReasonUnreadable},
		{"testdata/containerd-nonroot", 99, LSM{}, ReasonAbsent},
	} {
		var st Process
		NewFS(tc.root).readLSM(tc.pid, &st)
		re := st.Unread.Missing(ItemLSM)
		if st.LSM != tc.want || (re == nil) != (tc.reason == "") || (re != nil && re.Reason != tc.reason) {
			t.Errorf("%s/%d: LSM = %+v, unread %v; want %+v, %q", tc.root, tc.pid, st.LSM, re, tc.want, tc.reason)
		}
	}
}
