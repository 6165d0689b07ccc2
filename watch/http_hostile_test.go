package watch_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secctx/secctx/watch"
)

// The hostile-input suite, HTTP side, on loopback only: what a client can
// send the sidecar's server, and how many connections it can hold.

// TestServerRFC9112: the points of RFC 9112 a server must get right.
func TestServerRFC9112(t *testing.T) {
	h := newHarness(t, appPod(t, 1), staticSpec(podYAML))
	h.w.Cycle()
	s := startServer(t, h.w)
	for _, tc := range []struct {
		name   string
		req    string
		codes  string // status codes of the responses, in order
		closed bool   // the server closes the connection
		header string // a header line the (first) response must hold
	}{
		{"Date", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "200", false, "Date: "},
		{"HTTP/1.1 without Host", "GET /healthz HTTP/1.1\r\n\r\n", "400", true, ""},
		{"two Host fields", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400", true, ""},
		{"a bad Host", "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", "400", true, ""},
		{"HTTP/1.0 needs no Host", "GET /healthz HTTP/1.0\r\n\r\n", "200", true, "Connection: close"},
		{"absolute form", "GET http://127.0.0.1:9102/healthz HTTP/1.1\r\nHost: 127.0.0.1:9102\r\n\r\n", "200", false, ""},
		{"absolute form, no path", "GET http://127.0.0.1:9102 HTTP/1.1\r\nHost: 127.0.0.1:9102\r\n\r\n", "404", false, ""},
		{"absolute form with a query", "GET HTTP://x/readyz?a=1 HTTP/1.1\r\nHost: x\r\n\r\n", "200", false, ""},
		{"absolute form of another scheme", "GET ftp://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n", "400", true, ""},
		{"Content-Length: 00", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 00\r\n\r\n", "200", false, ""},
		{"Content-Length repeated alike", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 000\r\n\r\n", "200", false, ""},
		{"Content-Length repeated unlike", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello", "400", true, ""},
		{"Content-Length not a number", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "400", true, ""},
		{"Content-Length with a body", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "400", true, ""},
		{"HTTP/1.0 keep-alive", "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "200", false, "Connection: keep-alive"},
		{"HTTP/1.0 keep-alive, then close", "GET /healthz HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /readyz HTTP/1.0\r\n\r\n", "200 200", true, "Connection: keep-alive"},
		{"HTTP/1.1 Connection list", "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: TE, close\r\n\r\n", "200", true, "Connection: close"},
		{"whitespace before the colon", "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", "400", true, ""},
		{"a folded line", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", "400", true, ""},
		{"empty lines before the request line", "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "200", false, ""},
		{"a control character in the target", "GET /heal\x01thz HTTP/1.1\r\nHost: x\r\n\r\n", "400", true, ""},
		{"a method that is not a token", "G(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "400", true, ""},
		{"two spaces", "GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "400", true, ""},
		{"a head cut short", "GET /healthz HTTP/1.1\r\nHost: x\r\n", "", false, ""},
		{"asterisk form", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", "400", true, ""},
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
			if tc.header != "" && !strings.Contains(out, "\r\n"+tc.header) {
				t.Errorf("response lacks %q:\n%.600s", tc.header, out)
			}
		})
	}
	// The Date is an IMF-fixdate of now.
	out, _ := rawExchange(t, s.addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	i := strings.Index(out, "\r\nDate: ")
	if i < 0 {
		t.Fatalf("no Date:\n%s", out)
	}
	v, _, _ := strings.Cut(out[i+8:], "\r\n")
	d, err := time.Parse("Mon, 02 Jan 2006 15:04:05 GMT", v)
	if err != nil || time.Since(d) > time.Minute || time.Until(d) > time.Minute {
		t.Errorf("Date %q: %v", v, err)
	}
}

// TestHeaderTimeoutFromAccept: a connection that sends its head a byte at
// a time is closed ReadHeaderTimeout after the accept, not after an idle
// timeout; one that sends nothing waits in the kernel about a second
// (TCP_DEFER_ACCEPT) and is then closed as soon.
func TestHeaderTimeoutFromAccept(t *testing.T) {
	h := newHarness(t, appPod(t, 1), staticSpec(podYAML))
	h.w.Cycle()
	s := startServer(t, h.w, func(x *watch.Server) { x.ReadHeaderTimeout = 300 * time.Millisecond; x.IdleTimeout = time.Minute })
	for _, tc := range []struct {
		name  string
		drip  string // sent a byte every 50 ms
		limit time.Duration
	}{
		{"silent", "", 8 * time.Second},
		{"slow", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("x", 200), 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			go func() {
				for i := 0; i < len(tc.drip); i++ {
					if _, err := c.Write([]byte{tc.drip[i]}); err != nil {
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}()
			_ = c.SetReadDeadline(time.Now().Add(tc.limit))
			_, err = io.ReadAll(c)
			if d := time.Since(start); err != nil || d >= tc.limit {
				t.Errorf("connection still open after %v (%v); want it closed about 300ms after the accept", d.Round(time.Millisecond), err)
			}
		})
	}
}

// TestHealthUnderSiege: with more idle and slow connections than the
// server takes (80 that send nothing, 80 that trickle a head that never
// ends), held open and reopened as soon as they are closed, a fresh
// connection's /healthz and /readyz are answered within a second each (a
// deadline on the client: a bound on correctness, not a measure).
func TestHealthUnderSiege(t *testing.T) {
	if testing.Short() {
		t.Skip("siege")
	}
	h := newHarness(t, appPod(t, 1), staticSpec(podYAML))
	h.w.Cycle()
	var srv *watch.Server
	s := startServer(t, h.w, func(x *watch.Server) { srv = x })
	// The attackers run in a child process (see TestMain).
	const idle, slow, seconds = 80, 80, 6
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SECCTX_TEST_SIEGE_ADDR="+s.addr, "SECCTX_TEST_SIEGE_IDLE="+strconv.Itoa(idle),
		"SECCTX_TEST_SIEGE_SLOW="+strconv.Itoa(slow), "SECCTX_TEST_SIEGE_SECONDS="+strconv.Itoa(seconds))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), seconds*time.Second)
	defer cancel()
	// The siege is in place: the server is full.
	for ctx.Err() == nil && srv.Open() < 64 {
		time.Sleep(20 * time.Millisecond)
	}
	probes, failed := 0, 0
	for ctx.Err() == nil && probes < 40 {
		for _, path := range []string{"/healthz", "/readyz"} {
			probes++
			if err := healthProbe(s.addr, path, time.Second); err != nil {
				failed++
				t.Errorf("probe %d %s: %v", probes, path, err)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	t.Logf("%d probes under siege, %d failed; %d connections evicted", probes, failed, srv.Evicted())
	if probes < 20 {
		t.Errorf("only %d probes ran", probes)
	}
	if srv.Evicted() == 0 {
		t.Errorf("no connection was evicted: the siege did not reach the limit")
	}
}

// healthProbe is a kubelet-style health check: a fresh connection, one request,
// all within d.
func healthProbe(addr, path string, d time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, d)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(d))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "HTTP/1.1 200 ") {
		return &statusError{line}
	}
	return nil
}

type statusError struct{ line string }

func (e *statusError) Error() string { return "status " + strings.TrimSpace(e.line) }
