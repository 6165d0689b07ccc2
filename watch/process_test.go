package watch

import (
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestParseSelfStat(t *testing.T) {
	t.Parallel()
	tail := " S 1 7 7 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 9 0 4242 712340480 1800 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0"
	for _, tc := range []struct {
		name string
		in   string
		want selfStat
		ok   bool
	}{
		{"plain", "7 (secctx)" + tail, selfStat{utime: 250, stime: 50, start: 4242, vsize: 712340480, rss: 1800}, true},
		{"a command with spaces and parentheses", "7 (a) b (c)" + tail, selfStat{utime: 250, stime: 50, start: 4242, vsize: 712340480, rss: 1800}, true},
		{"cut short", "7 (secctx) S 1 7", selfStat{}, false},
		{"no command", "7 secctx S", selfStat{}, false},
		{"not a number", "7 (x)" + tail[:len(" S 1 7 7 0 -1 4194560 1234 0 0 0 ")] + "x 50" + tail[len(" S 1 7 7 0 -1 4194560 1234 0 0 0 250 50"):], selfStat{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseSelfStat([]byte(tc.in))
			if got != tc.want || ok != tc.ok {
				t.Errorf("parseSelfStat = %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestProcessExposition: the standard process collector's figures for the
// test process itself, with their Prometheus meanings.
func TestProcessExposition(t *testing.T) {
	t.Parallel()
	text := ProcessExposition()
	value := func(name string) float64 {
		m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no %s in\n%s", name, text)
		}
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	now := float64(time.Now().Unix())
	if v := value("process_start_time_seconds"); v > now+2 || v < now-24*3600 {
		t.Errorf("process_start_time_seconds %v, now %v", v, now)
	}
	if v := value("process_resident_memory_bytes"); v < 1<<20 || v > 4<<30 {
		t.Errorf("process_resident_memory_bytes %v", v)
	}
	if v := value("process_cpu_seconds_total"); v <= 0 || v > 3600 {
		t.Errorf("process_cpu_seconds_total %v", v)
	}
	f, err := os.Open("process_test.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v := value("process_open_fds"); v < 4 || v > value("process_max_fds") {
		t.Errorf("process_open_fds %v (max %v) with stdin, stdout, stderr and a file open", v, value("process_max_fds"))
	}
	if v := value("process_virtual_memory_bytes"); v < value("process_resident_memory_bytes") {
		t.Errorf("process_virtual_memory_bytes %v below resident", v)
	}
}
