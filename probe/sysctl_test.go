package probe

import "testing"

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
		if got := NormalizeSysctlName(tc.in); got != tc.dot {
			t.Errorf("NormalizeSysctlName(%q) = %q; want %q", tc.in, got, tc.dot)
		}
		if got := SysctlPath(tc.in); got != tc.path {
			t.Errorf("SysctlPath(%q) = %q; want %q", tc.in, got, tc.path)
		}
	}
}

func TestNormalizeSysctlValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"1\n", "1"},
		{"0\t2147483647\n", "0 2147483647"},
		{"4096\t87380\t6291456\n", "4096 87380 6291456"},
		{"  32768   60999 ", "32768 60999"},
		{"", ""},
	} {
		if got := NormalizeSysctlValue(tc.in); got != tc.want {
			t.Errorf("NormalizeSysctlValue(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
