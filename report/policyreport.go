package report

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The PolicyReport format: the Kubernetes Policy working group's
// wgpolicyk8s.io/v1alpha2 PolicyReport, which Kyverno, Trivy Operator,
// kube-bench adapters and Policy Reporter read and write.
const (
	PolicyReportAPIVersion = "wgpolicyk8s.io/v1alpha2"
	PolicyReportKind       = "PolicyReport"
	// PolicyName is the policy, and the source, of every result.
	PolicyName = "secctx"
)

// The OpenReports format, the successor of wgpolicyk8s.io that Kyverno
// 1.15 and Policy Reporter 3.2 read: openreports.io/v1alpha1 Report, the
// same results with the report's source beside them.
const (
	OpenReportsAPIVersion = "openreports.io/v1alpha1"
	OpenReportsKind       = "Report"
)

// ReportAPI is the API a policy report is written in.
type ReportAPI string

// The report APIs.
const (
	// APIPolicyReport is wgpolicyk8s.io/v1alpha2 PolicyReport.
	APIPolicyReport ReportAPI = PolicyReportAPIVersion
	// APIOpenReports is openreports.io/v1alpha1 Report.
	APIOpenReports ReportAPI = OpenReportsAPIVersion
)

// ReportAPIs lists the report APIs, the default first.
var ReportAPIs = []ReportAPI{APIPolicyReport, APIOpenReports}

// PolicyReport is a wgpolicyk8s.io/v1alpha2 PolicyReport, or an
// openreports.io/v1alpha1 Report: the findings of one or more reports as
// results about the pod they were verified in.
type PolicyReport struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Metadata   PolicyReportMeta `json:"metadata"`
	// Source is the engine that wrote the report (OpenReports only).
	Source  string             `json:"source,omitempty"`
	Scope   *ObjectReference   `json:"scope,omitempty"`
	Summary PolicyReportCounts `json:"summary"`
	Results []PolicyResult     `json:"results"`
}

// PolicyReportMeta is the report's object metadata.
type PolicyReportMeta struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// ObjectReference names a Kubernetes object, or with FieldPath a part of
// it (a container: "spec.containers{app}").
type ObjectReference struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Name       string `json:"name,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	UID        string `json:"uid,omitempty"`
	FieldPath  string `json:"fieldPath,omitempty"`
}

// PolicyReportCounts counts results by outcome.
type PolicyReportCounts struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Warn  int `json:"warn"`
	Error int `json:"error"`
	Skip  int `json:"skip"`
}

// PolicyResult is one result: one finding of one container.
type PolicyResult struct {
	Policy   string `json:"policy"`
	Rule     string `json:"rule"`
	Category string `json:"category,omitempty"`
	// Result is pass, fail, warn, error or skip (see PolicyResultOf).
	Result    string            `json:"result"`
	Severity  string            `json:"severity,omitempty"`
	Scored    bool              `json:"scored"`
	Source    string            `json:"source"`
	Timestamp PolicyTimestamp   `json:"timestamp"`
	Message   string            `json:"message,omitempty"`
	Resources []ObjectReference `json:"resources,omitempty"`
	// Properties hold the finding's values as strings: container,
	// subject, expected, observed, outcomes and the outcome seen (for a
	// node-dependent expectation), pids, comms, hint, scope, profile.
	Properties map[string]string `json:"properties,omitempty"`
}

// PolicyTimestamp is a protobuf Timestamp, as v1alpha2 results carry it.
type PolicyTimestamp struct {
	Seconds int64 `json:"seconds"`
	Nanos   int32 `json:"nanos"`
}

// PodRef identifies the pod a PolicyReport is about when the spec does
// not (the spec of a Deployment names no pod): the values the downward
// API gives (metadata.name, metadata.namespace, metadata.uid). Empty
// fields are taken from the report's workload when it is a Pod.
type PodRef struct {
	Name, Namespace, UID string
}

// PolicyResultOf maps a finding to a PolicyReport result and whether it
// is scored:
//
//	ok                        pass   scored
//	drift, severity low..critical  fail   scored
//	drift, severity info      warn   scored
//	unknown                   error  not scored (the check could not be evaluated)
//	skipped                   skip   not scored (nothing to compare)
//
// A drift fails exactly when the default --fail-on (low) fails verify.
func PolicyResultOf(f Finding) (result string, scored bool) {
	switch f.Status {
	case StatusOK:
		return "pass", true
	case StatusDrift:
		if f.Severity.Rank() >= SeverityLow.Rank() {
			return "fail", true
		}
		return "warn", true
	case StatusUnknown:
		return "error", false
	}
	return "skip", false
}

// workloadAPIVersions are the API groups of the kinds a spec may hold.
var workloadAPIVersions = map[string]string{
	"Pod": "v1", "ReplicationController": "v1", "PodTemplate": "v1",
	"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1",
	"Job": "batch/v1", "CronJob": "batch/v1",
}

// NewPolicyReport turns reports (one per container of a pod) into one
// PolicyReport with a result per finding per container. Its scope, and
// every result's resource, is the pod (pod, else the reports' workload
// when it is a Pod), or the workload itself when no pod is known; a
// result names its container with a fieldPath. The report is named
// "secctx-POD", with "-CONTAINER" when it holds one container's results,
// so that a one-shot verify of each container writes reports apart.
func NewPolicyReport(reports []*Report, pod PodRef) *PolicyReport {
	return NewPolicyReportFor(APIPolicyReport, reports, pod)
}

// NewPolicyReportFor is NewPolicyReport in the API api: the same results,
// as a PolicyReport or an OpenReports Report.
func NewPolicyReportFor(api ReportAPI, reports []*Report, pod PodRef) *PolicyReport {
	pr := &PolicyReport{
		APIVersion: PolicyReportAPIVersion,
		Kind:       PolicyReportKind,
		Metadata:   PolicyReportMeta{Labels: map[string]string{"app.kubernetes.io/managed-by": PolicyName}},
		Results:    []PolicyResult{},
	}
	if api == APIOpenReports {
		pr.APIVersion, pr.Kind, pr.Source = OpenReportsAPIVersion, OpenReportsKind, PolicyName
	}
	scope := scopeOf(reports, pod)
	pr.Scope = &scope
	pr.Metadata.Namespace = scope.Namespace
	name := PolicyName + "-" + scope.Name
	if len(reports) == 1 && reports[0].Target.Container != "" {
		name += "-" + reports[0].Target.Container
	}
	pr.Metadata.Name = dnsSubdomain(name)
	for _, r := range reports {
		res := scope
		res.FieldPath = containerFieldPath(r.Target)
		ts := PolicyTimestamp{Seconds: r.Time.Unix(), Nanos: int32(r.Time.Nanosecond())}
		for _, f := range r.Findings {
			result, scored := PolicyResultOf(f)
			switch result {
			case "pass":
				pr.Summary.Pass++
			case "fail":
				pr.Summary.Fail++
			case "warn":
				pr.Summary.Warn++
			case "error":
				pr.Summary.Error++
			default:
				pr.Summary.Skip++
			}
			pr.Results = append(pr.Results, PolicyResult{
				Policy:     PolicyName,
				Rule:       string(f.Check),
				Category:   "securityContext",
				Result:     result,
				Severity:   string(f.Severity),
				Scored:     scored,
				Source:     PolicyName,
				Timestamp:  ts,
				Message:    f.Message,
				Resources:  []ObjectReference{res},
				Properties: properties(r, f),
			})
		}
	}
	return pr
}

// scopeOf is the object the reports are about.
func scopeOf(reports []*Report, pod PodRef) ObjectReference {
	var kind, name, ns string
	if len(reports) > 0 {
		kind, name, _ = strings.Cut(reports[0].Target.Workload, "/")
		ns = reports[0].Target.Namespace
	}
	if pod.Name != "" || kind == "Pod" {
		ref := ObjectReference{APIVersion: "v1", Kind: "Pod", Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID}
		if ref.Name == "" {
			ref.Name = name
		}
		if ref.Namespace == "" {
			ref.Namespace = ns
		}
		return ref
	}
	api := workloadAPIVersions[kind]
	if api == "" {
		api = "v1"
	}
	if pod.Namespace != "" {
		ns = pod.Namespace
	}
	return ObjectReference{APIVersion: api, Kind: kind, Name: name, Namespace: ns}
}

// containerFieldPath names the container in its pod, as ObjectReference's
// fieldPath does ("spec.containers{app}").
func containerFieldPath(t Target) string {
	if t.Container == "" {
		return ""
	}
	return "spec." + t.ContainerKind.Field() + "{" + t.Container + "}"
}

// properties are a finding's values as strings.
func properties(r *Report, f Finding) map[string]string {
	p := map[string]string{"container": r.Target.Container}
	set := func(k, v string) {
		if v != "" {
			p[k] = v
		}
	}
	set("subject", f.Subject)
	set("expected", f.Expected)
	set("observed", f.Observed)
	if o := f.Outcomes; o != nil {
		// A node-dependent expectation: each legitimate value with the
		// node configuration that yields it, and the one seen.
		parts := make([]string, len(o.Legitimate))
		for i, l := range o.Legitimate {
			parts[i] = l.Value + " where " + l.When
		}
		set("outcomes", strings.Join(parts, "; "))
		if o.Seen != nil {
			set("outcome", o.Seen.Value)
		}
	}
	procs := f.Processes
	if len(procs) == 0 {
		procs = r.Target.Processes
	}
	var pids, comms []string
	for _, pr := range procs {
		pids = append(pids, strconv.Itoa(pr.PID))
		comms = append(comms, pr.Comm)
	}
	if len(pids) == 0 && r.Target.PID != 0 {
		pids, comms = []string{strconv.Itoa(r.Target.PID)}, []string{r.Target.Comm}
	}
	set("pids", strings.Join(pids, ","))
	set("comms", strings.Trim(strings.Join(comms, ","), ","))
	set("hint", f.Hint)
	if f.Waived != nil {
		set("waived", f.Waived.String())
	}
	set("scope", f.Scope)
	set("profile", r.Profile)
	return p
}

// dnsSubdomain makes s a valid object name (an RFC 1123 subdomain): lower
// case alphanumerics and '-' in labels separated by '.', each label
// starting and ending with an alphanumeric, at most 253 characters.
func dnsSubdomain(s string) string {
	var labels []string
	for _, part := range strings.Split(strings.ToLower(s), ".") {
		var b strings.Builder
		for _, r := range part {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			} else if !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
		if l := strings.Trim(b.String(), "-"); l != "" {
			labels = append(labels, l)
		}
	}
	out := strings.Join(labels, ".")
	if len(out) > 253 {
		out = strings.TrimRight(out[:253], "-.")
	}
	if out == "" {
		return PolicyName
	}
	return out
}

// WritePolicyReportFile writes pr to path atomically: to a temporary file
// in the same directory, then renamed over path, so a collector never
// reads half a report. A path ending in .yaml or .yml gets YAML, any
// other JSON.
func WritePolicyReportFile(path string, pr *PolicyReport) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".secctx-policyreport-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing left
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		err = WriteYAML(f, pr)
	default:
		err = WriteJSON(f, pr)
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
