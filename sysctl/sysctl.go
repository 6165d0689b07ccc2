// Package sysctl holds the two spellings rules of sysctls that the declared
// side (manifest, expect) and the observed side (probe) must share, so that
// a declared sysctl and the value read from /proc/sys compare as the same.
package sysctl

import "strings"

// NormalizeName returns the dot form of a sysctl name. Kubernetes accepts
// "net.ipv4.conf.eth0/100.forwarding" and "net/ipv4/conf/eth0.100/forwarding"
// alike: when the first separator is a '/', the name is in slash form and
// every '.' and '/' swap places.
func NormalizeName(name string) string {
	i := strings.IndexAny(name, "./")
	if i < 0 || name[i] == '.' {
		return name
	}
	b := []byte(name)
	for j, c := range b {
		switch c {
		case '.':
			b[j] = '/'
		case '/':
			b[j] = '.'
		}
	}
	return string(b)
}

// NormalizeValue collapses the whitespace of a sysctl value to single
// spaces: multi-value sysctls such as net.ipv4.ping_group_range print their
// fields tab-separated, while a manifest spells them with spaces.
func NormalizeValue(v string) string {
	return strings.Join(strings.Fields(v), " ")
}
