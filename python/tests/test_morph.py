"""The morphogenesis model (package morph) from Python."""

import subprocess

import numpy as np
import pytest

import mfn


def test_presets_are_listed():
    names = [p["name"] for p in mfn.morphogenesis_presets()]
    assert names == ["spots", "stripes", "labyrinth", "uniform"]


def test_spots_form_at_the_predicted_wavelength():
    r = mfn.simulate_morphogenesis("spots", grid_size=64, seed=1)
    a = mfn.analyze("spots", grid_size=64)
    assert a["turing_unstable"] and a["grid_unstable"]
    p = r.pattern
    assert p["wavelength_cells"] > 0
    assert abs(p["wavelength_cells"] - p["predicted_wavelength_cells"]) <= 0.1 * p["predicted_wavelength_cells"]
    assert r.field.shape == r.activator.shape == r.inhibitor.shape == (64, 64)


def test_uniform_forms_no_pattern_and_history_ends_at_the_field():
    r = mfn.simulate_morphogenesis("uniform", grid_size=32, steps=40, seed=2, return_history=True)
    assert r.history.shape == (40, 32, 32)
    assert np.array_equal(r.history[-1], r.field)
    assert r.pattern["wavelength_cells"] == 0
    again = mfn.simulate_morphogenesis("uniform", grid_size=32, steps=40, seed=2)
    assert np.array_equal(again.field, r.field)


def test_same_bits_as_the_cli(tmp_path, mfn_bin):
    out = tmp_path / "gm.npy"
    subprocess.run([mfn_bin, "simulate", "--model", "gm", "--preset", "stripes", "--grid-size", "32",
                    "--steps", "300", "--seed", "5", "--out", str(out)], check=True, capture_output=True)
    r = mfn.simulate_morphogenesis("stripes", grid_size=32, steps=300, seed=5)
    assert np.array_equal(np.load(out), r.field)


@pytest.mark.parametrize("kwargs, name", [
    (dict(params={"d_a": -1.0}), "d_a"),
    (dict(params={"nonsense": 1.0}), "nonsense"),
    (dict(grid_size=2), "grid_size"),
    (dict(boundary="torus"), "torus"),
    (dict(preset="nope"), "preset"),
])
def test_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        mfn.simulate_morphogenesis(**{"preset": "spots", **kwargs})
