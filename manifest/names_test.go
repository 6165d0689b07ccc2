package manifest

import (
	"regexp"
	"strings"
	"testing"
)

// The hand-written name matchers against the regular expressions of the
// Kubernetes validation they follow.
var (
	dns1123LabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	sysctlNameRE   = regexp.MustCompile(`^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`)
)

// nameCases are names on and around every edge of the two syntaxes.
var nameCases = []string{
	"", "a", "0", "-", "_", ".", "/", "a-", "-a", "a_b", "a-b", "a--b", "A", "aB", "a.b", "a/b", "a..b", "a./b",
	".a", "a.", "a/", "/a", "net.ipv4.ip_forward", "net/ipv4/conf/eth0.100/forwarding", "kernel.shm_rmid_forced",
	"net.ipv4.-a", "net.ipv4.a-", "net.ipv4._a", "app", "sec-ctx-demo", "web1", "1web", "wéb", "a b", "a\n",
	strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 62) + "-", strings.Repeat("a.", 126) + "a",
	strings.Repeat("a.", 127) + "a",
}

func TestNameMatchers(t *testing.T) {
	t.Parallel()
	for _, n := range nameCases {
		if got, want := dns1123Label(n), dns1123LabelRE.MatchString(n); got != want {
			t.Errorf("dns1123Label(%q) = %v, the expression says %v", n, got, want)
		}
		if got, want := ValidSysctlName(n), len(n) <= 253 && sysctlNameRE.MatchString(n); got != want {
			t.Errorf("ValidSysctlName(%q) = %v, the expression says %v", n, got, want)
		}
	}
}

func FuzzNameMatchers(f *testing.F) {
	for _, n := range nameCases {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n string) {
		if got, want := dns1123Label(n), dns1123LabelRE.MatchString(n); got != want {
			t.Errorf("dns1123Label(%q) = %v, the expression says %v", n, got, want)
		}
		if got, want := ValidSysctlName(n), len(n) <= 253 && sysctlNameRE.MatchString(n); got != want {
			t.Errorf("ValidSysctlName(%q) = %v, the expression says %v", n, got, want)
		}
	})
}
