package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/secctx/secctx/inject"
)

// server answers the API server's AdmissionReviews and counts the outcomes.
type server struct {
	opts       inject.Options
	failClosed bool
	admitted   [3]atomic.Uint64 // by inject.Outcome
}

func newServer(o inject.Options, failClosed bool) *server {
	return &server{opts: o, failClosed: failClosed}
}

func (s *server) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /mutate", s.mutate)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	m.HandleFunc("GET /metrics", s.metrics)
	return m
}

func (s *server) count(o inject.Outcome) {
	if int(o) < len(s.admitted) {
		s.admitted[o].Add(1)
	}
}

// mutate is /mutate: an AdmissionReview in, an AdmissionReview out; a body
// that is not one is a 400 (the API server then applies failurePolicy).
func (s *server) mutate(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, inject.MaxReview+1))
	if err == nil && len(body) > inject.MaxReview {
		err = fmt.Errorf("a body over %d bytes", inject.MaxReview)
	}
	if err != nil {
		s.count(inject.OutcomeError)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, res, err := inject.Review(body, s.opts, s.failClosed)
	s.count(res.Outcome)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// metrics is /metrics, in the Prometheus text format.
func (s *server) metrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprintln(w, "# HELP secctx_injector_admitted_total Pods the injector answered for, by result: injected (the sidecar added or already there), skipped (admitted without it: opted out or annotated secctx.io/injection-skipped) or error (admitted without it, or denied with --fail-closed).")
	fmt.Fprintln(w, "# TYPE secctx_injector_admitted_total counter")
	for _, o := range inject.Outcomes {
		fmt.Fprintf(w, "secctx_injector_admitted_total{result=%q} %d\n", o.String(), s.admitted[o].Load())
	}
}
