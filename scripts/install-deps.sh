#!/usr/bin/env bash
# install-deps.sh: install what secctx's end-to-end tests, demo and CI need
# on a fresh Debian 12 machine, and nothing that is already there.
#
#   runc            runs the e2e containers (runc run --bundle DIR ID)
#   podman          podman kube play / build / import for the demo
#   busybox-static  /bin/busybox, the rest of every test rootfs
#   prometheus      for promtool, which checks the metrics exposition
#   zsh, fish       to check the completion scripts secctx writes for them
#
# Idempotent: it runs `apt-get update` once, and only when a package is
# missing. Run it as root. Everything it does is reported on stderr; it exits
# non-zero on any failure.
set -euo pipefail

log() { printf 'install-deps: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
	die "must run as root (it installs Debian packages)"
fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script targets Debian 12"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script targets Debian 12"

# package:file-that-proves-it-is-usable
wanted=(
	"runc:/usr/sbin/runc"
	"podman:/usr/bin/podman"
	"catatonit:/usr/bin/catatonit"
	"busybox-static:/bin/busybox"
	"prometheus:/usr/bin/promtool"
	"zsh:/usr/bin/zsh"
	"fish:/usr/bin/fish"
)

installed() {
	local status
	status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[ "$status" = "installed" ]
}

missing=()
for entry in "${wanted[@]}"; do
	pkg=${entry%%:*}
	file=${entry#*:}
	if installed "$pkg" && [ -x "$file" ]; then
		log "$pkg: already installed ($file)"
	else
		log "$pkg: missing"
		missing+=("$pkg")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	log "nothing to install"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log "apt-get update"
apt-get update >&2 || die "apt-get update failed"
log "apt-get install -y --no-install-recommends ${missing[*]}"
apt-get install -y --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"

# Verify: every package installed and its file present.
for entry in "${wanted[@]}"; do
	pkg=${entry%%:*}
	file=${entry#*:}
	installed "$pkg" || die "$pkg is still not installed"
	[ -x "$file" ] || die "$pkg is installed but $file is missing"
done
log "installed: ${missing[*]}"
