"""Side-by-side speed of mfn (Go core) and the reference MyceliumFractalNet 4.1.0, in one
Python process.

    PYTHONPATH=<reference>/src:<reference> python3 python/bench/compare.py [--repeat 5]

The reference is imported from its source tree (it needs numpy; torch for its package import).
Each function runs on the same inputs in both; the best of --repeat runs is reported, and the
outputs are checked to be identical before any time is taken.
"""

import argparse
import time

import numpy as np

import mfn
import mycelium_fractal_net as ref


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    # simulate_mycelium_field, 64×64, 100 steps, seed 42
    def ours_sim():
        return mfn.simulate_mycelium_field(np.random.default_rng(42), grid_size=64, steps=100)

    def ref_sim():
        return ref.simulate_mycelium_field(np.random.default_rng(42), grid_size=64, steps=100)

    (fa, ga), (fb, gb) = ours_sim(), ref_sim()
    assert ga == gb and np.array_equal(fa, fb), "simulate_mycelium_field differs from the reference"

    # compute_fractal_features on the default config's history (64×64, 100 steps, seed 42)
    ours_res = mfn.run_mycelium_simulation_with_history(mfn.make_simulation_config_default())
    ref_res = ref.run_mycelium_simulation_with_history(ref.make_simulation_config_default())
    assert np.array_equal(ours_res.history, ref_res.history)
    fo, fr = mfn.compute_fractal_features(ours_res), ref.compute_fractal_features(ref_res)
    for name in mfn.FEATURE_NAMES:
        a, b = float(fo[name]), float(fr.values[name])
        assert a == b or abs(a - b) <= 1e-12 * max(1.0, abs(b)), (name, a, b)

    rows = [
        ("simulate_mycelium_field 64x64x100", best(ours_sim, args.repeat), best(ref_sim, args.repeat)),
        ("compute_fractal_features (history 100x64x64)",
         best(lambda: mfn.compute_fractal_features(ours_res), args.repeat),
         best(lambda: ref.compute_fractal_features(ref_res), args.repeat)),
    ]
    print(f"numpy {np.__version__}; best of {args.repeat}; outputs checked identical first")
    print(f"{'function':46} {'mfn (Go) ms':>12} {'reference ms':>13} {'speed-up':>9}")
    for name, ours, theirs in rows:
        print(f"{name:46} {ours * 1e3:12.3f} {theirs * 1e3:13.3f} {theirs / ours:8.1f}x")


if __name__ == "__main__":
    main()
