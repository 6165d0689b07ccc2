#!/usr/bin/env bash
# make demo: play deploy/examples/security-context-demo.yaml under podman with
# secctx inside and print the report it writes, which shows the drift podman
# really introduces (fsGroup not applied, pod sysctl not applied) and no
# drift for what it honours.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/secctx}
export CONTAINERS_CONF=$PWD/scripts/containers.conf

bash scripts/install-deps.sh >&2
[ -x "$BIN" ] || { echo "demo: $BIN missing; run make build" >&2; exit 2; }

work=$(mktemp -d)
trap 'podman kube down "$work/pod.yaml" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# Image: busybox-static and the static secctx binary, from local files.
cp /bin/busybox "$BIN" "$work/"
podman build -q -t localhost/secctx-demo:latest -f deploy/examples/Containerfile "$work" >/dev/null

# The ConfigMap carries the pod's own manifest, as kustomization.yaml does.
cp deploy/examples/security-context-demo.yaml "$work/pod.yaml"
{
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secctx-spec\ndata:\n  pod.yaml: |\n'
	sed 's/^/    /' deploy/examples/security-context-demo.yaml
} >"$work/configmap.yaml"

podman kube down "$work/pod.yaml" >/dev/null 2>&1 || true
echo "demo: podman kube play deploy/examples/security-context-demo.yaml" >&2
podman kube play --configmap "$work/configmap.yaml" "$work/pod.yaml" >/dev/null
ctr=security-context-demo-sec-ctx-demo
code=$(podman wait "$ctr")
podman logs "$ctr" 2>"$work/stderr" >"$work/report.json"
if [ -s "$work/stderr" ]; then cat "$work/stderr" >&2; fi

echo "demo: secctx exited $code inside the container (0 no drift, 1 drift); its JSON report:" >&2
cat "$work/report.json"
echo >&2
echo "demo: the same report as text (secctx render):" >&2
"$BIN" render -o text <"$work/report.json"
case "$code" in 0 | 1) exit 0 ;; *) exit "$code" ;; esac
