package watch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secctx/secctx/report"
)

// ReservedPorts are ports ECI keeps for itself; the sidecar must not bind
// them.
var ReservedPorts = map[string]bool{"111": true, "10250": true, "10255": true}

// CheckListenAddr refuses the ports ECI reserves.
func CheckListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %v", addr, err)
	}
	if ReservedPorts[port] {
		return fmt.Errorf("--listen %q: port %s is reserved by ECI (111, 10250, 10255)", addr, port)
	}
	return nil
}

// Server answers /healthz, /readyz, /report and /metrics over HTTP/1.1.
//
// It is deliberately small: net/http would link the TLS and x509 stack,
// 3.3 MB of a 7.4 MB binary, for four read-only endpoints that a probe and a
// Prometheus scrape call. It reads a request head of at most MaxHeaderBytes,
// answers GET and HEAD (405 otherwise), never reads a request body (a
// request that announces one gets 400 and the connection is closed), keeps
// connections alive as HTTP/1.1 does, and bounds everything with timeouts
// and a connection limit.
type Server struct {
	w       *Watcher
	version string
	// staleAfter: /healthz fails when the loop has not run for this long.
	staleAfter time.Duration

	ReadHeaderTimeout time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// MaxConns bounds open connections; more are closed at once.
	MaxConns int

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// NewServer prepares the endpoints; the loop counts as stalled when it has
// not finished a cycle for three intervals and a minute.
func NewServer(w *Watcher, version string) *Server {
	return &Server{
		w: w, version: version, staleAfter: 3*w.cfg.Interval + time.Minute,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    8 << 10,
		MaxConns:          64,
		conns:             map[net.Conn]struct{}{},
	}
}

// Serve accepts connections on ln until ctx is done, then closes them all.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	}()
	slots := make(chan struct{}, s.MaxConns)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			time.Sleep(10 * time.Millisecond) // e.g. EMFILE: back off
			continue
		}
		select {
		case slots <- struct{}{}:
		default:
			c.Close() // over the limit: shed, do not queue
			continue
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go func() {
			defer func() {
				c.Close()
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				<-slots
			}()
			s.serveConn(c)
		}()
	}
}

// request is the part of a request head the server looks at.
type request struct {
	method, path string
	keepAlive    bool
	hasBody      bool
}

var errBadRequest = errors.New("bad request")

func (s *Server) serveConn(c net.Conn) {
	br := bufio.NewReaderSize(c, 4096)
	var out bytes.Buffer
	for {
		// Wait for the next request as long as an idle connection may
		// live, then give its head ReadHeaderTimeout.
		_ = c.SetReadDeadline(time.Now().Add(s.IdleTimeout))
		if _, err := br.Peek(1); err != nil {
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(s.ReadHeaderTimeout))
		req, err := readRequest(br, s.MaxHeaderBytes)
		var resp Response
		switch {
		case errors.Is(err, errBadRequest):
			resp = Response{Status: 400, ContentType: "text/plain; charset=utf-8", Body: []byte("bad request\n")}
			req.keepAlive = false
		case err != nil:
			return // timeout or the peer went away
		case req.method != "GET" && req.method != "HEAD":
			resp = s.Respond(req.method, req.path) // 405
			req.keepAlive = req.keepAlive && !req.hasBody
		case req.hasBody:
			resp = Response{Status: 400, ContentType: "text/plain; charset=utf-8", Body: []byte("request bodies are not accepted\n")}
			req.keepAlive = false // the body was not read
		default:
			resp = s.Respond(req.method, req.path)
		}
		out.Reset()
		resp.write(&out, req.method == "HEAD", req.keepAlive)
		_ = c.SetWriteDeadline(time.Now().Add(s.WriteTimeout))
		if _, err := c.Write(out.Bytes()); err != nil || !req.keepAlive {
			return
		}
	}
}

// readRequest reads a request line and headers, at most max bytes.
func readRequest(br *bufio.Reader, max int) (request, error) {
	var req request
	n := 0
	line := func() (string, error) {
		b, err := br.ReadSlice('\n')
		n += len(b)
		if errors.Is(err, bufio.ErrBufferFull) || n > max {
			return "", errBadRequest
		}
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	first, err := line()
	if err != nil {
		return req, err
	}
	parts := strings.Split(first, " ")
	if len(parts) != 3 || parts[0] == "" || !strings.HasPrefix(parts[1], "/") {
		return req, errBadRequest
	}
	req.method, req.path = parts[0], parts[1]
	if i := strings.IndexByte(req.path, '?'); i >= 0 {
		req.path = req.path[:i]
	}
	switch parts[2] {
	case "HTTP/1.1":
		req.keepAlive = true
	case "HTTP/1.0":
	default:
		return req, errBadRequest
	}
	for {
		h, err := line()
		if err != nil {
			return req, err
		}
		if h == "" {
			return req, nil
		}
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return req, errBadRequest
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "connection":
			v := strings.ToLower(value)
			if strings.Contains(v, "close") {
				req.keepAlive = false
			} else if strings.Contains(v, "keep-alive") {
				req.keepAlive = true
			}
		case "content-length":
			if value != "0" {
				req.hasBody = true
			}
		case "transfer-encoding":
			req.hasBody = true
		}
	}
}

// Response is what an endpoint answers.
type Response struct {
	Status      int
	ContentType string
	Allow       string
	Body        []byte
}

var statusText = map[int]string{200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}

func (r Response) write(b *bytes.Buffer, head, keepAlive bool) {
	fmt.Fprintf(b, "HTTP/1.1 %d %s\r\n", r.Status, statusText[r.Status])
	fmt.Fprintf(b, "Content-Type: %s\r\nContent-Length: %d\r\n", r.ContentType, len(r.Body))
	b.WriteString("Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n")
	if r.Allow != "" {
		fmt.Fprintf(b, "Allow: %s\r\n", r.Allow)
	}
	if !keepAlive {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	if !head {
		b.Write(r.Body)
	}
}

func text(status int, body string) Response {
	return Response{Status: status, ContentType: "text/plain; charset=utf-8", Body: []byte(body)}
}

// Respond answers one request; Serve calls it, tests may too.
func (s *Server) Respond(method, path string) Response {
	if method != "GET" && method != "HEAD" {
		r := text(405, "method not allowed\n")
		r.Allow = "GET, HEAD"
		return r
	}
	st := s.w.Snapshot()
	switch path {
	case "/healthz":
		if st.Cycles > 0 && time.Since(st.Alive) > s.staleAfter {
			return text(503, "verification loop stalled\n")
		}
		return text(200, "ok\n")
	case "/readyz":
		if !st.Ready {
			return text(503, "first verification not finished\n")
		}
		return text(200, "ok\n")
	case "/report":
		if !st.Ready {
			return text(503, "first verification not finished\n")
		}
		var b bytes.Buffer
		var v any = st.Reports
		if len(st.Reports) == 1 {
			v = st.Reports[0]
		}
		if err := report.WriteJSON(&b, v); err != nil {
			return text(503, err.Error()+"\n")
		}
		return Response{Status: 200, ContentType: "application/json", Body: b.Bytes()}
	case "/metrics":
		return Response{Status: 200, ContentType: "text/plain; version=0.0.4; charset=utf-8", Body: []byte(Exposition(st, s.version))}
	}
	return text(404, "not found\n")
}

// Exposition renders the Prometheus text format of a status.
func Exposition(st Status, version string) string {
	var b strings.Builder
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	family("secctx_build_info", "gauge", "Build information of secctx; the value is always 1.")
	fmt.Fprintf(&b, "secctx_build_info{version=%s} 1\n", quote(version))

	family("secctx_drift", "gauge", "1 for each active drift between the declared securityContext and the observed state.")
	type series struct{ check, subject, container, severity string }
	seen := map[series]bool{}
	var rows []series
	counts := map[report.Status]int{}
	for _, r := range st.Reports {
		for _, f := range r.Findings {
			counts[f.Status]++
			if f.Status != report.StatusDrift {
				continue
			}
			k := series{f.Check, f.Subject, r.Target.Container, string(f.Severity)}
			if !seen[k] {
				seen[k] = true
				rows = append(rows, k)
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		a, c := rows[i], rows[j]
		return a.container+a.check+a.subject+a.severity < c.container+c.check+c.subject+c.severity
	})
	for _, k := range rows {
		fmt.Fprintf(&b, "secctx_drift{check=%s,subject=%s,container=%s,severity=%s} 1\n",
			quote(k.check), quote(k.subject), quote(k.container), quote(k.severity))
	}

	family("secctx_findings", "gauge", "Findings of the last verification cycle by status.")
	for _, s := range []report.Status{report.StatusOK, report.StatusDrift, report.StatusUnknown, report.StatusSkipped} {
		fmt.Fprintf(&b, "secctx_findings{status=%s} %d\n", quote(string(s)), counts[s])
	}

	family("secctx_processes", "gauge", "Processes verified in the last cycle, by container.")
	for _, r := range st.Reports {
		fmt.Fprintf(&b, "secctx_processes{container=%s} %d\n", quote(r.Target.Container), len(r.Target.Processes))
	}

	family("secctx_last_verify_timestamp_seconds", "gauge", "Unix time the last verification cycle ran.")
	ts := 0.0
	if !st.Last.IsZero() {
		ts = float64(st.Last.UnixNano()) / 1e9
	}
	fmt.Fprintf(&b, "secctx_last_verify_timestamp_seconds %s\n", strconv.FormatFloat(ts, 'f', 3, 64))

	family("secctx_verify_duration_seconds", "gauge", "Duration of the last verification cycle in seconds.")
	fmt.Fprintf(&b, "secctx_verify_duration_seconds %s\n", strconv.FormatFloat(st.Duration.Seconds(), 'f', 6, 64))

	family("secctx_verify_cycles_total", "counter", "Verification cycles run since start.")
	fmt.Fprintf(&b, "secctx_verify_cycles_total %d\n", st.Cycles)

	family("secctx_spec_reload_errors_total", "counter", "Spec reloads rejected since start (the last good spec stays in force).")
	fmt.Fprintf(&b, "secctx_spec_reload_errors_total %d\n", st.SpecErrors)
	return b.String()
}

// quote escapes a label value for the text exposition format.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
