#!/usr/bin/env bash
# make demo: play deploy/examples/security-context-demo.yaml under podman with
# secctx inside, print its report as a table, and keep the JSON report in a
# file. The report shows the drift podman really introduces (fsGroup not
# applied, the pod sysctl not applied) and no drift for what it honours.
#
#   SECCTX_DEMO_DIR   where the JSON report and secctx's stderr are kept
#                     (default: bin/demo, in the checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/secctx}
OUT=${SECCTX_DEMO_DIR:-bin/demo}
export CONTAINERS_CONF=$PWD/scripts/containers.conf
manifest=deploy/examples/security-context-demo.yaml

bash scripts/install-deps.sh >&2
[ -x "$BIN" ] || { echo "demo: $BIN missing; run make build" >&2; exit 2; }
mkdir -p "$OUT"

work=$(mktemp -d)
trap 'podman kube down "$work/pod.yaml" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# Image: busybox-static and the static secctx binary, from local files.
cp /bin/busybox "$BIN" "$work/"
podman build -q -t localhost/secctx-demo:latest -f deploy/examples/Containerfile "$work" >/dev/null

# The played copy runs secctx with the podman profile (the manifest itself
# leaves the profile to its containerd default, as on a cluster). The
# ConfigMap carries the manifest unchanged, as kustomization.yaml does.
awk '{ print } /^    env:$/ { print "    - name: SECCTX_PROFILE"; print "      value: podman"; n++ }
	END { if (n != 1) { print "demo: no single container env: list in the manifest" > "/dev/stderr"; exit 1 } }' \
	"$manifest" >"$work/pod.yaml"
{
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secctx-spec\ndata:\n  pod.yaml: |\n'
	sed 's/^/    /' "$manifest"
} >"$work/configmap.yaml"

podman kube down "$work/pod.yaml" >/dev/null 2>&1 || true
echo "demo: podman kube play $manifest" >&2
podman kube play --configmap "$work/configmap.yaml" "$work/pod.yaml" >/dev/null
ctr=security-context-demo-sec-ctx-demo
code=$(podman wait "$ctr")
podman logs "$ctr" 2>"$OUT/stderr.log" >"$OUT/report.json"
if [ -s "$OUT/stderr.log" ]; then cat "$OUT/stderr.log" >&2; fi
case "$code" in
0 | 1) ;;
*)
	echo "demo: secctx exited $code inside the container; its stdout is in $OUT/report.json" >&2
	exit "$code"
	;;
esac

echo >&2
"$BIN" render -o text <"$OUT/report.json"
echo >&2
case "$code" in
0) what="no drift" ;;
1) what="drift found" ;;
esac
echo "demo: secctx exited $code inside the container ($what); the JSON report is $OUT/report.json" >&2
echo "demo: render it again with: $BIN render -o text < $OUT/report.json" >&2
