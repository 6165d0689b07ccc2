//go:build linux

package caps

import (
	"testing"

	"kernel.org/pub/linux/libs/security/libcap/cap"
)

// TestTableIsLibcaps holds the table the non-Linux builds use to libcap's,
// which the Linux build uses: the same count of named capabilities, the same
// spelling of every number below 64, and the same answer for every name.
func TestTableIsLibcaps(t *testing.T) {
	t.Parallel()
	if len(kernelNames) != cap.NamedCount {
		t.Errorf("kernelNames has %d names, libcap %d (cap.NamedCount)", len(kernelNames), cap.NamedCount)
	}
	for v := 0; v < 64; v++ {
		if got, want := tableLowerName(v), cap.Value(v).String(); got != want {
			t.Errorf("capability %d: table spells %q, libcap %q", v, got, want)
		}
	}
	names := []string{"cap_bogus", "cap_", "cap_41", "cap_CHOWN", "chown"}
	for _, n := range kernelNames {
		names = append(names, "cap_"+n)
	}
	for _, n := range names {
		got, err := tableFromLowerName(n)
		want, werr := cap.FromName(n)
		if (err == nil) != (werr == nil) || (err == nil && got != int(want)) {
			t.Errorf("%q: table gives %d, %v; libcap %d, %v", n, got, err, want, werr)
		}
	}
}
