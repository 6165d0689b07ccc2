package probe

import (
	"strconv"
	"strings"

	"github.com/secctx/secctx/caps"
)

// A statusLine is one line of /proc/PID/status the probe reads: its key,
// the item it is part of, how its value is parsed and zeroed, and why the
// item is unread when the line is missing. Everything else parseStatus
// knows of a line (its seen bit, its duplicate, its absence, what an
// unread item clears) follows from this table.
type statusLine struct {
	key string
	// item is the item the line is part of; "" for the lines that say
	// which process this is (Name, State, Threads, Pid), which fill no
	// item.
	item Item
	// identifies marks the lines of which a status file has at least
	// one; without any, the text is not a status file.
	identifies bool
	// parse fills the value of the line into p.st; it returns why the
	// value is malformed, or "".
	parse func(p *statusParse, val string) string
	// clear zeroes what parse fills, when item is unread.
	clear func(st *Process)
	// reason and detail say why item is unread when the line is missing;
	// no reason: the line is optional.
	reason, detail string
}

// statusTable lists the lines of /proc/PID/status the probe reads.
var statusTable = []statusLine{
	{key: "Name", identifies: true, parse: func(p *statusParse, val string) string {
		// The kernel prints "Name:\t<comm>"; keep spaces inside comm.
		p.st.Comm = strings.TrimPrefix(val, "\t")
		return ""
	}},
	{key: "State", parse: func(p *statusParse, val string) string {
		// "Z (zombie)" or "X (dead)": the process has exited. With more
		// than one thread the group leader alone has (its threads live
		// on), which the Threads line tells.
		state := strings.TrimSpace(val)
		p.zombie = strings.HasPrefix(state, "Z") || strings.HasPrefix(state, "X")
		return ""
	}},
	{key: "Threads", parse: func(p *statusParse, val string) string {
		if v, err := strconv.Atoi(strings.TrimSpace(val)); err == nil {
			p.threads = v
		}
		return ""
	}},
	{key: "Pid", parse: func(p *statusParse, val string) string {
		// pid 0 means "self": report the pid the kernel gives.
		if v, err := strconv.Atoi(strings.TrimSpace(val)); err == nil && p.st.PID == 0 {
			p.st.PID = v
		}
		return ""
	}},
	idLine("Uid", func(st *Process) *IDs { return &st.UID }),
	idLine("Gid", func(st *Process) *IDs { return &st.GID }),
	{key: "Groups", item: ItemGroups, reason: ReasonMalformed, detail: "no Groups line",
		parse: func(p *statusParse, val string) string {
			g, ok := parseGroups(val)
			p.st.Groups = g
			if !ok {
				return "bad Groups line " + strconv.Quote(p.line)
			}
			return ""
		},
		clear: func(st *Process) { st.Groups = nil }},
	capLine("CapInh", ReasonMalformed, "no CapInh line", func(c *Capabilities) *caps.Set { return &c.Inheritable }),
	capLine("CapPrm", ReasonMalformed, "no CapPrm line", func(c *Capabilities) *caps.Set { return &c.Permitted }),
	capLine("CapEff", ReasonMalformed, "no CapEff line", func(c *Capabilities) *caps.Set { return &c.Effective }),
	capLine("CapBnd", ReasonNotSupported, "kernel < 2.6.26 prints no CapBnd", func(c *Capabilities) *caps.Set { return &c.Bounding }),
	// An ambient set assumed empty could hide a granted capability.
	capLine("CapAmb", ReasonNotSupported, "kernel < 4.3 prints no CapAmb; ambient set unknown", func(c *Capabilities) *caps.Set { return &c.Ambient }),
	intLine("NoNewPrivs", ItemNoNewPrivs, 1, ReasonNotSupported, "kernel < 4.10 prints no NoNewPrivs",
		func(st *Process, v int) { st.NoNewPrivs = v == 1 }),
	intLine("Seccomp", ItemSeccomp, 2, ReasonNotSupported, "kernel without CONFIG_SECCOMP prints no Seccomp",
		func(st *Process, v int) { st.Seccomp = v }),
	// Kernels before 5.9 omit this line; the mode alone still answers
	// the check, so its absence is not an error.
	intLine("Seccomp_filters", ItemSeccomp, -1, "", "",
		func(st *Process, v int) { st.SeccompFilters = v }),
}

// idLine is the Uid or Gid line, which fills the ids field gives.
func idLine(key string, field func(*Process) *IDs) statusLine {
	return statusLine{key: key, item: ItemIDs, identifies: true, reason: ReasonMalformed, detail: "no " + key + " line",
		parse: func(p *statusParse, val string) string {
			ids, ok := parseIDs(val)
			*field(&p.st) = ids
			switch {
			case !ok:
				return "bad " + key + " line " + strconv.Quote(p.line)
			case ids.Real == overflowID || ids.Effective == overflowID || ids.Saved == overflowID || ids.FS == overflowID:
				return key + " line holds 4294967295, the (id_t)-1 no process can hold"
			}
			return ""
		},
		clear: func(st *Process) { *field(st) = IDs{} }}
}

// capLine is a capability mask line, which fills the set field gives.
func capLine(key, reason, detail string, field func(*Capabilities) *caps.Set) statusLine {
	return statusLine{key: key, item: ItemCaps, reason: reason, detail: detail,
		parse: func(p *statusParse, val string) string {
			set, err := caps.ParseHex(val)
			*field(&p.st.Caps) = set
			if err != nil {
				return key + ": " + err.Error()
			}
			return ""
		},
		clear: func(st *Process) { *field(&st.Caps) = 0 }}
}

// intLine is a line holding a number from 0 to max (no bound when max is
// negative), which set stores.
func intLine(key string, item Item, max int, reason, detail string, set func(*Process, int)) statusLine {
	return statusLine{key: key, item: item, reason: reason, detail: detail,
		parse: func(p *statusParse, val string) string {
			v, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil || v < 0 || (max >= 0 && v > max) {
				set(&p.st, 0)
				return "bad " + key + " line " + strconv.Quote(p.line)
			}
			set(&p.st, v)
			return ""
		},
		clear: func(st *Process) { set(st, 0) }}
}
