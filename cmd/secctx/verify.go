package main

import (
	"errors"

	"github.com/spf13/pflag"

	"github.com/secctx/secctx/probe"
	"github.com/secctx/secctx/report"
	"github.com/secctx/secctx/verify"
)

var verifyCommand = &command{
	name:    "verify",
	usage:   "[flags]",
	summary: "compare a process's security state with its securityContext",
	long: `Compare the securityContext a container declares with the security state
its process really has: capabilities, uid/gid/groups, no_new_privs, seccomp,
the LSM label, mount flags and masked paths, sysctls and the user-namespace
map. The expected state is resolved from the spec as the kubelet and the
runtime (--profile) would; the report lists every check as ok, drift,
unknown or skipped. It also says whether the process looks containerised:
run on a host, drift is the host's own state.

Outputs: text (fits 80 columns, drift first), wide (every column whole),
json and yaml (the VerificationReport), policyreport (a wgpolicyk8s.io/
v1alpha2 PolicyReport about the pod; $SECCTX_POD_NAME, $SECCTX_POD_NAMESPACE
and $SECCTX_POD_UID, from the downward API, name it when the spec does not),
openreport (the same as an openreports.io/v1alpha1 Report, which Kyverno
1.15 and Policy Reporter 3.2 read), junit (JUnit XML for CI: a testcase per
check, failed at --fail-on), line (one JSON line of at most 12 KiB, as the
sidecar writes: the summary and the drifts with their values, for a log
pipeline).

--target chooses what is verified, as watch's does: self (the default),
pid:N (as --pid), or the processes of a container, found by their cgroup
and never by an assumed pid: container-id:ID (the id the pod's status
gives, with or without its containerd:// or cri-o:// scheme; what kubectl
secctx passes), comm:NAME, exe:PATH, or others (every other container of
the pod). The processes of a container are verified together, in one
report listing them (one process: its report, as --pid gives it). PID 1
is not a container's process in the node's PID namespace (hostPID):
--pid 1 there exits 3 and says so.

Waivers accept a known finding: the pod's secctx.io/waive annotation,
--skip and --waivers FILE name check ids with a reason; a waived finding is
reported as skipped with its reason and never fails the run
(docs/waivers.md).`,
	example: `  # In a pod, against its own manifest
  kubectl get pod web -o yaml |
    kubectl exec -i web -c app -- /secctx verify --spec - -c app

  # A JSON report; never fail, only report
  secctx verify --spec pod.yaml -ojson --fail-on none

  # Accept a known drift, with the reason in a file
  secctx verify --spec pod.yaml --waivers waivers.yaml

  # Another process of this container, as a PolicyReport
  secctx verify --spec pod.yaml --pid 42 -o policyreport | kubectl apply -f -

  # The processes of the container with this id (as in the pod's status)
  secctx verify --spec pod.yaml -c app --target containerd://4c1f...e9`,
	exits: exitsVerify,
	flags: func(fs *pflag.FlagSet, o *options) {
		o.outputFlag(fs, formatText, reportFormats, "output format")
		o.specFlags(fs)
		o.pidFlag(fs, "process to verify")
		fs.StringVar(&o.target, "target", "", "what to verify: "+verify.SelectorSyntax+" (default self, or the --pid)")
		o.failOnFlag(fs, "exit 1 when a drift is")
		o.waiverFlags(fs, "findings of checks")
		o.colorFlag(fs, "stdout")
		o.procFlag(fs)
		o.logFlags(fs, "warn", "text")
	},
	run: runVerify,
}

// runVerify compares the spec with the observed state of one process.
func runVerify(c *call) int {
	sel, err := c.o.selector()
	if err != nil {
		return c.usage(err)
	}
	spec, v, err := c.o.verifier(c.env.stdin)
	if err != nil {
		return c.fail(exitUsage, err)
	}
	if spec.Loaded.Default {
		c.log.Info().Msg("no spec given: verifying against the Pod Security Standards restricted profile")
	}
	fs := probe.NewFS(c.o.procRoot)
	r, err := v.VerifySelected(verify.NewListing(fs), sel)
	if unobserved(err) {
		return c.fail(exitUnobserved, err)
	} else if err != nil {
		return c.fail(exitUsage, err)
	}
	signsOf := r.Target.PID
	if sel.Kind == verify.SelectSelf {
		signsOf = 0 // self's pid as its proc root sees it
	}
	r.Target.SetContainment(fs.ContainerSigns(signsOf))
	if err := c.writeReport(c.env.stdout, r); err != nil {
		return c.fail(exitUsage, err)
	}
	if failing(r, c.o) {
		return exitDrift
	}
	return exitOK
}

// selector is --target, or --pid as pid:N; both at once are bad usage.
func (o *options) selector() (verify.Selector, error) {
	if o.target == "" {
		if o.pid != 0 {
			return verify.Selector{Kind: verify.SelectPID, PID: o.pid}, nil
		}
		return verify.Selector{Kind: verify.SelectSelf}, nil
	}
	if o.pid != 0 {
		return verify.Selector{}, usagef("--pid and --target: give one")
	}
	sel, err := verify.ParseSelector(o.target)
	if err != nil {
		return sel, usagef("--target %q: %v", o.target, err)
	}
	return sel, nil
}

// unobserved reports whether err says the process could not be observed
// (BlindError) or is not the container's (NotFoundError): exit 3.
func unobserved(err error) bool {
	var blind *verify.BlindError
	var notFound *verify.NotFoundError
	return errors.As(err, &blind) || errors.As(err, &notFound)
}

// failing applies --fail-on to a report.
func failing(r *report.Report, o *options) bool {
	sev, never := o.failOnSeverity()
	return !never && r.Failing(sev)
}

// fail logs err (one line on stderr) and returns code.
func (c *call) fail(code int, err error) int {
	c.log.Error().Msg(err.Error())
	return code
}
