package probe

import (
	"slices"
	"strconv"
	"strings"

	"github.com/secctx/secctx/caps"
)

// Status read bounds. The kernel lets a process hold NGROUPS_MAX (65,536)
// supplementary groups, and its status file prints them on one Groups
// line of up to 65,536 × 11 bytes (a gid of up to 10 digits and a
// space): 720,904 bytes with the key. A line is taken up to MaxStatusLine
// bytes and the file up to MaxStatusRead; the items of the lines a bound
// cuts are unread with the reason, and every other line is still read.
const (
	MaxStatusLine = 768 << 10
	MaxStatusRead = 1 << 20
)

// readStatus reads /proc/PID/status into st.
func (fs FS) readStatus(pid int, st *Process) {
	path := fs.pidPath(pid, "status")
	b, more, err := readBounded(path, MaxStatusRead, true)
	if err != nil {
		re := classify(path, err)
		fs.markGone(pid, re)
		for _, it := range statusItems {
			st.Unread.set(it, re)
		}
		return
	}
	parseStatusCut(st, path, b, more)
}

// The tables parseStatus derives from statusTable: statusIndex maps a key
// to its index, which is also its seen bit; statusItems are the items
// taken from the status file, which all become unread when the file
// itself cannot be read; identifying has the bits of the lines of which a
// status file has at least one, and notStatus says they are missing.
var (
	statusIndex = map[string]int{}
	statusItems = []Item{ItemStatus}
	identifying uint64
	notStatus   string
)

func init() {
	var keys []string
	for i, l := range statusTable {
		statusIndex[l.key] = i
		if l.item != "" && !slices.Contains(statusItems, l.item) {
			statusItems = append(statusItems, l.item)
		}
		if l.identifies {
			identifying |= 1 << i
			keys = append(keys, l.key)
		}
	}
	if len(statusItems) > maxStatusItems || len(statusTable) > 64 {
		panic("probe: more status items than maxStatusItems, or more lines than seen bits")
	}
	for _, it := range statusItems {
		itemParts[it] = itemPart{PartProcess, func(s *State) { clearStatusItem(&s.Process, it) }}
	}
	last := len(keys) - 1
	notStatus = "no " + strings.Join(keys[:last], ", ") + " or " + keys[last] + " line"
}

// seenBit is the bit of the line key in statusParse.seen.
func seenBit(key string) uint64 { return 1 << statusIndex[key] }

// overflowID is (uid_t)-1, which setresuid reads as "unchanged": no process
// can hold it.
const overflowID = 4294967295

// DetailZombie is the Detail of the status of a process that has exited
// and not yet been reaped: its /proc entry is a remnant, not a process.
const DetailZombie = "process gone (exited, not yet reaped)"

// statusParse is the state of parseStatus along a status file.
type statusParse struct {
	// st is filled in place of the caller's Process, which is copied in
	// and out: the parsers are called through the table, and what they
	// are handed escapes.
	st   Process
	path string
	seen uint64 // a bit per line of statusTable
	// bad holds why each item of statusItems is unread, by its index.
	bad     [maxStatusItems]*ReadError
	zombie  bool
	threads int
	line    string // the line being parsed, for the messages
}

// maxStatusItems bounds the number of statusItems.
const maxStatusItems = 8

// statusItemIndex returns the index of item in statusItems, or -1.
func statusItemIndex(item Item) int {
	for k, it := range statusItems {
		if it == item {
			return k
		}
	}
	return -1
}

// fail records the first reason item is unread: detail, as malformed.
func (p *statusParse) fail(item Item, detail string) {
	if k := statusItemIndex(item); k >= 0 && p.bad[k] == nil {
		p.bad[k] = malformed(p.path, detail)
	}
}

// parseLine takes one line of the file; cut, when not empty, says which
// bound cut the line, which is then not parsed: its item is unread.
func (p *statusParse) parseLine(line, cut string) {
	key, val, ok := strings.Cut(line, ":")
	if !ok {
		return
	}
	i, known := statusIndex[key]
	if !known {
		return
	}
	l := &statusTable[i]
	if p.seen&(1<<i) != 0 && l.item != "" {
		// The kernel prints each line once: a second one means the file
		// is not what it claims to be.
		p.fail(l.item, "duplicate "+key+" line")
	}
	p.seen |= 1 << i
	if cut != "" {
		if k := statusItemIndex(l.item); k >= 0 && p.bad[k] == nil {
			p.bad[k] = &ReadError{Path: p.path, Reason: ReasonUnreadable, Detail: key + " line " + cut}
		}
		return
	}
	p.line = line
	if detail := l.parse(p, val); detail != "" && l.item != "" {
		p.fail(l.item, detail)
	}
}

// parseStatus fills st from the text of a status file read from path. Each
// item that is missing or malformed is recorded in st.Unread and left zero.
func parseStatus(st *Process, path, data string) { parseStatusCut(st, path, data, false) }

// parseStatusCut is parseStatus of the first MaxStatusRead bytes of a
// file that holds more when cut is true: the last line is cut, and the
// items of the lines not seen by then are unread, as too large.
func parseStatusCut(st *Process, path, data string, cut bool) {
	p := &statusParse{st: *st, path: path, threads: 1}
	for len(data) > 0 {
		line, rest, ended := strings.Cut(data, "\n")
		data = rest
		switch {
		case cut && !ended:
			p.parseLine(line, "cut at the file's "+strconv.Itoa(MaxStatusRead)+"-byte limit")
		case len(line) > MaxStatusLine:
			p.parseLine(line, "over the "+strconv.Itoa(MaxStatusLine)+"-byte limit")
		default:
			p.parseLine(line, "")
		}
	}
	if cut {
		re := &ReadError{Path: path, Reason: ReasonUnreadable, Detail: errTooLarge(MaxStatusRead).Error()}
		if p.seen&identifying == 0 {
			// Nothing recognisable within the bound.
			for k := range statusItems {
				p.bad[k] = re
			}
		}
		for i, l := range statusTable {
			if k := statusItemIndex(l.item); k >= 0 && p.seen&(1<<i) == 0 && p.bad[k] == nil {
				p.bad[k] = &ReadError{Path: path, Reason: ReasonUnreadable, Detail: re.Detail + ", before its " + l.key + " line"}
			}
		}
	}
	p.finish()
	*st = p.st
}

// finish records what the lines taken leave unread, and zeroes it.
func (p *statusParse) finish() {
	whole := func(re *ReadError) {
		for k := range statusItems {
			p.bad[k] = re
		}
	}
	if p.zombie && p.threads <= 1 {
		whole(&ReadError{Path: p.path, Reason: ReasonAbsent, Detail: DetailZombie})
	}
	if p.seen&identifying == 0 && p.bad[0] == nil {
		// Nothing recognisable: not a status file.
		whole(malformed(p.path, notStatus))
	}
	for i, l := range statusTable {
		if k := statusItemIndex(l.item); p.seen&(1<<i) == 0 && l.reason != "" && p.bad[k] == nil {
			p.bad[k] = &ReadError{Path: p.path, Reason: l.reason, Detail: l.detail}
		}
	}
	impossible(&p.st, p.seen, p.path, p.fail)
	// Keep the promise of Unread: an unread item has a zero value.
	for k, re := range p.bad[:len(statusItems)] {
		if re != nil {
			p.st.Unread.set(statusItems[k], re)
			clearStatusItem(&p.st, statusItems[k])
		}
	}
}

// clearStatusItem zeroes what the lines of a status item fill; for
// ItemStatus, the whole file, what every line fills.
func clearStatusItem(st *Process, item Item) {
	for _, l := range statusTable {
		if l.item != "" && (l.item == item || item == ItemStatus) {
			l.clear(st)
		}
	}
}

// impossible records, as malformed, values the kernel cannot print
// together: they come from something that is not a live status file, and
// are never compared.
func impossible(st *Process, seen uint64, path string, fail func(Item, string)) {
	has := func(keys ...string) bool {
		for _, k := range keys {
			if seen&seenBit(k) == 0 {
				return false
			}
		}
		return true
	}
	c := st.Caps
	if has("CapInh", "CapPrm", "CapEff") && c.Effective.Minus(c.Permitted) != 0 {
		// capset(2) and execve keep the effective set within the
		// permitted one.
		fail(ItemCaps, "CapEff holds "+c.Effective.Minus(c.Permitted).String()+" outside CapPrm")
	}
	if has("CapInh", "CapPrm", "CapEff", "CapAmb") {
		// The ambient set is kept within permitted and inheritable.
		if extra := c.Ambient.Minus(c.Permitted & c.Inheritable); extra != 0 {
			fail(ItemCaps, "CapAmb holds "+extra.String()+" outside CapPrm and CapInh")
		}
	}
	if has("Seccomp", "Seccomp_filters") {
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
