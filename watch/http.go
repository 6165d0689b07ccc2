package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/secctx/secctx/report"
)

// ReservedPorts are ports ECI keeps for itself; the sidecar must not bind
// them.
var ReservedPorts = map[string]bool{"111": true, "10250": true, "10255": true}

// Server serves /healthz, /readyz, /report and /metrics for a Watcher.
type Server struct {
	w       *Watcher
	version string
	// staleAfter: /healthz fails when the loop has not run for this long.
	staleAfter time.Duration
	srv        *http.Server
}

// NewServer prepares the HTTP endpoints; the loop counts as dead when it has
// not finished a cycle for three intervals (and a minute).
func NewServer(w *Watcher, version string) *Server {
	s := &Server{w: w, version: version, staleAfter: 3*w.cfg.Interval + time.Minute}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.only(s.healthz))
	mux.HandleFunc("/readyz", s.only(s.readyz))
	mux.HandleFunc("/report", s.only(s.report))
	mux.HandleFunc("/metrics", s.only(s.metrics))
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    8 << 10,
	}
	return s
}

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

// Serve listens on addr until ctx is done.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_ = s.srv.Shutdown(sctx)
	}()
	if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Handler exposes the mux, for tests.
func (s *Server) Handler() http.Handler { return s.srv.Handler }

// only admits GET and HEAD; nothing is read from a request body.
func (s *Server) only(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	st := s.w.Snapshot()
	if st.Cycles > 0 && time.Since(st.Alive) > s.staleAfter {
		http.Error(w, "verification loop stalled", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok\n")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.w.Snapshot().Ready {
		http.Error(w, "first verification not finished", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok\n")
}

// report serves the last report; with several containers, a JSON array.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	st := s.w.Snapshot()
	if !st.Ready {
		http.Error(w, "first verification not finished", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if len(st.Reports) == 1 {
		_ = report.WriteJSON(w, st.Reports[0])
		return
	}
	_ = report.WriteJSON(w, st.Reports)
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = io.WriteString(w, Exposition(s.w.Snapshot(), s.version))
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
