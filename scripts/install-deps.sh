#!/usr/bin/env bash
# install-deps.sh: install what secctx's end-to-end tests, demo and CI run
# on a fresh Debian 12 machine, and nothing that is already there.
#
#   runc                         runs the e2e containers (runc run --bundle DIR ID)
#   podman                       podman kube play / build / import for the demo
#   catatonit                    the pause process of every `podman kube play`
#                                pod (a Recommends of podman, so not pulled in
#                                by --no-install-recommends); also the static
#                                pause binary of the kubelet tier's sandbox image
#   busybox-static               /bin/busybox, the rest of every test rootfs
#   prometheus                   promtool, which checks the monitoring kit's rules,
#                                and prometheus, which runs them against a sidecar
#   containerd                   containerd 1.6 (CRI), ctr and the runc v2 shim,
#                                for the kubelet tier
#   containernetworking-plugins  bridge, host-local and loopback CNI plugins,
#                                which give every kubelet-tier pod its own
#                                network namespace
#   iproute2                     ip, to remove the tier's CNI bridge on tear-down
#   gcc, libc6-dev, pkg-config,  build runc 1.3 with seccomp support (cgo) for
#   libseccomp-dev               the containerd 2 node of the kubelet tier
#   time                         /usr/bin/time, which measures the peak memory of commands
#   openssl                      the cluster tier's CA and certificates
#   zsh, fish                    to check the completion scripts secctx writes
#                                for them
#   jq, zip, unzip               make release: the OCI image index, the Windows
#                                plugin archives, and the release test reading
#                                them back
#
# Every entry is checked by the executables (or files) it must provide, not
# only by the package's status, and the script fails loudly when one is
# missing after the install.
#
# Idempotent: it runs `apt-get update` once, and only when something is
# missing. Run it as root. Everything it does is reported on stderr; it exits
# non-zero on any failure.
#
# Debian's containerd package enables a containerd.service, which is started
# only where systemd is PID 1. The kubelet tier never uses it (it runs its own
# containerd with its own root, state and socket); where systemd runs, the
# service this script's install started is stopped and disabled again so it
# does not hold the default socket.
set -euo pipefail

log() { printf 'install-deps: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	die "must run as root (it installs Debian packages)"
fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script targets Debian 12"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script targets Debian 12"

# package:file[,file...] — every file must exist (executables: be executable)
# for the package to count as usable.
wanted=(
	"runc:/usr/sbin/runc"
	"podman:/usr/bin/podman"
	"catatonit:/usr/bin/catatonit"
	"busybox-static:/bin/busybox"
	"prometheus:/usr/bin/promtool,/usr/bin/prometheus"
	"containerd:/usr/bin/containerd,/usr/bin/ctr,/usr/bin/containerd-shim-runc-v2"
	"containernetworking-plugins:/usr/lib/cni/bridge,/usr/lib/cni/host-local,/usr/lib/cni/loopback"
	"iproute2:/usr/sbin/ip"
	"gcc:/usr/bin/gcc"
	"libc6-dev:/usr/include/stdio.h"
	"pkg-config:/usr/bin/pkg-config"
	"libseccomp-dev:/usr/include/seccomp.h"
	"time:/usr/bin/time"
	"openssl:/usr/bin/openssl"
	"zsh:/usr/bin/zsh"
	"fish:/usr/bin/fish"
	"jq:/usr/bin/jq"
	"zip:/usr/bin/zip"
	"unzip:/usr/bin/unzip"
)

installed() {
	local status
	status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[ "$status" = "installed" ]
}

# usable PKG FILES: the package is installed and provides every file.
usable() {
	local pkg=$1 files=$2 f
	installed "$pkg" || return 1
	IFS=, read -r -a list <<<"$files"
	for f in "${list[@]}"; do
		case $f in
		*/bin/* | */sbin/* | /usr/lib/cni/*) [ -x "$f" ] || return 1 ;;
		*) [ -e "$f" ] || return 1 ;;
		esac
	done
}

missing=()
for entry in "${wanted[@]}"; do
	pkg=${entry%%:*}
	files=${entry#*:}
	if usable "$pkg" "$files"; then
		log "$pkg: already installed (${files//,/ })"
	else
		log "$pkg: missing"
		missing+=("$pkg")
	fi
done

if [ "${#missing[@]}" -gt 0 ]; then
	containerd_was_installed=0
	installed containerd && containerd_was_installed=1

	export DEBIAN_FRONTEND=noninteractive
	log "apt-get update"
	apt-get update >&2 || die "apt-get update failed"
	log "apt-get install -y --no-install-recommends ${missing[*]}"
	apt-get install -y --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"

	if [ "$containerd_was_installed" = 0 ] && [ -d /run/systemd/system ] &&
		systemctl is-active --quiet containerd.service 2>/dev/null; then
		log "stopping and disabling the containerd.service the package started"
		systemctl disable --now containerd.service >&2 || die "could not stop containerd.service"
	fi
	log "installed: ${missing[*]}"
else
	log "nothing to install"
fi

# Verify: every package installed and every file it must provide present.
bad=()
for entry in "${wanted[@]}"; do
	pkg=${entry%%:*}
	files=${entry#*:}
	if ! usable "$pkg" "$files"; then
		bad+=("$pkg (${files//,/ })")
	fi
done
if [ "${#bad[@]}" -gt 0 ]; then
	die "still not usable after the install: ${bad[*]}"
fi
pkg-config --exists libseccomp || die "pkg-config does not find libseccomp (libseccomp-dev)"

# A containerd the package started (systemd hosts only) must not hold the
# default socket; the kubelet tier's own containerd uses another one anyway.
if [ -d /run/systemd/system ] && systemctl is-active --quiet containerd.service 2>/dev/null; then
	log "note: a containerd.service is running (not started by this script); the kubelet tier does not use it"
fi
