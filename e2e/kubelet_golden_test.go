package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/secctx/secctx/e2e/e2eutil"
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
	bnd, err := e2eutil.HostCapBnd()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var g e2eutil.Golden
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

// samePod checks that the golden's pod and image are the scenario's.
func samePod(sc scenario, g e2eutil.Golden) []string {
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
func compareGolden(rc runtimeConfig, g e2eutil.Golden, compareCaps bool) []string {
	var problems []string
	diff := func(field string, mine, real any) {
		if !reflect.DeepEqual(mine, real) {
			problems = append(problems, fmt.Sprintf("%s: generator %s, containerd %s", field, e2eutil.JSONText(mine), e2eutil.JSONText(real)))
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
			diff("process.capabilities."+set.name, e2eutil.SortedCopy(set.mine), e2eutil.SortedCopy(c.Capabilities[set.name]))
		}
	}
	diff("process.noNewPrivileges", rc.NoNewPrivs, *c.NoNewPrivileges)
	diff("root.readonly", rc.ReadonlyRoot, *c.ReadonlyRoot)
	diff("linux.maskedPaths", e2eutil.SortedCopy(rc.MaskedPaths), e2eutil.SortedCopy(c.MaskedPaths))
	diff("linux.readonlyPaths", e2eutil.SortedCopy(rc.ReadonlyPaths), e2eutil.SortedCopy(c.ReadonlyPaths))
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
