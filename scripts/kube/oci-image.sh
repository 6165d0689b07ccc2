#!/usr/bin/env bash
# oci-image.sh: write a single-layer OCI image archive from a directory, for
# `ctr images import` (no registry is reachable on the test machines).
#
#   oci-image.sh --name REF --rootfs DIR --out FILE.tar \
#       [--user USER] [--entrypoint JSON-ARRAY] [--cmd JSON-ARRAY] [--env JSON-ARRAY]
#
# REF is the full image reference (e.g. localhost/secctx-kube/pause:1); it is
# stored as the io.containerd.image.name annotation, which ctr uses as the
# image name. Files are stored owned by 0:0 with their modes; the layer is an
# uncompressed tar. USER is the image config's User (e.g. "999:999").
set -euo pipefail

die() {
	printf 'oci-image: error: %s\n' "$*" >&2
	exit 1
}

name="" rootfs="" out="" user="" entrypoint="null" cmd="null" env='["PATH=/bin:/usr/bin:/sbin:/usr/sbin"]'
while [ $# -gt 0 ]; do
	case $1 in
	--name) name=$2 ;;
	--rootfs) rootfs=$2 ;;
	--out) out=$2 ;;
	--user) user=$2 ;;
	--entrypoint) entrypoint=$2 ;;
	--cmd) cmd=$2 ;;
	--env) env=$2 ;;
	*) die "unknown argument $1" ;;
	esac
	shift 2 || die "$1 needs a value"
done
[ -n "$name" ] && [ -n "$rootfs" ] && [ -n "$out" ] || die "--name, --rootfs and --out are required"
[ -d "$rootfs" ] || die "$rootfs is not a directory"
tag=${name##*:}
[ "$tag" != "$name" ] && [ "${tag#*/}" = "$tag" ] || die "$name has no tag"

case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
*) arch=$(uname -m) ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/blobs/sha256"

# blob FILE: move FILE into blobs/ under its digest; print "digest size".
blob() {
	local d s
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	mv "$1" "$tmp/blobs/sha256/$d"
	printf '%s %s\n' "$d" "$s"
}

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$tmp/layer" .
read -r layer layer_size < <(blob "$tmp/layer")

printf '{"architecture":"%s","os":"linux","config":{"User":"%s","Env":%s,"Entrypoint":%s,"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
	"$arch" "$user" "$env" "$entrypoint" "$cmd" "$layer" >"$tmp/config"
read -r config config_size < <(blob "$tmp/config")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
	"$config" "$config_size" "$layer" "$layer_size" >"$tmp/manifest"
read -r manifest manifest_size < <(blob "$tmp/manifest")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
	"$manifest" "$manifest_size" "$arch" "$name" "$tag" >"$tmp/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$tmp/oci-layout"

tar --owner=0 --group=0 --numeric-owner -C "$tmp" -cf "$out.tmp" oci-layout index.json blobs
mv -f "$out.tmp" "$out"
