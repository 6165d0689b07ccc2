package expect_test

import (
	"testing"

	"github.com/secctx/secctx/expect"
)

// TestProfileProperties: the properties other packages select profiles by
// are consistent within each profile, and the ones that identify a
// profile (kubectl secctx) belong to one profile only.
func TestProfileProperties(t *testing.T) {
	t.Parallel()
	owner := map[string]string{}
	claim := func(p *expect.Profile, what, v string) {
		if v == "" {
			return
		}
		if o, ok := owner[what+"="+v]; ok {
			t.Errorf("%s %q of %s is %s's too", what, v, p.Name, o)
		}
		owner[what+"="+v] = p.Name
	}
	var names []string
	for _, p := range expect.Profiles() {
		names = append(names, p.Name)
		if p.Kubelet != (p.Platform != expect.PlatformKubePlay) {
			t.Errorf("%s: Kubelet %v with platform %d", p.Name, p.Kubelet, p.Platform)
		}
		if p.Platform == expect.PlatformKubelet && p.CRI == "" {
			t.Errorf("%s: a kubelet on one's own node without the name of its CRI", p.Name)
		}
		if (p.StrictGroupsSince == "") != (p.StrictGroupsBefore == "") {
			t.Errorf("%s: StrictGroupsSince %q without StrictGroupsBefore %q, or the reverse", p.Name, p.StrictGroupsSince, p.StrictGroupsBefore)
		}
		claim(p, "container ID scheme", p.ContainerIDScheme)
		claim(p, "pod annotation", p.PodAnnotation)
		claim(p, "virtual node provider", p.VirtualNodeProvider)
	}
	want := expect.ProfileNames()
	if len(names) != len(want) {
		t.Fatalf("Profiles %v, ProfileNames %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("Profiles[%d] = %s, want %s", i, names[i], want[i])
		}
	}
}
