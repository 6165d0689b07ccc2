#!/usr/bin/env bash
# tools.sh: build the manifest tools the deploy/ tests run, from the Go module
# proxy, into ${SECCTX_CACHE:-/var/cache/secctx}, outside the checkout:
#
#   kustomize/v5.8.2/kustomize      sigs.k8s.io/kustomize/kustomize/v5
#   kube-score/v1.20.0/kube-score   github.com/zegl/kube-score/cmd/kube-score
#   gocache/                        the Go build cache of those builds
#   build-times.log                 one line per build: what, seconds, when
#
#   scripts/tools.sh            build what is missing, print nothing on stdout
#   scripts/tools.sh path NAME  print NAME's path (exit 1 if not built)
#
# kustomize v5.8.2 is the newest kustomize the proxy serves that the Go of this
# machine (1.26) builds; v5.8.3 needs Go 1.27. GOTOOLCHAIN=local keeps the go
# command from switching toolchains behind our back.
#
# Idempotent: a tool whose binary is there and runs is not rebuilt. After a
# build it runs the binary and checks that it reports the version asked for;
# it exits non-zero on any failure.
set -euo pipefail

KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION:-v5.8.2}
KUBE_SCORE_VERSION=${KUBE_SCORE_VERSION:-v1.20.0}
SECCTX_CACHE=${SECCTX_CACHE:-/var/cache/secctx}

log() { printf 'tools: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# name -> package@version, binary path, the command that prints its version
declare -A pkg bin vercmd
pkg[kustomize]=sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION
bin[kustomize]=$SECCTX_CACHE/kustomize/$KUSTOMIZE_VERSION/kustomize
vercmd[kustomize]="version"
pkg[kube-score]=github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION
bin[kube-score]=$SECCTX_CACHE/kube-score/$KUBE_SCORE_VERSION/kube-score
vercmd[kube-score]="version"
names=(kustomize kube-score)

# works NAME: the binary exists, runs, and names the expected version.
works() {
	local b=${bin[$1]} want=${pkg[$1]##*@} out
	[ -x "$b" ] || return 1
	out=$("$b" ${vercmd[$1]} 2>&1) || return 1
	# kube-score prints "1.20.0" in its version line; kustomize prints "v5.8.2".
	case "$out" in *"${want#v}"*) return 0 ;; esac
	log "$1: $b reports \"$out\", not $want"
	return 1
}

build() {
	local name=$1 dir start secs
	dir=$(dirname "${bin[$name]}")
	command -v go >/dev/null 2>&1 || die "go not found"
	mkdir -p "$dir" "$SECCTX_CACHE/gocache"
	log "$name: go install ${pkg[$name]} -> $dir"
	start=$(date +%s%N)
	# Version stamps: kube-score takes its version from ldflags (its own
	# release build does the same); kustomize reads its module version.
	local ldflags="-s -w"
	if [ "$name" = kube-score ]; then
		ldflags="$ldflags -X main.version=${KUBE_SCORE_VERSION#v}"
	fi
	GOBIN=$dir GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
		GOCACHE=$SECCTX_CACHE/gocache \
		go install -trimpath -ldflags "$ldflags" "${pkg[$name]}" >&2 ||
		die "$name: go install ${pkg[$name]} failed"
	secs=$((($(date +%s%N) - start) / 1000000000))
	printf '%s %s %ss %s\n' "$name" "${pkg[$name]##*@}" "$secs" "$(date -u +%FT%TZ)" >>"$SECCTX_CACHE/build-times.log"
	works "$name" || die "$name: built, but ${bin[$name]} does not run or reports another version"
	log "$name: built in ${secs}s"
}

if [ "${1:-}" = path ]; then
	[ -n "${2:-}" ] && [ -n "${bin[$2]:-}" ] || die "usage: $0 path {${names[*]}}"
	works "$2" || exit 1
	printf '%s\n' "${bin[$2]}"
	exit 0
fi
[ $# -eq 0 ] || die "usage: $0 [path NAME]"

for name in "${names[@]}"; do
	if works "$name"; then
		log "$name: ${bin[$name]} (${pkg[$name]##*@})"
	else
		build "$name"
	fi
done
