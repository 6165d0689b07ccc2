package probe

import (
	"os"
	"strconv"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// Names of the container signs, the values of ContainerSign.Name.
const (
	// SignCgroup: the process's cgroup path names a container runtime or
	// the kubelet's kubepods hierarchy.
	SignCgroup = "cgroup"
	// SignPID1: pid 1 is not a host's init system (it is the application, a
	// pause process or a small init such as tini), or /proc/1/sched gives
	// it another pid, that of the host's PID namespace.
	SignPID1 = "pid1"
	// SignRootMount: the mount at / is an overlay (an image's layers) or a
	// bind of a directory (a bundle's rootfs).
	SignRootMount = "rootMount"
	// SignDockerenv: /.dockerenv exists (Docker, and runtimes imitating it).
	SignDockerenv = "dockerenv"
	// SignContainerenv: /run/.containerenv exists (podman, CRI-O).
	SignContainerenv = "containerenv"
	// SignEnv: $container is set in the environment of the process or of
	// pid 1 (podman, systemd-nspawn, LXC).
	SignEnv = "env"
	// SignKubernetes: a Kubernetes service account is mounted, or
	// $KUBERNETES_SERVICE_HOST is set.
	SignKubernetes = "kubernetes"
)

// ContainerSign is one thing looked at to tell whether a process runs in a
// container.
type ContainerSign struct {
	// Name says what was looked at: one of the Sign constants.
	Name string `json:"name"`
	// Seen is what was found (a cgroup path, pid 1's command, the type of
	// the root mount, a file or variable that is present); "" when it
	// could not be read or was absent.
	Seen string `json:"seen,omitempty"`
	// Container is true when the sign points to a container.
	Container bool `json:"container"`
}

// Containment says whether a process looks containerised, and why.
type Containment struct {
	// Containerised is true when at least one sign points to a container.
	Containerised bool `json:"containerised"`
	// Signs lists every sign looked at, in a fixed order.
	Signs []ContainerSign `json:"signs"`
}

// hostInits are the commands of pid 1 on a host (or a VM): anything else
// as pid 1 is an application, a pause process or a container's small init.
var hostInits = map[string]bool{
	"systemd": true, "init": true, "upstart": true, "openrc-init": true, "runit": true,
	"runit-init": true, "s6-svscan": true, "launchd": true, "shepherd": true, "dinit": true,
}

// runtimeCgroupWords begin the cgroup directories that container runtimes
// and the kubelet create ("kubepods.slice", "docker-ID.scope",
// "cri-containerd-ID.scope", "libpod-ID", "lxc.payload.NAME", "/ecs/TASK").
var runtimeCgroupWords = []string{
	"kubepods", "docker", "containerd", "cri-containerd", "crio", "libpod", "podman",
	"lxc", "buildkit", "garden", "ecs", "actions_job",
}

// runtimeCgroup reports whether a cgroup path has a directory a container
// runtime or the kubelet creates. A service's own cgroup
// ("docker.service", the daemon on the host) is not one.
func runtimeCgroup(path string) bool {
	for _, dir := range strings.Split(path, "/") {
		if strings.HasSuffix(dir, ".service") {
			continue
		}
		for _, w := range runtimeCgroupWords {
			if rest, ok := strings.CutPrefix(dir, w); ok && (rest == "" || strings.ContainsRune("-_.:", rune(rest[0]))) {
				return true
			}
		}
	}
	return false
}

// overlayTypes are filesystem types of image layers.
var overlayTypes = map[string]bool{"overlay": true, "fuse-overlayfs": true, "aufs": true, "overlayfs": true}

// ContainerSigns looks at a few signs of a container for process pid (0:
// the caller): its cgroup path, pid 1, the mount at /, the files Docker
// and podman leave at the root, $container, and a Kubernetes service
// account. None of them is proof; a process for which none holds is most
// likely not in a container, so that its drift is the host's own state.
func (fs FS) ContainerSigns(pid int) Containment {
	env := fs.environ(pid)
	signs := []ContainerSign{
		fs.cgroupSign(pid),
		fs.pid1Sign(),
		fs.rootMountSign(pid),
		fs.fileSign(pid, SignDockerenv, "/.dockerenv"),
		fs.fileSign(pid, SignContainerenv, "/run/.containerenv"),
		envSign(env, fs.environ(1)),
		fs.kubernetesSign(pid, env),
	}
	c := Containment{Signs: signs}
	for _, s := range signs {
		c.Containerised = c.Containerised || s.Container
	}
	return c
}

// Describe says in a few words what the signs showed, for the line that
// says a process does not look containerised.
func (c Containment) Describe() string {
	var parts, absent []string
	for _, s := range c.Signs {
		switch {
		case s.Name == SignCgroup && s.Seen != "":
			parts = append(parts, "cgroup "+s.Seen)
		case s.Name == SignPID1 && s.Seen != "":
			parts = append(parts, "pid 1 is "+s.Seen)
		case s.Name == SignRootMount && s.Seen != "":
			parts = append(parts, "/ is "+s.Seen)
		case s.Name == SignDockerenv && !s.Container:
			absent = append(absent, "/.dockerenv")
		case s.Name == SignContainerenv && !s.Container:
			absent = append(absent, "/run/.containerenv")
		case s.Name == SignEnv && !s.Container:
			absent = append(absent, "$container")
		case s.Name == SignKubernetes && !s.Container:
			absent = append(absent, "service account")
		}
	}
	if len(absent) > 0 {
		parts = append(parts, "no "+strings.Join(absent, ", "))
	}
	return strings.Join(parts, "; ")
}

// cgroupSign reads /proc/PID/cgroup: the unified (v2) path, else the first
// named v1 path that is not the root.
func (fs FS) cgroupSign(pid int) ContainerSign {
	s := ContainerSign{Name: SignCgroup}
	b, re := fs.Cgroup(pid)
	if re != nil {
		return s
	}
	for _, line := range strings.Split(b, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		path := parts[2]
		if s.Seen == "" || (parts[0] == "0" && path != "/") || (s.Seen == "/" && path != "/") {
			s.Seen = path
		}
		if runtimeCgroup(path) {
			s.Seen, s.Container = path, true
			return s
		}
	}
	return s
}

// pid1Sign reads pid 1's command and the pid its sched file gives it.
func (fs FS) pid1Sign() ContainerSign {
	s := ContainerSign{Name: SignPID1}
	comm, re := fs.readPid(1, "comm")
	if re != nil {
		return s
	}
	s.Seen = strings.TrimSpace(comm)
	s.Container = !hostInits[s.Seen]
	// "systemd (1, #threads: 1)": a kernel that shows pid 1 another
	// number shows the host's pid of a PID namespace's init.
	if sched, re := fs.readPid(1, "sched"); re == nil {
		first, _, _ := strings.Cut(sched, "\n")
		if i := strings.LastIndex(first, " ("); i >= 0 {
			num, _, _ := strings.Cut(first[i+2:], ",")
			if n, err := strconv.Atoi(num); err == nil && n != 1 {
				s.Seen += " (host pid " + num + ")"
				s.Container = true
			}
		}
	}
	return s
}

// rootMountSign reads the process's mount table: the type of the mount at
// / that the process sees, and whether it binds a directory of another
// filesystem (a bundle's rootfs).
func (fs FS) rootMountSign(pid int) ContainerSign {
	s := ContainerSign{Name: SignRootMount}
	b, re := fs.readPid(pid, "mountinfo")
	if re != nil {
		return s
	}
	infos, err := mountTable(strings.NewReader(b))
	if err != nil {
		return s
	}
	var root *mountinfo.Info
	for _, m := range infos {
		if m.Mountpoint == "/" {
			root = m // the last one is stacked over the others
		}
	}
	if root == nil {
		return s
	}
	s.Seen = root.FSType
	if root.Source != "" && root.Source != "none" && root.Source != root.FSType {
		s.Seen += " " + root.Source
	}
	if overlayTypes[root.FSType] {
		s.Container = true
	}
	if root.Root != "/" {
		s.Seen += " (bind of " + root.Root + ")"
		s.Container = true
	}
	return s
}

// fileSign says whether path exists in the process's root.
func (fs FS) fileSign(pid int, name, path string) ContainerSign {
	s := ContainerSign{Name: name}
	if _, err := os.Lstat(fs.pidPath(pid, "root"+path)); err == nil {
		s.Seen, s.Container = path, true
	}
	return s
}

// environ reads the environment of pid; nil when it cannot be read
// (another user's process).
func (fs FS) environ(pid int) []string {
	b, re := fs.readPid(pid, "environ")
	if re != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(b, "\x00"), "\x00")
}

// lookupEnv returns the value of key in env.
func lookupEnv(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// envSign looks for $container in the process's environment and pid 1's.
func envSign(envs ...[]string) ContainerSign {
	s := ContainerSign{Name: SignEnv}
	for _, env := range envs {
		if v, ok := lookupEnv(env, "container"); ok && v != "" {
			s.Seen, s.Container = "container="+v, true
			return s
		}
	}
	return s
}

// kubernetesSign looks for a mounted service account or the variables the
// kubelet sets in every container.
func (fs FS) kubernetesSign(pid int, env []string) ContainerSign {
	s := ContainerSign{Name: SignKubernetes}
	if v, ok := lookupEnv(env, "KUBERNETES_SERVICE_HOST"); ok && v != "" {
		s.Seen, s.Container = "KUBERNETES_SERVICE_HOST", true
		return s
	}
	const sa = "/var/run/secrets/kubernetes.io/serviceaccount"
	if _, err := os.Lstat(fs.pidPath(pid, "root"+sa)); err == nil {
		s.Seen, s.Container = sa, true
	}
	return s
}
