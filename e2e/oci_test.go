package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// secctxArgs is the container's process: secctx verifying itself.
var secctxArgs = []string{"/secctx", "verify", "--spec", "/spec.yaml", "-o", "json", "--profile", "containerd"}

// seccompArch is the libseccomp name of this machine's architecture.
func seccompArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "SCMP_ARCH_X86_64"
	case "arm64":
		return "SCMP_ARCH_AARCH64"
	}
	return "SCMP_ARCH_NATIVE"
}

// defaultSeccompProfile is a small stand-in for containerd's RuntimeDefault
// profile: it allows everything but reboot and kexec_load, which is enough
// for the kernel to report "Seccomp: 2" (filter mode).
func defaultSeccompProfile() map[string]any {
	return map[string]any{
		"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": []any{seccompArch()},
		"syscalls": []any{
			map[string]any{"names": []any{"reboot", "kexec_load"}, "action": "SCMP_ACT_ERRNO"},
		},
	}
}

// baseConfig runs `runc spec` in bundle and loads the result.
func baseConfig(bundle string) (map[string]any, error) {
	if _, err := runCmd(bundle, runcBin, "spec"); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("runc spec wrote invalid JSON: %v", err)
	}
	return cfg, nil
}

// obj returns m[key] as a map, creating it if absent.
func obj(m map[string]any, key string) map[string]any {
	if v, ok := m[key].(map[string]any); ok {
		return v
	}
	v := map[string]any{}
	m[key] = v
	return v
}

func strList(ss []string) []any {
	out := make([]any, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

// applyRuntime writes rc into cfg, a config loaded from `runc spec`, so that
// runc applies exactly what containerd would for the pod, running args.
func applyRuntime(cfg map[string]any, rc runtimeConfig, args []string) {
	proc := obj(cfg, "process")
	proc["terminal"] = false
	proc["args"] = strList(args)
	proc["env"] = strList([]string{"PATH=/bin", "HOSTNAME=e2e"})
	proc["cwd"] = "/"
	gids := make([]any, 0, len(rc.AdditionalGids))
	for _, g := range rc.AdditionalGids {
		gids = append(gids, g)
	}
	proc["user"] = map[string]any{"uid": rc.UID, "gid": rc.GID, "additionalGids": gids}
	proc["capabilities"] = map[string]any{
		"bounding":    strList(rc.Bounding),
		"effective":   strList(rc.Effective),
		"permitted":   strList(rc.Permitted),
		"inheritable": strList(rc.Inheritable),
		"ambient":     strList(rc.Ambient),
	}
	proc["noNewPrivileges"] = rc.NoNewPrivs
	// containerd clears the default rlimits (WithoutDefaultSecuritySettings).
	delete(proc, "rlimits")

	cfg["root"] = map[string]any{"path": "rootfs", "readonly": rc.ReadonlyRoot}

	// A hostNetwork pod's containers share the host's network and UTS
	// namespaces (the kubelet asks for both); a hostname needs a UTS
	// namespace of the container's own.
	linux := obj(cfg, "linux")
	ns := []any{}
	for _, t := range []string{"pid", "ipc", "uts", "mount", "network"} {
		if (t == "network" || t == "uts") && rc.HostNetwork || t == "pid" && rc.HostPID {
			continue
		}
		ns = append(ns, map[string]any{"type": t})
	}
	if rc.HostNetwork {
		delete(cfg, "hostname")
	} else {
		cfg["hostname"] = "e2e"
	}
	if rc.UserNS {
		ns = append(ns, map[string]any{"type": "user"})
		mapping := []any{map[string]any{"containerID": 0, "hostID": usernsHostID, "size": usernsSize}}
		linux["uidMappings"] = mapping
		linux["gidMappings"] = mapping
	} else {
		delete(linux, "uidMappings")
		delete(linux, "gidMappings")
	}
	linux["namespaces"] = ns
	linux["maskedPaths"] = strList(rc.MaskedPaths)
	linux["readonlyPaths"] = strList(rc.ReadonlyPaths)
	sys := map[string]any{}
	for k, v := range rc.Sysctls {
		sys[k] = v
	}
	linux["sysctl"] = sys
	if rc.Seccomp {
		linux["seccomp"] = defaultSeccompProfile()
	} else {
		delete(linux, "seccomp")
	}
	if rc.Privileged {
		// WithPrivileged: writable sysfs and cgroupfs.
		for _, m := range cfg["mounts"].([]any) {
			mm := m.(map[string]any)
			if d := mm["destination"]; d == "/sys" || d == "/sys/fs/cgroup" {
				if opts, ok := mm["options"].([]any); ok {
					var keep []any
					for _, o := range opts {
						if o != "ro" {
							keep = append(keep, o)
						}
					}
					mm["options"] = keep
				}
			}
		}
	}
}

// writeConfig stores cfg as the bundle's config.json.
func writeConfig(bundle string, cfg map[string]any) error {
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o644)
}

// runCmd runs a command in dir and returns its stdout; stderr goes into
// the error.
func runCmd(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}
