// Package kubelet is secctx's kubelet tier: it runs the static secctx binary
// inside pods that a real kubelet (v1.33, built by scripts/kube/build.sh)
// starts through a real containerd, and checks secctx's report against what
// those two really did with each manifest.
//
// The node is scripts/kube/node.sh: a containerd with a project-owned
// configuration and a standalone kubelet (no API server) that runs static
// pods. The suite brings it up once per node configuration:
//
//   - containerd 1.6 (Debian's, runc 1.1) with its stock settings, and with
//     enable_unprivileged_ports / enable_unprivileged_icmp on (containerd 2's
//     defaults), each with the kubelet's seccompDefault off and on;
//   - containerd 2.2 with runc 1.3 (built from source), seccompDefault off
//     and on, where hostUsers: false and supplementalGroupsPolicy: Strict run.
//
// Every manifest under testdata/pods and testdata/workloads becomes a static
// pod whose containers run `secctx verify -o json` against the pod's own
// manifest, mounted from a hostPath directory (standing in for a ConfigMap)
// and named by SECCTX_SPEC_FILE; for a workload, secctx gets the workload
// manifest and --workload. The report is read from the container's log. The
// truth asserted is zero drift wherever the kubelet and containerd honour a
// field; what they refuse (an unsafe sysctl not allow-listed, Strict or
// hostUsers: false on containerd 1.6, pod-level runAsGroup without
// runAsUser, ...) must be refused, with the reason recorded. The pods under
// testdata/runtime run an app (testdata/mutate) that changes its own
// security state after start beside a `secctx watch` sidecar that must report
// the change as drift naming the process. Where the manifest leaves a field
// to the node (the kubelet's seccompDefault, containerd's unprivileged port
// and ICMP sysctls, the kubelet's masked paths), secctx expects the set of
// legitimate outcomes, and each finding must say it saw the one this node
// configuration gives (nodeTruth). Every report must follow
// schema/report.schema.json.
//
// One node runs on the machine at a time: TestMain holds an exclusive
// flock on /run/lock/secctx-node.lock ($SECCTX_NODE_LOCK) for the whole run,
// waiting for it while another run (a cluster tier, node.sh by hand) holds
// it.
//
// Every manifest is also linted on the host (`secctx lint
// --profile=containerd`, with the node's --allowed-unsafe-sysctls), and each
// prediction is held to what the node did on every configuration: a check
// predicted to drift drifts in that container's report, one predicted not
// to drift does not, a pod predicted not to run is refused for the reason
// the rule names, and every refusal is one a finding predicts (lint_test.go).
//
// The pods under testdata/exec run `secctx exec --spec=... -- /bin/sh -c
// APP` as their command: where the spec is honoured the app replaces secctx
// as pid 1 and prints what it runs as; where it is not (seLinuxOptions on
// this SELinux-less node, a spec file declaring another runAsUser) the
// container exits 1 with the report on stderr and the app never runs, unless
// --warn-only; and deleting a running pod delivers SIGTERM to the app's own
// handler (exec_test.go).
//
// For the manifests that mirror a scenario of the runc tier (package e2e),
// the suite captures the OCI config containerd really produced and compares
// its security-relevant fields with the golden files under
// ../testdata/kubelet-golden; package e2e compares the same files with its
// own config generator (SECCTX_UPDATE_GOLDEN=1 rewrites them).
//
// The suite needs root and the binaries of scripts/install-deps.sh and
// scripts/kube/build.sh (`make kube-build`). Without them it skips, unless
// SECCTX_E2E_REQUIRED=1, which turns the skip into a failure.
// SECCTX_KUBELET_REPORT_ONLY=1 logs drift instead of failing on it (for
// iterating on the resolver); the default asserts the truth.
package kubelet
