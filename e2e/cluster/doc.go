// Package cluster is secctx's cluster tier: it runs the kubectl plugin,
// `kubectl secctx`, against pods of a real single-node cluster on this
// machine (scripts/kube/cluster.sh: etcd and kube-apiserver on 127.0.0.1, a
// kubelet registered to it, containerd; everything from the cache
// scripts/kube/build.sh and `cluster.sh deps` fill).
//
// The node is containerd 1.6 with enable_unprivileged_ports and
// enable_unprivileged_icmp on and the kubelet's seccompDefault off: the
// configuration whose defaults secctx's containerd profile describes. The
// suite creates pods through the API and checks, against what the kubelet
// and containerd really did:
//
//   - `verify` through an ephemeral container finds no drift in a hardened
//     non-root pod (the debugger runs as the pod's uid and gid with no
//     capability) nor in a root pod (root with CAP_SYS_PTRACE alone);
//   - it reports the drift of an app that changed its own state after start
//     (setuid, a dropped capability), through an ephemeral container and
//     through --exec;
//   - a user whose RBAC lacks pods/ephemeralcontainers gets one line saying
//     so and offering --exec, and --exec then works for that user;
//   - --exec leaves nothing behind, and says in one line why it cannot run
//     where the container has no shell or no writable, executable directory;
//   - `pods` lists the pods running the secctx sidecar (deploy/eci's pod,
//     with the image `make image` builds, exported by podman save) with
//     their last report, read through the API server's pod proxy.
//
// TestMain holds the node lock (/run/lock/secctx-node.lock, or
// $SECCTX_NODE_LOCK; shared with the kubelet tier) for the whole run, brings
// the cluster up once and always tears it down. It needs root; without the cluster's binaries it skips,
// unless SECCTX_E2E_REQUIRED=1, which makes that a failure.
// SECCTX_CLUSTER_KEEP=1 leaves the cluster up (scripts/kube/cluster.sh down
// removes it).
package cluster
