# lib.sh: versions and cache layout shared by the kubelet tier's scripts
# (sourced by build.sh, node.sh and cluster.sh; not run on its own).
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

# kubelet_config_node prints the part of a KubeletConfiguration that the
# kubelet tier's standalone node and the cluster tier's registered node
# share: the pod sources and the runtime, cgroups, the local-images-only
# garbage collection, eviction thresholds low enough for a busy test machine,
# the seccomp default, the feature gates the manifests need and the
# allow-listed unsafe sysctls (a comma list, possibly empty). Each caller
# prints its own addresses, ports and API security before it.
kubelet_config_node() { # kubelet_config_node STATIC_POD_DIR POD_LOGS_DIR SOCKET CGROUP_ROOT SECCOMP_DEFAULT UNSAFE_SYSCTLS
	local static=$1 logs=$2 sock=$3 cgroup=$4 sd=$5 unsafe=$6 s arr
	cat <<-EOF
		staticPodPath: $static
		fileCheckFrequency: 2s
		syncFrequency: 10s
		podLogsDir: $logs
		containerRuntimeEndpoint: unix://$sock
		imageServiceEndpoint: unix://$sock
		cgroupDriver: cgroupfs
		cgroupRoot: $cgroup
		failSwapOn: false
		protectKernelDefaults: false
		# local images only: never collect them
		imageGCHighThresholdPercent: 100
		imageGCLowThresholdPercent: 99
		evictionHard:
		  memory.available: "1Mi"
		  nodefs.available: "1%"
		  nodefs.inodesFree: "1%"
		  imagefs.available: "1%"
		seccompDefault: $sd
		featureGates:
		  ProcMountType: true
		  UserNamespacesSupport: true
		  SupplementalGroupsPolicy: true
	EOF
	if [ -n "$unsafe" ]; then
		printf 'allowedUnsafeSysctls:\n'
		IFS=, read -r -a arr <<<"$unsafe"
		for s in "${arr[@]}"; do printf '  - "%s"\n' "$s"; done
	fi
}
