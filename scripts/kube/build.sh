#!/usr/bin/env bash
# build.sh: build the upstream binaries the kubelet tier (and a later
# single-node cluster tier) run, into a cache outside the checkout, and reuse
# what is already there.
#
#   scripts/kube/build.sh [TARGET...]
#
# Targets: kubelet, crictl, containerd (containerd v2 + ctr + its runc shim),
# runc (runc 1.3 with seccomp), apiserver (kube-apiserver and kubectl), and
# the groups `tier` (what the kubelet tier needs: kubelet crictl containerd
# runc; the default) and `all` (tier + apiserver).
#
# A binary is reused when it exists and its --version names the wanted
# version; otherwise it is built, into a temporary file renamed into place, so
# an interrupted build never leaves a half-written binary. Versions and the
# cache layout are in lib.sh; SECCTX_CACHE (default /var/cache/secctx) moves
# the cache. Build times go to $SECCTX_CACHE/kube-build-times.log.
#
# The Kubernetes binaries come from a throwaway module generated here (never
# in the repository): it requires k8s.io/kubernetes and replaces each of its
# staging modules (k8s.io/api, k8s.io/client-go, ...) with the published
# v0.X.Y, because kubernetes' own go.mod points them at ./staging paths, which
# `go install pkg@version` refuses.
#
# The Go build cache for these builds is $SECCTX_CACHE/gocache, not the
# user's: it holds about 3 GB of Kubernetes objects that only these builds
# use, it travels with the binaries (a CI cache of $SECCTX_CACHE, or a fresh
# clone on the same machine, relinks in seconds instead of recompiling for
# ten minutes), and `go clean -cache` on the project does not throw it away.
# The module cache stays Go's default (GOMODCACHE), shared with the project.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

log() { printf 'kube-build: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

command -v go >/dev/null 2>&1 || die "go not found in PATH"
mkdir -p "$SECCTX_CACHE"

export GOCACHE=$SECCTX_CACHE/gocache
export GOTOOLCHAIN=local
export GOFLAGS=-buildvcs=false

# One build at a time per cache.
exec 9>"$SECCTX_CACHE/.build.lock"
flock 9

timed() { # timed NAME CMD...: run CMD, log and record its wall time
	local name=$1 start end
	shift
	start=$(date +%s)
	"$@"
	end=$(date +%s)
	log "$name: built in $((end - start)) s"
	printf '%s\t%s\t%ss\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$((end - start))" "$(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$SECCTX_CACHE/kube-build-times.log"
}

# has BIN PATTERN ARGS...: BIN exists and `BIN ARGS` prints PATTERN.
has() {
	local bin=$1 pattern=$2
	shift 2
	local out
	[ -x "$bin" ] || return 1
	out=$("$bin" "$@" 2>&1) || return 1
	grep -qF -- "$pattern" <<<"$out"
}

# install_into DIR TMPDIR NAME...: move freshly built binaries into place.
install_into() {
	local dir=$1 tmp=$2 name
	shift 2
	mkdir -p "$dir"
	for name in "$@"; do
		[ -x "$tmp/$name" ] || die "the build did not produce $name"
		mv -f "$tmp/$name" "$dir/$name"
	done
}

kube_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitTreeState=clean"

# kube_module: generate (once) the throwaway module that builds k8s.io/kubernetes commands.
kube_module() {
	local src=$SECCTX_CACHE/src/kubernetes-$KUBE_VERSION staging gomod json
	staging="v0.${KUBE_VERSION#v1.}"
	mkdir -p "$src"
	if [ -f "$src/go.sum" ] && [ -f "$src/.complete" ]; then
		printf '%s\n' "$src"
		return
	fi
	log "generating the throwaway module for k8s.io/kubernetes $KUBE_VERSION in $src"
	json=$(cd "$src" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$KUBE_VERSION") ||
		die "go mod download k8s.io/kubernetes@$KUBE_VERSION failed"
	gomod=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' | head -n1)
	[ -f "$gomod" ] || die "no go.mod for k8s.io/kubernetes@$KUBE_VERSION in the module cache"
	{
		printf 'module secctx.invalid/kubebuild\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$KUBE_VERSION"
		# Each `k8s.io/X => ./staging/src/k8s.io/X` becomes `k8s.io/X => k8s.io/X v0.M.P`.
		sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\t\1 => \1 '"$staging"'#p' "$gomod"
		printf ')\n'
	} >"$src/go.mod"
	grep -q '=> k8s.io/api ' "$src/go.mod" || die "found no staging replace lines in $gomod"
	cat >"$src/tools.go" <<-'EOF'
		//go:build tools

		// Package tools pins the Kubernetes commands this module builds.
		package tools

		import (
			_ "k8s.io/kubernetes/cmd/kube-apiserver"
			_ "k8s.io/kubernetes/cmd/kubectl"
			_ "k8s.io/kubernetes/cmd/kubelet"
		)
	EOF
	(cd "$src" && go mod tidy) >&2 || die "go mod tidy failed in $src"
	touch "$src/.complete"
	printf '%s\n' "$src"
}

# kube_build NAME...: build k8s.io/kubernetes/cmd/NAME for each NAME in one go build.
kube_build() {
	local src tmp pkgs=() name
	src=$(kube_module)
	mkdir -p "$(dirname "$KUBE_DIR")"
	tmp=$(mktemp -d "$KUBE_DIR.tmp.XXXXXX")
	for name in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/$name"); done
	log "building ${*} $KUBE_VERSION (cold: 3 to 8 minutes on 2 cores)"
	(cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "$kube_ldflags" -o "$tmp/" "${pkgs[@]}") >&2 ||
		{ rm -rf "$tmp"; die "go build ${pkgs[*]} failed"; }
	install_into "$KUBE_DIR" "$tmp" "$@"
	rm -rf "$tmp"
}

build_kubelet() {
	if has "$KUBELET_BIN" "Kubernetes $KUBE_VERSION" --version; then
		log "kubelet $KUBE_VERSION: cached ($KUBELET_BIN)"
		return
	fi
	timed "kubelet $KUBE_VERSION" kube_build kubelet
	has "$KUBELET_BIN" "Kubernetes $KUBE_VERSION" --version || die "$KUBELET_BIN --version does not say $KUBE_VERSION"
}

build_apiserver() {
	if has "$KUBE_APISERVER_BIN" "Kubernetes $KUBE_VERSION" --version &&
		has "$KUBECTL_BIN" "Client Version: $KUBE_VERSION" version --client; then
		log "kube-apiserver, kubectl $KUBE_VERSION: cached ($KUBE_DIR)"
		return
	fi
	timed "kube-apiserver+kubectl $KUBE_VERSION" kube_build kube-apiserver kubectl
	has "$KUBE_APISERVER_BIN" "Kubernetes $KUBE_VERSION" --version || die "$KUBE_APISERVER_BIN --version does not say $KUBE_VERSION"
	has "$KUBECTL_BIN" "Client Version: $KUBE_VERSION" version --client || die "$KUBECTL_BIN version does not say $KUBE_VERSION"
}

# gobin_install DIR NAMES ENV... -- GOINSTALLARGS...: go install into a
# temporary GOBIN, then move NAMES (comma-separated) into DIR.
gobin_install() {
	local dir=$1 names=$2 tmp
	shift 2
	local envs=()
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	mkdir -p "$(dirname "$dir")"
	tmp=$(mktemp -d "$dir.tmp.XXXXXX")
	(cd "$tmp" && env GOBIN="$tmp" "${envs[@]}" go install "$@") >&2 || { rm -rf "$tmp"; die "go install $* failed"; }
	IFS=, read -r -a list <<<"$names"
	install_into "$dir" "$tmp" "${list[@]}"
	rm -rf "$tmp"
}

build_crictl() {
	if has "$CRICTL_BIN" "crictl version $CRITOOLS_VERSION" --version; then
		log "crictl $CRITOOLS_VERSION: cached ($CRICTL_BIN)"
		return
	fi
	log "building crictl $CRITOOLS_VERSION"
	timed "crictl $CRITOOLS_VERSION" gobin_install "$(dirname "$CRICTL_BIN")" crictl CGO_ENABLED=0 -- \
		-trimpath -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRITOOLS_VERSION" \
		"sigs.k8s.io/cri-tools/cmd/crictl@$CRITOOLS_VERSION"
	has "$CRICTL_BIN" "crictl version $CRITOOLS_VERSION" --version || die "$CRICTL_BIN --version does not say $CRITOOLS_VERSION"
}

containerd_ok() {
	has "$CONTAINERD2_DIR/containerd" "$CONTAINERD2_VERSION" --version &&
		has "$CONTAINERD2_DIR/ctr" "$CONTAINERD2_VERSION" --version &&
		has "$CONTAINERD2_DIR/containerd-shim-runc-v2" "$CONTAINERD2_VERSION" -v
}

build_containerd() {
	if containerd_ok; then
		log "containerd $CONTAINERD2_VERSION: cached ($CONTAINERD2_DIR)"
		return
	fi
	local mod=github.com/containerd/containerd/v2
	local ldflags="-s -w -X $mod/version.Version=$CONTAINERD2_VERSION"
	log "building containerd $CONTAINERD2_VERSION"
	# Without cgo only the btrfs snapshotter is left out.
	timed "containerd $CONTAINERD2_VERSION" gobin_install "$CONTAINERD2_DIR" containerd,ctr CGO_ENABLED=0 -- \
		-trimpath -tags urfave_cli_no_docs -ldflags "$ldflags" \
		"$mod/cmd/containerd@$CONTAINERD2_VERSION" "$mod/cmd/ctr@$CONTAINERD2_VERSION"
	timed "containerd-shim-runc-v2 $CONTAINERD2_VERSION" gobin_install "$CONTAINERD2_DIR" containerd-shim-runc-v2 CGO_ENABLED=0 -- \
		-trimpath -tags "urfave_cli_no_docs no_grpc" -ldflags "$ldflags" \
		"$mod/cmd/containerd-shim-runc-v2@$CONTAINERD2_VERSION"
	containerd_ok || die "containerd $CONTAINERD2_VERSION binaries do not report that version"
}

build_runc() {
	if has "$RUNC13_BIN" "runc version ${RUNC_VERSION#v}" --version; then
		log "runc $RUNC_VERSION: cached ($RUNC13_BIN)"
		return
	fi
	pkg-config --exists libseccomp || die "libseccomp-dev is missing (run scripts/install-deps.sh)"
	log "building runc $RUNC_VERSION (cgo, libseccomp)"
	timed "runc $RUNC_VERSION" gobin_install "$(dirname "$RUNC13_BIN")" runc CGO_ENABLED=1 -- \
		-trimpath -tags "seccomp urfave_cli_no_docs" -ldflags "-X main.version=${RUNC_VERSION#v}" \
		"github.com/opencontainers/runc@$RUNC_VERSION"
	has "$RUNC13_BIN" "runc version ${RUNC_VERSION#v}" --version || die "$RUNC13_BIN --version does not say $RUNC_VERSION"
	"$RUNC13_BIN" --version | grep -q 'libseccomp: ' || die "$RUNC13_BIN was built without seccomp"
}

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(tier)
expanded=()
for t in "${targets[@]}"; do
	case $t in
	tier) expanded+=(kubelet crictl containerd runc) ;;
	all) expanded+=(kubelet crictl containerd runc apiserver) ;;
	kubelet | crictl | containerd | runc | apiserver) expanded+=("$t") ;;
	*) die "unknown target $t (kubelet, crictl, containerd, runc, apiserver, tier, all)" ;;
	esac
done

start=$(date +%s)
for t in "${expanded[@]}"; do
	"build_$t"
done
log "done in $(($(date +%s) - start)) s; cache: $SECCTX_CACHE"
