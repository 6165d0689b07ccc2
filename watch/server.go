package watch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Server answers /healthz, /readyz, /report and /metrics over HTTP/1.1.
//
// It is deliberately small: net/http would link the TLS and x509 stack
// (3.3 MB, which would take the binary past its 7 MiB budget) for four
// read-only endpoints that a probe and a Prometheus scrape call. It reads a
// request head of at most MaxHeaderBytes, answers GET and HEAD (405
// otherwise), never reads a request body (a request that announces one
// gets 400 and the connection is closed), keeps connections alive as
// HTTP/1.1 does, and bounds everything:
//
//   - a request head must arrive within ReadHeaderTimeout of the accept
//     (of the end of the previous response, on a kept-alive connection,
//     which may first idle for IdleTimeout);
//   - a TCP connection reaches the server once it has sent data
//     (TCP_DEFER_ACCEPT), or after about ReadHeaderTimeout: one that
//     connects and sends nothing waits in the kernel, not in a slot;
//   - at MaxConns open connections, a new one takes the place of one that
//     sends nothing (the one that has waited longest) or trickles its head
//     (for more than 250 ms, the slowest): silent and slow connections
//     cannot lock the health endpoints out, since a fresh probe's request
//     is answered as it arrives, and a connection whose request has
//     arrived is never the one to go.
type Server struct {
	w       *Watcher
	version string
	// staleAfter: /healthz fails when the loop has not run for this long.
	staleAfter time.Duration

	ReadHeaderTimeout time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// MaxConns bounds open connections (see Server).
	MaxConns int

	mu    sync.Mutex
	conns map[net.Conn]*connState
	// Evicted counts connections closed to make room for a new one.
	evicted int
}

// connState is what eviction looks at: since when a connection has waited
// for a request, since when its head has been arriving, or whether it is
// answering one.
type connState struct {
	waitingSince time.Time // under Server.mu
	busy         bool      // under Server.mu
	// headStart is when the first byte of the request being read arrived
	// (Unix nanoseconds), 0 while the connection is silent.
	headStart atomic.Int64
}

// trackedConn records in its state when a request's first byte is read.
type trackedConn struct {
	net.Conn
	st *connState
}

func (t trackedConn) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	if n > 0 && t.st.headStart.Load() == 0 {
		t.st.headStart.Store(time.Now().UnixNano())
	}
	return n, err
}

// slowAfter is how long a head may take to arrive before its connection
// counts as slow, to be evicted when room is needed: a real client sends
// its head at once.
const slowAfter = 250 * time.Millisecond

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
		conns:             map[net.Conn]*connState{},
	}
}

// Serve accepts connections on ln until ctx is done, then closes them all.
func (s *Server) Serve(ctx context.Context, ln net.Listener) {
	deferAccept(ln, s.ReadHeaderTimeout)
	go func() {
		<-ctx.Done()
		ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // e.g. EMFILE: back off
			continue
		}
		st := s.admit(c, time.Now())
		if st == nil {
			c.Close() // every slot is answering a request: shed, do not queue
			continue
		}
		go func() {
			defer s.release(c)
			s.serveConn(trackedConn{c, st}, st)
		}()
	}
}

// deferAccept asks the kernel (TCP_DEFER_ACCEPT) to hand a TCP connection
// to accept only once it has sent data, or after about d: a client that
// connects and sends nothing then waits in the kernel instead of holding
// one of the server's connections. Other listeners are left as they are.
func deferAccept(ln net.Listener, d time.Duration) {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	secs := max(int(d/time.Second), 1)
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT, secs)
	})
}

// admit registers c, evicting at the limit the connection that has waited
// longest for a request; it returns nil when no connection may make room.
func (s *Server) admit(c net.Conn, now time.Time) *connState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) >= s.MaxConns {
		// Who makes room, first to last: a silent connection (sends
		// nothing), longest waiting first; then one whose head has been
		// trickling for slowAfter, slowest first. One whose request has
		// arrived, is arriving at once, or is being answered is spared: a
		// probe is not evicted for the siege behind it.
		type candidate struct {
			c      net.Conn
			silent bool
			since  time.Time
		}
		var cands []candidate
		for vc, st := range s.conns {
			if st.busy {
				continue
			}
			if hs := st.headStart.Load(); hs != 0 {
				if start := time.Unix(0, hs); now.Sub(start) >= slowAfter {
					cands = append(cands, candidate{vc, false, start})
				}
				continue
			}
			cands = append(cands, candidate{vc, true, st.waitingSince})
		}
		slices.SortFunc(cands, func(a, b candidate) int {
			if a.silent != b.silent {
				if a.silent {
					return -1
				}
				return 1
			}
			return a.since.Compare(b.since)
		})
		var victim net.Conn
		for _, cd := range cands {
			if !cd.silent || !pending(cd.c) {
				victim = cd.c
				break
			}
		}
		if victim == nil && completeHead(c) {
			// Every other connection is young; the newcomer's whole
			// request is already here: it takes the place of the one
			// whose head has been trickling longest.
			var since time.Time
			for vc, st := range s.conns {
				if hs := st.headStart.Load(); !st.busy && hs != 0 && (victim == nil || hs < since.UnixNano()) {
					victim, since = vc, time.Unix(0, hs)
				}
			}
		}
		if victim == nil {
			return nil
		}
		delete(s.conns, victim)
		victim.Close()
		s.evicted++
	}
	st := &connState{waitingSince: now}
	s.conns[c] = st
	return st
}

// pending reports whether bytes the server has not read yet wait in c's
// socket (FIONREAD).
func pending(c net.Conn) bool {
	n := 0
	withFD(c, func(fd uintptr) {
		var v int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&v))); errno == 0 {
			n = int(v)
		}
	})
	return n > 0
}

// withFD runs f with c's socket descriptor; it does nothing for a
// connection without one.
func withFD(c net.Conn, f func(fd uintptr)) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	if rc, err := sc.SyscallConn(); err == nil {
		_ = rc.Control(f)
	}
}

// completeHead reports whether a whole request head (up to its blank line)
// already waits in c's socket, peeking without reading.
func completeHead(c net.Conn) bool {
	var buf [2048]byte
	n := 0
	withFD(c, func(fd uintptr) {
		n, _, _ = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	})
	return n > 0 && (bytes.Contains(buf[:n], []byte("\r\n\r\n")) || bytes.Contains(buf[:n], []byte("\n\n")))
}

// Open returns the number of open connections.
func (s *Server) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// release forgets c once its goroutine ends.
func (s *Server) release(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// setBusy marks a connection as answering a request (busy) or waiting for
// the next (silent again).
func (s *Server) setBusy(st *connState, busy bool) {
	s.mu.Lock()
	st.busy = busy
	if !busy {
		st.waitingSince = time.Now()
		st.headStart.Store(0)
	}
	s.mu.Unlock()
}

// Evicted returns how many connections were closed to make room.
func (s *Server) Evicted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.evicted
}

// serveConn answers c's requests, one at a time, until the client or a
// deadline ends the connection.
func (s *Server) serveConn(c net.Conn, st *connState) {
	br := bufio.NewReaderSize(c, 4096)
	var out bytes.Buffer
	// The first head must arrive within ReadHeaderTimeout of the accept,
	// however the time is spent (sending nothing, or a byte at a time).
	deadline := time.Now().Add(s.ReadHeaderTimeout)
	for {
		_ = c.SetReadDeadline(deadline)
		req, err := readRequest(br, s.MaxHeaderBytes)
		s.setBusy(st, true)
		var resp Response
		switch {
		case errors.Is(err, errBadRequest):
			resp = text(400, "bad request\n")
			req.keepAlive = false
		case err != nil:
			return // timeout, eviction, or the peer went away
		case req.method != "GET" && req.method != "HEAD":
			resp = s.Respond(req.method, req.path) // 405
			req.keepAlive = req.keepAlive && !req.hasBody
		case req.hasBody:
			resp = text(400, "request bodies are not accepted\n")
			req.keepAlive = false // the body was not read
		default:
			resp = s.Respond(req.method, req.path)
		}
		out.Reset()
		resp.write(&out, time.Now(), req)
		_ = c.SetWriteDeadline(time.Now().Add(s.WriteTimeout))
		if _, err := c.Write(out.Bytes()); err != nil || !req.keepAlive {
			return
		}
		s.setBusy(st, false)
		if br.Buffered() > 0 {
			st.headStart.Store(time.Now().UnixNano()) // pipelined: arriving
		} else {
			// Kept alive: the next request may take IdleTimeout to start,
			// then ReadHeaderTimeout to arrive.
			_ = c.SetReadDeadline(time.Now().Add(s.IdleTimeout))
			if _, err := br.Peek(1); err != nil {
				return
			}
		}
		deadline = time.Now().Add(s.ReadHeaderTimeout)
	}
}
