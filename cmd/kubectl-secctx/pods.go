package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	sigsjson "sigs.k8s.io/json"

	"github.com/secctx/secctx/report"
)

// sidecar is a container that runs `secctx watch`.
type sidecar struct {
	Container string `json:"container"`
	// Port serves /report, "" when the sidecar does not listen (no --listen).
	Port string `json:"port,omitempty"`
}

// findSidecars recognises the secctx sidecars of a pod: a container (or a
// native sidecar, an init container that restarts always) whose image or
// command names secctx and whose first argument after the binary is the
// `watch` command, as deploy/eci's sidecar is. Its report port is
// --listen's, else $SECCTX_LISTEN's.
func findSidecars(pod *corev1.Pod) []sidecar {
	var out []sidecar
	consider := func(c *corev1.Container) {
		argv := append(append([]string(nil), c.Command...), c.Args...)
		if !namesSecctx(c.Image, c.Command) {
			return
		}
		// The subcommand: the first word that is not the binary itself.
		sub := ""
		for _, a := range argv {
			if path.Base(a) == "secctx" {
				continue
			}
			sub = a
			break
		}
		if sub != "watch" {
			return
		}
		s := sidecar{Container: c.Name}
		listen := ""
		for _, e := range c.Env {
			if e.Name == "SECCTX_LISTEN" {
				listen = e.Value
			}
		}
		for i, a := range argv {
			if v, ok := strings.CutPrefix(a, "--listen="); ok {
				listen = v
			} else if v, ok := strings.CutPrefix(a, "-listen="); ok {
				listen = v
			} else if (a == "--listen" || a == "-listen") && i+1 < len(argv) {
				listen = argv[i+1]
			}
		}
		if listen != "" {
			if _, port, err := net.SplitHostPort(listen); err == nil {
				s.Port = port
			}
		}
		out = append(out, s)
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			consider(c)
		}
	}
	for i := range pod.Spec.Containers {
		consider(&pod.Spec.Containers[i])
	}
	return out
}

// namesSecctx: the image's repository is named secctx (any registry, tag or
// digest), or the command runs a binary named secctx.
func namesSecctx(image string, command []string) bool {
	if len(command) > 0 && path.Base(command[0]) == "secctx" {
		return true
	}
	repo := image
	if i := strings.IndexByte(repo, '@'); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo = repo[:i]
	}
	return path.Base(repo) == "secctx"
}

// sidecarStatus is one sidecar's last reports, or why there are none.
type sidecarStatus struct {
	Namespace string           `json:"namespace"`
	Pod       string           `json:"pod"`
	Sidecar   string           `json:"sidecar"`
	Port      string           `json:"port,omitempty"`
	Error     string           `json:"error,omitempty"`
	Reports   []*report.Report `json:"reports"`
}

// SidecarList is the JSON document of `kubectl secctx pods -o json`.
type SidecarList struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Items      []sidecarStatus `json:"items"`
}

// decodeReports reads /report: one report, or an array of them (one per
// verified container).
func decodeReports(b []byte) ([]*report.Report, error) {
	s := strings.TrimSpace(string(b))
	var out []*report.Report
	var err error
	if strings.HasPrefix(s, "[") {
		err = sigsjson.UnmarshalCaseSensitivePreserveInts([]byte(s), &out)
	} else {
		var r report.Report
		err = sigsjson.UnmarshalCaseSensitivePreserveInts([]byte(s), &r)
		out = []*report.Report{&r}
	}
	if err != nil {
		return nil, fmt.Errorf("/report is not JSON: %v", err)
	}
	for _, r := range out {
		if r == nil || r.Kind != report.Kind {
			return nil, fmt.Errorf("/report holds no %s", report.Kind)
		}
	}
	return out, nil
}

// podsOptions are the flags of `kubectl secctx pods`.
type podsOptions struct {
	kube          *kubeFlags
	allNamespaces bool
	selector      string
	print         printer
	failOn        string
	timeout       time.Duration
}

// podsFlagSet registers the flags of pods (kubectl's are in kube).
func podsFlagSet(fs *pflag.FlagSet, kube *kubeFlags) func(context.Context, []string, *env) error {
	o := &podsOptions{kube: kube}
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "list the pods of every namespace")
	fs.StringVarP(&o.selector, "selector", "l", "", "label selector of the pods, as kubectl's (app=web, 'tier in (web,api)', !canary)")
	o.print.register(fs)
	fs.StringVar(&o.failOn, "fail-on", "low", "exit 1 when a sidecar reports a drift"+failOnHelp)
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long to wait for the API server and the sidecars")
	return func(ctx context.Context, args []string, e *env) error { return runPods(ctx, o, args, e) }
}

// runPods is `kubectl secctx pods` with its parsed flags.
func runPods(ctx context.Context, o *podsOptions, args []string, e *env) error {
	if len(args) != 0 {
		return usageErr("pods takes no arguments")
	}
	if err := o.print.check(); err != nil {
		return err
	}
	if _, err := labels.Parse(o.selector); err != nil {
		return usageErr("-l: %v", err)
	}
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return err
	}
	_, cs, ns, err := o.kube.clients()
	if err != nil {
		return err
	}
	if o.allNamespaces {
		ns = metav1.NamespaceAll
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	items, err := collectSidecars(ctx, cs, ns, o.selector)
	if err != nil {
		return err
	}
	if err := printSidecars(e.stdout, &o.print, items, o.allNamespaces, time.Now()); err != nil {
		return blindErr("%v", err)
	}
	for _, it := range items {
		for _, r := range it.Reports {
			if failOn.failing(r) {
				return &exitError{code: exitDrift}
			}
		}
	}
	return nil
}

// printSidecars writes the sidecars in p's format: a table (wide: with
// more columns), a SidecarReportList, or a pod/NAME line per pod.
func printSidecars(w io.Writer, p *printer, items []sidecarStatus, withNS bool, now time.Time) error {
	text := func(w io.Writer, wide bool) error {
		return writeSidecarTable(w, items, withNS, wide, now)
	}
	var names []string
	for i, it := range items {
		if i == 0 || it.Pod != items[i-1].Pod || it.Namespace != items[i-1].Namespace {
			names = append(names, "pod/"+it.Pod)
		}
	}
	doc := SidecarList{APIVersion: report.APIVersion, Kind: "SidecarReportList", Items: items}
	return p.print(w, doc, text, names)
}

// collectSidecars lists the pods and reads each sidecar's /report through
// the API server's pod proxy.
func collectSidecars(ctx context.Context, cs kubernetes.Interface, ns, selector string) ([]sidecarStatus, error) {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, blindErr("listing pods: %v", err)
	}
	pods := list.Items
	sort.Slice(pods, func(i, j int) bool {
		if pods[i].Namespace != pods[j].Namespace {
			return pods[i].Namespace < pods[j].Namespace
		}
		return pods[i].Name < pods[j].Name
	})
	items := []sidecarStatus{}
	for i := range pods {
		p := &pods[i]
		for _, s := range findSidecars(p) {
			it := sidecarStatus{Namespace: p.Namespace, Pod: p.Name, Sidecar: s.Container, Port: s.Port, Reports: []*report.Report{}}
			switch {
			case s.Port == "":
				it.Error = "the sidecar does not serve /report (no --listen)"
			case p.Status.Phase != corev1.PodRunning:
				it.Error = "pod is " + strings.ToLower(string(p.Status.Phase))
			default:
				b, err := cs.CoreV1().Pods(p.Namespace).ProxyGet("http", p.Name, s.Port, "report", nil).DoRaw(ctx)
				if err != nil {
					it.Error = proxyError(err, b)
				} else if it.Reports, err = decodeReports(b); err != nil {
					it.Error = err.Error()
					it.Reports = []*report.Report{}
				}
			}
			items = append(items, it)
		}
	}
	return items, nil
}

// proxyError shortens a pod proxy failure (the sidecar's own 503 text
// included).
func proxyError(err error, body []byte) string {
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		st := se.Status()
		if st.Code == 503 && len(body) > 0 && len(body) < 200 {
			return "sidecar: " + strings.TrimSpace(string(body))
		}
		return fmt.Sprintf("pod proxy: %s", oneLine(st.Message))
	}
	return "pod proxy: " + oneLine(err.Error())
}

// writeSidecarTable prints one line per verified container of each
// sidecar; wide adds the sidecar's port and the other counts.
func writeSidecarTable(w io.Writer, items []sidecarStatus, withNS, wide bool, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	cols := []string{"POD", "SIDECAR", "CONTAINER", "DRIFT", "HIGHEST", "LAST VERIFIED"}
	if withNS {
		cols = append([]string{"NAMESPACE"}, cols...)
	}
	if wide {
		cols = append(cols, "PORT", "OK", "UNKNOWN", "SKIPPED")
	}
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, it := range items {
		lead := []string{it.Pod, it.Sidecar}
		if withNS {
			lead = append([]string{it.Namespace}, lead...)
		}
		if it.Error != "" || len(it.Reports) == 0 {
			msg := it.Error
			if msg == "" {
				msg = "no report yet"
			}
			row := append(lead, "-", "-", "-", msg)
			if wide {
				row = append(row, dash(it.Port), "-", "-", "-")
			}
			fmt.Fprintln(tw, strings.Join(row, "\t"))
			continue
		}
		for _, r := range it.Reports {
			highest := string(r.Summary.HighestSeverity)
			if highest == "" {
				highest = "-"
			}
			row := append(append([]string(nil), lead...), r.Target.Container, strconv.Itoa(r.Summary.Drift), highest, age(now, r.Time))
			if wide {
				row = append(row, dash(it.Port), strconv.Itoa(r.Summary.OK), strconv.Itoa(r.Summary.Unknown), strconv.Itoa(r.Summary.Skipped))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
	}
	return tw.Flush()
}

// dash is s, or "-" when empty.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// age renders how long ago t was, as kubectl does (5s, 3m, 2h, 4d).
func age(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}
