package sysctl

import "testing"

func TestNormalizeValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"1\n", "1"},
		{"0\t2147483647\n", "0 2147483647"},
		{"4096\t87380\t6291456\n", "4096 87380 6291456"},
		{"  32768   60999 ", "32768 60999"},
		{"", ""},
	} {
		if got := NormalizeValue(tc.in); got != tc.want {
			t.Errorf("NormalizeValue(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
