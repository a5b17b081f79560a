#!/usr/bin/env python3
"""In-process timings of the reference (MyceliumFractalNet 4.1.0, Python) for every `mfn bench`
workload that has a reference counterpart, by the method of spec/reference-timings.md.

Not a CI step: the reference tree and its Python stack (Debian's python3 with numpy 1.24, scipy,
torch, ...) are not available in CI. Run it from a copy of the reference tree:

    cd REF_DIR && PYTHONPATH=src:. /usr/bin/python3 /path/to/scripts/bench_reference.py --json out.json

scripts/bench-vs-reference.sh runs it interleaved with `mfn bench` and prints the table.

This script only imports the reference and calls its public functions; nothing of it is copied.

Method (as spec/reference-timings.md):
- each case: 1 warm-up call, then timed calls with time.perf_counter() until 9 calls or (at
  least 5 calls and --budget seconds); the median is reported;
- inputs that the reference's own timing built outside the timed region (the Krum gradients, the
  box-counting masks, the simulation behind the features) are built once in set-up; where the
  workload draws random numbers, a fresh np.random.default_rng(42) is made inside the timed call;
- compute_nernst_potential and estimate_fractal_dimension are timed with timeit (200 000 and
  200/50 loops per repeat, 7 repeats); the median repeat is reported per call.

Each result is in the unit of the matching `mfn bench` run (for `nernst` a run is 1000 calls), so
the two JSON files compare name by name.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
import timeit


def _cases():
    """Name → (reference call, set-up returning (fn, kind, loops)). Imports happen here, once."""
    import numpy as np
    import torch

    import mycelium_fractal_net as mfn
    from mycelium_fractal_net.experiments.generate_dataset import ConfigSampler, generate_dataset

    cases = {}

    def perf(name, what, fn):
        cases[name] = (what, lambda: (fn, "perf", 0))

    # compute_nernst_potential: one mfn run is 1000 calls.
    def nernst():
        f = mfn.compute_nernst_potential
        return (lambda: f(1, 5e-3, 140e-3, 310.0)), "timeit", 200_000

    cases["nernst"] = ("compute_nernst_potential(1, 5e-3, 140e-3, 310.0), per 1000 calls", nernst)

    # estimate_fractal_dimension on default_rng(42).random((n, n)) > 0.5 (mask built once).
    for n, loops in ((64, 200), (256, 50)):
        def box(n=n, loops=loops):
            mask = np.random.default_rng(42).random((n, n)) > 0.5
            f = mfn.estimate_fractal_dimension
            return (lambda: f(mask)), "timeit", loops

        cases[f"boxcount-{n}"] = (f"estimate_fractal_dimension(default_rng(42).random(({n}, {n})) > 0.5)", box)

    # simulate_mycelium_field(default_rng(42), ...): the generator is made inside the call.
    for n, steps, turing, jitter, suffix in (
        (64, 64, True, False, ""), (64, 100, True, False, ""), (128, 100, True, False, ""),
        (256, 100, True, False, ""), (512, 50, True, False, ""),
        (64, 100, False, False, "-noturing"), (64, 100, True, True, "-jitter"),
    ):
        def sim(n=n, steps=steps, turing=turing, jitter=jitter):
            return mfn.simulate_mycelium_field(np.random.default_rng(42), grid_size=n, steps=steps,
                                               turing_enabled=turing, quantum_jitter=jitter)

        perf(f"simulate-legacy-{n}x{steps}{suffix}",
             f"simulate_mycelium_field(default_rng(42), grid_size={n}, steps={steps}, "
             f"turing_enabled={turing}, quantum_jitter={jitter})", sim)

    # The engine: the configuration carries seed 42, the engine makes its generator.
    default, demo = mfn.make_simulation_config_default(), mfn.make_simulation_config_demo()
    perf("simulate-engine-default", "run_mycelium_simulation(make_simulation_config_default())",
         lambda: mfn.run_mycelium_simulation(default))
    perf("simulate-engine-demo", "run_mycelium_simulation(make_simulation_config_demo())",
         lambda: mfn.run_mycelium_simulation(demo))
    perf("simulate-engine-default-history",
         "run_mycelium_simulation_with_history(make_simulation_config_default())",
         lambda: mfn.run_mycelium_simulation_with_history(default))

    # compute_fractal_features of a run with history (the run is set-up, not timed).
    for name, cfg, what in (
        ("features-default", default, "default config (100×64×64)"),
        ("features-worst", dataclasses.replace(default, quantum_jitter=True),
         "default config with quantum_jitter=True"),
    ):
        def feats(cfg=cfg):
            result = mfn.run_mycelium_simulation_with_history(cfg)
            return (lambda: mfn.compute_fractal_features(result)), "perf", 0

        cases[name] = (f"compute_fractal_features(run_mycelium_simulation_with_history({what}))", feats)

    # HierarchicalKrumAggregator(num_clusters=c).aggregate(rows, rng=default_rng(42)); the rows are
    # default_rng(0).standard_normal((n, d)).astype(float32) as torch tensors.
    for name, n, d, clusters in (
        ("krum-100x1000", 100, 1000, None), ("krum-100x1000-c10", 100, 1000, 10),
        ("krum-50x100-c10", 50, 100, 10), ("krum-1200x100-c10", 1200, 100, 10),
    ):
        def krum(n=n, d=d, clusters=clusters):
            g = np.random.default_rng(0).standard_normal((n, d)).astype(np.float32)
            rows = [torch.from_numpy(g[i]) for i in range(n)]
            agg = mfn.HierarchicalKrumAggregator() if clusters is None else \
                mfn.HierarchicalKrumAggregator(num_clusters=clusters)
            return (lambda: agg.aggregate(rows, rng=np.random.default_rng(42))), "perf", 0

        label = "HierarchicalKrumAggregator()" if clusters is None else \
            f"HierarchicalKrumAggregator(num_clusters={clusters})"
        cases[name] = (f"{label}.aggregate({n} × float32[{d}], rng=default_rng(42))", krum)

    # generate_dataset with DatasetConfig's demo ranges (make_dataset_config_demo()), rows only.
    demo_ds = mfn.make_dataset_config_demo()
    sampler = ConfigSampler(
        grid_sizes=list(demo_ds.grid_sizes), steps_range=tuple(demo_ds.steps_range),
        alpha_range=tuple(demo_ds.alpha_range), turing_values=list(demo_ds.turing_values),
        spike_prob_range=tuple(demo_ds.spike_prob_range),
        turing_threshold_range=tuple(demo_ds.turing_threshold_range), base_seed=demo_ds.base_seed)
    perf("dataset-demo-10", "generate_dataset(num_samples=10, demo ConfigSampler, output_path=None)",
         lambda: generate_dataset(num_samples=10, config_sampler=sampler, output_path=None))

    perf("validate-5-epochs", "run_validation(ValidationConfig(seed=42, epochs=5))",
         lambda: mfn.run_validation(mfn.ValidationConfig(seed=42, epochs=5)))
    return cases


def _time(fn, kind, loops, budget):
    """Returns (median wall seconds per call, the wall samples, median CPU seconds per call).
    The CPU time (time.process_time) is recorded beside the wall time the method reports, to show
    how much of the wall time a loaded machine's other tenants took."""
    if kind == "timeit":
        t = timeit.Timer(fn)
        t.timeit(number=max(1, loops // 10))  # warm-up
        reps, cpus = [], []
        for _ in range(7):
            c0 = time.process_time()
            reps.append(t.timeit(number=loops) / loops)
            cpus.append((time.process_time() - c0) / loops)
        return statistics.median(reps), reps, statistics.median(cpus)
    fn()  # warm-up
    samples, cpus, start = [], [], time.perf_counter()
    while len(samples) < 9 and (len(samples) < 5 or time.perf_counter() - start < budget):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(samples), samples, statistics.median(cpus)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", help="write the results here (default: stdout)")
    ap.add_argument("--only", help="comma-separated workload names (default: all)")
    ap.add_argument("--budget", type=float, default=2.0,
                    help="seconds after which a case stops at 5 calls (default 2)")
    ap.add_argument("--list", action="store_true", help="list the workloads and exit")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    cases = _cases()
    import_s = time.perf_counter() - t0
    if args.list:
        for name, (what, _) in sorted(cases.items()):
            print(f"{name:34} {what}")
        return 0
    names = sorted(cases)
    if args.only:
        names = [n for n in args.only.split(",") if n]
        unknown = [n for n in names if n not in cases]
        if unknown:
            ap.error(f"--only: unknown workload(s) {', '.join(unknown)}; known: {', '.join(sorted(cases))}")

    import numpy as np
    import torch

    out = {"_meta": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
                     "import_s": round(import_s, 3), "cwd": os.getcwd()}}
    for name in names:
        what, setup = cases[name]
        fn, kind, loops = setup()
        per_call, samples, cpu = _time(fn, kind, loops, args.budget)
        scale = 1000 if name == "nernst" else 1  # an mfn `nernst` run is 1000 calls
        out[name] = {"median_ns": round(per_call * scale * 1e9), "runs": len(samples),
                     "cpu_median_ns": round(cpu * scale * 1e9),
                     "samples_ns": [round(s * scale * 1e9) for s in samples], "reference_call": what}
        print(f"{name:34} {per_call * scale * 1e3:10.3f} ms  ({len(samples)} {kind})", file=sys.stderr)
    text = json.dumps(out, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
