package watch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

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
