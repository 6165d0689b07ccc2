#!/usr/bin/env bash
# release-image.sh: the image half of scripts/release.sh (which sets its
# environment): build the Dockerfile for linux/amd64 and linux/arm64 with
# podman, the build stage on this machine's platform cross-compiling (no
# emulation: the final stage runs nothing), and write into OUTDIR
#   secctx-image_VERSION_linux_ARCH.oci.tar   one image each
#   secctx-image_VERSION.oci.tar              an image index of both
# as OCI image layouts named IMAGE:VERSION (io.containerd.image.name and
# org.opencontainers.image.ref.name, which ctr import and podman load read).
# podman build --timestamp SOURCE_DATE_EPOCH fixes the image's times; the
# layouts are re-packed with fixed tar metadata, so the bytes depend on the
# commit only.
#
#   VERSION=... COMMIT=... IMAGE=... BUILDER_IMAGE=... release-image.sh OUTDIR WORKDIR
set -euo pipefail

out=${1:?usage: release-image.sh OUTDIR WORKDIR} work=${2:?usage: release-image.sh OUTDIR WORKDIR}
: "${VERSION:?}" "${COMMIT:?}" "${IMAGE:?}" "${BUILDER_IMAGE:?}" "${SOURCE_DATE_EPOCH:?}"
cd "$(dirname "$0")/.."
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/scripts/containers.conf}
ref=$IMAGE:$VERSION

[ "$BUILDER_IMAGE" != localhost/secctx-builder:go ] || bash scripts/builder-image.sh "$BUILDER_IMAGE"

# packlayout DIR FILE: a reproducible tar of an OCI layout.
packlayout() {
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
		--mode=u=rwX,go=rX -C "$1" -cf "$2" oci-layout index.json blobs
}

# descriptor FILE MEDIATYPE [PLATFORM-JSON]: the OCI descriptor of a blob.
descriptor() {
	jq -cn --arg mt "$2" --arg d "sha256:$(sha256sum "$1" | cut -d' ' -f1)" --argjson s "$(stat -c %s "$1")" \
		--argjson p "${3:-null}" '{mediaType: $mt, digest: $d, size: $s} + (if $p then {platform: $p} else {} end)'
}

# index DIR DESCRIPTOR: DIR's index.json names the one DESCRIPTOR REF.
index() {
	jq -cn --argjson m "$2" --arg ref "$ref" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
		  manifests: [$m + {annotations: {"io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": $ref}}]}' >"$1/index.json"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
}

all=$work/image-index
mkdir -p "$all/blobs/sha256"
descs=()
for arch in amd64 arm64; do
	tag=localhost/secctx-release:$VERSION-$arch
	# podman 4.3 does not set BUILDPLATFORM itself: the build stage runs on
	# this machine's platform, given here.
	podman build -q --platform "linux/$arch" --build-arg BUILDPLATFORM="linux/$(go env GOHOSTARCH)" \
		--timestamp "$SOURCE_DATE_EPOCH" \
		--build-arg BUILDER_IMAGE="$BUILDER_IMAGE" --build-arg VERSION="$VERSION" --build-arg COMMIT="$COMMIT" \
		-t "$tag" -f Dockerfile . >/dev/null
	got=$(podman image inspect --format '{{.Os}}/{{.Architecture}}' "$tag")
	[ "$got" = "linux/$arch" ] || { echo "release-image: $tag is $got, not linux/$arch" >&2; exit 1; }
	d=$work/image-$arch
	rm -rf "$d"
	podman save -q --format oci-dir -o "$d" "$tag"
	podman rmi -f "$tag" >/dev/null
	m=$(jq -r '.manifests[0].digest' "$d/index.json")
	desc=$(descriptor "$d/blobs/sha256/${m#sha256:}" application/vnd.oci.image.manifest.v1+json "{\"architecture\":\"$arch\",\"os\":\"linux\"}")
	rm -f "$d/index.json"
	index "$d" "$desc"
	packlayout "$d" "$out/secctx-image_${VERSION}_linux_${arch}.oci.tar"
	cp -n "$d"/blobs/sha256/* "$all/blobs/sha256/"
	descs+=("$desc")
done

# The index of both: a nested image index under the one named entry.
nested=$work/nested-index.json
printf '%s\n' "${descs[@]}" | jq -cs '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}' >"$nested"
desc=$(descriptor "$nested" application/vnd.oci.image.index.v1+json)
cp "$nested" "$all/blobs/sha256/$(sha256sum "$nested" | cut -d' ' -f1)"
index "$all" "$desc"
packlayout "$all" "$out/secctx-image_${VERSION}.oci.tar"
