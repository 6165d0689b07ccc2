package probe

import (
	"strconv"
	"strings"

	"github.com/secctx/secctx/caps"
)

// statusItems are the items taken from /proc/PID/status; they all become
// unread when the file itself cannot be read.
var statusItems = [...]Item{ItemStatus, ItemCaps, ItemIDs, ItemGroups, ItemNoNewPrivs, ItemSeccomp}

// readStatus reads /proc/PID/status into st.
func (fs FS) readStatus(pid int, st *Process) {
	b, re := fs.readPid(pid, "status")
	if re != nil {
		for _, it := range statusItems {
			st.Unread.set(it, re)
		}
		return
	}
	parseStatus(st, fs.pidPath(pid, "status"), b)
}

// seen bits for the lines parseStatus requires.
const (
	seenName = 1 << iota
	seenUID
	seenGID
	seenGroups
	seenCapInh
	seenCapPrm
	seenCapEff
	seenCapBnd
	seenCapAmb
	seenNNP
	seenSeccomp
	seenFilters
)

// lineBit maps a status key to the seen bit and the item a repeated line
// spoils: the kernel prints each line once, so a second one means the file
// is not what it claims to be.
var lineBit = map[string]struct {
	bit  int
	item Item
}{
	"Uid": {seenUID, ItemIDs}, "Gid": {seenGID, ItemIDs}, "Groups": {seenGroups, ItemGroups},
	"CapInh": {seenCapInh, ItemCaps}, "CapPrm": {seenCapPrm, ItemCaps}, "CapEff": {seenCapEff, ItemCaps},
	"CapBnd": {seenCapBnd, ItemCaps}, "CapAmb": {seenCapAmb, ItemCaps},
	"NoNewPrivs": {seenNNP, ItemNoNewPrivs}, "Seccomp": {seenSeccomp, ItemSeccomp}, "Seccomp_filters": {seenFilters, ItemSeccomp},
}

// overflowID is (uid_t)-1, which setresuid reads as "unchanged": no process
// can hold it.
const overflowID = 4294967295

// DetailZombie is the Detail of the status of a process that has exited
// and not yet been reaped: its /proc entry is a remnant, not a process.
const DetailZombie = "process gone (exited, not yet reaped)"

// parseStatus fills st from the text of a status file read from path. Each
// item that is missing or malformed is recorded in st.Unread and left zero.
func parseStatus(st *Process, path, data string) {
	var (
		seen    int
		bad     = map[Item]*ReadError{}
		zombie  bool
		threads = 1
	)
	fail := func(item Item, detail string) {
		if bad[item] == nil {
			bad[item] = malformed(path, detail)
		}
	}
	for len(data) > 0 {
		var line string
		line, data, _ = strings.Cut(data, "\n")
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if lb, known := lineBit[key]; known && seen&lb.bit != 0 {
			fail(lb.item, "duplicate "+key+" line")
		}
		switch key {
		case "Name":
			seen |= seenName
			// The kernel prints "Name:\t<comm>"; keep spaces inside comm.
			st.Comm = strings.TrimPrefix(val, "\t")
		case "State":
			// "Z (zombie)" or "X (dead)": the process has exited. With
			// more than one thread the group leader alone has (its
			// threads live on), which the Threads line tells.
			if state := strings.TrimSpace(val); strings.HasPrefix(state, "Z") || strings.HasPrefix(state, "X") {
				zombie = true
			}
		case "Threads":
			if v, err := strconv.Atoi(strings.TrimSpace(val)); err == nil {
				threads = v
			}
		case "Pid":
			if st.PID == 0 {
				// pid 0 means "self": report the pid the kernel gives.
				if v, err := strconv.Atoi(strings.TrimSpace(val)); err == nil {
					st.PID = v
				}
			}
		case "Uid", "Gid":
			ids, ok := parseIDs(val)
			if !ok {
				fail(ItemIDs, "bad "+key+" line "+strconv.Quote(line))
			} else if ids.Real == overflowID || ids.Effective == overflowID || ids.Saved == overflowID || ids.FS == overflowID {
				fail(ItemIDs, key+" line holds 4294967295, the (id_t)-1 no process can hold")
			}
			if key == "Uid" {
				seen |= seenUID
				st.UID = ids
			} else {
				seen |= seenGID
				st.GID = ids
			}
		case "Groups":
			seen |= seenGroups
			g, ok := parseGroups(val)
			if !ok {
				fail(ItemGroups, "bad Groups line "+strconv.Quote(line))
			}
			st.Groups = g
		case "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb":
			set, err := caps.ParseHex(val)
			if err != nil {
				fail(ItemCaps, key+": "+err.Error())
			}
			switch key {
			case "CapInh":
				seen |= seenCapInh
				st.Caps.Inheritable = set
			case "CapPrm":
				seen |= seenCapPrm
				st.Caps.Permitted = set
			case "CapEff":
				seen |= seenCapEff
				st.Caps.Effective = set
			case "CapBnd":
				seen |= seenCapBnd
				st.Caps.Bounding = set
			case "CapAmb":
				seen |= seenCapAmb
				st.Caps.Ambient = set
			}
		case "NoNewPrivs":
			seen |= seenNNP
			v, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil || v < 0 || v > 1 {
				fail(ItemNoNewPrivs, "bad NoNewPrivs line "+strconv.Quote(line))
			}
			st.NoNewPrivs = v == 1
		case "Seccomp":
			seen |= seenSeccomp
			v, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil || v < 0 || v > 2 {
				fail(ItemSeccomp, "bad Seccomp line "+strconv.Quote(line))
			}
			st.Seccomp = v
		case "Seccomp_filters":
			// Kernels before 5.9 omit this line; the mode alone still
			// answers the check, so its absence is not an error.
			seen |= seenFilters
			v, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil || v < 0 {
				fail(ItemSeccomp, "bad Seccomp_filters line "+strconv.Quote(line))
			}
			st.SeccompFilters = v
		}
	}

	if zombie && threads <= 1 {
		re := &ReadError{Path: path, Reason: ReasonAbsent, Detail: DetailZombie}
		for _, it := range statusItems {
			bad[it] = re
		}
	}
	if seen&(seenName|seenUID|seenGID) == 0 {
		// Nothing recognisable: not a status file.
		re := malformed(path, "no Name, Uid or Gid line")
		for _, it := range statusItems {
			bad[it] = re
		}
	}
	missing := func(bit int, item Item, reason, detail string) {
		if seen&bit == 0 && bad[item] == nil {
			bad[item] = &ReadError{Path: path, Reason: reason, Detail: detail}
		}
	}
	missing(seenUID, ItemIDs, ReasonMalformed, "no Uid line")
	missing(seenGID, ItemIDs, ReasonMalformed, "no Gid line")
	missing(seenGroups, ItemGroups, ReasonMalformed, "no Groups line")
	missing(seenCapInh, ItemCaps, ReasonMalformed, "no CapInh line")
	missing(seenCapPrm, ItemCaps, ReasonMalformed, "no CapPrm line")
	missing(seenCapEff, ItemCaps, ReasonMalformed, "no CapEff line")
	missing(seenCapBnd, ItemCaps, ReasonNotSupported, "kernel < 2.6.26 prints no CapBnd")
	// An ambient set assumed empty could hide a granted capability.
	missing(seenCapAmb, ItemCaps, ReasonNotSupported, "kernel < 4.3 prints no CapAmb; ambient set unknown")
	missing(seenNNP, ItemNoNewPrivs, ReasonNotSupported, "kernel < 4.10 prints no NoNewPrivs")
	missing(seenSeccomp, ItemSeccomp, ReasonNotSupported, "kernel without CONFIG_SECCOMP prints no Seccomp")

	impossible(st, seen, path, fail)

	// Keep the promise of Unread: an unread item has a zero value.
	for item, re := range bad {
		st.Unread.set(item, re)
		switch item {
		case ItemCaps:
			st.Caps = Capabilities{}
		case ItemIDs:
			st.UID, st.GID = IDs{}, IDs{}
		case ItemGroups:
			st.Groups = nil
		case ItemNoNewPrivs:
			st.NoNewPrivs = false
		case ItemSeccomp:
			st.Seccomp, st.SeccompFilters = 0, 0
		}
	}
}

// impossible records, as malformed, values the kernel cannot print
// together: they come from something that is not a live status file, and
// are never compared.
func impossible(st *Process, seen int, path string, fail func(Item, string)) {
	c := st.Caps
	const allCaps = seenCapInh | seenCapPrm | seenCapEff
	if seen&allCaps == allCaps && c.Effective.Minus(c.Permitted) != 0 {
		// capset(2) and execve keep the effective set within the
		// permitted one.
		fail(ItemCaps, "CapEff holds "+c.Effective.Minus(c.Permitted).String()+" outside CapPrm")
	}
	if seen&(allCaps|seenCapAmb) == allCaps|seenCapAmb {
		// The ambient set is kept within permitted and inheritable.
		if extra := c.Ambient.Minus(c.Permitted & c.Inheritable); extra != 0 {
			fail(ItemCaps, "CapAmb holds "+extra.String()+" outside CapPrm and CapInh")
		}
	}
	if seen&seenSeccomp != 0 && seen&seenFilters != 0 {
		switch {
		case st.Seccomp == 2 && st.SeccompFilters == 0:
			fail(ItemSeccomp, "Seccomp 2 (filter) with no filter attached")
		case st.Seccomp != 2 && st.SeccompFilters > 0:
			fail(ItemSeccomp, "Seccomp "+strconv.Itoa(st.Seccomp)+" with "+strconv.Itoa(st.SeccompFilters)+" filters attached")
		}
	}
}

// nextField splits off the first space- or tab-separated field of s.
// It allocates nothing, unlike strings.Fields.
func nextField(s string) (field, rest string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != '\t' {
		j++
	}
	return s[i:j], s[j:]
}

// parseIDs parses the four ids of a Uid or Gid line.
func parseIDs(s string) (IDs, bool) {
	var v [4]int64
	for i := range v {
		var f string
		f, s = nextField(s)
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return IDs{}, false
		}
		v[i] = int64(n)
	}
	if f, _ := nextField(s); f != "" {
		return IDs{}, false
	}
	return IDs{Real: v[0], Effective: v[1], Saved: v[2], FS: v[3]}, true
}

// parseGroups parses the Groups line, which is blank (or one space) for a
// process without supplementary groups. The result is never nil on success
// so that "no groups" and "unknown" stay distinct.
func parseGroups(s string) ([]int64, bool) {
	n := 0
	for rest := s; ; n++ {
		var f string
		if f, rest = nextField(rest); f == "" {
			break
		}
	}
	out := make([]int64, 0, n)
	for {
		var f string
		if f, s = nextField(s); f == "" {
			return out, true
		}
		g, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return nil, false
		}
		out = append(out, int64(g))
	}
}

// readLastCap reads /proc/sys/kernel/cap_last_cap into st.LastCap.
func (fs FS) readLastCap(st *Pod) {
	const rel = "sys/kernel/cap_last_cap"
	b, re := fs.readSys(rel)
	if re != nil {
		st.Unread.set(ItemLastCap, re)
		return
	}
	v, err := strconv.Atoi(strings.TrimSpace(b))
	if err != nil {
		st.Unread.set(ItemLastCap, malformed(fs.sysPath(rel), "bad value "+strconv.Quote(b)))
		return
	}
	if v < MinLastCap || v > MaxLastCap {
		st.Unread.set(ItemLastCap, malformed(fs.sysPath(rel), "impossible value "+strconv.Itoa(v)+
			" (a kernel that has this file knows capabilities "+strconv.Itoa(MinLastCap)+" to "+strconv.Itoa(MaxLastCap)+")"))
		return
	}
	st.LastCap = v
}

// The range of cap_last_cap: the file appeared in Linux 3.2, which knew
// CAP_WAKE_ALARM (35), and the status masks hold 64 bits.
const (
	MinLastCap = 35
	MaxLastCap = 63
)

// CheckConsistency records, as malformed, what the parts of the state of
// pid contradict: a capability mask with a bit beyond cap_last_cap cannot
// come from the kernel that printed cap_last_cap. Call it once the parts
// are assembled.
func (fs FS) CheckConsistency(pid int, s *State) {
	if s.Pod.Unread[ItemLastCap] != nil || s.Process.Unread[ItemCaps] != nil || s.Pod.LastCap == 0 {
		return
	}
	c := s.Caps
	all := c.Inheritable | c.Permitted | c.Effective | c.Bounding | c.Ambient
	if beyond := all.Minus(caps.Full(s.Pod.LastCap)); beyond != 0 {
		first := 0
		for !beyond.Has(first) {
			first++
		}
		s.Process.Unread.set(ItemCaps, malformed(fs.pidPath(pid, "status"),
			"a capability mask holds bit "+strconv.Itoa(first)+", beyond cap_last_cap "+strconv.Itoa(s.Pod.LastCap)))
		s.Caps = Capabilities{}
	}
}
