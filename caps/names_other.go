//go:build !linux

package caps

// lowerName is the kernel's spelling of capability number v
// ("cap_net_admin"), as libcap spells it (table.go).
func lowerName(v int) string { return tableLowerName(v) }

// fromLowerName is the number of a lower-case prefixed name (table.go).
func fromLowerName(name string) (int, error) { return tableFromLowerName(name) }
