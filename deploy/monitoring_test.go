package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/secctx/secctx/e2e/e2eutil"
)

// The monitoring kit: deploy/monitoring/.
const (
	rulesFile     = "secctx-rules.yaml"
	rulesTestFile = "secctx-rules.test.yaml"
	ruleCRFile    = "prometheusrule.yaml"
	dashboardFile = "secctx-dashboard.json"
)

// notYetExposed are metric names the dashboard may use before the sidecar
// serves them. Empty: the sidecar serves every name the kit uses, the
// standard process collector's included. Once a name is served, it must
// leave the list.
var notYetExposed = []string{}

func monitoringDir(t *testing.T) string { return filepath.Join(root(t), "deploy", "monitoring") }

type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Record      string            `json:"record"`
			Expr        string            `json:"expr"`
			For         string            `json:"for"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

func readRules(t *testing.T) (ruleFile, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(monitoringDir(t), rulesFile))
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.UnmarshalStrict(b, &rf); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	return rf, b
}

// TestRulesPromtool: `promtool check rules` accepts the rules, and `promtool
// test rules` passes their unit tests.
func TestRulesPromtool(t *testing.T) {
	bin := promtool(t)
	dir := monitoringDir(t)
	out := run(t, dir, false, bin, "check", "rules", rulesFile)
	if !strings.Contains(string(out), "SUCCESS") {
		t.Errorf("promtool check rules: %s", out)
	}
	run(t, dir, false, bin, "test", "rules", rulesTestFile)
}

// TestPrometheusRuleMatchesRules: the PrometheusRule carries exactly the
// rule file's groups.
func TestPrometheusRuleMatchesRules(t *testing.T) {
	_, plain := readRules(t)
	cr, err := os.ReadFile(filepath.Join(monitoringDir(t), ruleCRFile))
	if err != nil {
		t.Fatal(err)
	}
	var a map[string]any
	var b struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       map[string]any `json:"spec"`
	}
	if err := yaml.Unmarshal(plain, &a); err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(cr, &b); err != nil {
		t.Fatal(err)
	}
	if b.APIVersion != "monitoring.coreos.com/v1" || b.Kind != "PrometheusRule" {
		t.Errorf("%s is %s %s, want monitoring.coreos.com/v1 PrometheusRule", ruleCRFile, b.APIVersion, b.Kind)
	}
	if len(b.Spec) != 1 || !reflect.DeepEqual(a, b.Spec) {
		t.Errorf("%s spec differs from %s: the PrometheusRule's spec.groups must be the rule file's groups, unchanged", ruleCRFile, rulesFile)
	}
}

// TestRuleUnitTestsCoverEveryAlert: each alert has, in the promtool unit
// tests, a case where it fires and one where it does not.
func TestRuleUnitTestsCoverEveryAlert(t *testing.T) {
	rf, _ := readRules(t)
	b, err := os.ReadFile(filepath.Join(monitoringDir(t), rulesTestFile))
	if err != nil {
		t.Fatal(err)
	}
	var tf struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `json:"alertname"`
				ExpAlerts []any  `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		} `json:"tests"`
	}
	if err := yaml.Unmarshal(b, &tf); err != nil {
		t.Fatal(err)
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tf.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	n := 0
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			if !fires[r.Alert] {
				t.Errorf("%s: no unit test where %s fires", rulesTestFile, r.Alert)
			}
			if !quiet[r.Alert] {
				t.Errorf("%s: no unit test where %s does not fire", rulesTestFile, r.Alert)
			}
		}
	}
	// What the kit promises: drift by severity, a stalled or never-ready
	// sidecar, a rejected spec reload.
	for _, want := range []string{"SecctxDriftCritical", "SecctxDriftHigh", "SecctxDriftMedium", "SecctxDriftLow",
		"SecctxVerificationStalled", "SecctxNotReady", "SecctxSpecReloadRejected"} {
		if !fires[want] {
			t.Errorf("alert %s is missing or never tested firing", want)
		}
	}
	if n == 0 {
		t.Fatal("no alerts in " + rulesFile)
	}
}

// dashboardQueries returns every PromQL query of the dashboard: the panels'
// target exprs (rows' nested panels included) and the template variables'
// queries, by where they are.
func dashboardQueries(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(monitoringDir(t), dashboardFile))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	out := map[string]string{}
	type panel struct {
		ID      int               `json:"id"`
		Title   string            `json:"title"`
		Type    string            `json:"type"`
		Panels  []json.RawMessage `json:"panels"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
	}
	ids := map[int]bool{}
	var walk func([]json.RawMessage)
	walk = func(ps []json.RawMessage) {
		for _, raw := range ps {
			var p panel
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			if ids[p.ID] {
				t.Errorf("%s: panel id %d used twice", dashboardFile, p.ID)
			}
			ids[p.ID] = true
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", dashboardFile, p.Title)
			}
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("%s: panel %q target %s has no expr", dashboardFile, p.Title, tg.RefID)
				}
				out[fmt.Sprintf("panel %q %s", p.Title, tg.RefID)] = tg.Expr
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q := v.Query
		if m, ok := q.(map[string]any); ok {
			q = m["query"]
		}
		s, _ := q.(string)
		// label_values(SELECTOR, LABEL) and query_result(EXPR) hold PromQL.
		if inner, ok := strings.CutPrefix(s, "label_values("); ok {
			inner = strings.TrimSuffix(inner, ")")
			if i := strings.LastIndex(inner, ","); i >= 0 {
				inner = inner[:i]
			}
			s = inner
		} else if inner, ok := strings.CutPrefix(s, "query_result("); ok {
			s = strings.TrimSuffix(inner, ")")
		}
		out["variable $"+v.Name] = s
	}
	if len(out) == 0 {
		t.Fatalf("%s: no queries", dashboardFile)
	}
	return out
}

// grafanaVars replaces the dashboard's variables with values PromQL parses.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h", "$namespace", ".*", "$pod", ".*")

// TestDashboardQueriesParse: promtool accepts every dashboard query (with
// the Grafana variables filled in) as the expression of a recording rule.
func TestDashboardQueriesParse(t *testing.T) {
	bin := promtool(t)
	qs := dashboardQueries(t)
	where := make([]string, 0, len(qs))
	for w := range qs {
		where = append(where, w)
	}
	sort.Strings(where)
	var b strings.Builder
	b.WriteString("groups:\n- name: dashboard\n  rules:\n")
	for i, w := range where {
		q := grafanaVars.Replace(qs[w])
		if strings.Contains(q, "$") {
			t.Errorf("%s: unknown variable in %q", w, qs[w])
		}
		j, _ := json.Marshal(q)
		fmt.Fprintf(&b, "  - record: dashboard:query_%d\n    expr: %s\n", i, j)
	}
	f := filepath.Join(t.TempDir(), "dashboard-rules.yaml")
	if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "", false, bin, "check", "rules", f)
}

// promqlWords are PromQL's keywords and aggregation operators: identifiers
// that are not metric names even when no parenthesis follows.
var promqlWords = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true,
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true, "inf": true, "nan": true,
}

// labelLists are the keywords followed by a parenthesised list of label
// names.
var labelLists = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// metricNames returns the metric names a PromQL expression selects: the
// identifiers that are not functions, keywords, label names, label values,
// durations or Grafana variables.
func metricNames(expr string) ([]string, error) {
	var names []string
	isIdentStart := func(c byte) bool { return c == '_' || c == ':' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
	isIdent := func(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }
	// skipString returns the index just past the string that starts at i.
	skipString := func(i int) (int, error) {
		q := expr[i]
		for j := i + 1; j < len(expr); j++ {
			switch {
			case expr[j] == '\\' && q != '`':
				j++
			case expr[j] == q:
				return j + 1, nil
			}
		}
		return 0, fmt.Errorf("unterminated string in %q", expr)
	}
	// skipTo returns the index just past the closing byte, stepping over
	// quoted strings.
	skipTo := func(i int, closer byte) (int, error) {
		for i < len(expr) {
			switch c := expr[i]; {
			case c == closer:
				return i + 1, nil
			case c == '"' || c == '\'' || c == '`':
				j, err := skipString(i)
				if err != nil {
					return 0, err
				}
				i = j
			default:
				i++
			}
		}
		return 0, fmt.Errorf("missing %q in %q", closer, expr)
	}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j, err := skipString(i)
			if err != nil {
				return nil, err
			}
			i = j
		case c == '{':
			j, err := skipTo(i+1, '}')
			if err != nil {
				return nil, err
			}
			i = j
		case c == '[':
			j, err := skipTo(i+1, ']')
			if err != nil {
				return nil, err
			}
			i = j
		case c == '#':
			for i < len(expr) && expr[i] != '\n' {
				i++
			}
		case c == '$':
			i++
			if i < len(expr) && expr[i] == '{' {
				j, err := skipTo(i+1, '}')
				if err != nil {
					return nil, err
				}
				i = j
			}
			for i < len(expr) && isIdent(expr[i]) {
				i++
			}
		case c >= '0' && c <= '9' || c == '.':
			for i < len(expr) && (isIdent(expr[i]) || expr[i] == '.') {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(expr) && isIdent(expr[j]) {
				j++
			}
			word := expr[i:j]
			k := j
			for k < len(expr) && (expr[k] == ' ' || expr[k] == '\t' || expr[k] == '\n') {
				k++
			}
			switch {
			case labelLists[strings.ToLower(word)] && k < len(expr) && expr[k] == '(':
				end, err := skipTo(k+1, ')')
				if err != nil {
					return nil, err
				}
				j = end
			case promqlWords[strings.ToLower(word)]:
			case k < len(expr) && expr[k] == '(':
				// a function call
			default:
				if !slices.Contains(names, word) {
					names = append(names, word)
				}
			}
			i = j
		default:
			i++
		}
	}
	sort.Strings(names)
	return names, nil
}

// TestMetricNames: the extractor finds the metric names, and only those.
func TestMetricNames(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`secctx_drift`, []string{"secctx_drift"}},
		{`sum by (severity) (secctx_drift{namespace=~"$namespace", pod=~"$pod"})`, []string{"secctx_drift"}},
		{`max by (namespace, pod, secctx_container, check, subject) (secctx_drift{severity="critical"}) > 0`, []string{"secctx_drift"}},
		{`rate(process_cpu_seconds_total{pod=~"$pod"}[$__rate_interval]) and on (instance) secctx_build_info`, []string{"process_cpu_seconds_total", "secctx_build_info"}},
		{`time() - secctx_last_verify_timestamp_seconds > 300 and secctx_last_verify_timestamp_seconds > 0`, []string{"secctx_last_verify_timestamp_seconds"}},
		{`count(count by (namespace, pod) (a)) or vector(0)`, []string{"a"}},
		{`max without (instance) (a) * on (job) group_left(version) b offset 5m`, []string{"a", "b"}},
		{`sum(rate(foo:bar[5m:1m])) > bool 1e3`, []string{"foo:bar"}},
		{`label_replace(m{x="a}b"}, "dst", "$1", "src", "(.*)")`, []string{"m"}},
		{`topk(3, m) unless ignoring(le) n`, []string{"m", "n"}},
		{`SUM BY (x) (m)`, []string{"m"}},
		{`increase(secctx_spec_reload_errors_total[1h]) > 0`, []string{"secctx_spec_reload_errors_total"}},
		{`vector(1)`, nil},
	}
	for _, tc := range tests {
		got, err := metricNames(tc.expr)
		if err != nil {
			t.Errorf("metricNames(%q): %v", tc.expr, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("metricNames(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
	for _, bad := range []string{`m{x="a"`, `rate(m[5m)`, `m{x="a}`} {
		if _, err := metricNames(bad); err == nil {
			t.Errorf("metricNames(%q): no error", bad)
		}
	}
}

// secctxBinary is $SECCTX_BIN (what `make test` built), else a fresh build.
func secctxBinary(t *testing.T) string {
	t.Helper()
	bin, err := e2eutil.SecctxBinary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// httpGet returns the status and body of a GET, 0 when it fails.
func httpGet(url string) (int, []byte) {
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// startProcess starts a command that the test stops with SIGTERM when it
// ends (and kills if it lingers); stderr is kept for failure messages.
func startProcess(t *testing.T, name string, args ...string) *strings.Builder {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = io.Discard
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	return stderr
}

// startWatch runs a real `secctx watch --listen` on a loopback port,
// verifying itself against the demo pod's manifest (so that drift series
// exist), and returns its address once /readyz answers 200.
func startWatch(t *testing.T) string {
	t.Helper()
	addr := freeAddr(t)
	stderr := startProcess(t, secctxBinary(t), "watch", "--listen", addr, "--interval", "200ms", "--cycles", "500",
		"--spec", filepath.Join(root(t), "deploy", "examples", "security-context-demo.yaml"), "--profile", "containerd")
	deadline := time.Now().Add(15 * time.Second)
	for {
		if code, _ := httpGet("http://" + addr + "/readyz"); code == 200 {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("secctx watch never became ready on %s; stderr:\n%s", addr, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scrapeMetricNames returns the metric names a real sidecar's /metrics
// serves.
func scrapeMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	addr := startWatch(t)
	code, body := httpGet("http://" + addr + "/metrics")
	if code != 200 {
		t.Fatalf("GET /metrics: %d", code)
	}
	names := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			names[strings.Fields(rest)[0]] = true
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	if !strings.Contains(string(body), "secctx_drift{") {
		t.Fatalf("the scrape holds no drift series, so it cannot vouch for their labels:\n%s", body)
	}
	return names
}

// TestDashboardAndRulesUseServedMetrics: every metric name in the
// dashboard's and the rules' queries is one a real sidecar serves, or one of
// the few expected-but-not-yet-served names.
func TestDashboardAndRulesUseServedMetrics(t *testing.T) {
	served := scrapeMetricNames(t)
	used := map[string][]string{} // name -> where
	for where, q := range dashboardQueries(t) {
		names, err := metricNames(q)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		for _, n := range names {
			used[n] = append(used[n], dashboardFile+" "+where)
		}
	}
	rf, _ := readRules(t)
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			names, err := metricNames(r.Expr)
			if err != nil {
				t.Fatalf("%s %s: %v", rulesFile, r.Alert, err)
			}
			if len(names) == 0 {
				t.Errorf("%s %s: no metric in %q", rulesFile, r.Alert, r.Expr)
			}
			for _, n := range names {
				used[n] = append(used[n], rulesFile+" "+r.Alert)
			}
		}
	}
	for n, where := range used {
		if !served[n] && !slices.Contains(notYetExposed, n) {
			t.Errorf("metric %s is not served by secctx watch (used by %s)", n, strings.Join(where, "; "))
		}
	}
	for _, n := range notYetExposed {
		if served[n] {
			t.Errorf("metric %s is served now: remove it from notYetExposed", n)
		}
		if len(used[n]) == 0 {
			t.Errorf("metric %s is in notYetExposed but nothing uses it", n)
		}
	}
	// The dashboard shows every secctx metric the sidecar serves.
	for n := range served {
		if strings.HasPrefix(n, "secctx_") && len(used[n]) == 0 {
			t.Errorf("metric %s is served but neither the dashboard nor the rules use it", n)
		}
	}
}

// TestKitOnPrometheus runs the kit for real on loopback: a Prometheus
// (Debian's prometheus package) scrapes a real `secctx watch` every second
// with the target labels Kubernetes service discovery relabelling gives a
// pod (namespace, pod, and container: the sidecar's own) and without
// honor_labels, and
// evaluates the rules. Every dashboard query that reads only served metrics
// must return data, and the drift the sidecar reports must raise a drift
// alert with the labels the rules promise.
func TestKitOnPrometheus(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		missing(t, "prometheus is not installed (run scripts/install-deps.sh)")
	}
	target := startWatch(t)
	dir := t.TempDir()
	config := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%q]
scrape_configs:
- job_name: secctx
  static_configs:
  - targets: [%q]
    labels: {namespace: shop, pod: web-0, container: secctx}
`, filepath.Join(monitoringDir(t), rulesFile), target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	web := freeAddr(t)
	stderr := startProcess(t, bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+web)

	query := func(q string) ([]map[string]any, error) {
		code, body := httpGet("http://" + web + "/api/v1/query?query=" + url.QueryEscape(q))
		if code == 0 {
			return nil, fmt.Errorf("prometheus not answering")
		}
		var r struct {
			Status string `json:"status"`
			Error  string `json:"error"`
			Data   struct {
				Result []map[string]any `json:"result"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, fmt.Errorf("HTTP %d: %s", code, body)
		}
		if r.Status != "success" {
			return nil, fmt.Errorf("%s", r.Error)
		}
		return r.Data.Result, nil
	}
	// eventually retries a query until it returns data or the time is up.
	eventually := func(what, q string, within time.Duration) []map[string]any {
		t.Helper()
		var lastErr error
		for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
			res, err := query(q)
			if err == nil && len(res) > 0 {
				return res
			}
			lastErr = err
		}
		t.Errorf("%s: %q returned no data (last error: %v); prometheus stderr:\n%s", what, q, lastErr, tail(stderr.String(), 2000))
		return nil
	}
	// Ready: a few scrapes in (for the rates) and the rules evaluated. The
	// demo pod's manifest does not describe this test process (its uid,
	// groups, capabilities), so drift alerts are at least pending, carrying
	// the relabelled and the sidecar's own labels.
	if eventually("scrapes", `count_over_time(secctx_verify_cycles_total[5s]) >= 4`, 45*time.Second) == nil {
		t.FailNow()
	}
	res := eventually("drift alerts", `ALERTS{alertname=~"SecctxDrift.*", namespace="shop", pod="web-0", secctx_container="sec-ctx-demo"}`, 10*time.Second)
	// No label of the sidecar's collides with a target label: none is
	// renamed exported_*, and the target's own are those it was given.
	for _, r := range eventually("drift series", `secctx_drift`, 3*time.Second) {
		m, _ := r["metric"].(map[string]any)
		for k := range m {
			if strings.HasPrefix(k, "exported_") {
				t.Errorf("secctx_drift has %s: a sidecar label collides with a target label: %v", k, m)
			}
		}
		if m["container"] != "secctx" || m["namespace"] != "shop" || m["pod"] != "web-0" {
			t.Errorf("secctx_drift target labels changed: %v", m)
		}
	}
	for _, r := range res {
		m, _ := r["metric"].(map[string]any)
		if m["check"] == nil || m["drift_severity"] == nil || m["severity"] == nil {
			t.Errorf("drift alert without check, drift_severity or severity: %v", m)
		}
	}
	vars := strings.NewReplacer("$__rate_interval", "5s", "$__interval", "1s", "$__range", "1m", "$namespace", "shop", "$pod", "web-0")
	qs := dashboardQueries(t)
	where := make([]string, 0, len(qs))
	for w := range qs {
		where = append(where, w)
	}
	sort.Strings(where)
	for _, w := range where {
		names, err := metricNames(qs[w])
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(names, func(n string) bool { return slices.Contains(notYetExposed, n) }) {
			continue // reads a metric the sidecar does not serve yet
		}
		eventually(dashboardFile+" "+w, vars.Replace(qs[w]), 3*time.Second)
	}
	// A healthy sidecar raises none of the sidecar alerts.
	for _, a := range []string{"SecctxVerificationStalled", "SecctxNotReady", "SecctxSpecReloadRejected"} {
		if res, err := query(`ALERTS{alertname="` + a + `"}`); err != nil || len(res) != 0 {
			t.Errorf("%s on a healthy sidecar: %v %v", a, res, err)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
