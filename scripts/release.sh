#!/usr/bin/env bash
# release.sh: build every release artifact of secctx into OUTDIR (default
# dist), reproducibly: the same commit gives the same bytes, whoever builds
# it and wherever (docs/release.md).
#
#   scripts/release.sh VERSION [OUTDIR]       e.g. scripts/release.sh v0.1.0
#
# It writes, with SHA256SUMS over all of them:
#   secctx_VERSION_linux_{amd64,arm64}.tar.gz        the static secctx binary
#   kubectl-secctx_VERSION_{linux,darwin}_{amd64,arm64}.tar.gz
#   kubectl-secctx_VERSION_windows_{amd64,arm64}.zip the plugin, with the
#       static Linux secctx of the same architecture (what --exec streams)
#   secctx-image_VERSION_linux_{amd64,arm64}.oci.tar one OCI image archive
#       per architecture, from the Dockerfile (podman, cross-compiled)
#   secctx-image_VERSION.oci.tar                     the image index of both
#   secctx.yaml                                      the krew manifest
# and rewrites deploy/krew/secctx.yaml (scripts/krew.sh) with the archives'
# sums. Every archive holds LICENSE.
#
# Binaries: CGO_ENABLED=0, -trimpath, -buildvcs=false, stripped, with
# -X main.version=VERSION -X main.commit=$(git rev-parse HEAD). Archive
# times are SOURCE_DATE_EPOCH (default: the commit's time), owner 0:0,
# names sorted. IMAGE (default ghcr.io/secctx/secctx) is the name the image
# archives carry; BUILDER_IMAGE the build stage's image (default the local
# one scripts/builder-image.sh makes). NO_IMAGE=1 skips the images.
set -euo pipefail

version=${1:?usage: scripts/release.sh VERSION [OUTDIR]}
out=${2:-dist}
case $version in v[0-9]*.[0-9]*.[0-9]*) ;; *) echo "release: VERSION must be vMAJOR.MINOR.PATCH" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
mkdir -p "$out"
out=$(cd "$out" && pwd)
commit=$(git rev-parse HEAD)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}
image=${IMAGE:-ghcr.io/secctx/secctx}
builder=${BUILDER_IMAGE:-localhost/secctx-builder:go}
export CGO_ENABLED=0 TZ=UTC LC_ALL=C
ldflags="-s -w -X main.version=$version -X main.commit=$commit"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -f "$out"/secctx_* "$out"/kubectl-secctx_* "$out"/secctx-image_* "$out"/SHA256SUMS "$out"/secctx.yaml

# gobuild OS ARCH PKG FILE
gobuild() {
	GOOS=$1 GOARCH=$2 go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$4" "$3"
}

# stage DIR FILE...: DIR holds FILEs and LICENSE with fixed modes and times.
stage() {
	local dir=$1
	shift
	cp LICENSE "$dir/LICENSE"
	chmod 0644 "$dir/LICENSE"
	chmod 0755 "$@"
	touch -h -d "@$SOURCE_DATE_EPOCH" "$dir"/*
}

# targz DIR FILE: a reproducible gzipped tar of DIR's files.
targz() {
	tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
		-C "$1" -cf - $(cd "$1" && ls -A) | gzip -n -9 >"$2"
}

# zipdir DIR FILE: a reproducible zip of DIR's files (no extra fields, no
# directory entries, DOS times in UTC).
zipdir() {
	(cd "$1" && find . -type f | sed 's|^\./||' | sort | zip -q -X -D -9 "$2" -@)
}

for arch in amd64 arm64; do
	d=$work/secctx_linux_$arch
	mkdir -p "$d"
	gobuild linux $arch ./cmd/secctx "$d/secctx"
	stage "$d" "$d/secctx"
	targz "$d" "$out/secctx_${version}_linux_${arch}.tar.gz"
done
for os in linux darwin windows; do
	for arch in amd64 arm64; do
		d=$work/kubectl-secctx_${os}_$arch
		mkdir -p "$d"
		exe=kubectl-secctx
		[ $os = windows ] && exe=kubectl-secctx.exe
		gobuild $os $arch ./cmd/kubectl-secctx "$d/$exe"
		cp "$work/secctx_linux_$arch/secctx" "$d/secctx"
		stage "$d" "$d/$exe" "$d/secctx"
		if [ $os = windows ]; then
			zipdir "$d" "$out/kubectl-secctx_${version}_${os}_${arch}.zip"
		else
			targz "$d" "$out/kubectl-secctx_${version}_${os}_${arch}.tar.gz"
		fi
	done
done

if [ "${NO_IMAGE:-}" != 1 ]; then
	VERSION=$version COMMIT=$commit IMAGE=$image BUILDER_IMAGE=$builder bash scripts/release-image.sh "$out" "$work"
fi

bash scripts/krew.sh "$version" "$out"
cp deploy/krew/secctx.yaml "$out/secctx.yaml"
(cd "$out" && find . -maxdepth 1 -type f ! -name SHA256SUMS | sed 's|^\./||' | sort | xargs sha256sum >SHA256SUMS)
echo "release: $version ($commit) in $out" >&2
