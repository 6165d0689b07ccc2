package watch

import (
	"fmt"
	"time"

	"github.com/secctx/secctx/report"
)

// A sidecar never takes its pod out of service: a spec that does not load
// (malformed, unreadable, removed, a misspelt field) is not a reason to
// exit, which in a pod means a crash loop, a pod that never becomes Ready
// and endpoints that leave the Service. The watcher keeps running, with no
// spec or with the last good one, and says why: a spec_error line when the
// problem appears or changes and again with every heartbeat, the metrics
// secctx_spec_error, secctx_spec_loaded and secctx_spec_reload_errors_total
// (reloads rejected while the last good spec stays in force), and /report
// (503 with the reason when nothing is verified; spec.error in each report
// held to the last good spec). /healthz and /readyz do not depend on it.
// The file is read again every cycle while it fails, and the first good
// spec is applied (a spec_recovered line).

// maxSpecError bounds the error a line carries.
const maxSpecError = 400

// specHealth is what the watcher knows of its spec's trouble.
type specHealth struct {
	err       string    // why the spec does not load now; "" when it does
	announce  bool      // a spec_error line is due
	recovered bool      // a spec_recovered line is due
	lastLine  time.Time // of the last spec_error line
}

// specFailed records a spec that does not load: counted, logged and
// announced once per distinct problem.
func (w *Watcher) specFailed(err error) {
	msg := err.Error()
	if msg == w.spec.err {
		return // the same problem, already logged and counted
	}
	w.spec.err, w.spec.announce, w.spec.recovered = msg, true, false
	w.specSrc.Error = msg // the last good spec's reports, if any, say it
	if len(w.plans) > 0 {
		// A rejected reload: the last good spec stays in force
		// (secctx_spec_reload_errors_total); with none, secctx_spec_error
		// and secctx_spec_loaded 0 say it.
		w.mu.Lock()
		w.status.SpecErrors++
		w.mu.Unlock()
	}
	w.setSpecStatus()
	ev := w.cfg.Log.Error()
	if path := w.cfg.Pipeline.Source.File(); path != "" {
		ev = ev.Str("spec", path)
	}
	if len(w.plans) > 0 {
		ev.Msgf("new spec rejected, the last good one stays in force: %v", err)
		return
	}
	ev.Msgf("spec rejected, nothing is verified until a good one loads: %v", err)
}

// specLoaded records a spec that loaded, after trouble or not.
func (w *Watcher) specLoaded() {
	if w.spec.err != "" {
		w.spec = specHealth{recovered: true}
	}
	w.setSpecStatus()
	w.cfg.Log.Info().Str("spec", w.cfg.Pipeline.Source.File()).Msg("spec reloaded")
}

// setSpecStatus publishes the spec's state to the endpoints.
func (w *Watcher) setSpecStatus() {
	w.mu.Lock()
	w.status.SpecError, w.status.SpecLoaded = w.spec.err, len(w.plans) > 0
	w.mu.Unlock()
}

// specName names the spec in lines: its file, else the source of the last
// good one, else "".
func (w *Watcher) specName() string {
	if path := w.cfg.Pipeline.Source.File(); path != "" {
		return "file:" + path
	}
	return w.specSrc.Source
}

// emitSpec writes the spec_error line when the problem is new or changed,
// or a heartbeat is due, and the spec_recovered line after it is solved.
func (w *Watcher) emitSpec(now time.Time) {
	h := &w.spec
	switch {
	case h.recovered:
		h.recovered = false
		e := w.cfg.Out.Info().Str("event", "spec_recovered")
		if name := w.specName(); name != "" {
			e = e.Str("spec", clip(name))
		}
		e.Msg("the spec loads again; verification resumes")
	case h.err != "" && (h.announce || now.Sub(h.lastLine) >= w.cfg.Heartbeat):
		h.announce, h.lastLine = false, now
		e := w.cfg.Out.Error().Str("event", "spec_error")
		if name := w.specName(); name != "" {
			e = e.Str("spec", clip(name))
		}
		msg := "spec rejected: nothing is verified until a good one loads"
		if len(w.plans) > 0 {
			msg = "spec rejected: the last good one stays in force"
		}
		e.Str("error", clipTo(h.err, maxSpecError)).Bool("lastGood", len(w.plans) > 0).Msg(msg)
	}
}

// idle ends a cycle that had no spec to verify: the loop is alive and
// ready (its readiness must not depend on the spec), with no report.
func (w *Watcher) idle(start, now time.Time) []*report.Report {
	w.mu.Lock()
	w.status.Cycles++
	w.status.Reports = nil
	w.status.Last = now
	w.status.Duration = time.Since(start)
	w.status.Alive = time.Now()
	w.mu.Unlock()
	return nil
}

// specUnavailable is /report's answer when no spec is in force.
func specUnavailable(st Status) Response {
	return text(503, fmt.Sprintf("no spec in force: %s\n", clipTo(st.SpecError, maxValue)))
}
