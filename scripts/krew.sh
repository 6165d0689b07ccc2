#!/usr/bin/env bash
# krew.sh: write the krew manifest of the kubectl plugin from its release
# archives.
#
#   scripts/krew.sh VERSION [OUTDIR]     e.g. scripts/krew.sh v0.1.0
#
# It reads the plugin's archives that scripts/release.sh wrote into OUTDIR
# (default dist): kubectl-secctx_VERSION_{linux,darwin}_{amd64,arm64}.tar.gz
# and kubectl-secctx_VERSION_windows_{amd64,arm64}.zip, each holding the
# plugin, the static Linux secctx of the same architecture (what
# `kubectl secctx verify --exec` streams into a container) and LICENSE. It
# rewrites deploy/krew/secctx.yaml: the version, and one platform per
# archive with its release URI under
# github.com/secctx/secctx/releases/download/VERSION/ and its sha256. The
# text above `  platforms:` is kept.
set -euo pipefail

version=${1:?usage: scripts/krew.sh VERSION [OUTDIR]}
out=${2:-dist}
case $version in v[0-9]*.[0-9]*.[0-9]*) ;; *) echo "krew: VERSION must be vMAJOR.MINOR.PATCH" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
manifest=deploy/krew/secctx.yaml
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

sed -n '/^  platforms:/q; s/^  version: .*/  version: '"$version"'/; p' "$manifest" >"$tmp"
echo "  platforms:" >>"$tmp"
for os in linux darwin windows; do
	for arch in amd64 arm64; do
		ext=tar.gz bin=kubectl-secctx
		[ $os = windows ] && ext=zip bin=kubectl-secctx.exe
		name=kubectl-secctx_${version}_${os}_${arch}.$ext
		[ -f "$out/$name" ] || { echo "krew: $out/$name is missing (scripts/release.sh $version $out)" >&2; exit 1; }
		sum=$(sha256sum "$out/$name" | cut -d' ' -f1)
		cat >>"$tmp" <<YAML
  - selector:
      matchLabels:
        os: $os
        arch: $arch
    uri: https://github.com/secctx/secctx/releases/download/$version/$name
    sha256: "$sum"
    bin: $bin
    files:
    - from: $bin
      to: .
    - from: secctx
      to: .
    - from: LICENSE
      to: .
YAML
	done
done
chmod 0644 "$tmp"
mv "$tmp" "$manifest"
trap - EXIT
echo "krew: wrote $manifest for $version" >&2
