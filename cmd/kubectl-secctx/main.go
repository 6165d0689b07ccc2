// Command kubectl-secctx is the kubectl plugin of secctx: `kubectl secctx
// verify POD` runs secctx against a live pod's container, in an ephemeral
// container that shares its process namespace (or, with --exec, streamed
// into the container itself), against the pod's own manifest, and prints the
// report; `kubectl secctx pods` lists the pods that run the secctx sidecar
// with their last report, read through the API server's pod proxy.
//
// Unlike secctx itself, the plugin links client-go: it runs beside kubectl,
// never inside a container.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// version and commit are set at build time (-ldflags "-X main.version=...
// -X main.commit=...": make plugin, make release).
var (
	version = "dev"
	commit  = "unknown"
)

// Exit codes, as secctx verify's.
const (
	exitOK         = 0 // no drift at or above --fail-on
	exitDrift      = 1 // drift at or above --fail-on
	exitUsage      = 2 // bad usage: flags, pod or container not found, a bad spec
	exitUnobserved = 3 // the container could not be verified at all
)

// exitError carries an exit code and one line for stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Sprintf(format, args...)}
}

func blindErr(format string, args ...any) error {
	return &exitError{exitUnobserved, fmt.Sprintf(format, args...)}
}

// env is the process's outside world, replaceable in tests.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// kubeFlags are kubectl's connection flags (--kubeconfig, --context,
// --namespace/-n, --server, --token, --as, ...).
type kubeFlags struct {
	kubeconfig string
	overrides  clientcmd.ConfigOverrides
}

func (k *kubeFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&k.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (else $KUBECONFIG, else ~/.kube/config)")
	names := clientcmd.RecommendedConfigOverrideFlags("")
	names.Timeout.LongName = "request-timeout"
	clientcmd.BindOverrideFlags(&k.overrides, fs, names)
}

// clients builds the REST config, a clientset and the namespace in force.
func (k *kubeFlags) clients() (*rest.Config, kubernetes.Interface, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = k.kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &k.overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, nil, "", usageErr("kubeconfig: %v", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, nil, "", usageErr("kubeconfig: %v", err)
	}
	cfg.UserAgent = "kubectl-secctx/" + version
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, "", usageErr("kubeconfig: %v", err)
	}
	return cfg, cs, ns, nil
}

const usage = `kubectl secctx: verify a live pod's securityContext with secctx

Usage:
  kubectl secctx verify POD [-c CONTAINER] [-n NAMESPACE] [-o json|text] [--fail-on SEVERITY] [--image IMAGE] [--exec]
  kubectl secctx pods [-n NAMESPACE | -A] [-o json|text]
  kubectl secctx version

verify runs secctx against the container, in an ephemeral container that
shares its process namespace, with the pod's own manifest as the expected
spec; --exec streams the secctx binary into the container instead. Exit
codes: 0 no drift at or above --fail-on, 1 drift, 2 bad usage, 3 not
verifiable. pods lists the pods running the secctx sidecar with its last
report. Every command takes kubectl's connection flags (--kubeconfig,
--context, -n, --as, ...); "kubectl secctx COMMAND --help" lists them.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// run dispatches a command and turns its error into one line on stderr and
// an exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "verify":
		err = runVerify(ctx, args[1:], e)
	case "pods":
		err = runPods(ctx, args[1:], e)
	case "version":
		fmt.Fprintf(e.stdout, "kubectl-secctx %s (commit %s, %s, %s/%s; default image %s)\n",
			version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH, defaultImage())
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
	default:
		fmt.Fprintf(e.stderr, "kubectl-secctx: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return exitCode(err, e)
}

func exitCode(err error, e *env) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	var xe *exitError
	if errors.As(err, &xe) {
		if xe.msg != "" {
			fmt.Fprintln(e.stderr, "kubectl-secctx: "+oneLine(xe.msg))
		}
		return xe.code
	}
	fmt.Fprintln(e.stderr, "kubectl-secctx: "+oneLine(err.Error()))
	return exitUnobserved
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// defaultImage is the secctx image of this plugin's version.
func defaultImage() string {
	tag := version
	if tag == "" || tag == "dev" || strings.HasSuffix(tag, "-dirty") {
		tag = "latest"
	}
	return "ghcr.io/secctx/secctx:" + tag
}
