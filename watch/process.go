package watch

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// The process_* metrics of the standard Prometheus process collector, for
// the sidecar itself, read from its own /proc/self (never from --proc,
// which may be a fixture or another root).

// userHZ is the unit of the times in /proc/PID/stat (USER_HZ, 100 on every
// Linux architecture Go supports).
const userHZ = 100

// selfProc is where the sidecar reads its own figures.
const selfProc = "/proc"

// ProcessExposition renders the process_* families for the calling
// process; a figure that cannot be read is left out.
func ProcessExposition() string {
	var b strings.Builder
	gauge := func(name, typ, help, value string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, typ, name, value)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	if st, ok := readSelfStat(); ok {
		gauge("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", f(float64(st.utime+st.stime)/userHZ))
		if boot, ok := bootTime(); ok {
			gauge("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", f(float64(boot)+float64(st.start)/userHZ))
		}
		gauge("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", strconv.FormatUint(st.vsize, 10))
		gauge("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", strconv.FormatUint(st.rss*uint64(os.Getpagesize()), 10))
	}
	if fds, err := os.ReadDir(selfProc + "/self/fd"); err == nil {
		gauge("process_open_fds", "gauge", "Number of open file descriptors.", strconv.Itoa(len(fds)))
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		gauge("process_max_fds", "gauge", "Maximum number of open file descriptors.", strconv.FormatUint(lim.Cur, 10))
	}
	return b.String()
}

// selfStat is what the process metrics take from /proc/self/stat.
type selfStat struct {
	utime, stime, start, vsize, rss uint64
}

// readSelfStat parses /proc/self/stat; the command name, in parentheses,
// may hold spaces and parentheses, so fields are counted after the last ')'.
func readSelfStat() (selfStat, bool) {
	b, err := os.ReadFile(selfProc + "/self/stat")
	if err != nil {
		return selfStat{}, false
	}
	return parseSelfStat(b)
}

func parseSelfStat(b []byte) (selfStat, bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return selfStat{}, false
	}
	// Fields from 3 (state) on.
	fs := strings.Fields(string(b[i+1:]))
	if len(fs) < 22 {
		return selfStat{}, false
	}
	var st selfStat
	for _, p := range []struct {
		field int
		dst   *uint64
	}{{14, &st.utime}, {15, &st.stime}, {22, &st.start}, {23, &st.vsize}, {24, &st.rss}} {
		v, err := strconv.ParseUint(fs[p.field-3], 10, 64)
		if err != nil {
			return selfStat{}, false
		}
		*p.dst = v
	}
	return st, true
}

// bootTime is the btime line of /proc/stat: when the system booted, in
// seconds since the epoch.
func bootTime() (uint64, bool) {
	b, err := os.ReadFile(selfProc + "/stat")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
