// Package userdb parses a container image's /etc/passwd and /etc/group.
package userdb

import (
	"iter"
	"strconv"
	"strings"
)

// Account is a passwd entry of the container image.
type Account struct {
	Name string `json:"name"`
	UID  int64  `json:"uid"`
	GID  int64  `json:"gid"`
}

// GroupEntry is a /etc/group entry of the container image.
type GroupEntry struct {
	Name    string   `json:"name"`
	GID     int64    `json:"gid"`
	Members []string `json:"members,omitempty"`
}

// ParsePasswd parses /etc/passwd text ("name:x:uid:gid:gecos:home:shell").
// Blank, comment, NIS ("+"/"-") and malformed lines are skipped: a broken
// line in an image does not make the others unusable.
func ParsePasswd(s string) []Account {
	var out []Account
	for line := range entryLines(s) {
		name, rest, _ := strings.Cut(line, ":")
		_, rest, _ = strings.Cut(rest, ":") // password
		uidS, rest, ok1 := strings.Cut(rest, ":")
		gidS, _, _ := strings.Cut(rest, ":")
		uid, err1 := strconv.ParseUint(uidS, 10, 32)
		gid, err2 := strconv.ParseUint(gidS, 10, 32)
		if name == "" || !ok1 || err1 != nil || err2 != nil {
			continue
		}
		out = append(out, Account{Name: name, UID: int64(uid), GID: int64(gid)})
	}
	return out
}

// ParseGroup parses /etc/group text ("name:x:gid:member,member"), skipping
// lines the way ParsePasswd does.
func ParseGroup(s string) []GroupEntry {
	var out []GroupEntry
	for line := range entryLines(s) {
		name, rest, _ := strings.Cut(line, ":")
		_, rest, ok := strings.Cut(rest, ":") // password
		gidS, members, _ := strings.Cut(rest, ":")
		gid, err := strconv.ParseUint(gidS, 10, 32)
		if name == "" || !ok || err != nil {
			continue
		}
		g := GroupEntry{Name: name, GID: int64(gid)}
		for members != "" {
			var m string
			m, members, _ = strings.Cut(members, ",")
			if m = strings.TrimSpace(m); m != "" {
				g.Members = append(g.Members, m)
			}
		}
		out = append(out, g)
	}
	return out
}

// entryLines yields the lines of passwd or group text that can carry an
// entry: blank, comment and NIS ("+"/"-") lines are left out.
func entryLines(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for line := range strings.Lines(s) {
			line = strings.TrimSuffix(line, "\n")
			t := strings.TrimSpace(line)
			if t == "" || t[0] == '#' || t[0] == '+' || t[0] == '-' {
				continue
			}
			if !yield(line) {
				return
			}
		}
	}
}

// LookupUID returns the first account with the given uid, as getpwuid does.
func LookupUID(accts []Account, uid int64) (Account, bool) {
	for _, a := range accts {
		if a.UID == uid {
			return a, true
		}
	}
	return Account{}, false
}
