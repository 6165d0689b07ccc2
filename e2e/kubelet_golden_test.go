package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// The kubelet tier (e2e/kubelet) runs the same pods as some of these
// scenarios under a real kubelet and containerd, captures the OCI config
// containerd really produced and keeps its security-relevant fields in
// testdata/kubelet-golden (one file per scenario and node configuration).
// TestKubeletGoldens holds containerdConfig, this suite's hand-written
// statement of that translation, to those files: any difference means the
// runc tier tests secctx against a config the real stack does not produce.
// The files are written only by the kubelet tier (SECCTX_UPDATE_GOLDEN=1);
// this test needs neither root nor runc.

// kubeletGolden is the part of a golden file this test reads.
type kubeletGolden struct {
	Scenario string `json:"scenario"`
	Node     struct {
		Config         string `json:"config"`
		Containerd     string `json:"containerd"`
		Unprivileged   bool   `json:"unprivileged"`
		SeccompDefault bool   `json:"seccompDefault"`
	} `json:"node"`
	Manifest struct {
		PodSecurityContext       any `json:"podSecurityContext"`
		ContainerSecurityContext any `json:"containerSecurityContext"`
		HostUsers                any `json:"hostUsers"`
		HostNetwork              any `json:"hostNetwork"`
	} `json:"manifest"`
	Image struct {
		Passwd string `json:"passwd"`
		Group  string `json:"group"`
	} `json:"image"`
	HostCapBnd string            `json:"hostCapBnd"`
	Container  kubeletGoldenSpec `json:"container"`
	Sandbox    kubeletGoldenSpec `json:"sandbox"`
}

type kubeletGoldenSpec struct {
	UID             *uint32             `json:"uid"`
	GID             *uint32             `json:"gid"`
	AdditionalGids  []uint32            `json:"additionalGids"`
	Capabilities    map[string][]string `json:"capabilities"`
	NoNewPrivileges *bool               `json:"noNewPrivileges"`
	ReadonlyRoot    *bool               `json:"readonlyRoot"`
	MaskedPaths     []string            `json:"maskedPaths"`
	ReadonlyPaths   []string            `json:"readonlyPaths"`
	Sysctl          map[string]string   `json:"sysctl"`
	Seccomp         bool                `json:"seccomp"`
	Isolated        map[string]bool     `json:"isolated"`
	UIDMappings     []struct {
		ContainerID uint32 `json:"containerID"`
		Size        uint32 `json:"size"`
	} `json:"uidMappings"`
}

func TestKubeletGoldens(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "kubelet-golden", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files in testdata/kubelet-golden (the kubelet tier writes them: SECCTX_UPDATE_GOLDEN=1 go test ./e2e/kubelet)")
	}
	h, err := readHostInfo()
	if err != nil {
		t.Fatal(err)
	}
	bnd := capBnd(t)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var g kubeletGolden
			if err := json.Unmarshal(b, &g); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			n := nodeConf{Unprivileged: g.Node.Unprivileged, SeccompDefault: g.Node.SeccompDefault}
			sc := scenarioByName(t, g.Scenario)
			if problems := samePod(sc, g); len(problems) > 0 {
				t.Fatalf("the golden was captured for another pod or image than scenario %s:\n  %s", sc.name, strings.Join(problems, "\n  "))
			}
			rc := containerdConfigOn(sc.pod, sc.image, h, n)
			problems := compareGolden(rc, g, bnd == g.HostCapBnd)
			if bnd != g.HostCapBnd {
				t.Logf("capability sets not compared: captured on a machine with CapBnd %s, this one has %s", g.HostCapBnd, bnd)
			}
			if len(problems) > 0 {
				t.Errorf("containerdConfig(%s) differs from what containerd %s produced (%s):\n  %s",
					sc.name, g.Node.Containerd, file, strings.Join(problems, "\n  "))
			}
		})
	}
}

// capBnd is this machine's bounding set as /proc/self/status shows it.
func capBnd(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("no CapBnd line in /proc/self/status")
	return ""
}

// samePod checks that the golden's pod and image are the scenario's.
func samePod(sc scenario, g kubeletGolden) []string {
	obj := sc.pod.object()
	spec := obj["spec"].(map[string]any)
	ctr := spec["containers"].([]any)[0].(map[string]any)
	var problems []string
	for _, c := range []struct {
		what      string
		mine, got any
	}{
		{"pod securityContext", spec["securityContext"], g.Manifest.PodSecurityContext},
		{"container securityContext", ctr["securityContext"], g.Manifest.ContainerSecurityContext},
		{"hostUsers", spec["hostUsers"], g.Manifest.HostUsers},
		{"hostNetwork", spec["hostNetwork"], g.Manifest.HostNetwork},
	} {
		if m, o := normJSON(c.mine), normJSON(c.got); m != o {
			problems = append(problems, fmt.Sprintf("%s: scenario %s, golden %s", c.what, m, o))
		}
	}
	if g.Image.Passwd != sc.image.Passwd || g.Image.Group != sc.image.Group {
		problems = append(problems, "the image's /etc/passwd or /etc/group differ")
	}
	return problems
}

// normJSON renders v as JSON; null and false are the same (an unset flag).
func normJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var x any
	_ = json.Unmarshal(b, &x)
	if x == nil || x == false {
		return "null"
	}
	b, _ = json.Marshal(x)
	return string(b)
}

// compareGolden lists every security-relevant field where the generator
// and the captured config disagree.
func compareGolden(rc runtimeConfig, g kubeletGolden, compareCaps bool) []string {
	var problems []string
	diff := func(field string, mine, real any) {
		if !reflect.DeepEqual(mine, real) {
			problems = append(problems, fmt.Sprintf("%s: generator %s, containerd %s", field, jsonString(mine), jsonString(real)))
		}
	}
	c := g.Container
	if c.UID == nil || c.GID == nil || c.NoNewPrivileges == nil || c.ReadonlyRoot == nil {
		return []string{"the golden's container holds no process (uid, gid, noNewPrivileges, readonlyRoot)"}
	}
	diff("process.user.uid", rc.UID, *c.UID)
	diff("process.user.gid", rc.GID, *c.GID)
	diff("process.user.additionalGids", nonNil(rc.AdditionalGids), nonNil(c.AdditionalGids))
	if compareCaps {
		for _, set := range []struct {
			name string
			mine []string
		}{
			{"bounding", rc.Bounding}, {"effective", rc.Effective}, {"permitted", rc.Permitted},
			{"inheritable", rc.Inheritable}, {"ambient", rc.Ambient},
		} {
			diff("process.capabilities."+set.name, sortedStrings(set.mine), sortedStrings(c.Capabilities[set.name]))
		}
	}
	diff("process.noNewPrivileges", rc.NoNewPrivs, *c.NoNewPrivileges)
	diff("root.readonly", rc.ReadonlyRoot, *c.ReadonlyRoot)
	diff("linux.maskedPaths", sortedStrings(rc.MaskedPaths), sortedStrings(c.MaskedPaths))
	diff("linux.readonlyPaths", sortedStrings(rc.ReadonlyPaths), sortedStrings(c.ReadonlyPaths))
	// containerd sets the pod's sysctls on the sandbox, whose network and
	// IPC namespaces the container joins; the runc tier sets them on the
	// container itself.
	real := map[string]string{}
	for k, v := range g.Sandbox.Sysctl {
		real[k] = v
	}
	for k, v := range c.Sysctl {
		real[k] = v
	}
	diff("linux.sysctl (sandbox and container)", nonNilMap(rc.Sysctls), real)
	diff("linux.seccomp present", rc.Seccomp, c.Seccomp)
	// Which namespaces are not the host's: applyRuntime creates pid, ipc
	// and mount, network and uts unless hostNetwork, user for hostUsers
	// false.
	mine := map[string]bool{}
	for t := range c.Isolated {
		mine[t] = false
	}
	for _, t := range []string{"pid", "ipc", "mount"} {
		mine[t] = true
	}
	mine["network"] = !rc.HostNetwork
	mine["uts"] = !rc.HostNetwork
	mine["user"] = rc.UserNS
	if len(c.Isolated) == 0 {
		problems = append(problems, "the golden records no namespace isolation")
	} else {
		diff("namespaces other than the host's", mine, c.Isolated)
	}
	if rc.UserNS {
		var sizes []uint32
		for _, m := range c.UIDMappings {
			if m.ContainerID == 0 {
				sizes = append(sizes, m.Size)
			}
		}
		diff("linux.uidMappings from container id 0, size", []uint32{usernsSize}, sizes)
	}
	return problems
}

func sortedStrings(ss []string) []string {
	out := append([]string{}, ss...)
	sort.Strings(out)
	return out
}

func nonNil(gs []uint32) []uint32 {
	if gs == nil {
		return []uint32{}
	}
	return gs
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
