#!/usr/bin/env bash
# bench-lint-scale.sh: `secctx lint -` on a cluster's pod dump, side by side
# with kube-score on the same dump, in one run.
#
#   scripts/bench-lint-scale.sh [PODS]     (default 50000)
#
# It builds secctx and the dump generator (internal/poddump: a List of pods
# as `kubectl get pods -A -o yaml|json` prints it, from a realistic template
# with variation), writes the dump as YAML and as JSON into a temporary
# directory, and runs each command once under /usr/bin/time -v, reading the
# dump on stdin: peak RSS (the kernel's maxrss) and wall time. kube-score is
# the one scripts/tools.sh builds into ${SECCTX_CACHE:-/var/cache/secctx}.
# It exits 1 when a secctx run is over LINT_MAX_RSS_MIB (64) of peak RSS or
# fails.
set -euo pipefail

PODS=${1:-50000}
MAX_MIB=${LINT_MAX_RSS_MIB:-64}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/secctx" ./cmd/secctx
go build -o "$tmp/poddump" ./internal/poddump/cmd/poddump
kube_score=$(bash scripts/tools.sh path kube-score 2>/dev/null || true)
if [ -z "$kube_score" ]; then
	echo "bench-lint-scale: kube-score is not built (run scripts/tools.sh); secctx only" >&2
fi
"$tmp/poddump" -n "$PODS" -o yaml >"$tmp/pods.yaml"
"$tmp/poddump" -n "$PODS" -o json >"$tmp/pods.json"

fail=0
# run NAME INPUT CMD...: one measured run, its output to /dev/null.
run() {
	local name=$1 input=$2 rc=0
	shift 2
	/usr/bin/time -v -o "$tmp/time" "$@" <"$input" >/dev/null 2>"$tmp/stderr" || rc=$?
	local kib wall
	kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time")
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time")
	printf '%-44s %-5s %9.1f MiB %10s  exit %d\n' "$name" "${input##*.}" "$(echo "$kib / 1024" | bc -l)" "$wall" "$rc"
	case "$name" in secctx*)
		if [ "$rc" -gt 1 ] || [ "$kib" -gt $((MAX_MIB * 1024)) ]; then
			echo "  over ${MAX_MIB} MiB or failed: $(head -c 300 "$tmp/stderr")" >&2
			fail=1
		fi
	esac
}

printf '%s pods: %s bytes of YAML, %s bytes of JSON; %s, %s CPUs\n' "$PODS" \
	"$(stat -c %s "$tmp/pods.yaml")" "$(stat -c %s "$tmp/pods.json")" "$(go env GOOS)/$(go env GOARCH)" "$(nproc)"
printf '%-44s %-5s %13s %10s\n' command input "peak RSS" "wall"
for f in yaml json; do
	run "secctx lint -" "$tmp/pods.$f" "$tmp/secctx" lint -
	run "secctx lint -o json -" "$tmp/pods.$f" "$tmp/secctx" lint -o json -
	run "secctx lint -o sarif -" "$tmp/pods.$f" "$tmp/secctx" lint -o sarif -
	if [ -n "$kube_score" ]; then
		run "kube-score score -" "$tmp/pods.$f" "$kube_score" score -
		run "kube-score score -o json -" "$tmp/pods.$f" "$kube_score" score -o json -
	fi
done
exit $fail
