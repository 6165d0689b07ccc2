#!/usr/bin/env bash
# cluster.sh: a single-node Kubernetes cluster on this machine, on loopback
# only: etcd and kube-apiserver on 127.0.0.1, and the node of node.sh
# (containerd and a kubelet) registered to the API server. Used by the
# cluster tier (e2e/cluster), which runs `kubectl secctx` against it; usable
# by hand.
#
#   cluster.sh deps                 install the Debian packages (install-deps.sh),
#                                   fetch etcd and build kube-apiserver, kubectl
#                                   and the node's binaries into the cache
#                                   (reused when present)
#   cluster.sh up [--containerd 1.6|2.2] [--unprivileged on|off]
#                 [--seccomp-default on|off] [--allowed-unsafe-sysctls A,B]
#                                   start everything (first tears down leftovers);
#                                   containerd 1.6 with unprivileged ports and
#                                   ICMP on and seccompDefault off by default
#   cluster.sh down                 stop everything and remove the cluster's state
#   cluster.sh env                  print paths and endpoints (KEY=VALUE)
#   cluster.sh kubectl ARGS...      kubectl as the cluster admin
#   cluster.sh user NAME [GROUP...] issue a client certificate for NAME and print
#                                   the path of a kubeconfig using it
#   cluster.sh import FILE...       load image archives (OCI or docker-archive)
#
# What runs, and from where:
#   etcd            Debian's etcd-server package, fetched with `apt-get download`
#                   and unpacked with `dpkg-deb -x` into
#                   $SECCTX_CACHE/etcd/$ETCD_VERSION (never installed: no
#                   service, no user; seconds instead of a build)
#   kube-apiserver  $SECCTX_CACHE/kubernetes/$KUBE_VERSION, built by build.sh
#   kubectl         the same
#   the node        scripts/kube/node.sh up: containerd and the kubelet, whose
#                   standalone configuration is then replaced by one that
#                   registers it to the API server (--kubeconfig, a CA-signed
#                   serving certificate, webhook authentication and
#                   authorization, as on a kubeadm node)
#
# No scheduler, controller-manager, kube-proxy or DNS runs: pods name their
# node (spec.nodeName), and `up` creates what the controller-manager would
# (the default ServiceAccount and the kube-root-ca.crt ConfigMap) in the
# namespaces of $SECCTX_CLUSTER_NAMESPACES (default: default).
#
# The API server reaches the kubelet, which listens on 127.0.0.1 only, by the
# node's Hostname address: the node is named after this machine's hostname
# when it resolves to 127.0.0.1, else "localhost". The pods' CNI bridge is
# created before the first pod with an address on the host (10.213.0.1), so
# that the API server's pod proxy reaches pod IPs.
#
# One node runs on this machine at a time (node.sh's lock): `up` takes the
# exclusive flock on $SECCTX_NODE_LOCK (default /run/lock/secctx-node.lock),
# waiting for it, and keeps it after it returns, through a holder process,
# until `down`. A caller that holds the lock already (the cluster tier's
# TestMain) passes its descriptor as SECCTX_NODE_LOCK_FD; then no holder is
# started and the caller releases it.
#
# State: $SECCTX_CLUSTER_DIR (default /var/lib/secctx-cluster: certificates,
# kubeconfigs, etcd's data, logs) and $SECCTX_CLUSTER_RUN (default
# /run/secctx-cluster: pids). Each `up` starts from an empty etcd.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

CDIR=${SECCTX_CLUSTER_DIR:-/var/lib/secctx-cluster}
CRUN=${SECCTX_CLUSTER_RUN:-/run/secctx-cluster}
NODE_LOCK=${SECCTX_NODE_LOCK:-/run/lock/secctx-node.lock}
ETCD_VERSION=${ETCD_VERSION:-3.4.23}
ETCD_DIR=$SECCTX_CACHE/etcd/$ETCD_VERSION
ETCD_BIN=$ETCD_DIR/etcd
ETCD_CLIENT_PORT=${SECCTX_ETCD_PORT:-12379}
ETCD_PEER_PORT=${SECCTX_ETCD_PEER_PORT:-12380}
APISERVER_PORT=${SECCTX_APISERVER_PORT:-16443}
SERVICE_CIDR=10.214.0.0/24
SERVICE_IP=10.214.0.1
# The node's paths and ports, shared with node.sh through its environment.
export SECCTX_KUBE_DIR=${SECCTX_KUBE_DIR:-/var/lib/secctx-kube}
export SECCTX_KUBE_RUN=${SECCTX_KUBE_RUN:-/run/secctx-kube}
export SECCTX_KUBE_CGROUP_ROOT=${SECCTX_KUBE_CGROUP_ROOT:-/secctx-kube}
export SECCTX_KUBELET_PORT=${SECCTX_KUBELET_PORT:-10350}
export SECCTX_KUBELET_READONLY_PORT=${SECCTX_KUBELET_READONLY_PORT:-10355}
export SECCTX_KUBELET_HEALTHZ_PORT=${SECCTX_KUBELET_HEALTHZ_PORT:-10348}
BRIDGE=secctx0
BRIDGE_ADDR=10.213.0.1/24
PKI=$CDIR/pki
ADMIN_KUBECONFIG=$CDIR/admin.kubeconfig
NODE_SH=$here/node.sh

log() { printf 'cluster: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

now_ms() { date +%s%3N; }
since() { # since START_MS: seconds elapsed, with a decimal
	local d=$(($(now_ms) - $1))
	printf '%d.%01d' $((d / 1000)) $((d % 1000 / 100))
}

# node_name: this machine's hostname when it resolves to 127.0.0.1 only
# (the kubelet listens there), else localhost.
node_name() {
	if [ -n "${SECCTX_CLUSTER_NODE_NAME:-}" ]; then
		printf '%s\n' "$SECCTX_CLUSTER_NODE_NAME"
		return
	fi
	local h addrs
	h=$(hostname | tr '[:upper:]' '[:lower:]')
	addrs=$(getent ahostsv4 "$h" 2>/dev/null | awk '{print $1}' | sort -u | tr '\n' ' ')
	if [ "$addrs" = "127.0.0.1 " ]; then
		printf '%s\n' "$h"
	else
		printf 'localhost\n'
	fi
}

# --- the node lock --------------------------------------------------------

# lock: make fd 9 a descriptor holding the node lock. fd 9 is the one node.sh
# closes before starting its daemons, so they never inherit it. The lock is
# the caller's (SECCTX_NODE_LOCK_FD), or taken here, waiting for it.
lock() {
	CALLER_LOCK=0
	if [ -n "${SECCTX_NODE_LOCK_FD:-}" ]; then
		local fd=$SECCTX_NODE_LOCK_FD
		[ "$(readlink "/proc/$$/fd/$fd" 2>/dev/null)" = "$(readlink -f "$NODE_LOCK")" ] ||
			die "SECCTX_NODE_LOCK_FD=$fd is not a descriptor of $NODE_LOCK"
		if [ "$fd" != 9 ]; then
			eval "exec 9>&$fd $fd>&-"
		fi
		flock -n 9 || die "SECCTX_NODE_LOCK_FD=$fd does not hold the lock on $NODE_LOCK"
		export SECCTX_NODE_LOCK_FD=9
		CALLER_LOCK=1
		return
	fi
	# The holder of an earlier hand-run `up` (a process's lock cannot be
	# handed over): end it, then take the lock like anyone else.
	release_holder
	mkdir -p "$(dirname "$NODE_LOCK")"
	exec 9>>"$NODE_LOCK"
	if ! flock -n 9; then
		log "waiting for the node lock $NODE_LOCK, held by: $(head -c 200 "$NODE_LOCK" 2>/dev/null || echo unknown)"
		flock 9
		log "got the node lock"
	fi
	printf 'pid %s: scripts/kube/cluster.sh %s (since %s)\n' "$$" "$1" "$(date -u +%FT%TZ)" >"$NODE_LOCK"
	export SECCTX_NODE_LOCK_FD=9
}

# holder_pid: the lock holder of an earlier `up` run by hand, if alive.
holder_pid() {
	local p
	p=$(cat "$CRUN/lock-holder.pid" 2>/dev/null || true)
	if [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] &&
		[ "$(readlink "/proc/$p/fd/9" 2>/dev/null)" = "$(readlink -f "$NODE_LOCK")" ]; then
		printf '%s\n' "$p"
	fi
}

# hold_lock: keep the lock after this script exits, in a process of its own
# (holding fd 9) that `down` ends; not when the caller holds the lock, nor
# when a holder does already.
hold_lock() {
	[ "$CALLER_LOCK" = 0 ] || return 0
	[ -z "$(holder_pid)" ] || return 0
	mkdir -p "$CRUN"
	(
		cd /
		close_fds 9
		exec setsid sleep 2147483647 </dev/null >/dev/null 2>&1
	) &
	echo $! >"$CRUN/lock-holder.pid"
	printf 'pid %s: the cluster of scripts/kube/cluster.sh (up since %s); cluster.sh down releases it\n' "$!" "$(date -u +%FT%TZ)" >"$NODE_LOCK"
}

# release_holder: end the holder.
release_holder() {
	local p
	p=$(holder_pid)
	[ -z "$p" ] || kill "$p" 2>/dev/null || true
	rm -f "$CRUN/lock-holder.pid"
}

# --- processes -------------------------------------------------------------

# close_fds [KEEP...]: close every descriptor but 0, 1, 2 and KEEP, in a
# subshell about to become a daemon: it must hold neither the lock nor a
# caller's pipe (a test reading this script's output would wait for it).
close_fds() {
	local fd n
	for fd in /proc/$BASHPID/fd/*; do
		n=${fd##*/}
		case " 0 1 2 $* " in *" $n "*) continue ;; esac
		eval "exec $n>&-" 2>/dev/null || true
	done
}

# stop PATTERN COMM SECONDS: stop this cluster's COMM processes.
stop() {
	# shellcheck disable=SC2046
	stop_pids "$3" $(pids_of "$1" "$2")
}

# start NAME CMD...: run a daemon in its own session, logging to $CDIR/log,
# without the lock descriptor.
start() {
	local name=$1
	shift
	(
		cd /
		close_fds
		exec setsid "$@" </dev/null >>"$CDIR/log/$name.log" 2>&1
	) &
	echo $! >"$CRUN/$name.pid"
}

kubectl_() { "$KUBECTL_BIN" --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }

# --- dependencies ------------------------------------------------------------

etcd_ok() { [ -x "$ETCD_BIN" ] && "$ETCD_BIN" --version 2>/dev/null | grep -q "etcd Version: $ETCD_VERSION"; }

fetch_etcd() {
	if etcd_ok; then
		log "etcd $ETCD_VERSION: cached ($ETCD_BIN)"
		return
	fi
	command -v apt-get >/dev/null || die "apt-get not found: etcd comes from Debian's etcd-server package"
	local tmp start
	start=$(now_ms)
	tmp=$(mktemp -d)
	chmod 755 "$tmp" # apt downloads as _apt where it can
	if ! apt-cache show etcd-server >/dev/null 2>&1; then
		log "apt-get update (etcd-server is not in the package lists)"
		apt-get update >&2 || die "apt-get update failed"
	fi
	(cd "$tmp" && apt-get download etcd-server >&2) || die "apt-get download etcd-server failed"
	dpkg-deb -x "$tmp"/etcd-server_*.deb "$tmp/root" || die "dpkg-deb -x failed"
	[ -x "$tmp/root/usr/bin/etcd" ] || die "the etcd-server package holds no usr/bin/etcd"
	mkdir -p "$ETCD_DIR"
	mv -f "$tmp/root/usr/bin/etcd" "$ETCD_BIN.tmp"
	mv -f "$ETCD_BIN.tmp" "$ETCD_BIN"
	rm -rf "$tmp"
	etcd_ok || die "$ETCD_BIN does not report version $ETCD_VERSION (Debian's etcd-server is $("$ETCD_BIN" --version 2>/dev/null | head -n1)); set ETCD_VERSION"
	log "etcd $ETCD_VERSION: fetched in $(since "$start") s"
}

cmd_deps() {
	[ "$(id -u)" -eq 0 ] || die "needs root"
	# The Debian packages the node and the certificates need (openssl among them).
	bash "$here/../install-deps.sh" || die "scripts/install-deps.sh failed"
	fetch_etcd
	bash "$here/build.sh" all
}

cmd_check() {
	local missing=() f
	for f in "$ETCD_BIN" "$KUBE_APISERVER_BIN" "$KUBECTL_BIN" /usr/bin/openssl; do
		[ -x "$f" ] || missing+=("$f")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		printf 'cluster: missing: %s (run scripts/kube/cluster.sh deps)\n' "${missing[*]}" >&2
		exit 1
	fi
	bash "$NODE_SH" check "${1:-1.6}"
}

# --- certificates ----------------------------------------------------------

# ec_key FILE: a P-256 key, which openssl makes in milliseconds where RSA
# takes seconds on a loaded machine; every component here takes ECDSA.
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# cert NAME SUBJECT [SANS]: a key and a CA-signed certificate; SANS as
# openssl's subjectAltName (DNS:x,IP:y) makes it a serving certificate.
cert() {
	local name=$1 subj=$2 sans=${3:-} ext=$PKI/$1.ext
	ec_key "$PKI/$name.key"
	openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
	{
		printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
		if [ -n "$sans" ]; then
			printf 'extendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$sans"
		else
			printf 'extendedKeyUsage=clientAuth\n'
		fi
	} >"$ext"
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
		-days 30 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
	rm -f "$PKI/$name.csr" "$ext"
}

kubeconfig() { # kubeconfig FILE CERTNAME USER
	cat >"$1" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: secctx
		  cluster:
		    server: https://127.0.0.1:$APISERVER_PORT
		    certificate-authority: $PKI/ca.crt
		users:
		- name: $3
		  user:
		    client-certificate: $PKI/$2.crt
		    client-key: $PKI/$2.key
		contexts:
		- name: $3@secctx
		  context:
		    cluster: secctx
		    user: $3
		    namespace: default
		current-context: $3@secctx
	EOF
}

make_pki() {
	local node=$1
	mkdir -p "$PKI"
	ec_key "$PKI/ca.key"
	openssl req -x509 -new -key "$PKI/ca.key" -out "$PKI/ca.crt" -days 30 \
		-subj "/CN=secctx-cluster-ca" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
	cert apiserver "/CN=kube-apiserver" \
		"DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$SERVICE_IP"
	cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
	cert admin "/O=system:masters/CN=secctx-admin"
	cert kubelet "/O=system:nodes/CN=system:node:$node"
	cert kubelet-serving "/CN=$node" "DNS:$node,DNS:localhost,IP:127.0.0.1"
	ec_key "$PKI/sa.key"
	openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
	chmod 600 "$PKI"/*.key
	kubeconfig "$ADMIN_KUBECONFIG" admin secctx-admin
	kubeconfig "$CDIR/kubelet.kubeconfig" kubelet "system:node:$node"
}

cmd_user() {
	local name=${1:-} subj="" g
	[ -n "$name" ] || die "usage: cluster.sh user NAME [GROUP...]"
	[ -f "$PKI/ca.key" ] || die "the cluster is not up"
	shift
	for g in "$@"; do subj+="/O=$g"; done
	local id
	id=$(printf '%s' "$name" | tr -c 'a-zA-Z0-9_.-' '_')
	cert "user-$id" "$subj/CN=$name"
	kubeconfig "$CDIR/user-$id.kubeconfig" "user-$id" "$name"
	printf '%s\n' "$CDIR/user-$id.kubeconfig"
}

# --- the kubelet, registered -------------------------------------------------

write_kubelet_config() { # write_kubelet_config FILE SECCOMP_DEFAULT UNSAFE_SYSCTLS(comma list)
	local f=$1 sd=$2 unsafe=$3 tmp=$1.tmp
	{
		cat <<-EOF
			# kubelet of the secctx cluster tier (generated by scripts/kube/cluster.sh):
			# node.sh's standalone configuration, registered to the API server and
			# with its API secured as on a kubeadm node.
			apiVersion: kubelet.config.k8s.io/v1beta1
			kind: KubeletConfiguration
			address: 127.0.0.1
			port: $SECCTX_KUBELET_PORT
			readOnlyPort: 0
			healthzBindAddress: 127.0.0.1
			healthzPort: $SECCTX_KUBELET_HEALTHZ_PORT
			tlsCertFile: $PKI/kubelet-serving.crt
			tlsPrivateKeyFile: $PKI/kubelet-serving.key
			authentication:
			  anonymous:
			    enabled: false
			  webhook:
			    enabled: true
			  x509:
			    clientCAFile: $PKI/ca.crt
			authorization:
			  mode: Webhook
			nodeStatusUpdateFrequency: 2s
		EOF
		kubelet_config_node "$STATIC_POD_DIR" "$POD_LOGS_DIR" "$CONTAINERD_SOCKET" "$SECCTX_KUBE_CGROUP_ROOT" "$sd" "$unsafe"
	} >"$tmp"
	mv -f "$tmp" "$f"
}

# node_env: node.sh's paths and endpoints as shell variables.
node_env() {
	local line
	while IFS= read -r line; do
		case $line in *=*) printf -v "${line%%=*}" '%s' "${line#*=}" ;; esac
	done < <(bash "$NODE_SH" env)
}

node_ready() {
	[ "$(kubectl_ get node "$1" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# --- up, down -----------------------------------------------------------------

cmd_up() {
	local v=1.6 unpriv=on sd=off unsafe=""
	while [ $# -gt 0 ]; do
		case $1 in
		--containerd) v=$2 ;;
		--allowed-unsafe-sysctls) unsafe=$2 ;;
		--unprivileged) unpriv=$2 ;;
		--seccomp-default) sd=$2 ;;
		*) die "unknown argument $1" ;;
		esac
		shift 2 || die "$1 needs a value"
	done
	case $sd in on | true) sd=true ;; off | false) sd=false ;; *) die "--seccomp-default on|off" ;; esac
	[ "$(id -u)" -eq 0 ] || die "the cluster needs root"
	cmd_check "$v"
	lock up
	local t0 t
	t0=$(now_ms)
	down_all
	mkdir -p "$CDIR/log" "$CRUN"
	local node
	node=$(node_name)
	printf 'NODE_NAME=%s\nCONTAINERD=%s\n' "$node" "$v" >"$CDIR/cluster.env"

	t=$(now_ms)
	make_pki "$node"
	log "certificates: $(since "$t") s"

	t=$(now_ms)
	local etcd_env=()
	[ "$(uname -m)" = x86_64 ] || etcd_env=(env ETCD_UNSUPPORTED_ARCH="$(uname -m | sed 's/aarch64/arm64/')")
	start etcd "${etcd_env[@]}" "$ETCD_BIN" --name secctx --data-dir "$CDIR/etcd" \
		--listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
		--listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster "secctx=http://127.0.0.1:$ETCD_PEER_PORT" --log-level warn
	wait_for 30 /bin/busybox wget -q -O /dev/null "http://127.0.0.1:$ETCD_CLIENT_PORT/health" ||
		die "etcd is not healthy; see $CDIR/log/etcd.log"
	log "etcd $ETCD_VERSION healthy: $(since "$t") s"

	t=$(now_ms)
	local gates=ProcMountType=true,UserNamespacesSupport=true,SupplementalGroupsPolicy=true
	start kube-apiserver "$KUBE_APISERVER_BIN" --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
		--etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" --service-cluster-ip-range="$SERVICE_CIDR" \
		--tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" --client-ca-file="$PKI/ca.crt" \
		--service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
		--service-account-issuer=https://kubernetes.default.svc.cluster.local \
		--kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
		--kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=Hostname \
		--authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
		--endpoint-reconciler-type=none --feature-gates="$gates" --profiling=false --v=1
	# The node, while the API server starts.
	local tn
	tn=$(now_ms)
	bash "$NODE_SH" up --containerd "$v" --unprivileged "$unpriv" --seccomp-default "$sd" >&2 ||
		die "node.sh up failed"
	node_env
	# node.sh started a standalone kubelet; replace its configuration (same
	# path, so node.sh down still finds it) with the registered one.
	stop "$SECCTX_KUBE_DIR/etc/kubelet.yaml" kubelet 15
	write_kubelet_config "$SECCTX_KUBE_DIR/etc/kubelet.yaml" "$sd" "$unsafe"
	# The pods' bridge, with an address on the host for the pod proxy (the
	# bridge plugin, isGateway false, reuses it and leaves the address alone).
	ip link add "$BRIDGE" type bridge 2>/dev/null || true
	ip addr replace "$BRIDGE_ADDR" dev "$BRIDGE"
	ip link set "$BRIDGE" up
	log "containerd $v: $(since "$tn") s"

	wait_for 60 kubectl_ get --raw /readyz || die "kube-apiserver is not ready; see $CDIR/log/kube-apiserver.log"
	log "kube-apiserver $KUBE_VERSION ready: $(since "$t") s"

	t=$(now_ms)
	(
		cd /
		close_fds
		exec setsid "$KUBELET_BIN" --config "$SECCTX_KUBE_DIR/etc/kubelet.yaml" --root-dir "$KUBELET_ROOT" \
			--kubeconfig "$CDIR/kubelet.kubeconfig" --cert-dir "$SECCTX_KUBE_DIR/pki" --hostname-override "$node" \
			--v=2 </dev/null >>"$KUBELET_LOG" 2>&1
	) &
	echo $! >"$SECCTX_KUBE_RUN/kubelet.pid"
	wait_for 60 node_ready "$node" || die "node $node is not Ready; see $KUBELET_LOG"
	log "node $node Ready: $(since "$t") s"

	local ns
	for ns in ${SECCTX_CLUSTER_NAMESPACES:-default}; do
		bootstrap_namespace "$ns"
	done
	hold_lock
	log "up in $(since "$t0") s: kubectl --kubeconfig $ADMIN_KUBECONFIG (or cluster.sh kubectl)"
}

# bootstrap_namespace NS: what the controller-manager would create.
bootstrap_namespace() {
	local ns=$1
	kubectl_ get namespace "$ns" >/dev/null 2>&1 || kubectl_ create namespace "$ns" >/dev/null
	wait_for 10 kubectl_ get namespace "$ns"
	kubectl_ -n "$ns" create serviceaccount default >/dev/null 2>&1 || true
	kubectl_ -n "$ns" create configmap kube-root-ca.crt --from-file=ca.crt="$PKI/ca.crt" >/dev/null 2>&1 || true
}

# down_all: the node (pods, kubelet, containerd), then the API server and
# etcd, then the state.
down_all() {
	if [ -f "$SECCTX_KUBE_DIR/node.env" ] || [ -d "$SECCTX_KUBE_RUN" ]; then
		bash "$NODE_SH" down >&2 || log "warning: node.sh down failed"
	fi
	stop "$CDIR/pki/apiserver.crt" kube-apiserver 15
	stop "$CDIR/etcd" etcd 15
	rm -rf "$CDIR" "$CRUN/etcd.pid" "$CRUN/kube-apiserver.pid"
}

cmd_down() {
	[ "$(id -u)" -eq 0 ] || die "needs root"
	lock down
	local t
	t=$(now_ms)
	down_all
	release_holder
	rm -rf "$CRUN"
	log "down in $(since "$t") s"
}

cmd_env() {
	local node="" v=""
	if [ -f "$CDIR/cluster.env" ]; then
		node=$(sed -n 's/^NODE_NAME=//p' "$CDIR/cluster.env")
		v=$(sed -n 's/^CONTAINERD=//p' "$CDIR/cluster.env")
	fi
	# node.sh's first: the cluster's NODE_NAME (the registered node) wins.
	bash "$NODE_SH" env | grep -v '^NODE_NAME='
	cat <<-EOF
		KUBECONFIG=$ADMIN_KUBECONFIG
		KUBECTL=$KUBECTL_BIN
		SERVER=https://127.0.0.1:$APISERVER_PORT
		NODE_NAME=$node
		CONTAINERD_VERSION=$v
		CA_CERT=$PKI/ca.crt
		CLUSTER_DIR=$CDIR
		APISERVER_LOG=$CDIR/log/kube-apiserver.log
		ETCD_LOG=$CDIR/log/etcd.log
		ETCD=$ETCD_BIN
	EOF
}

[ $# -gt 0 ] || die "usage: cluster.sh deps|up|down|env|kubectl|user|import|check"
sub=$1
shift
case $sub in
deps) cmd_deps ;;
check) cmd_check "$@" ;;
up) cmd_up "$@" ;;
down) cmd_down ;;
env) cmd_env ;;
kubectl) kubectl_ "$@" ;;
user) cmd_user "$@" ;;
import) bash "$NODE_SH" import "$@" ;;
*) die "unknown command $sub" ;;
esac
