"""The Gierer–Meinhardt morphogenesis model (package morph, ADR 0021) and its linear stability
analysis. Unlike the v4.1 field it forms Turing patterns: spots, stripes, labyrinths."""

import ctypes
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from . import _lib


def _request(preset, params, grid_size, steps, seed, boundary, init) -> bytes:
    r: Dict[str, Any] = {"preset": preset or "", "params": dict(params or {})}
    if grid_size is not None:
        r["grid_size"] = _lib.as_int(grid_size, "grid_size")
    if steps is not None:
        r["steps"] = _lib.as_int(steps, "steps")
    if seed is not None:
        r["seed"] = _lib.as_int(seed, "seed")
    if boundary is not None:
        r["boundary_condition"] = str(boundary)
    if init is not None:
        r["init"] = str(init)
    for k, v in r["params"].items():
        r["params"][k] = float(v)
    return json.dumps(r).encode()


def _morph(op, req, out=None, act=None, inh=None, hist=None):
    n2 = 0 if out is None else out.size
    return _lib.call_json(_lib.lib.mfn_morph, op, req, _lib.dptr(out), _lib.dptr(act), _lib.dptr(inh), n2,
                          _lib.dptr(hist), 0 if hist is None else hist.size)


def morphogenesis_presets() -> List[Dict[str, Any]]:
    """The GM presets: name, description and configuration (parameters included)."""
    return _morph(3, b"")


@dataclass
class MorphogenesisResult:
    """A GM run: the membrane potential (volts), the activator and inhibitor, optionally the
    potential after every step, the counts, the pattern measured on the activator (wavelength
    in cells, contrast, and the stability analysis's predicted wavelength) and the config."""

    field: np.ndarray
    activator: np.ndarray
    inhibitor: np.ndarray
    history: Optional[np.ndarray] = None
    growth_events: int = 0
    turing_activations: int = 0
    clamping_events: int = 0
    pattern: Optional[Dict[str, float]] = None
    config: Dict[str, Any] = field(default_factory=dict)


def simulate_morphogenesis(preset: str = "labyrinth", *, params: Optional[Dict[str, float]] = None,
                           grid_size: Optional[int] = None, steps: Optional[int] = None, seed: Optional[int] = None,
                           boundary: Optional[str] = None, init: Optional[str] = None,
                           return_history: bool = False) -> MorphogenesisResult:
    """Run the GM model from a preset (spots, stripes, labyrinth, uniform), with parameter
    overrides by name (d_a, d_i, rho, kappa, mu_a, mu_i, sigma_a, dt, theta, v_rest_mv,
    v_amp_mv, tau_v) and optional grid size, steps, seed, boundary and initial condition."""
    req = _request(preset, params, grid_size, steps, seed, boundary, init)
    cfg = _morph(0, req)
    n, t = cfg["grid_size"], cfg["steps"]
    out, act, inh = (np.empty((n, n)) for _ in range(3))
    hist = _lib.alloc((t, n, n)) if return_history else None
    if return_history and hist is None:
        raise ValueError(f"steps={t}: a history of {t}×{n}×{n} values is too large; run without return_history")
    meta = _morph(1, req, out, act, inh, hist)
    return MorphogenesisResult(field=out, activator=act, inhibitor=inh, history=hist,
                               growth_events=meta["growth_events"], turing_activations=meta["turing_activations"],
                               clamping_events=meta["clamping_events"], pattern=meta.get("pattern"),
                               config=meta["config"])


def analyze(preset: str = "labyrinth", *, params: Optional[Dict[str, float]] = None,
            grid_size: Optional[int] = None, boundary: Optional[str] = None) -> Dict[str, Any]:
    """Linear stability analysis of a GM configuration on its grid: steady state, Jacobian,
    the Turing conditions, the unstable band and the fastest-growing mode (as `mfn analyze`)."""
    return _morph(2, _request(preset, params, grid_size, None, None, boundary, None))
