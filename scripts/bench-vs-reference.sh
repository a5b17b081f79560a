#!/usr/bin/env bash
# Times the reference (MyceliumFractalNet 4.1.0, Python, in-process) and `mfn bench` side by side
# in ONE run and prints docs/performance.md's markdown table: workload, reference ms, mfn ms,
# speed-up, the bar issue 16 sets, ✓/✗.
#
#   scripts/bench-vs-reference.sh REF_DIR [--rounds K] [--min-time D] [--only a,b,...]
#
# REF_DIR is a copy of the reference tree (it has src/mycelium_fractal_net). Each round runs the
# reference suite (scripts/bench_reference.py: warm-up, 5–9 timed calls, median; timeit for
# Nernst and box counting), then `mfn bench --format json --min-time D` on the same workloads;
# K rounds (default 3) alternate the two so both see the same share of the machine's load. A
# column is the median of its K round-medians; "range" is the spread of the per-round speed-ups.
#
# Not a CI step: the reference and its Python stack (Debian's python3 with numpy 1.24, scipy,
# torch, sympy, cryptography, pydantic, pandas; PYTHON=/usr/bin/python3 by default) are not
# available in CI. Raw per-round JSON is kept in $OUT (default: a fresh directory under /tmp).
set -euo pipefail

usage() { echo "usage: $0 REF_DIR [--rounds K] [--min-time D] [--only a,b,...]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
REF_DIR=$(cd "$1" && pwd) || usage
shift
ROUNDS=3 MIN_TIME=1s ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --min-time) MIN_TIME=${2:?}; shift 2 ;;
    --only) ONLY=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "--rounds=$ROUNDS: must be a positive integer" >&2; exit 2; }
[[ -d "$REF_DIR/src/mycelium_fractal_net" ]] || { echo "REF_DIR=$REF_DIR: no src/mycelium_fractal_net in it" >&2; exit 2; }
PYTHON=${PYTHON:-/usr/bin/python3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d /tmp/bench-vs-ref.XXXXXX)}
mkdir -p "$OUT"

(cd "$HERE" && go build -o "$OUT/mfn" ./cmd/mfn)
(cd "$REF_DIR" && PYTHONPATH=src:. "$PYTHON" -c "import mycelium_fractal_net") 2>"$OUT/import.err" || {
  echo "cannot import the reference with $PYTHON from $REF_DIR (see $OUT/import.err); it needs" >&2
  echo "Debian's python3-numpy python3-scipy python3-torch python3-sympy python3-cryptography python3-pydantic python3-pandas" >&2
  exit 1
}
# The workloads both sides have: the reference harness's list, restricted to mfn's names.
mapfile -t NAMES < <(comm -12 \
  <(cd "$REF_DIR" && PYTHONPATH=src:. "$PYTHON" "$HERE/scripts/bench_reference.py" --list 2>/dev/null | awk '{print $1}' | sort) \
  <("$OUT/mfn" bench --list | awk '{print $1}' | sort))
if [[ -n "$ONLY" ]]; then IFS=, read -r -a NAMES <<<"$ONLY"; fi
LIST=$(IFS=,; echo "${NAMES[*]}")

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); raw data in $OUT" >&2
for r in $(seq 1 "$ROUNDS"); do
  echo "# round $r/$ROUNDS: reference" >&2
  (cd "$REF_DIR" && PYTHONPATH=src:. "$PYTHON" "$HERE/scripts/bench_reference.py" --only "$LIST" --json "$OUT/ref-$r.json") 2>"$OUT/ref-$r.log"
  echo "# round $r/$ROUNDS: mfn bench --min-time $MIN_TIME" >&2
  "$OUT/mfn" bench --format json --min-time "$MIN_TIME" "${NAMES[@]}" >"$OUT/mfn-$r.json"
done
echo "# done $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

"$PYTHON" - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
ref = [json.load(open(f"{out}/ref-{r}.json")) for r in range(1, rounds + 1)]
mfn = [json.load(open(f"{out}/mfn-{r}.json")) for r in range(1, rounds + 1)]

def bar(name):
    """The speed-up issue 16 (and the earlier issues' table) require, or None."""
    if name in ("simulate-engine-default", "simulate-engine-default-history"):
        return 15
    if name.startswith("simulate-"):
        return 10
    return {"nernst": 10, "boxcount-64": 20, "boxcount-256": 20, "krum-100x1000": 10,
            "features-default": 20, "features-worst": 100, "dataset-demo-10": 20}.get(name)

def fmt(ns, name):
    if name == "nernst":
        return f"{ns / 1000:.1f} ns/call"
    ms = ns / 1e6
    return f"{ms:.3f}" if ms < 10 else f"{ms:.1f}"

print(f"| workload | reference ms (this run) | mfn ms (this run) | speed-up | range over {rounds} rounds | bar | |")
print("|---|---|---|---|---|---|---|")
for name in sorted(k for k in mfn[0] if k in ref[0]):
    r = statistics.median(x[name]["median_ns"] for x in ref)
    m = statistics.median(x[name]["median_ns"] for x in mfn)
    per = [x[name]["median_ns"] / y[name]["median_ns"] for x, y in zip(ref, mfn)]
    sp, b = r / m, bar(name)
    ok = "" if b is None else ("✓" if sp >= b else "✗")
    print(f"| `{name}` | {fmt(r, name)} | {fmt(m, name)} | {sp:.1f}× | {min(per):.1f}–{max(per):.1f}× | "
          f"{'—' if b is None else f'≥{b}×'} | {ok} |")
load = statistics.median(x[n]["median_ns"] / x[n]["cpu_median_ns"] for x in ref for n in x if n != "_meta")
meta = ref[0]["_meta"]
print(f"\nThe reference's wall time was {load:.2f}× its CPU time (median over cases and rounds; "
      "≈1 on a quiet machine).")
print(f"reference: Python {meta['python']}, numpy {meta['numpy']}, torch {meta['torch']} "
      f"({meta['torch_threads']} thread); `nernst` is per call, every other column ms per call/run.")
PY
