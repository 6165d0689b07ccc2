package kubelet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// The runc tier (package e2e) writes by hand the OCI config containerd and
// the kubelet would hand runc. For the manifests that mirror one of its
// scenarios, this tier captures the config containerd really produced (the
// container's and its sandbox's runtimeSpec, from crictl inspect and
// inspectp) and keeps its security-relevant fields as a golden file under
// e2e/testdata/kubelet-golden. This tier compares each new capture with the
// committed file (so a change in the real stack is seen); package e2e
// compares the same files with its generator (so the imitation stays honest).
// SECCTX_UPDATE_GOLDEN=1 rewrites the files instead. Both tiers read the
// files as e2eutil.Golden.
//
// Captured only on the node configurations the runc tier models: containerd
// with unprivileged ports and ICMP on (containerd 2's defaults) and the
// kubelet's seccompDefault off.

var goldenDir = filepath.Join("..", "testdata", "kubelet-golden")

func goldenConfig(nc nodeConfig) bool { return nc.Unprivileged && !nc.SeccompDefault }

func updateGolden() bool { return os.Getenv("SECCTX_UPDATE_GOLDEN") == "1" }

// ociSpec is the part of an OCI runtime spec the golden keeps.
type ociSpec struct {
	Process *struct {
		User struct {
			UID            uint32   `json:"uid"`
			GID            uint32   `json:"gid"`
			AdditionalGids []uint32 `json:"additionalGids"`
		} `json:"user"`
		Capabilities    map[string][]string `json:"capabilities"`
		NoNewPrivileges bool                `json:"noNewPrivileges"`
	} `json:"process"`
	Root *struct {
		Readonly bool `json:"readonly"`
	} `json:"root"`
	Linux struct {
		MaskedPaths   []string          `json:"maskedPaths"`
		ReadonlyPaths []string          `json:"readonlyPaths"`
		Sysctl        map[string]string `json:"sysctl"`
		Seccomp       json.RawMessage   `json:"seccomp"`
		Namespaces    []struct {
			Type string `json:"type"`
			Path string `json:"path"`
		} `json:"namespaces"`
		UIDMappings []struct {
			ContainerID uint32 `json:"containerID"`
			Size        uint32 `json:"size"`
		} `json:"uidMappings"`
		GIDMappings []struct {
			ContainerID uint32 `json:"containerID"`
			Size        uint32 `json:"size"`
		} `json:"gidMappings"`
	} `json:"linux"`
}

func toGoldenSpec(s ociSpec, withProcess bool) e2eutil.GoldenSpec {
	g := e2eutil.GoldenSpec{
		MaskedPaths:   e2eutil.SortedCopy(s.Linux.MaskedPaths),
		ReadonlyPaths: e2eutil.SortedCopy(s.Linux.ReadonlyPaths),
		Sysctl:        s.Linux.Sysctl,
		Seccomp:       len(s.Linux.Seccomp) > 0 && string(s.Linux.Seccomp) != "null",
	}
	if g.Sysctl == nil {
		g.Sysctl = map[string]string{}
	}
	for _, ns := range s.Linux.Namespaces {
		g.Namespaces = append(g.Namespaces, ns.Type)
	}
	sort.Strings(g.Namespaces)
	for _, m := range s.Linux.UIDMappings {
		g.UIDMappings = append(g.UIDMappings, e2eutil.GoldenMapping{ContainerID: m.ContainerID, Size: m.Size})
	}
	for _, m := range s.Linux.GIDMappings {
		g.GIDMappings = append(g.GIDMappings, e2eutil.GoldenMapping{ContainerID: m.ContainerID, Size: m.Size})
	}
	if withProcess && s.Process != nil {
		u := s.Process.User
		g.UID, g.GID = &u.UID, &u.GID
		g.AdditionalGids = append([]uint32{}, u.AdditionalGids...)
		g.Capabilities = map[string][]string{}
		for _, set := range []string{"bounding", "effective", "permitted", "inheritable", "ambient"} {
			g.Capabilities[set] = e2eutil.SortedCopy(s.Process.Capabilities[set])
		}
		nnp := s.Process.NoNewPrivileges
		g.NoNewPrivileges = &nnp
		ro := s.Root != nil && s.Root.Readonly
		g.ReadonlyRoot = &ro
	}
	return g
}

// namespaceTypes are the Linux namespaces an OCI spec can name.
var namespaceTypes = []string{"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}

// isolation tells, per namespace type, whether a container is isolated
// from the host: its spec creates the namespace, or joins one by path that
// its sandbox created (a sandbox without the type is in the host's).
func isolation(ctr, sandbox ociSpec) map[string]bool {
	sb := map[string]bool{}
	for _, ns := range sandbox.Linux.Namespaces {
		sb[ns.Type] = true
	}
	out := map[string]bool{}
	for _, t := range namespaceTypes {
		out[t] = false
		for _, ns := range ctr.Linux.Namespaces {
			if ns.Type == t {
				out[t] = ns.Path == "" || sb[t]
			}
		}
	}
	return out
}

// runtimeSpec decodes info.runtimeSpec of a crictl inspect/inspectp answer.
func runtimeSpec(v map[string]any) (ociSpec, error) {
	var s ociSpec
	info, _ := v["info"].(map[string]any)
	if info == nil || info["runtimeSpec"] == nil {
		return s, fmt.Errorf("no info.runtimeSpec in crictl's answer")
	}
	b, err := json.Marshal(info["runtimeSpec"])
	if err != nil {
		return s, err
	}
	err = json.Unmarshal(b, &s)
	return s, err
}

// capture builds the golden of one pod from the node.
func capture(n *node, r *podResult, versions map[string]string) (*e2eutil.Golden, error) {
	p := r.Prep
	var id string
	for _, s := range r.Pod.Status.ContainerStatuses {
		if s.Name == p.FirstContainer {
			_, id, _ = strings.Cut(s.ContainerID, "://")
		}
	}
	if id == "" {
		return nil, fmt.Errorf("no container id for %s", p.FirstContainer)
	}
	ctr, err := n.crictl("inspect", "-o", "json", id)
	if err != nil {
		return nil, err
	}
	cspec, err := runtimeSpec(ctr)
	if err != nil {
		return nil, fmt.Errorf("container %s: %v", id, err)
	}
	info, _ := ctr["info"].(map[string]any)
	sandboxID, _ := info["sandboxID"].(string)
	if sandboxID == "" {
		return nil, fmt.Errorf("container %s: no info.sandboxID", id)
	}
	sb, err := n.crictl("inspectp", "-o", "json", sandboxID)
	if err != nil {
		return nil, err
	}
	sspec, err := runtimeSpec(sb)
	if err != nil {
		return nil, fmt.Errorf("sandbox %s: %v", sandboxID, err)
	}
	img, _ := imageByRef(p.FirstImage)
	bnd, _ := e2eutil.HostCapBnd()
	g := &e2eutil.Golden{Scenario: p.Case.RuncScenario, Image: img.Files, HostCapBnd: bnd}
	g.Node.Config = n.cfg.Name
	g.Node.Containerd = versions["containerd"]
	g.Node.Kubelet = versions["kubelet"]
	g.Node.Unprivileged = n.cfg.Unprivileged
	g.Node.SeccompDefault = n.cfg.SeccompDefault
	g.Manifest.PodSecurityContext = p.PodSC
	g.Manifest.ContainerSecurityContext = p.ContainerSC
	g.Manifest.HostUsers = p.HostUsers
	g.Manifest.HostNetwork = p.HostNetwork
	g.Container = toGoldenSpec(cspec, true)
	g.Sandbox = toGoldenSpec(sspec, false)
	g.Container.Isolated = isolation(cspec, sspec)
	return g, nil
}

func goldenPath(scenario, config string) string {
	return filepath.Join(goldenDir, scenario+"@"+config+".json")
}

// captureGoldens captures, then writes or compares, the goldens of the
// pods that mirror a runc tier scenario.
func captureGoldens(t *testing.T, n *node, res map[string]*podResult) {
	versions := n.runtimeVersions()
	names := make([]string, 0, len(res))
	for name := range res {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r := res[name]
		if r.Prep.Case.RuncScenario == "" || r.Refusal != nil || r.Pod == nil {
			continue
		}
		g, err := capture(n, r, versions)
		if err != nil {
			t.Errorf("%s: capturing the runtime config: %v", r.Prep.Case.File, err)
			continue
		}
		path := goldenPath(g.Scenario, n.cfg.Name)
		b, err := json.MarshalIndent(g, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, '\n')
		if updateGolden() {
			if err := os.MkdirAll(goldenDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", path)
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (run the tier with SECCTX_UPDATE_GOLDEN=1 to capture it)", r.Prep.Case.File, err)
			continue
		}
		if diff := goldenDiff(want, b); diff != "" {
			t.Errorf("%s: the config containerd produced differs from %s (SECCTX_UPDATE_GOLDEN=1 rewrites it):\n%s", r.Prep.Case.File, path, diff)
		}
	}
}

// goldenDiff compares two goldens field by field, ignoring the versions
// and, when the machines differ in what they can grant, the capability sets.
func goldenDiff(wantJSON, gotJSON []byte) string {
	var want, got e2eutil.Golden
	if err := json.Unmarshal(wantJSON, &want); err != nil {
		return "the committed file is not valid: " + err.Error()
	}
	if err := json.Unmarshal(gotJSON, &got); err != nil {
		return err.Error()
	}
	want.Node.Containerd, got.Node.Containerd = "", ""
	want.Node.Kubelet, got.Node.Kubelet = "", ""
	if want.HostCapBnd != got.HostCapBnd {
		want.Container.Capabilities, got.Container.Capabilities = nil, nil
		want.HostCapBnd, got.HostCapBnd = "", ""
	}
	wb, _ := json.MarshalIndent(want, "", "  ")
	gb, _ := json.MarshalIndent(got, "", "  ")
	if bytes.Equal(wb, gb) {
		return ""
	}
	wl, gl := strings.Split(string(wb), "\n"), strings.Split(string(gb), "\n")
	var out []string
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			out = append(out, "line "+strconv.Itoa(i+1)+": committed "+strings.TrimSpace(w)+" | captured "+strings.TrimSpace(g))
		}
	}
	return strings.Join(out, "\n")
}
