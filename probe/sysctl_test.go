package probe

import (
	"testing"

	"github.com/secctx/secctx/sysctl"
)

func TestSysctlNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, dot, path string
	}{
		{"net.ipv4.ip_forward", "net.ipv4.ip_forward", "sys/net/ipv4/ip_forward"},
		{"net/ipv4/ip_forward", "net.ipv4.ip_forward", "sys/net/ipv4/ip_forward"},
		{"kernel.shm_rmid_forced", "kernel.shm_rmid_forced", "sys/kernel/shm_rmid_forced"},
		// A VLAN interface: the dot in "eth0.100" is a '/' in dot form.
		{"net/ipv4/conf/eth0.100/forwarding", "net.ipv4.conf.eth0/100.forwarding", "sys/net/ipv4/conf/eth0.100/forwarding"},
		{"net.ipv4.conf.eth0/100.forwarding", "net.ipv4.conf.eth0/100.forwarding", "sys/net/ipv4/conf/eth0.100/forwarding"},
		{"kernel", "kernel", "sys/kernel"},
		{"", "", ""},
		{"net..ipv4", "net..ipv4", ""},
		{"net.ipv4.", "net.ipv4.", ""},
		{"../../etc/shadow", "../../etc/shadow", ""},
		{"net/../../etc", "net.//.//.etc", ""},
	} {
		if got := sysctl.NormalizeName(tc.in); got != tc.dot {
			t.Errorf("NormalizeName(%q) = %q; want %q", tc.in, got, tc.dot)
		}
		if got := SysctlPath(tc.in); got != tc.path {
			t.Errorf("SysctlPath(%q) = %q; want %q", tc.in, got, tc.path)
		}
	}
}
