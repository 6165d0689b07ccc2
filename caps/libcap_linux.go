//go:build linux

package caps

import "kernel.org/pub/linux/libs/security/libcap/cap"

// lowerName is libcap's spelling of capability number v ("cap_net_admin"),
// or its number for a capability newer than libcap's table.
func lowerName(v int) string { return cap.Value(v).String() }

// fromLowerName is libcap's number of a lower-case prefixed name.
func fromLowerName(name string) (int, error) {
	v, err := cap.FromName(name)
	return int(v), err
}
