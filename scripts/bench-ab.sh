#!/usr/bin/env bash
# Compares two mfn binaries on `mfn bench` workloads as a ratio taken in one run: the binaries
# alternate ROUNDS times, and for each workload the least of each binary's medians is kept
# (the least is the steadiest figure on a shared machine). Also prints CPU time per run
# (user+sys of the whole bench process over its runs, set-up included), which waiting for
# other processes' work does not inflate.
#
#   scripts/bench-ab.sh OLD_BINARY NEW_BINARY [ROUNDS] WORKLOAD...
#   e.g. git worktree add /tmp/mfn-main main && (cd /tmp/mfn-main && go build -o /tmp/mfn-old ./cmd/mfn)
#        go build -o /tmp/mfn-new ./cmd/mfn
#        scripts/bench-ab.sh /tmp/mfn-old /tmp/mfn-new 3 simulate-engine-default
# Environment: MIN_TIME (default 1s) per workload and run; GOMAXPROCS is passed through.
set -euo pipefail
old=$1 new=$2
shift 2
rounds=3
if [[ ${1:-} =~ ^[0-9]+$ ]]; then rounds=$1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 OLD NEW [ROUNDS] WORKLOAD..." >&2; exit 2; }
min_time=${MIN_TIME:-1s}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
	for side in old new; do
		bin=$old
		[ "$side" = new ] && bin=$new
		for w in "$@"; do
			# One process per workload so its CPU time is its own.
			TIMEFORMAT='%U %S'
			{ time "$bin" bench --format json --min-time "$min_time" "$w" > "$tmp/out.json"; } 2> "$tmp/time"
			python3 - "$tmp/out.json" "$tmp/time" "$side" "$w" >> "$tmp/rows" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))
u, s = map(float, open(sys.argv[2]).read().split()[-2:])
for name, r in res.items():
    print(sys.argv[3], name, r["median_ns"], r["runs"], (u + s) / (r["runs"] + 1) * 1e9)
PY
		done
	done
done
python3 - "$tmp/rows" <<'PY'
import sys, collections
best = collections.defaultdict(lambda: [float("inf"), float("inf")])
order = []
for line in open(sys.argv[1]):
    side, name, med, runs, cpu = line.split()
    key = (name, side)
    if name not in order:
        order.append(name)
    b = best[key]
    b[0] = min(b[0], float(med)); b[1] = min(b[1], float(cpu))
print(f"{'workload':34} {'old µs':>10} {'new µs':>10} {'new/old':>8}   {'old cpu µs':>10} {'new cpu µs':>10} {'new/old':>8}")
for n in order:
    o, w = best[(n, "old")], best[(n, "new")]
    print(f"{n:34} {o[0]/1e3:10.1f} {w[0]/1e3:10.1f} {w[0]/o[0]:8.3f}   {o[1]/1e3:10.1f} {w[1]/1e3:10.1f} {w[1]/o[1]:8.3f}")
PY
