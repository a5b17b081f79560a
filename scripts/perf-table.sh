#!/usr/bin/env bash
# Prints docs/performance.md's table: `mfn bench` medians beside the reference's in-process
# timings (spec/reference-timings.md, median of run-medians). Usage: scripts/perf-table.sh [bench flags]
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o /tmp/mfn-perf ./cmd/mfn
/tmp/mfn-perf bench --format json "$@" > /tmp/mfn-perf.json
python3 - <<'PY'
import json
ref = {  # name: (reference ms, what the reference ran, required speed-up or None)
 "nernst": (0.31, "1000 × compute_nernst_potential", 10),
 "simulate-legacy-64x64": (10.5, "simulate_mycelium_field 64×64, 64 steps", None),
 "simulate-legacy-64x100": (16.3, "… 64×64, 100 steps", 10),
 "simulate-legacy-128x100": (32.3, "… 128×128, 100 steps", None),
 "simulate-legacy-256x100": (96.4, "… 256×256, 100 steps", None),
 "simulate-legacy-512x50": (420, "… 512×512, 50 steps", 10),
 "simulate-legacy-64x100-noturing": (4.81, "… 64×64, 100 steps, Turing off", None),
 "simulate-legacy-64x100-jitter": (20.9, "… 64×64, 100 steps, jitter", None),
 "simulate-engine-demo": (5.12, "run_mycelium_simulation(demo)", None),
 "simulate-engine-default": (20.6, "run_mycelium_simulation(default)", None),
 "simulate-engine-default-history": (28.8, "… with history", None),
 "boxcount-64": (0.138, "estimate_fractal_dimension 64×64 random", 20),
 "boxcount-256": (1.01, "… 256×256 random", 20),
 "krum-100x1000": (4.21, "HierarchicalKrumAggregator() 100 × 1000", 10),
 "krum-100x1000-c10": (2.67, "… 10 clusters", None),
 "krum-50x100-c10": (0.97, "… API default, 50 × 100", None),
 "krum-1200x100-c10": (1.89, "… 1200 × 100 (sampling path)", None),
 "features-default": (5.66, "compute_fractal_features, default (100×64×64)", 20),
 "features-worst": (95.7, "… 64×64×100 with jitter", 100),
 "dataset-demo-10": (86.8, "generate_dataset(10, demo sampler), rows only", 20),
 "validate-5-epochs": (294, "run_validation(seed 42, epochs 5)", None),
}
got = json.load(open("/tmp/mfn-perf.json"))
print("| workload | reference | mfn (median) | speed-up | bar |")
print("|---|---|---|---|---|")
for name in sorted(got):
    ms = got[name]["median_ns"] / 1e6
    if name == "nernst":
        ms_txt = f"{got[name]['median_ns']/1000:.1f} ns/call"  # a run is 1000 calls
    else:
        ms_txt = f"{ms:.3f} ms" if ms < 10 else f"{ms:.1f} ms"
    if name in ref:
        r, what, bar = ref[name]
        sp = r / ms
        rtxt = f"{r:.3f} ms" if r < 10 else f"{r:.1f} ms"
        if name == "nernst":
            rtxt = "310 ns/call"
        barTxt = "" if bar is None else (f"≥{bar}× {'✓' if sp >= bar else '✗'}")
        print(f"| `{name}` ({what}) | {rtxt} | {ms_txt} | {sp:.1f}× | {barTxt} |")
    else:
        print(f"| `{name}` | — | {ms_txt} | | |")
PY
