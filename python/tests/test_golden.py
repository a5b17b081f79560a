"""Every dev golden kind that has a Python function, against the package (bit-exact where the
goldens' README says bit-exact, else within its tolerance)."""

import hashlib
import math

import numpy as np
import pytest

import mfn
from conftest import assert_state, hexf, hexlist


def sha(a, dtype="<f8"):
    return hashlib.sha256(np.ascontiguousarray(a, dtype=dtype).tobytes()).hexdigest()


@pytest.mark.parametrize("fname", ["field_sim_g16.json", "field_sim_g64.json", "field_sim_variants.json"])
def test_simulate_mycelium_field(golden, fname):
    cases = golden(fname)["cases"]
    assert cases
    for c in cases:
        call = dict(c["call"])
        rng = np.random.default_rng(call.pop("seed"))
        field, growth = mfn.simulate_mycelium_field(rng, **call)
        assert growth == c["growth_events"], call
        assert field.shape == (call["grid_size"], call["grid_size"]) and field.dtype == np.float64
        assert sha(field) == c["field_sha256_f64le"], call
        assert_state(rng, c["rng_state_after"])
        d60 = mfn.estimate_fractal_dimension(field > -0.060)
        assert d60 == pytest.approx(hexf(c["fractal_dim_gt_-60mV"]), rel=1e-12, abs=1e-13)


def test_engine_runs_and_features(golden):
    cases = golden("engine_sim.json")["cases"]
    assert cases
    for c in cases:
        cfg = mfn.SimulationConfig(**c["config"])
        r = mfn.run_mycelium_simulation_with_history(cfg)
        assert (r.growth_events, r.turing_activations, r.clamping_events) == (
            c["growth_events"], c["turing_activations"], c["clamping_events"]), c["name"]
        assert sha(r.field) == c["field_sha256_f64le"], c["name"]
        assert list(r.history.shape) == c["history_shape"]
        assert sha(r.history) == c["history_sha256_f64le"], c["name"]
        for k in ("field_min_v", "field_max_v", "field_mean_v", "field_std_v"):
            assert r.metadata[k] == hexf(c["metadata"][k]), (c["name"], k)
        plain = mfn.run_mycelium_simulation(cfg)
        assert plain.history is None and sha(plain.field) == c["field_sha256_f64le"]

        variants = [
            ("features_with_history", mfn.compute_fractal_features(r)),
            ("features_final_field_only", mfn.compute_fractal_features(plain)),
            ("features_with_history_demo_feature_config",
             mfn.compute_features(r.history, mfn.make_feature_config_demo())),
            ("features_with_history_connectivity8", mfn.compute_features(r.history, mfn.FeatureConfig(connectivity=8))),
        ]
        for key, fv in variants:
            want = c[key]
            for name in mfn.FEATURE_NAMES:
                w = hexf(want[name])
                assert fv[name] == pytest.approx(w, rel=1e-12, abs=1e-13), (c["name"], key, name)
        lyap = mfn.compute_lyapunov_exponent(r.history)
        assert lyap == pytest.approx(hexf(c["lyapunov_exponent_history"]), rel=1e-12)
        sm = mfn.compute_stability_metrics(r.history)
        for k, v in c["stability_metrics_history"].items():
            assert sm[k] == pytest.approx(hexf(v), rel=1e-12, abs=1e-15), (c["name"], k)


def _pattern_image(p):
    if "bits_rows" in p:
        return np.array([[ch == "1" for ch in row] for row in p["bits_rows"]], dtype=bool)
    return None


def test_box_counting_patterns(golden):
    pats = golden("fractal.json")["patterns"]
    checked = 0
    for p in pats:
        img = _pattern_image(p)
        if img is None:
            continue
        params = p.get("params") or {}
        d = mfn.estimate_fractal_dimension(img, **params)
        assert d == pytest.approx(hexf(p["estimate_fractal_dimension"]), rel=1e-12, abs=1e-13), p["name"]
        ab = p.get("analytics_box_counting")
        if ab:
            D, R2 = mfn.box_counting_dimension(img, **params)
            assert D == pytest.approx(hexf(ab["D"]), rel=1e-12, abs=1e-13), p["name"]
            assert R2 == pytest.approx(hexf(ab["R2"]), rel=1e-12, abs=1e-13), p["name"]
        checked += 1
    assert checked >= 5


def test_thresholded_simulations(golden):
    for s in golden("fractal.json")["thresholded_simulations"]:
        sim = s["sim"]
        field, growth = mfn.simulate_mycelium_field(np.random.default_rng(sim["seed"]), grid_size=sim["grid_size"],
                                                    steps=sim["steps"])
        assert growth == s["growth_events"]
        assert sha(field) == s["field_sha256_f64le"]
        for t in s["thresholds"]:
            th = hexf(t["threshold_V"])
            d = mfn.estimate_fractal_dimension(field > th)
            assert d == pytest.approx(hexf(t["estimate_fractal_dimension"]), rel=1e-12, abs=1e-13)
            if "compute_box_counting_dimension" in t:
                d8 = mfn.compute_box_counting_dimension(field, threshold=th)
                assert d8 == pytest.approx(hexf(t["compute_box_counting_dimension"]), rel=1e-12, abs=1e-13)


def test_ifs(golden):
    for c in golden("fractal.json")["ifs"]:
        call = c["call"]
        if not call.startswith("generate_fractal_ifs(np.random.default_rng("):
            continue
        seed = int(call.split("default_rng(")[1].split(")")[0])
        npts = int(call.split("num_points=")[1].split(")")[0].split(",")[0]) if "num_points=" in call else 10000
        rng = np.random.default_rng(seed)
        pts, lyap = mfn.generate_fractal_ifs(rng, num_points=npts)
        assert pts.shape == (npts, 2)
        assert lyap == pytest.approx(hexf(c["lyapunov"]), rel=1e-12)
        np.testing.assert_allclose(pts[:10].ravel(), hexlist(c["points_first10"]), rtol=1e-12, atol=1e-14)
        assert_state(rng, c["rng_state_after"])


def test_lyapunov_histories(golden):
    for c in golden("fractal.json")["lyapunov_histories"]:
        src = c["history_from"]
        if isinstance(src, dict):
            r = mfn.run_mycelium_simulation_with_history(mfn.SimulationConfig(**src))
            h = r.history
            assert sha(h) == c["history_sha256_f64le"]
        elif src == "np.zeros((5,8,8))":
            h = np.zeros((5, 8, 8))
        elif src == "np.arange(64.).reshape(4,4,4)*0.001":
            h = np.arange(64.).reshape(4, 4, 4) * 0.001
        else:
            pytest.fail(f"unknown history recipe {src}")
        assert mfn.compute_lyapunov_exponent(h) == pytest.approx(hexf(c["compute_lyapunov_exponent"]), rel=1e-12)
        if "compute_lyapunov_exponent_dt0.5" in c:
            assert mfn.compute_lyapunov_exponent(h, dt=0.5) == pytest.approx(
                hexf(c["compute_lyapunov_exponent_dt0.5"]), rel=1e-12)


def _grads(c):
    if "gradients_float32" in c:
        return np.array([hexlist(g) for g in c["gradients_float32"]], dtype=np.float32)
    return None


def test_krum(golden):
    k = golden("krum.json")
    ran = 0
    for c in k["aggregate_cases"]:
        g = _grads(c)
        if g is None:
            continue
        agg = mfn.HierarchicalKrumAggregator(**c["aggregator"])
        rng = None if c["aggregate_rng"].startswith("None") else np.random.default_rng(
            int(c["aggregate_rng"].split("(")[1].rstrip(")")))
        out = agg.aggregate(list(g), rng)
        assert out.dtype == np.float32
        want = np.array(hexlist(c["result_float32"]), dtype=np.float32)
        assert out.tobytes() == want.tobytes(), c["name"]
        assert agg.last_trace["cluster_assignments"] == c["cluster_assignments"]
        assert agg.last_trace["global_index"] == c["global_krum_gradient_index"]
        ran += 1
    assert ran >= 3
    for c in k["krum_select_cases"]:
        g = _grads(c)
        sel = mfn.HierarchicalKrumAggregator().krum_select(list(g), c["num_byzantine"])
        assert sel.tobytes() == g[c["selected_index"]].tobytes()


def test_nernst(golden):
    for c in golden("nernst.json")["compute_nernst_potential"]:
        v = mfn.compute_nernst_potential(c["z_valence"], hexf(c["concentration_out_molar"]),
                                         hexf(c["concentration_in_molar"]), hexf(c["temperature_k"]))
        assert v == hexf(c["potential_V"])


def test_validation_portable_metrics(golden):
    cases = golden("validation.json")["cases"]
    # the default case and one more keep the test short; every case runs in the Go suite
    for c in cases[:2]:
        cfg = mfn.ValidationConfig(**c["config"])
        m = mfn.run_validation(cfg)
        assert list(m) == list(mfn.validation.METRIC_NAMES)
        for k, v in c["portable_metrics"].items():
            assert m[k] == pytest.approx(hexf(v), rel=1e-12, abs=1e-12), k
        assert math.isfinite(m["loss_start"]) and math.isfinite(m["loss_final"])


def test_dataset_rows(golden):
    g = golden("dataset.json")["generate_dataset"]
    call = g["call"]
    import ast
    kw = ast.literal_eval(call.split("ConfigSampler(**")[1].split("}")[0] + "}")
    sampler = mfn.ConfigSampler(**{k: tuple(v) if k.endswith("_range") else v for k, v in kw.items()})
    res = mfn.generate_dataset(num_samples=len(g["rows"]), config_sampler=sampler)
    assert res["successful"] == g["successful"] and res["failed"] == g["failed"]
    for got, want in zip(res["rows"], g["rows"]):
        for k, v in want.items():
            if k == "timestamp":
                continue
            if isinstance(v, dict):
                assert got[k] == pytest.approx(hexf(v), rel=1e-12, abs=1e-13), (want["sim_id"], k)
            else:
                assert got[k] == v, (want["sim_id"], k)


def test_run_scenario_csv_is_the_references_text(golden, tmp_path):
    g = golden("dataset.json")["run_scenario_csv"]
    cfg = mfn.get_preset_config("small")
    assert cfg.name == g["preset"]
    cfg.output_format = "csv"
    meta = mfn.run_scenario(cfg, data_root=tmp_path)
    assert (meta.num_rows, meta.num_columns) == (int(g["num_rows"]), int(g["num_columns"]))
    import csv

    with open(meta.output_path, newline="") as f:
        rows = list(csv.DictReader(f))
    # the text is pandas' (repr floats, True/False); V_skew, V_kurt and E_trend may differ from
    # it in the last digits (pow and LAPACK; 1e-12 relative by the goldens' README)
    assert len(rows) == len(g["rows_as_csv_text"])
    for got, want in zip(rows, g["rows_as_csv_text"]):
        assert list(got) == list(want)
        for k, w in want.items():
            if k in ("V_skew", "V_kurt", "E_trend"):
                assert float(got[k]) == pytest.approx(float(w), rel=1e-12), k
            else:
                assert got[k] == w, (want["sim_id"], k)
