package watch_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/watch"

	"github.com/secctx/secctx/schema/schematest"
)

// server is a watch.Server serving on a loopback port.
type server struct {
	url    string
	addr   string
	client *http.Client
	stop   func()
}

// startServer serves w on 127.0.0.1 (never another interface) until the
// test ends; opts adjust the server before it starts.
func startServer(t testing.TB, w *watch.Watcher, opts ...func(*watch.Server)) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	srv := watch.NewServer(w, "v1")
	for _, o := range opts {
		o(srv)
	}
	go func() { srv.Serve(ctx, ln); close(done) }()
	tr := &http.Transport{MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second}
	s := &server{url: "http://" + ln.Addr().String(), addr: ln.Addr().String(),
		client: &http.Client{Transport: tr, Timeout: 5 * time.Second}}
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			tr.CloseIdleConnections()
			cancel()
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				t.Errorf("Serve did not return within 2s of cancellation")
			}
		})
	}
	t.Cleanup(s.stop)
	return s
}

// do sends a request and returns the status, headers and body.
func (s *server) do(t testing.TB, method, path string, body io.Reader) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func (s *server) get(t testing.TB, path string) (int, string) {
	t.Helper()
	code, _, body := s.do(t, http.MethodGet, path, nil)
	return code, body
}

func TestHealthAndReadiness(t *testing.T) {
	pt := appPod(t, 2)
	h := newHarness(t, pt, staticSpec(podYAML))
	s := startServer(t, h.w)
	if code, _ := s.get(t, "/healthz"); code != 200 {
		t.Errorf("/healthz before the first cycle: %d, want 200 (alive, not yet ready)", code)
	}
	if code, _ := s.get(t, "/readyz"); code != 503 {
		t.Errorf("/readyz before the first cycle: %d, want 503", code)
	}
	if code, _ := s.get(t, "/report"); code != 503 {
		t.Errorf("/report before the first cycle: %d, want 503", code)
	}
	if code, body := s.get(t, "/metrics"); code != 200 || !strings.Contains(body, "secctx_verify_cycles_total 0\n") {
		t.Errorf("/metrics before the first cycle: %d\n%s", code, body)
	}
	h.w.Cycle()
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := s.get(t, p); code != 200 || body != "ok\n" {
			t.Errorf("%s after the first cycle: %d %q", p, code, body)
		}
	}
	// HEAD answers like GET, without a body; a query string is ignored.
	if code, hdr, body := s.do(t, http.MethodHead, "/readyz", nil); code != 200 || body != "" || hdr.Get("Content-Length") != "3" {
		t.Errorf("HEAD /readyz: %d %q content-length %q", code, body, hdr.Get("Content-Length"))
	}
	if code, _ := s.get(t, "/healthz?verbose=1"); code != 200 {
		t.Errorf("/healthz?verbose=1: %d", code)
	}
	if code, _ := s.get(t, "/nope"); code != 404 {
		t.Errorf("/nope: %d, want 404", code)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := newHarness(t, appPod(t, 1), staticSpec(podYAML))
	h.w.Cycle()
	s := startServer(t, h.w)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		for _, p := range []string{"/healthz", "/readyz", "/report", "/metrics"} {
			code, hdr, _ := s.do(t, m, p, nil)
			if code != http.StatusMethodNotAllowed || hdr.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d Allow %q, want 405 with Allow: GET, HEAD", m, p, code, hdr.Get("Allow"))
			}
		}
	}
	// A request with a body is refused without the body being read, and the
	// server stays usable.
	for _, m := range []string{http.MethodPost, http.MethodPut} {
		code, hdr, _ := s.do(t, m, "/report", strings.NewReader(`{"x":1}`))
		if code != http.StatusMethodNotAllowed && code != http.StatusBadRequest {
			t.Errorf("%s /report with a body: %d, want 405 (or 400: bodies are not read)", m, code)
		}
		if code == http.StatusMethodNotAllowed && hdr.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /report with a body: 405 without Allow", m)
		}
	}
	if code, _ := s.get(t, "/healthz"); code != 200 {
		t.Errorf("after refused requests: /healthz %d", code)
	}
}

func TestReportEndpoint(t *testing.T) {
	t.Run("one container", func(t *testing.T) {
		h := newHarness(t, appPod(t, 2), staticSpec(podYAML))
		want := h.w.Cycle()
		s := startServer(t, h.w)
		code, hdr, body := s.do(t, http.MethodGet, "/report", nil)
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Fatalf("/report: %d %q", code, hdr.Get("Content-Type"))
		}
		var r report.Report
		dec := json.NewDecoder(strings.NewReader(body))
		if err := dec.Decode(&r); err != nil || dec.More() {
			t.Fatalf("/report is not one JSON object: %v\n%s", err, body)
		}
		schematest.Report(t, []byte(body))
		if r.APIVersion != "secctx/v1" || r.Target.Container != "app" || len(r.Findings) != len(want[0].Findings) ||
			pidList(r.Target.Processes) != "20:nginx,21:nginx" {
			t.Errorf("/report: %s %s %d findings %q", r.APIVersion, r.Target.Container, len(r.Findings), pidList(r.Target.Processes))
		}
	})
	t.Run("two containers", func(t *testing.T) {
		pt := newProcTree(t, appProc(7, "secctx", "side"))
		pt.add(pauseProc(), appProc(20, "nginx", "app"))
		h := newHarness(t, pt, staticSpec(twoContainerYAML), "app=comm:nginx", "side=self")
		h.w.Cycle()
		s := startServer(t, h.w)
		code, body := s.get(t, "/report")
		var rs []report.Report
		if err := json.Unmarshal([]byte(body), &rs); code != 200 || err != nil {
			t.Fatalf("/report with two containers is not a JSON array: %d %v\n%.300s", code, err, body)
		}
		var raws []json.RawMessage
		if err := json.Unmarshal([]byte(body), &raws); err != nil {
			t.Fatal(err)
		}
		for _, raw := range raws {
			schematest.Report(t, raw)
		}
		if len(rs) != 2 || rs[0].Target.Container != "app" || rs[1].Target.Container != "side" {
			t.Errorf("/report: %d reports", len(rs))
		}
	})
}

// metricsPod: two workers and the secctx sidecar, with drift: worker 21 runs
// as 1001 and the pod's unprivileged port start is 1000; the sidecar runs as
// root.
func metricsPod(t *testing.T) *harness {
	pt := newProcTree(t, appProc(7, "secctx", "side"))
	pt.add(pauseProc(), appProc(20, "nginx", "app"), appProc(21, "nginx", "app"), appProc(22, "nginx", "app"))
	pt.update(21, setUID(1001))
	pt.update(22, setUID(1002)) // a second runAsUser drift: same series
	pt.update(7, setUID(0))
	pt.setSysctl("net.ipv4.ip_unprivileged_port_start", "1000")
	return newHarness(t, pt, staticSpec(twoContainerYAML), "app=comm:nginx", "side=self")
}

var sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$`)

func TestMetrics(t *testing.T) {
	h := metricsPod(t)
	reports := h.w.Cycle()
	s := startServer(t, h.w)
	code, hdr, body := s.do(t, http.MethodGet, "/metrics", nil)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", code, hdr.Get("Content-Type"))
	}
	help, typ := map[string]bool{}, map[string]string{}
	samples := map[string][]string{} // name -> "labels value"
	for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "# HELP "):
			f := strings.Fields(line)
			help[f[2]] = len(f) > 3
		case strings.HasPrefix(line, "# TYPE "):
			f := strings.Fields(line)
			typ[f[2]] = f[3]
		default:
			m := sampleRE.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("not a sample line: %q", line)
				continue
			}
			if _, err := strconv.ParseFloat(m[3], 64); err != nil {
				t.Errorf("%q: value %v", line, err)
			}
			if _, ok := typ[m[1]]; !ok {
				t.Errorf("sample %s before its TYPE", m[1])
			}
			samples[m[1]] = append(samples[m[1]], m[2]+" "+m[3])
		}
	}
	for name, want := range map[string]string{
		"secctx_build_info":                    "gauge",
		"secctx_drift":                         "gauge",
		"secctx_findings":                      "gauge",
		"secctx_processes":                     "gauge",
		"secctx_last_verify_timestamp_seconds": "gauge",
		"secctx_verify_duration_seconds":       "gauge",
		"secctx_verify_cycles_total":           "counter",
		"secctx_spec_reload_errors_total":      "counter",
	} {
		if !help[name] || typ[name] != want {
			t.Errorf("%s: HELP %v TYPE %q, want HELP and TYPE %s", name, help[name], typ[name], want)
		}
	}
	if got := samples["secctx_build_info"]; len(got) != 1 || got[0] != `{version="v1"} 1` {
		t.Errorf("secctx_build_info %q", got)
	}
	// One series per active drift (check, subject, container, severity).
	want := map[string]bool{}
	for _, r := range reports {
		for _, f := range r.Drifts() {
			want[fmt.Sprintf(`{check=%q,subject=%q,secctx_container=%q,severity=%q} 1`, f.Check, f.Subject, r.Target.Container, f.Severity)] = true
		}
	}
	got := map[string]bool{}
	for _, s := range samples["secctx_drift"] {
		if got[s] {
			t.Errorf("duplicate series secctx_drift%s", s)
		}
		got[s] = true
	}
	if len(got) != len(want) || len(want) < 3 {
		t.Errorf("secctx_drift series:\n  got  %v\n  want %v", got, want)
	}
	for s := range want {
		if !got[s] {
			t.Errorf("missing secctx_drift%s", s)
		}
	}
	for _, s := range []string{
		`{check="runAsUser",subject="",secctx_container="app",severity="high"} 1`,
		`{check="sysctls",subject="net.ipv4.ip_unprivileged_port_start",secctx_container="app",severity="low"} 1`,
		`{check="runAsUser",subject="",secctx_container="side",severity="critical"} 1`,
	} {
		if !got[s] {
			t.Errorf("no secctx_drift%s", s)
		}
	}
	var drift, total int
	for _, r := range reports {
		drift += r.Summary.Drift
		total += len(r.Findings)
	}
	var sum int
	for _, s := range samples["secctx_findings"] {
		n, _ := strconv.Atoi(s[strings.LastIndexByte(s, ' ')+1:])
		sum += n
		if strings.HasPrefix(s, `{status="drift"} `) && n != drift {
			t.Errorf("secctx_findings drift %d, reports hold %d", n, drift)
		}
	}
	if sum != total {
		t.Errorf("secctx_findings sum to %d, reports hold %d findings", sum, total)
	}
	if got := samples["secctx_last_verify_timestamp_seconds"]; len(got) != 1 || got[0] != fmt.Sprintf(" %d.000", t0.Unix()) {
		t.Errorf("secctx_last_verify_timestamp_seconds %q, want %d.000", got, t0.Unix())
	}
	if got := samples["secctx_processes"]; strings.Join(got, ";") != `{secctx_container="app"} 3;{secctx_container="side"} 1` {
		t.Errorf("secctx_processes %q", got)
	}
	if got := samples["secctx_verify_duration_seconds"]; len(got) != 1 || got[0] == " 0.000000" {
		t.Errorf("secctx_verify_duration_seconds %q", got)
	}
	// Resolved drift leaves no series behind.
	h.tree.update(21, setUID(1000))
	h.tree.update(22, setUID(1000))
	h.tree.update(7, setUID(1000))
	h.tree.setSysctl("net.ipv4.ip_unprivileged_port_start", "0")
	h.w.Cycle()
	_, body = s.get(t, "/metrics")
	if strings.Contains(body, "secctx_drift{") || !strings.Contains(body, "secctx_verify_cycles_total 2\n") ||
		!strings.Contains(body, `secctx_findings{status="drift"} 0`) {
		t.Errorf("after the drift resolved:\n%s", body)
	}
	promtoolCheck(t, body)
}

// promtoolCheck runs `promtool check metrics` on an exposition when promtool
// is installed (required under SECCTX_E2E_REQUIRED=1).
func promtoolCheck(t *testing.T, exposition string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("SECCTX_E2E_REQUIRED") == "1" {
			t.Fatal("SECCTX_E2E_REQUIRED=1 but promtool is not on PATH")
		}
		t.Log("promtool not on PATH: exposition not linted")
		return
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\nexposition:\n%s", err, out, exposition)
	}
}

func TestPromtool(t *testing.T) {
	if _, err := exec.LookPath("promtool"); err != nil && os.Getenv("SECCTX_E2E_REQUIRED") != "1" {
		t.Skip("promtool not on PATH (set SECCTX_E2E_REQUIRED=1 to make this a failure)")
	}
	h := metricsPod(t)
	h.w.Cycle()
	// With drift, before any cycle, and with a label value to escape.
	promtoolCheck(t, watch.Exposition(h.w.Snapshot(), "v1"))
	promtoolCheck(t, watch.Exposition(watch.Status{}, "v1"))
	promtoolCheck(t, watch.Exposition(watch.Status{}, "v1 \"quoted\" \\ back\nslash"))
}

func TestExpositionEscapesLabels(t *testing.T) {
	r := &report.Report{Target: report.Target{Container: `a"b`}, Findings: []report.Finding{
		{Check: "procMount", Subject: "/proc/a\\b\nc", Status: report.StatusDrift, Severity: report.SeverityHigh},
	}}
	out := watch.Exposition(watch.Status{Reports: []*report.Report{r}, Cycles: 1}, `x"y`)
	for _, want := range []string{
		`secctx_build_info{version="x\"y"} 1`,
		`secctx_drift{check="procMount",subject="/proc/a\\b\nc",secctx_container="a\"b",severity="high"} 1`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("exposition lacks %s:\n%s", want, out)
		}
	}
}

func TestCheckListenAddr(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{":9102", true},
		{"127.0.0.1:9102", true},
		{"[::1]:8080", true},
		{"127.0.0.1:0", true},
		{":111", false},
		{":10250", false},
		{":10255", false},
		{"0.0.0.0:10250", false},
		{"[::]:10255", false},
		{"127.0.0.1:111", false},
		{"9102", false},
		{"", false},
	} {
		err := watch.CheckListenAddr(tc.addr)
		if (err == nil) != tc.ok {
			t.Errorf("CheckListenAddr(%q) = %v, want ok %v", tc.addr, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--listen") {
			t.Errorf("CheckListenAddr(%q): error %q does not name --listen", tc.addr, err)
		}
	}
}

// TestServerStops: cancelling the context closes the listener and the idle
// keep-alive connections promptly.
func TestServerStops(t *testing.T) {
	h := newHarness(t, appPod(t, 1), staticSpec(podYAML))
	h.w.Cycle()
	s := startServer(t, h.w)
	// An idle raw connection that never sends a request.
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if code, _ := s.get(t, "/healthz"); code != 200 {
		t.Fatal(code)
	}
	start := time.Now()
	s.stop()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Serve took %v to stop", d)
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := bufio.NewReader(c).ReadByte(); err == nil {
		t.Errorf("idle connection still open after stop")
	}
	if _, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
		t.Errorf("listener still accepting after stop")
	}
}

// TestServerLoad: 4 keep-alive clients × 750 requests over /metrics,
// /report and /healthz, with cycles running meanwhile, within 10 s; no
// error, nothing but 200, and the heap does not grow by more than 2 MiB.
func TestServerLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	h := newHarness(t, appPod(t, 20), staticSpec(podYAML))
	h.w.Cycle()
	s := startServer(t, h.w)
	paths := []string{"/metrics", "/report", "/healthz"}
	for _, p := range paths { // warm up: buffers, pools, one connection
		if code, _ := s.get(t, p); code != 200 {
			t.Fatalf("%s: %d", p, code)
		}
	}
	s.client.Transport.(*http.Transport).CloseIdleConnections()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const workers, perWorker = 4, 750
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []string
		fails   int
		statusN = map[int]int{}
	)
	cycling := make(chan struct{})
	go func() { // the loop keeps running while the endpoints are read
		defer close(cycling)
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Millisecond):
				h.w.Cycle()
			}
		}
	}()
	start := time.Now()
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				p := paths[(g+i)%len(paths)]
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+p, nil)
				resp, err := s.client.Do(req)
				if err != nil {
					mu.Lock()
					fails++
					if len(errs) < 5 {
						errs = append(errs, err.Error())
					}
					mu.Unlock()
					if ctx.Err() != nil {
						return
					}
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				statusN[resp.StatusCode]++
				if err != nil {
					fails++
					if len(errs) < 5 {
						errs = append(errs, err.Error())
					}
				}
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	elapsed := time.Since(start)
	cancel()
	<-cycling
	if ctx.Err() != nil && elapsed >= 10*time.Second {
		t.Errorf("not done within 10s")
	}
	if fails > 0 || statusN[200] != workers*perWorker {
		t.Errorf("%d errors (%v), statuses %v; want %d × 200", fails, errs, statusN, workers*perWorker)
	}
	s.client.Transport.(*http.Transport).CloseIdleConnections()
	time.Sleep(50 * time.Millisecond) // let the server notice the closed connections
	runtime.GC()
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("%d requests in %v (%.0f/s); HeapInuse %d → %d KiB (%+d KiB)", workers*perWorker, elapsed.Round(time.Millisecond),
		float64(workers*perWorker)/elapsed.Seconds(), before.HeapInuse>>10, after.HeapInuse>>10, growth>>10)
	if growth > 2<<20 {
		t.Errorf("HeapInuse grew by %d KiB, over 2 MiB", growth>>10)
	}
}

// rawExchange writes req on a fresh connection and reads until the server
// closes it or half a second passes; it returns what was read and whether the server
// closed the connection.
func rawExchange(t *testing.T, addr, req string) (string, bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	b, err := io.ReadAll(c)
	// EOF (or a reset, when the server closed with request bytes unread):
	// closed; a timeout: the server kept the connection open.
	var ne net.Error
	closed := err == nil || !(errors.As(err, &ne) && ne.Timeout())
	return string(b), closed
}

var statusLineRE = regexp.MustCompile(`(?m)^HTTP/1\.1 (\d{3}) `)

// TestServerRawHTTP: the server's own HTTP/1.1 parsing, byte by byte.
func TestServerRawHTTP(t *testing.T) {
	h := newHarness(t, appPod(t, 1), staticSpec(podYAML))
	h.w.Cycle()
	s := startServer(t, h.w)
	big := strings.Repeat("x", 9<<10)
	for _, tc := range []struct {
		name   string
		req    string
		codes  string // status codes of the responses, in order
		closed bool   // the server closes the connection
	}{
		{"HTTP/1.0 closes", "GET /healthz HTTP/1.0\r\n\r\n", "200", true},
		{"HTTP/1.1 keeps alive", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "200", false},
		{"Connection: close", "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "200", true},
		{"pipelined", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "200 404 200", true},
		{"bare LF", "GET /healthz HTTP/1.1\nHost: x\n\n", "200", false},
		{"405 keeps the connection", "DELETE /report HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "405 200", true},
		{"garbage", "HELLO\r\n\r\n", "400", true},
		{"bad version", "GET /healthz HTTP/2.0\r\n\r\n", "400", true},
		{"header without colon", "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n", "400", true},
		{"oversized header", "GET /healthz HTTP/1.1\r\nX-Big: " + big + "\r\n\r\n", "400", true},
		{"chunked body", "GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "400", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, closed := rawExchange(t, s.addr, tc.req)
			var codes []string
			for _, m := range statusLineRE.FindAllStringSubmatch(out, -1) {
				codes = append(codes, m[1])
			}
			if strings.Join(codes, " ") != tc.codes || closed != tc.closed {
				t.Errorf("statuses %q closed %v, want %q closed %v\n%.600s", codes, closed, tc.codes, tc.closed, out)
			}
		})
	}
	if code, _ := s.get(t, "/healthz"); code != 200 {
		t.Errorf("after the raw requests: /healthz %d", code)
	}
}

// TestServerConnectionLimit: at MaxConns, a new connection takes the place
// of the one that has been slowest to send its request, and is served.
func TestServerConnectionLimit(t *testing.T) {
	h := newHarness(t, appPod(t, 1), staticSpec(podYAML))
	h.w.Cycle()
	var srv *watch.Server
	s := startServer(t, h.w, func(x *watch.Server) { x.MaxConns = 3; srv = x })
	// Three slow connections, each sending the start of a head and then
	// nothing (a connection that sends nothing at all waits in the kernel).
	var idle []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /he"); err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
		time.Sleep(20 * time.Millisecond) // accepted in this order
	}
	time.Sleep(300 * time.Millisecond) // slow by now
	out, _ := rawExchange(t, s.addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 200 ") {
		t.Errorf("a 4th connection over MaxConns 3: %q, want 200", out)
	}
	if srv.Evicted() != 1 {
		t.Errorf("%d evicted, want 1", srv.Evicted())
	}
	// The oldest idle connection was the one closed.
	for i, c := range idle {
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		var ne net.Error
		closed := !(errors.As(err, &ne) && ne.Timeout())
		if closed != (i == 0) {
			t.Errorf("idle connection %d: closed %v, want %v", i, closed, i == 0)
		}
	}
}
