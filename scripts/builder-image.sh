#!/usr/bin/env bash
# Make a local Go builder image for the Dockerfile's build stage from this
# machine's Go toolchain and the modules the binary links, so that
# `podman build` works where no registry can be reached.
#   usage: scripts/builder-image.sh [IMAGE]   (default localhost/secctx-builder:go)
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-localhost/secctx-builder:go}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/scripts/containers.conf}
goroot=$(go env GOROOT)
version=$(go env GOVERSION)

# Rebuild only when the toolchain or the module list changed.
stamp="$version $(sha256sum go.sum | cut -c1-16)"
if [ "$(podman image inspect --format '{{index .Labels "secctx.builder"}}' "$image" 2>/dev/null || true)" = "$stamp" ]; then
	echo "builder-image: $image is up to date ($stamp)" >&2
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/bin" "$root/usr/local" "$root/go/pkg/mod" "$root/tmp" "$root/etc"
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for t in sh ls cat mkdir rm env; do ln -s busybox "$root/bin/$t"; done
# The toolchain without its tests and docs.
tar -C "$(dirname "$goroot")" --exclude=go/test --exclude=go/doc --exclude=go/api --exclude='testdata' \
	-cf - "$(basename "$goroot")" | tar -C "$root/usr/local" -xf -
[ "$(basename "$goroot")" = go ] || mv "$root/usr/local/$(basename "$goroot")" "$root/usr/local/go"
# Only the modules the binary links (test-only ones such as k8s.io/api stay out).
mods=$(go list -deps -f '{{with .Module}}{{if .Version}}{{.Path}}@{{.Version}}{{end}}{{end}}' ./cmd/secctx | sort -u)
GOMODCACHE=$root/go/pkg/mod GOFLAGS=-mod=mod go mod download $mods
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"

echo "builder-image: importing $image ($stamp)" >&2
tar -C "$root" -cf "$work/rootfs.tar" .
podman import -q \
	--change 'ENV PATH=/usr/local/go/bin:/bin' \
	--change 'ENV GOROOT=/usr/local/go' \
	--change 'ENV GOPATH=/go' \
	--change 'ENV GOMODCACHE=/go/pkg/mod' \
	--change 'ENV GOCACHE=/tmp/go-build' \
	--change 'ENV GOPROXY=off' \
	--change 'ENV GOFLAGS=-mod=mod' \
	--change 'ENV GOTOOLCHAIN=local' \
	--change 'ENV HOME=/tmp' \
	--change "LABEL secctx.builder=$stamp" \
	"$work/rootfs.tar" "$image" >/dev/null
echo "builder-image: $image ready" >&2
