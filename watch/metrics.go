package watch

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/secctx/secctx/check"
	"github.com/secctx/secctx/report"
)

// ContainerLabel is the label that names the verified container on
// secctx_drift and secctx_processes. It is not "container": Kubernetes
// service discovery relabelling gives every target a container label (and
// namespace, pod, node, instance, job, endpoint, service), and a clash
// would have Prometheus rename secctx's to exported_container, or need
// honor_labels, which lets a pod set its own namespace and pod labels.
const ContainerLabel = "secctx_container"

// Exposition renders the Prometheus text format of a status.
func Exposition(st Status, version string) string {
	var b strings.Builder
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	family("secctx_build_info", "gauge", "Build information of secctx; the value is always 1.")
	fmt.Fprintf(&b, "secctx_build_info{version=%s} 1\n", quote(version))

	family("secctx_drift", "gauge", "1 for each active drift between the declared securityContext and the observed state.")
	type series struct {
		check                        check.ID
		subject, container, severity string
	}
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
		return a.container+string(a.check)+a.subject+a.severity < c.container+string(c.check)+c.subject+c.severity
	})
	for _, k := range rows {
		fmt.Fprintf(&b, "secctx_drift{check=%s,subject=%s,%s=%s,severity=%s} 1\n",
			quote(string(k.check)), quote(k.subject), ContainerLabel, quote(k.container), quote(k.severity))
	}

	family("secctx_findings", "gauge", "Findings of the last verification cycle by status.")
	for _, s := range []report.Status{report.StatusOK, report.StatusDrift, report.StatusUnknown, report.StatusSkipped} {
		fmt.Fprintf(&b, "secctx_findings{status=%s} %d\n", quote(string(s)), counts[s])
	}

	family("secctx_processes", "gauge", "Processes verified in the last cycle, by container.")
	for _, r := range st.Reports {
		fmt.Fprintf(&b, "secctx_processes{%s=%s} %d\n", ContainerLabel, quote(r.Target.Container), len(r.Target.Processes))
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

	family("secctx_spec_reload_errors_total", "counter", "Spec reloads rejected since start (the last good spec stays in force); a spec that never loaded is secctx_spec_loaded 0.")
	fmt.Fprintf(&b, "secctx_spec_reload_errors_total %d\n", st.SpecErrors)

	family("secctx_spec_error", "gauge", "1 while the spec does not load (see the spec_error lines), else 0.")
	fmt.Fprintf(&b, "secctx_spec_error %d\n", b2i(st.SpecError != ""))

	family("secctx_spec_loaded", "gauge", "1 when a spec is in force and verified (the last good one while secctx_spec_error is 1), 0 when none is.")
	fmt.Fprintf(&b, "secctx_spec_loaded %d\n", b2i(st.SpecLoaded))
	return b.String()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// labelEscaper escapes a label value for the text exposition format.
var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)

// quote escapes and quotes a label value for the text exposition format.
func quote(s string) string {
	return `"` + labelEscaper.Replace(s) + `"`
}
