package caps

import (
	"encoding/json"
	"testing"
)

func TestContainerdDefaultMask(t *testing.T) {
	t.Parallel()
	// The 14 default capabilities of containerd and moby; the mask is the
	// one runtime-semantics and containerd's own tests give.
	s := MustFromNames("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
		"SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE")
	if got := s.Hex(); got != "00000000a80425fb" {
		t.Fatalf("mask = %s, want 00000000a80425fb", got)
	}
}

func TestValueSpellings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"NET_RAW", 13, true},
		{"CAP_NET_RAW", 13, true},
		{"cap_net_raw", 13, true},
		{"net_raw", 13, true},
		{"CHOWN", 0, true},
		{"CAP_40", 40, true},
		{"NET_RAWW", 0, false},
		{"", 0, false},
		{"ALL", 0, false},
	} {
		got, err := Value(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("Value(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestFullAndHex(t *testing.T) {
	t.Parallel()
	if got := Full(40).Hex(); got != "000001ffffffffff" {
		t.Errorf("Full(40) = %s", got)
	}
	if got := Full(63); got != ^Set(0) {
		t.Errorf("Full(63) = %x", uint64(got))
	}
	s, err := ParseHex("000001fffeffffff")
	if err != nil {
		t.Fatal(err)
	}
	if s.Has(24) || !s.Has(21) || s.Len() != 40 {
		t.Errorf("ParseHex: %s", s)
	}
	if _, err := ParseHex("zz"); err == nil {
		t.Error("ParseHex accepted garbage")
	}
}

func TestNamesAndJSON(t *testing.T) {
	t.Parallel()
	s := MustFromNames("NET_ADMIN", "CHOWN")
	b, _ := json.Marshal(s)
	if string(b) != `["CHOWN","NET_ADMIN"]` {
		t.Errorf("json = %s", b)
	}
	if Set(0).String() != "none" {
		t.Error("empty set string")
	}
	if s.Minus(MustFromNames("CHOWN")) != MustFromNames("NET_ADMIN") {
		t.Error("Minus")
	}
}
