package watch

import (
	"regexp"
	"strings"
	"testing"

	"github.com/secctx/secctx/report"
)

// targetLabels are the labels Kubernetes service discovery relabelling
// gives a target (pod, endpoints and service roles) and the ones
// Prometheus itself adds. A series label of the same name would be
// renamed exported_NAME, or with honor_labels let the pod override the
// target's own.
var targetLabels = []string{"namespace", "pod", "container", "node", "instance", "job", "endpoint", "service"}

// TestMetricLabelsAvoidTargetLabels: no label of any series the sidecar
// serves is a target label.
func TestMetricLabelsAvoidTargetLabels(t *testing.T) {
	t.Parallel()
	st := Status{Cycles: 1, Reports: []*report.Report{{
		Target: report.Target{Container: "app", Processes: []report.Process{{PID: 1, Comm: "app"}}},
		Findings: []report.Finding{
			{Check: "runAsUser", Status: report.StatusDrift, Severity: report.SeverityHigh},
			{Check: "sysctls", Subject: "net.core.somaxconn", Status: report.StatusDrift, Severity: report.SeverityLow},
		},
	}}}
	text := Exposition(st, "test")
	label := regexp.MustCompile(`[{,]([a-zA-Z_][a-zA-Z0-9_]*)=`)
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, m := range label.FindAllStringSubmatch(line, -1) {
			seen[m[1]] = true
		}
	}
	for _, l := range targetLabels {
		if seen[l] {
			t.Errorf("a series has the label %q, which service discovery gives every target", l)
		}
	}
	if !seen[ContainerLabel] || !strings.Contains(text, `secctx_processes{secctx_container="app"} 1`) {
		t.Errorf("the verified container is not labelled %s:\n%s", ContainerLabel, text)
	}
}
