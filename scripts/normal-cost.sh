#!/usr/bin/env bash
# ns per standard normal: numpy's Generator.standard_normal against rng.FillStandardNormal,
# measured in one run and interleaved (rounds alternate the two), batches of 4096 values.
# Prints each round's min and median, then the ratios of the medians of both over rounds.
# Needs numpy: Debian's python3-numpy (/usr/bin/python3) or any python3 with numpy (PYTHON=...).
# Usage: scripts/normal-cost.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
py=${PYTHON:-}
if [ -z "$py" ]; then
  for c in /usr/bin/python3 python3; do
    if "$c" -c 'import numpy' 2>/dev/null; then py=$c; break; fi
  done
fi
[ -n "$py" ] || { echo "normal-cost: no python3 with numpy (apt-get install python3-numpy)" >&2; exit 1; }
go test -c -o /tmp/mfn-rng.test ./rng
out=$(mktemp)
for r in $(seq "$rounds"); do
  "$py" - <<'PY' | tee -a "$out"
import time, numpy as np
rng = np.random.default_rng(42)
buf = np.empty(4096)
ts = []
for _ in range(3000):
    t = time.perf_counter_ns(); rng.standard_normal(out=buf); ts.append(time.perf_counter_ns() - t)
ts.sort()
print(f"numpy-{np.__version__:<10} min {ts[0]/4096:6.2f}  median {ts[len(ts)//2]/4096:6.2f} ns/normal")
PY
  MFN_NORMAL_COST=1 /tmp/mfn-rng.test -test.run '^TestNormalCost$' -test.count 1 | grep ns/normal | tee -a "$out"
done
"$py" - "$out" <<'PY'
import re, statistics, sys
vals = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+)\s+min\s+([\d.]+)\s+median\s+([\d.]+)", line)
    if m:
        name = "numpy" if m[1].startswith("numpy") else m[1]
        vals.setdefault(name, []).append((float(m[2]), float(m[3])))
np_min = min(v[0] for v in vals["numpy"]); np_med = statistics.median(v[1] for v in vals["numpy"])
print(f"\nover {len(vals['numpy'])} rounds        min       median  (ns/normal)   numpy ÷ this (min, median)")
for name, v in vals.items():
    mn = min(x[0] for x in v); md = statistics.median(x[1] for x in v)
    print(f"{name:<18} {mn:8.2f} {md:10.2f}                {np_min/mn:5.2f}×  {np_med/md:5.2f}×")
PY
