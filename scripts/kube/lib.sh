# lib.sh: versions, cache layout and process helpers shared by the kubelet
# tier's scripts (sourced by build.sh, node.sh and cluster.sh; not run on its
# own).
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

# pids_of PATTERN [COMM]: pids of processes (named COMM, when given) whose
# command line contains PATTERN (the caller's own config paths and socket,
# so only what it started).
pids_of() {
	local p cmdline
	for p in /proc/[0-9]*; do
		[ -z "${2:-}" ] || [ "$(cat "$p/comm" 2>/dev/null)" = "$2" ] || continue
		cmdline=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		case $cmdline in *"$1"*) printf '%s\n' "${p#/proc/}" ;; esac
	done
}

# stop_pids SECONDS PID...: SIGTERM, then SIGKILL after SECONDS (the caller
# defines log).
stop_pids() {
	local wait=$1 p i alive
	shift
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || true
	for ((i = 0; i < wait * 10; i++)); do
		alive=0
		for p in "$@"; do [ -d "/proc/$p" ] && alive=1; done
		[ $alive = 0 ] && return 0
		sleep 0.1
	done
	log "killing $* (did not stop on SIGTERM)"
	kill -KILL "$@" 2>/dev/null || true
	sleep 0.2
}

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds, for at
# most SECONDS.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
