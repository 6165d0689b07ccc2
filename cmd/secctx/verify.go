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
line (one JSON line of at most 12 KiB, as the sidecar writes: the summary
and the drifts with their values, for a log pipeline).`,
	example: `  # In a pod, against its own manifest
  kubectl get pod web -o yaml |
    kubectl exec -i web -c app -- /secctx verify --spec - -c app

  # A JSON report; never fail, only report
  secctx verify --spec pod.yaml -ojson --fail-on none

  # Another process of this container, as a PolicyReport
  secctx verify --spec pod.yaml --pid 42 -o policyreport | kubectl apply -f -`,
	exits: exitsVerify,
	flags: func(fs *pflag.FlagSet, o *options) {
		o.outputFlag(fs, formatText, reportFormats, "output format")
		o.specFlags(fs)
		o.pidFlag(fs, "process to verify")
		o.failOnFlag(fs, "exit 1 when a drift is")
		o.colorFlag(fs, "stdout")
		o.procFlag(fs)
		o.logFlags(fs, "warn", "text")
	},
	run: runVerify,
}

// runVerify compares the spec with the observed state of one process.
func runVerify(c *call) int {
	spec, v, err := c.o.verifier(c.env.stdin)
	if err != nil {
		return c.fail(exitUsage, err)
	}
	if spec.Loaded.Default {
		c.log.Info().Msg("no spec given: verifying against the Pod Security Standards restricted profile")
	}
	r, err := v.Verify(c.o.pid)
	if unobserved(err) {
		return c.fail(exitUnobserved, err)
	} else if err != nil {
		return c.fail(exitUsage, err)
	}
	r.Target.SetContainment(probe.NewFS(c.o.procRoot).ContainerSigns(c.o.pid))
	if err := c.writeReport(c.env.stdout, r); err != nil {
		return c.fail(exitUsage, err)
	}
	if failing(r, c.o) {
		return exitDrift
	}
	return exitOK
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
