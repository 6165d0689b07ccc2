package watch

import (
	"bytes"
	"fmt"
	"net"
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
		if !st.Ready() {
			return text(503, "first verification not finished\n")
		}
		return text(200, "ok\n")
	case "/report":
		if !st.Ready() {
			return text(503, "first verification not finished\n")
		}
		if !st.SpecLoaded {
			return specUnavailable(st)
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
		return Response{Status: 200, ContentType: "text/plain; version=0.0.4; charset=utf-8", Body: []byte(Exposition(st, s.version) + ProcessExposition())}
	}
	return text(404, "not found\n")
}
