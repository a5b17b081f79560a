#!/usr/bin/env bash
# Large-grid scaling of the field kernel from one core to two: cell-steps per second of the
# field-only steps (field's BenchmarkFieldSteps, initial draws excluded) and the whole
# `mfn bench` workloads, with GOMAXPROCS=1 and 2 alternated ROUNDS times; the best of the
# rounds is kept (the steadiest figure on a shared machine).
#
#   scripts/grid-scaling.sh [ROUNDS]        # default 3
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/field.test" ./field
go build -o "$tmp/mfn" ./cmd/mfn
workloads=(simulate-legacy-256x100 simulate-legacy-512x50 simulate-legacy-1024x20 simulate-legacy-2048x10)
for r in $(seq "$rounds"); do
	for p in 1 2; do
		GOMAXPROCS=$p "$tmp/field.test" -test.run '^$' -test.bench 'FieldSteps' -test.benchtime 2s |
			awk -v p="$p" '/^BenchmarkFieldSteps/ {split($1, a, "[=-]"); for (i = 1; i <= NF; i++) if ($(i+1) == "cell-steps/s") print "kernel", a[2], p, $i}' >> "$tmp/rows"
		GOMAXPROCS=$p "$tmp/mfn" bench --format json --min-time 1s "${workloads[@]}" |
			python3 -c 'import json, sys; [print("bench", k, sys.argv[1], v["median_ns"]) for k, v in json.load(sys.stdin).items()]' "$p" >> "$tmp/rows"
	done
done
python3 - "$tmp/rows" <<'PY'
import sys, collections, re
kern = collections.defaultdict(float)   # (n, procs) -> best cell-steps/s
bench = collections.defaultdict(lambda: float("inf"))
for line in open(sys.argv[1]):
    kind, name, procs, val = line.split()
    if kind == "kernel":
        kern[(int(name), procs)] = max(kern[(int(name), procs)], float(val))
    else:
        bench[(name, procs)] = min(bench[(name, procs)], float(val))
print("field-only steps (BenchmarkFieldSteps, 10 steps per op), best of the rounds:")
print(f"{'grid':>6} {'1 core Mcell-steps/s':>22} {'2 cores Mcell-steps/s':>22} {'2 vs 1':>7}")
for n in sorted({k[0] for k in kern}):
    a, b = kern[(n, "1")], kern[(n, "2")]
    print(f"{n:>6} {a/1e6:22.0f} {b/1e6:22.0f} {b/a:7.2f}")
print()
print("mfn bench (whole simulate_mycelium_field call, initial draws included), least median:")
print(f"{'workload':26} {'GOMAXPROCS=1 ms':>16} {'GOMAXPROCS=2 ms':>16} {'2 vs 1':>7} {'Mcell-steps/s (2)':>18}")
for name in sorted({k[0] for k in bench}, key=lambda s: int(re.search(r"(\d+)x", s).group(1))):
    a, b = bench[(name, "1")], bench[(name, "2")]
    n, steps = map(int, re.search(r"(\d+)x(\d+)", name).groups())
    print(f"{name:26} {a/1e6:16.2f} {b/1e6:16.2f} {a/b:7.2f} {n*n*steps/(b/1e9)/1e6:18.0f}")
PY
