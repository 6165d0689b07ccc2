package probe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// signTree writes a proc tree: files maps a path below the proc root to
// its content ("" makes an empty file).
func signTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	hostMountinfo    = "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n23 22 0:21 / /proc rw - proc proc rw\n"
	overlayMountinfo = "600 500 0:52 / / ro,relatime master:1 - overlay overlay rw,lowerdir=/l1:/l2,upperdir=/u,workdir=/w\n601 600 0:55 / /proc rw - proc proc rw\n"
	bundleMountinfo  = "700 650 254:0 /tmp/bundle/rootfs / rw,relatime - ext4 /dev/vda rw\n"
	hostCgroup       = "0::/user.slice/user-1000.slice/session-2.scope\n"
	hostSched        = "systemd (1, #threads: 1)\n-------------------------------------------------------------------\nse.exec_start : 1.0\n"
)

// host is a laptop's proc tree: systemd as pid 1, a session cgroup, ext4
// at /, nothing a runtime leaves.
func host() map[string]string {
	return map[string]string{
		"self/cgroup":            hostCgroup,
		"self/mountinfo":         hostMountinfo,
		"self/environ":           "HOME=/root\x00PATH=/usr/bin\x00",
		"1/comm":                 "systemd\n",
		"1/sched":                hostSched,
		"1/environ":              "HOME=/\x00TERM=linux\x00",
		"self/root/etc/hostname": "laptop\n",
	}
}

func with(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "\x00delete" {
			delete(out, kv[i])
			continue
		}
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestContainerSigns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		files map[string]string
		// want are the signs that hold, with what was seen.
		want map[string]string
		// seen are what the signs that do not hold saw.
		seen map[string]string
	}{
		{"host", host(), nil,
			map[string]string{SignCgroup: "/user.slice/user-1000.slice/session-2.scope", SignPID1: "systemd", SignRootMount: "ext4 /dev/nvme0n1p2"}},
		{"host with a docker daemon", with(host(), "self/cgroup", "0::/system.slice/docker.service\n"), nil,
			map[string]string{SignCgroup: "/system.slice/docker.service"}},
		{"host with cgroup v1", with(host(), "self/cgroup", "12:pids:/user.slice\n1:name=systemd:/user.slice/session-3.scope\n0::/\n"), nil,
			map[string]string{SignCgroup: "/user.slice"}},
		{"docker", with(host(),
			"self/cgroup", "0::/system.slice/docker-4f1e2d.scope\n",
			"self/mountinfo", overlayMountinfo,
			"self/root/.dockerenv", "",
			"1/comm", "nginx\n"),
			map[string]string{SignCgroup: "/system.slice/docker-4f1e2d.scope", SignRootMount: "overlay", SignDockerenv: "/.dockerenv", SignPID1: "nginx"}, nil},
		{"kubernetes, cgroup v1", with(host(),
			"self/cgroup", "11:memory:/kubepods/burstable/pod1234/abcd\n0::/\n",
			"self/environ", "KUBERNETES_SERVICE_HOST=10.96.0.1\x00",
			"1/comm", "pause\n"),
			map[string]string{SignCgroup: "/kubepods/burstable/pod1234/abcd", SignKubernetes: "KUBERNETES_SERVICE_HOST", SignPID1: "pause"}, nil},
		{"kubernetes, a service account only", with(host(),
			"self/root/var/run/secrets/kubernetes.io/serviceaccount/token", "t"),
			map[string]string{SignKubernetes: "/var/run/secrets/kubernetes.io/serviceaccount"}, nil},
		{"podman with a cgroup namespace", with(host(),
			"self/cgroup", "0::/\n",
			"self/mountinfo", overlayMountinfo,
			"self/root/run/.containerenv", "engine=\"podman-4.3.1\"\n",
			"1/environ", "container=podman\x00",
			"1/comm", "systemd\n"),
			map[string]string{SignRootMount: "overlay", SignContainerenv: "/run/.containerenv", SignEnv: "container=podman"},
			map[string]string{SignCgroup: "/"}},
		{"a runc bundle", with(host(),
			"self/cgroup", "0::/secctx-e2e-1\n",
			"self/mountinfo", bundleMountinfo,
			"1/comm", "secctx\n",
			"1/sched", "secctx (48211, #threads: 5)\n"),
			map[string]string{SignRootMount: "ext4 /dev/vda (bind of /tmp/bundle/rootfs)", SignPID1: "secctx (host pid 48211)"},
			map[string]string{SignCgroup: "/secctx-e2e-1"}},
		{"systemd in a PID namespace", with(host(), "1/sched", "systemd (3012, #threads: 1)\n"),
			map[string]string{SignPID1: "systemd (host pid 3012)"}, nil},
		{"lxc", with(host(), "self/cgroup", "0::/lxc.payload.web/init.scope\n"),
			map[string]string{SignCgroup: "/lxc.payload.web/init.scope"}, nil},
		{"nothing readable", map[string]string{"sys/kernel/cap_last_cap": "40\n"}, nil,
			map[string]string{SignCgroup: "", SignPID1: "", SignRootMount: ""}},
		{"malformed files", with(host(), "self/mountinfo", "garbage\n", "1/sched", "systemd (one, x)\n", "self/cgroup", "nonsense\n"), nil,
			map[string]string{SignRootMount: "", SignPID1: "systemd", SignCgroup: ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := NewFS(signTree(t, tc.files)).ContainerSigns(0)
			if c.Containerised != (len(tc.want) > 0) {
				t.Errorf("containerised %v, want %v: %+v", c.Containerised, len(tc.want) > 0, c.Signs)
			}
			names := []string{SignCgroup, SignPID1, SignRootMount, SignDockerenv, SignContainerenv, SignEnv, SignKubernetes}
			if len(c.Signs) != len(names) {
				t.Fatalf("%d signs, want %d", len(c.Signs), len(names))
			}
			for i, s := range c.Signs {
				if s.Name != names[i] {
					t.Errorf("sign %d is %q, want %q", i, s.Name, names[i])
				}
				seen, holds := tc.want[s.Name]
				if s.Container != holds {
					t.Errorf("%s: container %v, want %v (seen %q)", s.Name, s.Container, holds, s.Seen)
				}
				if !holds {
					seen, holds = tc.seen[s.Name]
				}
				if holds && s.Seen != seen {
					t.Errorf("%s: seen %q, want %q", s.Name, s.Seen, seen)
				}
			}
		})
	}
}

func TestContainmentDescribe(t *testing.T) {
	t.Parallel()
	c := NewFS(signTree(t, host())).ContainerSigns(0)
	want := "cgroup /user.slice/user-1000.slice/session-2.scope; pid 1 is systemd; / is ext4 /dev/nvme0n1p2; no /.dockerenv, /run/.containerenv, $container, service account"
	if got := c.Describe(); got != want {
		t.Errorf("Describe() = %q, want %q", got, want)
	}
	if got := (Containment{}).Describe(); got != "" {
		t.Errorf("no signs: %q", got)
	}
	if !strings.Contains(NewFS(t.TempDir()).ContainerSigns(0).Describe(), "no /.dockerenv") {
		t.Error("an unreadable tree does not say what is absent")
	}
}
