# lib.sh: versions and cache layout shared by the kubelet tier's scripts
# (sourced by build.sh and node.sh; not run on its own).
#
# Everything built from upstream lives outside the checkout, under
# ${SECCTX_CACHE:-/var/cache/secctx}:
#
#   kubernetes/v1.33.13/{kubelet,kube-apiserver,kubectl}
#   cri-tools/v1.34.0/crictl
#   containerd/v2.2.9/{containerd,ctr,containerd-shim-runc-v2}
#   runc/v1.3.7/runc
#   src/kubernetes-v1.33.13/   the generated throwaway module (go.mod, tools.go)
#   gocache/                   the Go build cache of those builds
#   kube-build-times.log       one line per build: what, seconds, when

# Kubernetes v1.33.13 is the newest 1.33 the Go module proxy serves (1.35+
# refuses cgroup v1, which this machine kind has). Its staging modules are
# the matching v0.33.13.
KUBE_VERSION=${KUBE_VERSION:-v1.33.13}
CRITOOLS_VERSION=${CRITOOLS_VERSION:-v1.34.0}
CONTAINERD2_VERSION=${CONTAINERD2_VERSION:-v2.2.9}
RUNC_VERSION=${RUNC_VERSION:-v1.3.7}

SECCTX_CACHE=${SECCTX_CACHE:-/var/cache/secctx}

KUBE_DIR=$SECCTX_CACHE/kubernetes/$KUBE_VERSION
KUBELET_BIN=$KUBE_DIR/kubelet
KUBE_APISERVER_BIN=$KUBE_DIR/kube-apiserver
KUBECTL_BIN=$KUBE_DIR/kubectl
CRICTL_BIN=$SECCTX_CACHE/cri-tools/$CRITOOLS_VERSION/crictl
CONTAINERD2_DIR=$SECCTX_CACHE/containerd/$CONTAINERD2_VERSION
RUNC13_BIN=$SECCTX_CACHE/runc/$RUNC_VERSION/runc
