#!/usr/bin/env bash
# krew.sh: build the kubectl plugin's release archives and write the krew
# manifest that installs them.
#
#   scripts/krew.sh VERSION [OUTDIR]     e.g. scripts/krew.sh v0.1.0
#
# For each platform it writes OUTDIR/kubectl-secctx_VERSION_OS_ARCH.tar.gz
# (default OUTDIR: dist) holding kubectl-secctx and the static secctx binary
# of the same architecture (what `kubectl secctx verify --exec` streams into
# a container). Linux only: the plugin reuses secctx's report package, which
# links libcap's Linux capability code. Then it rewrites
# deploy/krew/secctx.yaml with the version, the release URIs and the
# archives' sha256. The archives are reproducible (fixed owner, order and
# times; -trimpath builds), so the manifest matches the archives the release
# uploads under github.com/secctx/secctx/releases/download/VERSION/.
set -euo pipefail

version=${1:?usage: scripts/krew.sh VERSION [OUTDIR]}
out=${2:-dist}
case $version in v[0-9]*.[0-9]*.[0-9]*) ;; *) echo "krew: VERSION must be vMAJOR.MINOR.PATCH" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
manifest=deploy/krew/secctx.yaml
mkdir -p "$out"

platforms="linux/amd64 linux/arm64"
declare -A sums
for p in $platforms; do
	os=${p%/*} arch=${p#*/}
	tmp=$(mktemp -d)
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$tmp/kubectl-secctx" ./cmd/kubectl-secctx
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$tmp/secctx" ./cmd/secctx
	files=(kubectl-secctx secctx)
	archive=$out/kubectl-secctx_${version}_${os}_${arch}.tar.gz
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tmp" -cf - "${files[@]}" | gzip -n -9 >"$archive"
	rm -rf "$tmp"
	sums[$p]=$(sha256sum "$archive" | cut -d' ' -f1)
	echo "krew: $archive ${sums[$p]}" >&2
done

# Rewrite each platform's uri and sha256 (the uri line names the platform).
tmp=$(mktemp)
awk -v version="$version" -v sums="$(for p in $platforms; do printf '%s=%s,' "${p/\//_}" "${sums[$p]}"; done)" '
BEGIN { n = split(sums, kv, ","); for (i = 1; i <= n; i++) if (kv[i] != "") { split(kv[i], a, "="); sum[a[1]] = a[2] } }
/^  version: / { print "  version: " version; next }
/^    uri: / {
	match($0, /_linux_(amd64|arm64)\.tar\.gz/)
	plat = substr($0, RSTART + 1, RLENGTH - 8)
	print "    uri: https://github.com/secctx/secctx/releases/download/" version "/kubectl-secctx_" version "_" plat ".tar.gz"
	next
}
/^    sha256: / { print "    sha256: \"" sum[plat] "\""; next }
{ print }
' "$manifest" >"$tmp"
mv "$tmp" "$manifest"
echo "krew: wrote $manifest for $version" >&2
