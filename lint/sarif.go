package lint

import (
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/waiver"
)

// SARIF 2.1.0 output: one run, secctx as the tool, a rule per lint rule
// and per Pod Security Standards control, a result per finding and per
// violation, located in the manifest file at the field's line.

// SARIFSchema is the schema URI the log names.
const SARIFSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// RepositoryURL is the project's repository, from its module path
// (github.com/secctx/secctx); DocsURL is its docs/ directory, where
// docs/lint.md has an anchor per rule id and per Pod Security Standards
// control id.
const (
	RepositoryURL = "https://github.com/secctx/secctx"
	DocsURL       = RepositoryURL + "/blob/main/docs/"
)

// fingerprintKey names secctx's partial fingerprint: a hash of what
// identifies a finding apart from its line, so that a result keeps its
// identity when lines above it move.
const fingerprintKey = "secctxFinding/v1"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	ColumnKind  string            `json:"columnKind"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

// sarifInvocation is the run's invocation: lint ran to its end (a run
// that cannot writes no log).
type sarifInvocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties"`
}

// sarifSuppression is a waiver: inSource for the workload's annotation,
// external for --skip and a waiver file.
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

// suppressions are a waived finding's suppressions.
func suppressions(m *waiver.Mark) []sarifSuppression {
	if m == nil {
		return nil
	}
	kind := "external"
	if m.Source == waiver.SourceAnnotation {
		kind = "inSource"
	}
	return []sarifSuppression{{Kind: kind, Status: "accepted", Justification: m.String()}}
}

// fingerprint hashes the parts that identify a result (FNV-1a, 128 bits:
// an identity, not a secret).
func fingerprint(parts ...string) map[string]string {
	h := fnv.New128a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return map[string]string{fingerprintKey: hex.EncodeToString(h.Sum(nil))}
}

// securitySeverity is GitHub code scanning's security-severity of a
// severity: a number from 0.0 to 10.0 as a string, in the band GitHub
// names alike (over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium,
// 0.1 to 3.9 low); "" for info, which has none.
func securitySeverity(s report.Severity) string {
	return map[report.Severity]string{report.SeverityCritical: "9.5", report.SeverityHigh: "8.0",
		report.SeverityMedium: "5.5", report.SeverityLow: "3.0"}[s]
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s report.Severity) string {
	switch s {
	case report.SeverityCritical, report.SeverityHigh:
		return "error"
	case report.SeverityMedium, report.SeverityLow:
		return "warning"
	}
	return "note"
}

// pssControls are the controls, for the SARIF rules.
var pssControls = []struct{ name, id, help string }{
	{ControlHostProcess, "pss-host-process", "Windows HostProcess containers must not be used (baseline)."},
	{ControlHostNamespaces, "pss-host-namespaces", "hostNetwork, hostPID and hostIPC must be unset or false (baseline)."},
	{ControlPrivileged, "pss-privileged", "privileged must be unset or false (baseline)."},
	{ControlCapabilities, "pss-capabilities", "baseline allows adding only the default capabilities; restricted requires drop ALL and allows adding only NET_BIND_SERVICE."},
	{ControlHostPathVolumes, "pss-hostpath-volumes", "hostPath volumes are forbidden (baseline)."},
	{ControlHostPorts, "pss-host-ports", "hostPort must be unset or 0 (baseline)."},
	{ControlHostProbes, "pss-host-probes", "probe and lifecycle handler hosts must be unset (baseline, 1.34+)."},
	{ControlAppArmor, "pss-apparmor", "AppArmor must not be set to Unconfined (baseline)."},
	{ControlSELinux, "pss-selinux", "SELinux type must be a container type; user and role must be unset (baseline)."},
	{ControlProcMount, "pss-proc-mount", "procMount must be Default (baseline; restricted even in a user namespace from 1.35)."},
	{ControlSeccomp, "pss-seccomp", "seccomp must not be Unconfined (baseline) and must be RuntimeDefault or Localhost (restricted)."},
	{ControlSysctls, "pss-sysctls", "only the safe sysctls are allowed (baseline)."},
	{ControlVolumeTypes, "pss-volume-types", "only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes (restricted)."},
	{ControlPrivilegeEscalate, "pss-privilege-escalation", "allowPrivilegeEscalation must be false (restricted)."},
	{ControlRunAsNonRoot, "pss-run-as-non-root", "runAsNonRoot must be true (restricted)."},
	{ControlRunAsNonRootUser, "pss-run-as-non-root-user", "runAsUser must not be 0 (restricted)."},
}

// WriteSARIF writes the report as a SARIF 2.1.0 log. version is secctx's.
func WriteSARIF(w io.Writer, rep *Report, version string) error {
	run, index := sarifRunOf(rep.Profile, rep.PodSecurityVersion, version)
	for _, f := range rep.Findings {
		run.Results = append(run.Results, findingResult(f, index))
	}
	for _, wl := range rep.Workloads {
		run.Results = append(run.Results, violationResults(wl, index)...)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

// sarifRunOf is the run of a report without its results, and the index
// of its rules.
func sarifRunOf(profile, pssVersion, version string) (sarifRun, map[string]int) {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "secctx", Version: version,
			InformationURI: RepositoryURL, Rules: sarifRules()}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
		ColumnKind:  "unicodeCodePoints",
		Properties:  map[string]any{"profile": profile, "podSecurityVersion": pssVersion},
	}
	index := map[string]int{}
	for i, r := range run.Tool.Driver.Rules {
		index[r.ID] = i
	}
	return run, index
}

// findingResult is a finding's SARIF result.
func findingResult(f Finding, index map[string]int) sarifResult {
	props := map[string]any{"effect": f.Effect, "severity": f.Severity, "verify": f.Verify, "field": f.Field, "workload": f.Workload}
	if f.Check != "" {
		props["check"] = f.Check
	}
	if f.Waived != nil {
		props["waived"] = f.Waived.String()
	}
	return sarifResult{
		RuleID: f.Rule, RuleIndex: index[f.Rule], Level: sarifLevel(f.Severity),
		Message:             sarifText{f.Message},
		Locations:           []sarifLocation{location(f.File, f.Line, f.Column, logicalName(f.Workload, f.Container, f.Field))},
		PartialFingerprints: fingerprint(f.Rule, f.File, f.Namespace, f.Workload, f.Container, f.Field),
		Suppressions:        suppressions(f.Waived),
		Properties:          props,
	}
}

// violationResults are the SARIF results of a workload's Pod Security
// Standards violations.
func violationResults(wl Workload, index map[string]int) []sarifResult {
	var out []sarifResult
	for _, v := range wl.PodSecurity.Violations {
		id := controlIDs[v.Control]
		level := "note"
		if v.Level == LevelBaseline {
			level = "warning"
		}
		out = append(out, sarifResult{
			RuleID: id, RuleIndex: index[id], Level: level,
			Message: sarifText{"Pod Security Standards " + wl.PodSecurity.Version + ", " + v.Control +
				" (keeps the pod from " + string(v.Level) + "): " + v.Message},
			Locations:           []sarifLocation{location(wl.File, v.Line, 0, logicalName(wl.Workload, v.Container, v.Field))},
			PartialFingerprints: fingerprint(id, wl.File, wl.Namespace, wl.Workload, v.Container, v.Field),
			Properties:          map[string]any{"control": v.Control, "blocks": v.Level, "field": v.Field, "workload": wl.Workload},
		})
	}
	return out
}

// controlIDs are the SARIF rule ids of the controls, by name.
var controlIDs = func() map[string]string {
	m := map[string]string{}
	for _, c := range pssControls {
		m[c.name] = c.id
	}
	return m
}()

// sarifRules are the run's rules: one per lint rule, by id, then one per
// Pod Security Standards control.
func sarifRules() []sarifRule {
	var out []sarifRule
	for _, r := range Rules() {
		props := map[string]any{"effect": r.Effect, "severity": r.Severity, "verify": r.Verify, "source": r.Source,
			"tags": []string{"security", "kubernetes", string(r.Effect)}}
		if r.Check != "" {
			props["check"] = r.Check
		}
		if r.Requires != nil {
			props["profiles"] = r.Profiles()
		}
		if ss := securitySeverity(r.Severity); ss != "" {
			props["security-severity"] = ss
		}
		out = append(out, sarifRule{
			ID: r.ID, Name: ruleName(r.ID), ShortDescription: sarifText{r.Summary},
			FullDescription: sarifText{r.Summary + ". " + r.Help}, Help: sarifText{r.Help + " Source: " + r.Source + "."},
			HelpURI:              DocsURL + "lint.md#" + r.ID,
			DefaultConfiguration: sarifConfig{sarifLevel(r.Severity)}, Properties: props,
		})
	}
	for _, c := range pssControls {
		out = append(out, sarifRule{
			ID: c.id, Name: ruleName(c.id), ShortDescription: sarifText{"Pod Security Standards: " + c.name},
			FullDescription:      sarifText{"Pod Security Standards control " + c.name + ": " + c.help},
			Help:                 sarifText{c.help + " Source: Kubernetes Pod Security Standards, proved against k8s.io/pod-security-admission/policy."},
			HelpURI:              DocsURL + "lint.md#" + c.id,
			DefaultConfiguration: sarifConfig{"note"},
			Properties:           map[string]any{"control": c.name, "tags": []string{"security", "kubernetes", "pod-security-standards"}},
		})
	}
	return out
}

// location is a result's place: the file, the line when known, and the
// workload/container/field as a logical location.
func location(file string, line, col int, logical string) sarifLocation {
	l := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: artifactURI(file)}}}
	if line > 0 {
		l.PhysicalLocation.Region = &sarifRegion{StartLine: line, StartColumn: col}
	}
	if logical != "" {
		l.LogicalLocations = []sarifLogical{{FullyQualifiedName: logical, Kind: "member"}}
	}
	return l
}

func logicalName(workload, container, field string) string {
	parts := []string{}
	for _, p := range []string{workload, container, field} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

// artifactURI is a file path as a URI reference: relative paths stay
// relative (to the directory lint ran in), absolute ones become file URIs.
func artifactURI(file string) string {
	if file == "-" {
		return "stdin"
	}
	p := filepath.ToSlash(file)
	if filepath.IsAbs(file) {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: strings.TrimPrefix(p, "./")}).String()
}

// ruleName turns an id into SARIF's PascalCase rule name.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
