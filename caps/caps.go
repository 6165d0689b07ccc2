// Package caps represents Linux capability sets as bitmasks and converts
// between the three spellings in play: Kubernetes names ("NET_ADMIN"),
// libcap names ("cap_net_admin") and /proc/PID/status hex masks.
//
// On Linux, names come from libcap's cap package so that they track the
// kernel's numbering (libcap_linux.go); elsewhere, where the kubectl plugin
// runs, from the kernel's table as of the same libcap release
// (names_other.go), which a Linux test holds equal to libcap's. The size of
// the full set comes from /proc/sys/kernel/cap_last_cap at run time, never
// from a compiled-in constant.
package caps

import (
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"
)

// Set is a capability bitmask as the kernel prints it in /proc/PID/status:
// bit N set means capability N is in the set.
type Set uint64

// Has reports whether capability number v is in s.
func (s Set) Has(v int) bool { return v >= 0 && v < 64 && s&(1<<uint(v)) != 0 }

// Add returns s with capability number v added.
func (s Set) Add(v int) Set { return s | 1<<uint(v) }

// Remove returns s with capability number v removed.
func (s Set) Remove(v int) Set { return s &^ (1 << uint(v)) }

// Minus returns the capabilities in s that are not in o.
func (s Set) Minus(o Set) Set { return s &^ o }

// Len returns the number of capabilities in s.
func (s Set) Len() int { return bits.OnesCount64(uint64(s)) }

// Hex formats s the way /proc/PID/status does (16 hex digits).
func (s Set) Hex() string { return fmt.Sprintf("%016x", uint64(s)) }

// Names lists the capabilities in s in Kubernetes spelling, in bit order.
func (s Set) Names() []string {
	names := make([]string, 0, s.Len())
	for v := 0; v < 64; v++ {
		if s.Has(v) {
			names = append(names, Name(v))
		}
	}
	return names
}

// String renders s as a comma-separated list of Kubernetes names, or "none".
func (s Set) String() string {
	if s == 0 {
		return "none"
	}
	return strings.Join(s.Names(), ",")
}

// MarshalJSON encodes s as a sorted list of Kubernetes names, the form a
// reader compares against the manifest.
func (s Set) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+s.Len()*16)
	b = append(b, '[')
	for v := 0; v < 64; v++ {
		if s.Has(v) {
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, Name(v)...) // names hold only A-Z, 0-9 and _
			b = append(b, '"')
		}
	}
	return append(b, ']'), nil
}

// Full returns the set of every capability up to and including lastCap, the
// value of /proc/sys/kernel/cap_last_cap.
func Full(lastCap int) Set {
	if lastCap >= 63 {
		return ^Set(0)
	}
	if lastCap < 0 {
		return 0
	}
	return Set(1)<<uint(lastCap+1) - 1
}

// ParseHex parses a /proc/PID/status capability mask such as
// "00000000a80425fb".
func ParseHex(s string) (Set, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 16, 64)
	if err != nil {
		return 0, fmt.Errorf("bad capability mask %q", s)
	}
	return Set(v), nil
}

// names caches the spelling of every capability number: a watch loop
// renders sets on every cycle.
var names = func() (n [64]string) {
	for v := range n {
		s := lowerName(v)
		if strings.HasPrefix(s, "cap_") {
			n[v] = strings.ToUpper(strings.TrimPrefix(s, "cap_"))
		} else {
			n[v] = "CAP_" + strconv.Itoa(v)
		}
	}
	return n
}()

// Name returns the Kubernetes spelling of capability number v ("NET_ADMIN").
// Capabilities newer than libcap's table are spelled "CAP_<number>".
func Name(v int) string {
	if v < 0 || v >= len(names) {
		return "CAP_" + strconv.Itoa(v)
	}
	return names[v]
}

// Value converts a capability name in Kubernetes ("NET_ADMIN"), prefixed
// ("CAP_NET_ADMIN") or libcap ("cap_net_admin") spelling to its number.
// libcap's FromName wants the lower-case prefixed form and returns 0
// (cap_chown) on failure, so the name is normalised and the error checked.
func Value(name string) (int, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "cap_")
	if n == "" {
		return 0, fmt.Errorf("empty capability name")
	}
	if num, ok := strings.CutPrefix(strings.ToUpper(name), "CAP_"); ok {
		if v, err := strconv.Atoi(num); err == nil && v >= 0 && v < 64 {
			return v, nil
		}
	}
	v, err := fromLowerName("cap_" + n)
	if err != nil {
		return 0, fmt.Errorf("unknown capability %q", name)
	}
	return int(v), nil
}

// FromNames builds a set from capability names; "ALL" is not accepted here
// because its meaning depends on the runtime (see spec).
func FromNames(names ...string) (Set, error) {
	var s Set
	for _, n := range names {
		v, err := Value(n)
		if err != nil {
			return 0, err
		}
		s = s.Add(v)
	}
	return s, nil
}

// MustFromNames is FromNames for compile-time constant lists.
func MustFromNames(names ...string) Set {
	s, err := FromNames(names...)
	if err != nil {
		panic(err)
	}
	return s
}

// SortedNames returns the given names normalised to Kubernetes spelling and
// sorted, for stable output.
func SortedNames(names []string) []string {
	out := append([]string(nil), names...)
	for i, n := range out {
		out[i] = strings.ToUpper(strings.TrimPrefix(strings.ToLower(n), "cap_"))
	}
	sort.Strings(out)
	return out
}
