#!/usr/bin/env bash
# node.sh: a single Kubernetes node on this machine, without an API server: a
# containerd with a project-owned configuration and a standalone kubelet that
# runs static pods. Used by the kubelet tier (e2e/kubelet); usable by hand.
#
#   node.sh up [--containerd 1.6|2.2] [--unprivileged default|on|off]
#              [--seccomp-default on|off] [--allowed-unsafe-sysctls A,B]
#   node.sh down [--purge]   stop everything, unmount, restore the kernel
#                            sysctls the kubelet changed (--purge: also
#                            remove the image store)
#   node.sh env              print the node's paths and endpoints (KEY=VALUE)
#   node.sh import FILE...   load OCI image archives into the CRI namespace
#   node.sh crictl ARGS...   crictl against this node's containerd
#   node.sh ctr ARGS...      ctr (of the running containerd) against it
#   node.sh check [1.6|2.2]  exit non-zero, saying why, if a piece is missing
#
# containerd 1.6 is Debian's (with Debian's runc 1.1); 2.2 is containerd
# v2.2.9 with runc 1.3.7 from scripts/kube/build.sh. --unprivileged sets
# enable_unprivileged_ports and enable_unprivileged_icmp (default: the
# containerd version's own default, off for 1.6, on for 2.2). --seccomp-default
# is the kubelet's seccompDefault.
#
# Everything lives under $SECCTX_KUBE_DIR (default /var/lib/secctx-kube) and
# $SECCTX_KUBE_RUN (default /run/secctx-kube): containerd's root, state and
# socket, runc's state, the kubelet's root dir, static pod manifests, pod
# logs, the CNI configuration (a bridge secctx0 with host-local addresses in
# 10.213.0.0/24, plus loopback) and the daemons' logs. The kubelet uses the
# cgroup root /secctx-kube and listens on 127.0.0.1 only (ports below). `up`
# first runs `down`, so leftovers of a failed run never reach the next one.
#
# The kubelet writes vm.overcommit_memory, vm.panic_on_oom, kernel.panic,
# kernel.panic_on_oops and kernel.keys.root_max{keys,bytes} when it starts.
# `up` records their values, but only when no kubelet runs on the machine (a
# running one has already changed them) and no earlier record is pending;
# `down` restores them when no kubelet is left.
#
# One node runs on this machine at a time, whoever brings it up (the kubelet
# tier, a cluster tier, a person): `up` and `down` hold an exclusive flock on
# $SECCTX_NODE_LOCK (default /run/lock/secctx-node.lock) while they run,
# waiting for it, with a line on stderr naming the holder, when another run
# has it. A caller that holds the lock for longer (the kubelet tier holds it
# for its whole run) passes its locked descriptor as SECCTX_NODE_LOCK_FD;
# the daemons never inherit it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

DIR=${SECCTX_KUBE_DIR:-/var/lib/secctx-kube}
RUN=${SECCTX_KUBE_RUN:-/run/secctx-kube}
CGROUP_ROOT=${SECCTX_KUBE_CGROUP_ROOT:-/secctx-kube}
NODE_NAME=${SECCTX_KUBE_NODE_NAME:-secctx-node}
KUBELET_PORT=${SECCTX_KUBELET_PORT:-10350}
KUBELET_READONLY_PORT=${SECCTX_KUBELET_READONLY_PORT:-10355}
KUBELET_HEALTHZ_PORT=${SECCTX_KUBELET_HEALTHZ_PORT:-10348}
BRIDGE=secctx0
SUBNET=10.213.0.0/24
CNI_NETWORK=secctx-kube

SOCK=$RUN/containerd/containerd.sock
KUBELET_ROOT=$DIR/kubelet
MANIFESTS=$DIR/manifests
POD_LOGS=$DIR/pod-logs
SECCOMP_DIR=$KUBELET_ROOT/seccomp
SYSCTL_RECORD=$DIR/kernel-sysctls.saved
KERNEL_SYSCTLS=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes)
PAUSE_IMAGE=localhost/secctx-kube/pause:1

log() { printf 'node: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

NODE_LOCK=${SECCTX_NODE_LOCK:-/run/lock/secctx-node.lock}
node_lock_fd=

# lock_node: hold the node lock until this script exits (see the header).
lock_node() {
	local fd=${SECCTX_NODE_LOCK_FD:-}
	if [ -n "$fd" ]; then
		[ "$(readlink "/proc/$$/fd/$fd" 2>/dev/null)" = "$(readlink -f "$NODE_LOCK")" ] ||
			die "SECCTX_NODE_LOCK_FD=$fd is not a descriptor of $NODE_LOCK"
		# The same open file holds the lock already: this cannot block.
		flock -n "$fd" || die "SECCTX_NODE_LOCK_FD=$fd does not hold the lock on $NODE_LOCK"
		return
	fi
	mkdir -p "$(dirname "$NODE_LOCK")"
	exec {node_lock_fd}>>"$NODE_LOCK"
	if ! flock -n "$node_lock_fd"; then
		log "waiting for the node lock $NODE_LOCK, held by: $(head -c 200 "$NODE_LOCK" 2>/dev/null || echo unknown)"
		flock "$node_lock_fd"
		log "got the node lock"
	fi
	printf 'pid %s: scripts/kube/node.sh %s (since %s)\n' "$$" "$sub" "$(date -u +%FT%TZ)" >"$NODE_LOCK"
}

# close_lock_fds: for a daemon about to be started from a subshell, which
# must not keep the node locked after this script exits.
close_lock_fds() {
	if [ -n "$node_lock_fd" ]; then
		exec {node_lock_fd}>&-
	fi
	if [ -n "${SECCTX_NODE_LOCK_FD:-}" ]; then
		eval "exec ${SECCTX_NODE_LOCK_FD}>&-"
	fi
}

# The node's current configuration (written by up).
STATE=$DIR/node.env
state() { # state KEY: a value from $STATE, or ""
	[ -f "$STATE" ] && sed -n "s/^$1=//p" "$STATE" | tail -n1 || true
}

containerd_bin() { # containerd_bin 1.6|2.2 NAME
	case $1 in
	1.6) printf '/usr/bin/%s\n' "$2" ;;
	2.2) printf '%s/%s\n' "$CONTAINERD2_DIR" "$2" ;;
	*) die "unknown containerd version $1" ;;
	esac
}

cmd_env() {
	local v
	v=$(state CONTAINERD)
	cat <<-EOF
		SECCTX_KUBE_DIR=$DIR
		SECCTX_KUBE_RUN=$RUN
		CONTAINERD_VERSION=$v
		CONTAINERD_SOCKET=$SOCK
		CRICTL=$CRICTL_BIN
		CTR=$(containerd_bin "${v:-1.6}" ctr)
		KUBELET=$KUBELET_BIN
		KUBELET_ROOT=$KUBELET_ROOT
		KUBELET_LOG=$DIR/log/kubelet.log
		CONTAINERD_LOG=$DIR/log/containerd.log
		STATIC_POD_DIR=$MANIFESTS
		POD_LOGS_DIR=$POD_LOGS
		SECCOMP_DIR=$SECCOMP_DIR
		NODE_NAME=$NODE_NAME
		KUBELET_READONLY_URL=http://127.0.0.1:$KUBELET_READONLY_PORT
		KUBELET_HEALTHZ_URL=http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz
		PAUSE_IMAGE=$PAUSE_IMAGE
		UNPRIVILEGED=$(state UNPRIVILEGED)
		SECCOMP_DEFAULT=$(state SECCOMP_DEFAULT)
	EOF
}

cmd_check() {
	local v=${1:-1.6} missing=() f
	[ "$(id -u)" -eq 0 ] || die "the node needs root"
	for f in "$KUBELET_BIN" "$CRICTL_BIN" /usr/bin/catatonit /bin/busybox /usr/lib/cni/bridge /usr/lib/cni/host-local /usr/lib/cni/loopback /usr/sbin/ip; do
		[ -x "$f" ] || missing+=("$f")
	done
	case $v in
	1.6) for f in /usr/bin/containerd /usr/bin/ctr /usr/bin/containerd-shim-runc-v2 /usr/sbin/runc; do [ -x "$f" ] || missing+=("$f"); done ;;
	2.2) for f in "$CONTAINERD2_DIR"/containerd "$CONTAINERD2_DIR"/ctr "$CONTAINERD2_DIR"/containerd-shim-runc-v2 "$RUNC13_BIN"; do [ -x "$f" ] || missing+=("$f"); done ;;
	*) die "unknown containerd version $v" ;;
	esac
	if [ "${#missing[@]}" -gt 0 ]; then
		printf 'node: missing: %s (run scripts/install-deps.sh and scripts/kube/build.sh)\n' "${missing[*]}" >&2
		exit 1
	fi
}

any_kubelet_running() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = kubelet ] && return 0
	done
	return 1
}

crictl_() {
	if [ ! -f "$DIR/etc/crictl.yaml" ]; then
		mkdir -p "$DIR/etc"
		printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 30\n' "$SOCK" "$SOCK" >"$DIR/etc/crictl.yaml"
	fi
	"$CRICTL_BIN" --config "$DIR/etc/crictl.yaml" "$@"
}

write_containerd_config() { # write_containerd_config VERSION UNPRIVILEGED(true|false) FILE
	local v=$1 unpriv=$2 f=$3
	case $v in
	1.6)
		cat >"$f" <<-EOF
			# containerd 1.6 for the secctx kubelet tier (generated by scripts/kube/node.sh)
			version = 2
			root = "$DIR/containerd-1.6"
			state = "$RUN/containerd/state"
			disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

			[grpc]
			  address = "$SOCK"
			[ttrpc]
			  address = "$SOCK.ttrpc"

			[plugins."io.containerd.internal.v1.opt"]
			  path = "$DIR/containerd-1.6/opt"

			[plugins."io.containerd.grpc.v1.cri"]
			  # no registry is reachable: a local pause image (static catatonit -P)
			  sandbox_image = "$PAUSE_IMAGE"
			  # this machine lacks CAP_SYS_RESOURCE (oom_score_adj -998 fails)
			  restrict_oom_score_adj = true
			  enable_unprivileged_ports = $unpriv
			  enable_unprivileged_icmp = $unpriv
			  netns_mounts_under_state_dir = true
			  [plugins."io.containerd.grpc.v1.cri".containerd]
			    snapshotter = "overlayfs"
			    default_runtime_name = "runc"
			    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
			      # declaring the entry replaces the built-in one: the type must be given
			      runtime_type = "io.containerd.runc.v2"
			      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
			        BinaryName = "/usr/sbin/runc"
			        Root = "$RUN/runc"
			        SystemdCgroup = false
			  [plugins."io.containerd.grpc.v1.cri".cni]
			    bin_dir = "/usr/lib/cni"
			    conf_dir = "$DIR/cni/net.d"
		EOF
		;;
	2.2)
		cat >"$f" <<-EOF
			# containerd 2.2 for the secctx kubelet tier (generated by scripts/kube/node.sh)
			version = 3
			root = "$DIR/containerd-2.2"
			state = "$RUN/containerd/state"
			disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.erofs", "io.containerd.nri.v1.nri"]

			[grpc]
			  address = "$SOCK"
			[ttrpc]
			  address = "$SOCK.ttrpc"

			[plugins.'io.containerd.internal.v1.opt']
			  path = "$DIR/containerd-2.2/opt"

			[plugins.'io.containerd.cri.v1.images']
			  snapshotter = "overlayfs"
			  [plugins.'io.containerd.cri.v1.images'.pinned_images]
			    sandbox = "$PAUSE_IMAGE"

			[plugins.'io.containerd.cri.v1.runtime']
			  restrict_oom_score_adj = true
			  enable_unprivileged_ports = $unpriv
			  enable_unprivileged_icmp = $unpriv
			  netns_mounts_under_state_dir = true
			  [plugins.'io.containerd.cri.v1.runtime'.containerd]
			    default_runtime_name = "runc"
			    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
			      runtime_type = "io.containerd.runc.v2"
			      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
			        BinaryName = "$RUNC13_BIN"
			        Root = "$RUN/runc"
			        SystemdCgroup = false
			  [plugins.'io.containerd.cri.v1.runtime'.cni]
			    bin_dirs = ["/usr/lib/cni"]
			    conf_dir = "$DIR/cni/net.d"
		EOF
		;;
	esac
}

write_cni_config() {
	mkdir -p "$DIR/cni/net.d" "$DIR/cni/networks"
	rm -f "$DIR"/cni/net.d/*
	cat >"$DIR/cni/net.d/10-secctx-kube.conflist.tmp" <<-EOF
		{
		  "cniVersion": "0.4.0",
		  "name": "$CNI_NETWORK",
		  "plugins": [
		    {
		      "type": "bridge",
		      "bridge": "$BRIDGE",
		      "isGateway": false,
		      "ipMasq": false,
		      "ipam": {
		        "type": "host-local",
		        "dataDir": "$DIR/cni/networks",
		        "ranges": [[{"subnet": "$SUBNET"}]]
		      }
		    },
		    {"type": "loopback"}
		  ]
		}
	EOF
	mv "$DIR/cni/net.d/10-secctx-kube.conflist.tmp" "$DIR/cni/net.d/10-secctx-kube.conflist"
}

write_kubelet_config() { # write_kubelet_config SECCOMP_DEFAULT UNSAFE_SYSCTLS(comma list) FILE
	local sd=$1 unsafe=$2 f=$3
	{
		cat <<-EOF
			# standalone kubelet for the secctx kubelet tier (generated by scripts/kube/node.sh)
			apiVersion: kubelet.config.k8s.io/v1beta1
			kind: KubeletConfiguration
			address: 127.0.0.1
			port: $KUBELET_PORT
			readOnlyPort: $KUBELET_READONLY_PORT
			healthzBindAddress: 127.0.0.1
			healthzPort: $KUBELET_HEALTHZ_PORT
			authentication:
			  anonymous:
			    enabled: true
			  webhook:
			    enabled: false
			authorization:
			  mode: AlwaysAllow
		EOF
		kubelet_config_node "$MANIFESTS" "$POD_LOGS" "$SOCK" "$CGROUP_ROOT" "$sd" "$unsafe"
	} >"$f"
}

record_sysctls() {
	if [ -f "$SYSCTL_RECORD" ]; then
		log "kernel sysctls: an earlier record is pending restore; keeping it"
		return
	fi
	if any_kubelet_running; then
		log "kernel sysctls: another kubelet runs, not recording (its values are not the machine's)"
		return
	fi
	local s tmp=$SYSCTL_RECORD.tmp
	: >"$tmp"
	for s in "${KERNEL_SYSCTLS[@]}"; do
		[ -r "/proc/sys/$s" ] && printf '%s=%s\n' "$s" "$(cat "/proc/sys/$s")" >>"$tmp"
	done
	mv "$tmp" "$SYSCTL_RECORD"
}

restore_sysctls() {
	[ -f "$SYSCTL_RECORD" ] || return 0
	if any_kubelet_running; then
		log "kernel sysctls: another kubelet still runs; restore left pending"
		return
	fi
	local line k v
	while IFS= read -r line; do
		k=${line%%=*}
		v=${line#*=}
		if [ "$(cat "/proc/sys/$k")" != "$v" ]; then
			log "kernel sysctls: restoring $k=$v"
			printf '%s\n' "$v" >"/proc/sys/$k" || log "warning: could not restore $k"
		fi
	done <"$SYSCTL_RECORD"
	rm -f "$SYSCTL_RECORD"
}

# mounts_under DIR...: mount points below the given directories, deepest first.
mounts_under() {
	local d
	awk '{print $5}' /proc/self/mountinfo | while IFS= read -r m; do
		m=$(printf '%b' "${m//\\/\\0}")
		for d in "$@"; do
			case $m in "$d" | "$d"/*) printf '%s\n' "$m" ;; esac
		done
	done | sort -r -u
}

unmount_all() {
	local m tries
	for tries in 1 2 3; do
		local left=0
		while IFS= read -r m; do
			[ -n "$m" ] || continue
			left=1
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done < <(mounts_under "$DIR" "$RUN")
		[ $left = 0 ] && return 0
	done
	if [ -n "$(mounts_under "$DIR" "$RUN")" ]; then
		log "warning: still mounted: $(mounts_under "$DIR" "$RUN" | tr '\n' ' ')"
	fi
}

cgroup_dirs() { # the cgroup root in every mounted hierarchy
	local h
	for h in /sys/fs/cgroup/*/; do
		[ -d "$h" ] && printf '%s\n' "${h%/}$CGROUP_ROOT"
	done
}

remove_cgroups() {
	local d
	while IFS= read -r d; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
		[ -d "$d" ] && log "warning: cgroup $d is still in use"
	done < <(cgroup_dirs)
	return 0
}

make_cgroups() {
	local d parent
	while IFS= read -r d; do
		mkdir -p "$d"
		case $d in
		*/cpuset/*)
			parent=${d%/*}
			[ -s "$d/cpuset.cpus" ] || cat "$parent/cpuset.cpus" >"$d/cpuset.cpus"
			[ -s "$d/cpuset.mems" ] || cat "$parent/cpuset.mems" >"$d/cpuset.mems"
			;;
		esac
	done < <(cgroup_dirs)
}

start_containerd() { # start_containerd VERSION
	local v=$1 bin path
	bin=$(containerd_bin "$v" containerd)
	# The runc shim is looked up in PATH: the matching one must come first.
	path=$(dirname "$bin"):/usr/sbin:/usr/bin:/sbin:/bin
	mkdir -p "$RUN/containerd" "$DIR/log"
	log "starting containerd $v ($bin)"
	(
		cd /
		close_lock_fds
		exec 9>&- setsid env -i PATH="$path" "$bin" --config "$DIR/etc/containerd.toml" </dev/null >>"$DIR/log/containerd.log" 2>&1
	) &
	echo $! >"$RUN/containerd.pid"
	wait_for 30 "$(containerd_bin "$v" ctr)" --address "$SOCK" version ||
		die "containerd did not come up; see $DIR/log/containerd.log"
	wait_for 30 crictl_ info || die "containerd's CRI plugin is not serving; see $DIR/log/containerd.log"
}

stop_containerd() {
	local pids
	pids=$(pids_of "$DIR/etc/containerd.toml" containerd)
	# shellcheck disable=SC2086
	stop_pids 15 $pids
	rm -f "$RUN/containerd.pid"
}

stop_kubelet() {
	local pids
	pids=$(pids_of "$DIR/etc/kubelet.yaml" kubelet)
	# shellcheck disable=SC2086
	stop_pids 15 $pids
	rm -f "$RUN/kubelet.pid"
}

containerd_running() {
	[ -S "$SOCK" ] && [ -n "$(pids_of "$DIR/etc/containerd.toml" containerd)" ]
}

remove_all_pods() {
	crictl_ rmp --all --force >/dev/null 2>&1 || crictl_ rmp --all --force >&2 || log "warning: crictl rmp --all failed"
}

cmd_down() {
	local purge=${1:-}
	stop_kubelet
	rm -f "$MANIFESTS"/* 2>/dev/null || true
	# Pods outlive the kubelet and containerd (their shims keep them); a
	# containerd is needed to remove them, so start one on a leftover state.
	local v
	v=$(state CONTAINERD)
	if [ -n "$v" ] && [ -f "$DIR/etc/containerd.toml" ]; then
		if ! containerd_running && [ -n "$(pids_of "$SOCK")" ]; then
			log "pods of an earlier run are left: starting containerd $v to remove them"
			start_containerd "$v" || true
		fi
		if containerd_running; then
			remove_all_pods
		fi
	fi
	stop_containerd
	# Shims whose pods could not be removed through CRI.
	local shims
	shims=$(pids_of "-address $SOCK")
	if [ -n "$shims" ]; then
		log "stopping leftover shims: $(echo $shims)"
		# shellcheck disable=SC2086
		stop_pids 5 $shims
	fi
	unmount_all
	remove_cgroups
	if ip link show "$BRIDGE" >/dev/null 2>&1; then
		ip link delete "$BRIDGE" || log "warning: could not delete $BRIDGE"
	fi
	rm -rf "$DIR/cni/networks" /var/lib/cni/results/"$CNI_NETWORK"-* 2>/dev/null || true
	rm -rf "$RUN" "$KUBELET_ROOT" "$POD_LOGS" "$DIR/pki"
	restore_sysctls
	# The kubelet creates /var/lib/kubelet/device-plugins whatever its root dir.
	if [ "$(state CREATED_VAR_LIB_KUBELET)" = 1 ] && ! any_kubelet_running &&
		[ -z "$(mounts_under /var/lib/kubelet)" ]; then
		rm -rf /var/lib/kubelet
	fi
	if [ "$purge" = --purge ]; then
		rm -rf "$DIR"
	else
		rm -f "$STATE"
	fi
	log "down"
}

cmd_up() {
	local v=1.6 unpriv=default sd=false unsafe=""
	while [ $# -gt 0 ]; do
		case $1 in
		--containerd) v=$2 ;;
		--unprivileged) unpriv=$2 ;;
		--seccomp-default) case $2 in on | true) sd=true ;; off | false) sd=false ;; *) die "--seccomp-default on|off" ;; esac ;;
		--allowed-unsafe-sysctls) unsafe=$2 ;;
		*) die "unknown argument $1" ;;
		esac
		shift 2 || die "$1 needs a value"
	done
	case $unpriv in
	default) [ "$v" = 2.2 ] && unpriv=true || unpriv=false ;;
	on | true) unpriv=true ;;
	off | false) unpriv=false ;;
	*) die "--unprivileged default|on|off" ;;
	esac
	cmd_check "$v"

	local created_vlk=0
	if [ -f "$STATE" ]; then
		created_vlk=$(state CREATED_VAR_LIB_KUBELET)
	fi
	cmd_down
	[ -d /var/lib/kubelet ] || created_vlk=1

	mkdir -p "$DIR/etc" "$DIR/log" "$MANIFESTS" "$POD_LOGS" "$KUBELET_ROOT" "$SECCOMP_DIR" "$DIR/pki" "$RUN"
	: >"$DIR/log/containerd.log"
	: >"$DIR/log/kubelet.log"
	cat >"$STATE" <<-EOF
		CONTAINERD=$v
		UNPRIVILEGED=$unpriv
		SECCOMP_DEFAULT=$sd
		CREATED_VAR_LIB_KUBELET=${created_vlk:-0}
	EOF
	write_containerd_config "$v" "$unpriv" "$DIR/etc/containerd.toml"
	write_cni_config
	write_kubelet_config "$sd" "$unsafe" "$DIR/etc/kubelet.yaml"

	start_containerd "$v"
	# An exited sandbox left behind would make a restartPolicy Never static
	# pod (whose UID is a hash of its manifest) look finished.
	remove_all_pods
	if ! crictl_ inspecti "$PAUSE_IMAGE" >/dev/null 2>&1; then
		local tmp
		tmp=$(mktemp -d)
		mkdir -p "$tmp/rootfs"
		cp /usr/bin/catatonit "$tmp/rootfs/catatonit"
		bash "$here/oci-image.sh" --name "$PAUSE_IMAGE" --rootfs "$tmp/rootfs" --out "$tmp/pause.tar" \
			--entrypoint '["/catatonit","-P"]' --user 65535:65535
		cmd_import "$tmp/pause.tar"
		rm -rf "$tmp"
	fi

	record_sysctls
	make_cgroups
	log "starting kubelet $KUBE_VERSION (seccompDefault=$sd, containerd $v, unprivileged ports/icmp=$unpriv)"
	(
		cd /
		close_lock_fds
		exec 9>&- setsid "$KUBELET_BIN" --config "$DIR/etc/kubelet.yaml" --root-dir "$KUBELET_ROOT" \
			--cert-dir "$DIR/pki" --hostname-override "$NODE_NAME" --v=2 </dev/null >>"$DIR/log/kubelet.log" 2>&1
	) &
	echo $! >"$RUN/kubelet.pid"
	wait_for 60 /bin/busybox wget -q -O /dev/null "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz" ||
		die "the kubelet is not healthy; see $DIR/log/kubelet.log"
	log "up: containerd $v, kubelet healthy"
}

cmd_import() {
	local v f
	v=$(state CONTAINERD)
	[ -n "$v" ] || die "the node is not up"
	for f in "$@"; do
		"$(containerd_bin "$v" ctr)" --address "$SOCK" -n k8s.io images import "$f" >&2 || die "importing $f failed"
	done
}

[ $# -gt 0 ] || die "usage: node.sh up|down|env|import|crictl|ctr|check"
sub=$1
shift
case $sub in
up)
	lock_node
	cmd_up "$@"
	;;
down)
	lock_node
	cmd_down "$@"
	;;
env) cmd_env ;;
check) cmd_check "$@" ;;
import) cmd_import "$@" ;;
crictl) crictl_ "$@" ;;
ctr) "$(containerd_bin "$(state CONTAINERD)" ctr)" --address "$SOCK" -n k8s.io "$@" ;;
*) die "unknown command $sub" ;;
esac
