#!/usr/bin/env bash
# Measure watch mode's cost: RSS sampled while `secctx watch` runs N cycles
# (flat is the goal), its peak RSS, and CPU time per cycle.
#   usage: scripts/measure-watch.sh [CYCLES] [TARGET]   (default 1000 others)
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-1000}
target=${2:-others}
bin=${BIN:-bin/secctx}
[ -x "$bin" ] || { echo "measure-watch: $bin missing; run make build" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT

/usr/bin/time -f '%U %S %M' -o "$out.time" "$bin" watch --interval 10ms --cycles "$cycles" \
	--target "$target" --log-level warn >/dev/null 2>&1 &
tpid=$!
sleep 0.2
pid=$(pgrep -P "$tpid" -n secctx || true)
echo "sample  elapsed_s  VmRSS_KiB"
i=0
while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
	[ -n "$rss" ] && printf '%6d  %9d  %9s\n' "$i" "$i" "$rss"
	i=$((i + 1))
	sleep 1
done
wait "$tpid" || true
read -r user sys maxrss <"$out.time"
rm -f "$out.time"
awk -v u="$user" -v s="$sys" -v m="$maxrss" -v n="$cycles" -v t="$target" 'BEGIN {
	printf "cycles %d, target %s: peak RSS %.1f MiB, CPU %.2f s user + %.2f s system = %.2f ms per cycle\n", n, t, m/1024, u, s, (u+s)*1000/n }'
