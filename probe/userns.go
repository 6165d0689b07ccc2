package probe

import (
	"strconv"
	"strings"
)

// readIDMap reads /proc/PID/uid_map or gid_map (rel); on failure it records
// item in st.Unread and returns nil.
func (fs FS) readIDMap(pid int, rel string, item Item, st *Container) IDMap {
	b, re := fs.readPid(pid, rel)
	if re != nil {
		st.Unread.set(item, re)
		return nil
	}
	m, err := ParseIDMap(b)
	if err != nil {
		st.Unread.set(item, malformed(fs.pidPath(pid, rel), err.Error()))
		return nil
	}
	return m
}

// ParseIDMap parses the text of a uid_map or gid_map file: one
// "inside outside length" triple per line, separated by blanks. A map not
// yet written (empty file) gives an empty, non-nil IDMap.
func ParseIDMap(s string) (IDMap, error) {
	m := make(IDMap, 0, strings.Count(s, "\n")+1)
	for n := 1; s != ""; n++ {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		var v [3]int64
		rest := line
		for i := range v {
			var f string
			f, rest = nextField(rest)
			u, err := strconv.ParseUint(f, 10, 32)
			if err != nil {
				return nil, &lineError{n: n, line: line}
			}
			v[i] = int64(u)
		}
		if f, _ := nextField(rest); f != "" {
			return nil, &lineError{n: n, line: line}
		}
		m = append(m, IDMapEntry{Inside: v[0], Outside: v[1], Length: v[2]})
	}
	return m, nil
}

// lineError reports a line that could not be parsed.
type lineError struct {
	n    int
	line string
}

func (e *lineError) Error() string {
	return "line " + strconv.Itoa(e.n) + ": cannot parse " + strconv.Quote(e.line)
}
