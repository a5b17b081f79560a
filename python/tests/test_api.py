"""The binding itself: generator state in and out, errors, threads, the GIL, transfer."""

import threading

import numpy as np
import pytest

import mfn
from mfn import _lib


def test_state_round_trip_simulation_matches_numpy_draw_order():
    # With p = 0 and Turing off the reference draws N² normals, then one random() per step:
    # numpy itself must end in the state the Go core wrote back.
    rng = np.random.default_rng(7)
    rng.integers(0, 10)  # leave a buffered 32-bit half in the state
    clone = np.random.default_rng(7)
    clone.bit_generator.state = rng.bit_generator.state
    field, growth = mfn.simulate_mycelium_field(rng, grid_size=16, steps=9, spike_probability=0.0,
                                                turing_enabled=False)
    assert growth == 0
    clone.normal(-0.07, 0.005, size=(16, 16))
    for _ in range(9):
        clone.random()
    assert rng.bit_generator.state == clone.bit_generator.state
    assert rng.random() == clone.random()


def test_state_round_trip_ifs_uses_the_buffered_half():
    rng = np.random.default_rng(3)
    rng.integers(0, 4)  # has_uint32 = 1: the IFS's first integers() must use this half
    assert rng.bit_generator.state["has_uint32"] == 1
    clone = np.random.default_rng(3)
    clone.bit_generator.state = rng.bit_generator.state
    pts, lyap = mfn.generate_fractal_ifs(rng, num_points=1001)
    maps = []
    for _ in range(4):
        clone.uniform(0.2, 0.5)
        clone.uniform(0, 2 * np.pi)
        maps.append((clone.uniform(-1, 1), clone.uniform(-1, 1)))
    k = [clone.integers(0, 4) for _ in range(1001)]
    assert tuple(pts[0]) == maps[k[0]]
    assert rng.bit_generator.state == clone.bit_generator.state
    assert rng.integers(0, 1 << 40) == clone.integers(0, 1 << 40)


def test_other_bit_generators_are_refused():
    with pytest.raises(TypeError, match="PCG64"):
        mfn.simulate_mycelium_field(np.random.Generator(np.random.MT19937(1)), grid_size=8, steps=1)
    with pytest.raises(TypeError, match="PCG64"):
        mfn.generate_fractal_ifs(np.random.Generator(np.random.PCG64DXSM(1)), num_points=10)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        mfn.simulate_mycelium_field(np.random.RandomState(1), grid_size=8, steps=1)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        mfn.simulate_mycelium_field(42, grid_size=8, steps=1)


@pytest.mark.parametrize("kwargs, name", [
    (dict(grid_size=0), "grid_size"),
    (dict(grid_size=10**9), "grid_size"),
    (dict(steps=-1), "steps"),
    (dict(spike_probability=1.5), "spike_probability"),
    (dict(alpha=float("nan")), "alpha"),
])
def test_bad_simulation_input_is_a_value_error_naming_the_parameter(kwargs, name):
    rng = np.random.default_rng(1)
    before = rng.bit_generator.state
    with pytest.raises(ValueError, match=name):
        mfn.simulate_mycelium_field(rng, **{"grid_size": 8, "steps": 2, **kwargs})
    assert rng.bit_generator.state == before  # a refused call draws nothing


def test_other_errors():
    with pytest.raises(ValueError, match="z_valence"):
        mfn.compute_nernst_potential(0, 0.005, 0.14)
    with pytest.raises(ValueError, match="square"):
        mfn.estimate_fractal_dimension(np.ones((4, 5)))
    with pytest.raises(ValueError, match="num_scales"):
        mfn.estimate_fractal_dimension(np.ones((8, 8)), num_scales=0)
    with pytest.raises(ValueError, match="num_points"):
        mfn.generate_fractal_ifs(np.random.default_rng(0), num_points=0)
    with pytest.raises(ValueError, match="alpha"):
        mfn.run_mycelium_simulation(mfn.SimulationConfig(grid_size=16, steps=2, alpha=0.01))
    with pytest.raises(ValueError, match="steps=1000: a history"):
        mfn.run_mycelium_simulation_with_history(mfn.SimulationConfig(grid_size=1024, steps=1000, alpha=0.1))
    with pytest.raises(TypeError, match="SimulationConfig"):
        mfn.run_mycelium_simulation({"grid_size": 16})
    with pytest.raises(ValueError, match="3D"):
        mfn.compute_features(np.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="byzantine_fraction"):
        mfn.HierarchicalKrumAggregator(byzantine_fraction=0.5)
    with pytest.raises(ValueError, match="No gradients"):
        mfn.HierarchicalKrumAggregator().aggregate([])
    with pytest.raises(ValueError, match="same size"):
        mfn.HierarchicalKrumAggregator().aggregate([np.zeros(3), np.zeros(4)])
    with pytest.raises(ValueError, match="num_samples"):
        mfn.generate_dataset(num_samples=0)
    with pytest.raises(ValueError, match="batch_size"):
        mfn.run_validation(mfn.ValidationConfig(batch_size=0, grid_size=8, steps=2))


def _work(seed):
    rng = np.random.default_rng(seed)
    field, growth = mfn.simulate_mycelium_field(rng, grid_size=32, steps=40)
    fv = mfn.compute_features(field)
    return field, growth, fv.to_array(), rng.bit_generator.state


def test_eight_threads_give_the_sequential_results():
    seeds = list(range(100, 116))
    want = {s: _work(s) for s in seeds}
    got, errors = {}, []

    def run(chunk):
        try:
            for s in chunk:
                got[s] = _work(s)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(seeds[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for s in seeds:
        f, g, fv, st = got[s]
        assert np.array_equal(f, want[s][0]) and g == want[s][1]
        assert np.array_equal(fv, want[s][2]) and st == want[s][3]


def test_eight_threads_sharing_one_generator_take_turns():
    # Each call holds the generator's lock from reading its state to writing it back, so 8
    # threads × 3 calls leave it where 24 sequential calls would.
    seq = np.random.default_rng(5)
    seq_growth = sorted(mfn.simulate_mycelium_field(seq, grid_size=16, steps=20)[1] for _ in range(24))
    shared = np.random.default_rng(5)
    growths = []
    lock = threading.Lock()

    def run():
        for _ in range(3):
            g = mfn.simulate_mycelium_field(shared, grid_size=16, steps=20)[1]
            with lock:
                growths.append(g)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert shared.bit_generator.state == seq.bit_generator.state
    assert sorted(growths) == seq_growth


def test_the_gil_is_released_during_go_work():
    in_call = threading.Event()
    done = threading.Event()

    def run():
        in_call.set()
        mfn.simulate_mycelium_field(np.random.default_rng(0), grid_size=256, steps=400)
        done.set()

    t = threading.Thread(target=run)
    t.start()
    in_call.wait()
    spins = 0
    while not done.is_set():
        spins += 1  # runs only while the other thread does not hold the GIL
    t.join()
    assert spins > 1000


def test_inputs_are_read_in_place_and_outputs_copied_once():
    a = np.random.default_rng(0).random((64, 64))
    # a C-contiguous float64 input is handed to Go as it is: Go sees numpy's own buffer
    same = _lib.f64_in(a, "field")
    assert same is a
    assert _lib.lib.mfn_data_address(_lib.dptr(same), same.size) == a.ctypes.data
    # other layouts or dtypes cost exactly one conversion
    f = np.asfortranarray(a)
    conv = _lib.f64_in(f, "field")
    assert conv is not f and conv.flags.c_contiguous and np.array_equal(conv, a)
    # a boolean mask is passed as its bytes, no conversion
    m = a > 0.5
    assert mfn.analysis._square_mask(m) is m
    # results are fresh arrays that own their memory (the single copy out of Go memory, or,
    # for the history, the buffer Go recorded into)
    field, _ = mfn.simulate_mycelium_field(np.random.default_rng(0), grid_size=512, steps=1)
    assert field.flags.owndata and field.flags.c_contiguous and field.shape == (512, 512)
    r = mfn.run_mycelium_simulation_with_history(mfn.SimulationConfig(grid_size=64, steps=50, seed=1))
    assert r.history.flags.owndata and r.history.shape == (50, 64, 64)
    assert np.array_equal(r.history[-1], r.field)


def test_dataframe_and_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    sampler = mfn.ConfigSampler(grid_sizes=[16], steps_range=(5, 8))
    path = tmp_path / "ds.parquet"
    df = mfn.generate_dataframe(4, config_sampler=sampler, output_path=path)
    assert isinstance(df, pd.DataFrame) and len(df) == 4
    assert list(df.columns[:8]) == ["sim_id", "random_seed", "grid_size", "steps", "alpha", "turing_enabled",
                                    "spike_probability", "turing_threshold"]
    assert all(name in df.columns for name in mfn.FEATURE_NAMES)
    assert path.stat().st_size > 0
    assert path.read_bytes()[:4] == b"PAR1"
    res = mfn.generate_dataset(num_samples=4, config_sampler=sampler)
    assert [r["V_mean"] for r in res["rows"]] == list(df["V_mean"])


def test_the_readme_one_liner(tmp_path):
    # The "done when" command, verbatim, in a fresh interpreter: the reference prints
    # 14 (growth events of default_rng(42), 64×64, 64 steps; field_sim_g64.json has the state).
    import subprocess
    import sys

    code = ("import mfn, numpy as np; "
            "print(mfn.simulate_mycelium_field(np.random.default_rng(42), grid_size=64, steps=64)[1])")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "14\n"
