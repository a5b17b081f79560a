"""The field simulations: simulate_mycelium_field (v4.1 legacy path) and the engine path
(run_mycelium_simulation[_with_history] with SimulationConfig)."""

import ctypes
import json
from dataclasses import asdict, dataclass, field as dc_field
from typing import Any, Dict, Optional

import numpy as np

from . import _lib
from ._rng import generator_state


def simulate_mycelium_field(
    rng: np.random.Generator,
    grid_size: int = 64,
    steps: int = 64,
    alpha: float = 0.18,
    spike_probability: float = 0.25,
    turing_enabled: bool = True,
    turing_threshold: float = 0.75,
    quantum_jitter: bool = False,
    jitter_var: float = 0.0005,
):
    """Simulate the membrane-potential field (volts) on an N×N periodic lattice.

    Returns (field, growth_events): field is a new (grid_size, grid_size) float64 array.
    rng is advanced exactly as the reference advances it.
    """
    n = _lib.as_int(grid_size, "grid_size")
    s = _lib.as_int(steps, "steps")
    out = _lib.alloc((n, n)) if 0 < n <= 4096 else None
    growth = ctypes.c_int64()
    with generator_state(rng) as st:
        _lib.check(_lib.lib.mfn_simulate_legacy(
            st, n, s, float(alpha), float(spike_probability), int(bool(turing_enabled)),
            float(turing_threshold), int(bool(quantum_jitter)), float(jitter_var),
            _lib.dptr(out), 0 if out is None else out.size, ctypes.byref(growth)))
    return out, int(growth.value)


@dataclass
class SimulationConfig:
    """The reference's SimulationConfig (same fields, defaults and checks)."""

    grid_size: int = 64
    steps: int = 64
    alpha: float = 0.18
    spike_probability: float = 0.25
    turing_enabled: bool = True
    turing_threshold: float = 0.75
    quantum_jitter: bool = False
    jitter_var: float = 0.0005
    seed: Optional[int] = None

    def __post_init__(self):
        if self.grid_size < 2:
            raise ValueError("grid_size must be at least 2")
        if self.steps < 1:
            raise ValueError("steps must be at least 1")
        if not (0 < self.alpha <= 0.25):
            raise ValueError("alpha must be in (0, 0.25] for CFL stability")
        if not (0 <= self.spike_probability <= 1):
            raise ValueError("spike_probability must be in [0, 1]")
        if not (0 <= self.turing_threshold <= 1):
            raise ValueError("turing_threshold must be in [0, 1]")
        if self.jitter_var < 0:
            raise ValueError("jitter_var must be non-negative")

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "SimulationConfig":
        seed = d.get("seed")
        return cls(
            grid_size=d.get("grid_size", 64), steps=d.get("steps", 64), alpha=d.get("alpha", 0.18),
            spike_probability=d.get("spike_probability", 0.25), turing_enabled=d.get("turing_enabled", True),
            turing_threshold=d.get("turing_threshold", 0.75), quantum_jitter=d.get("quantum_jitter", False),
            jitter_var=d.get("jitter_var", 0.0005), seed=None if seed is None else int(seed),
        )


def make_simulation_config_demo() -> SimulationConfig:
    return SimulationConfig(grid_size=32, steps=32, seed=42)


def make_simulation_config_default() -> SimulationConfig:
    return SimulationConfig(grid_size=64, steps=100, seed=42)


@dataclass
class SimulationResult:
    """The reference's SimulationResult: final field (volts), optional (T, N, N) history."""

    field: np.ndarray
    history: Optional[np.ndarray] = None
    growth_events: int = 0
    turing_activations: int = 0
    clamping_events: int = 0
    metadata: Dict[str, Any] = dc_field(default_factory=dict)

    @property
    def grid_size(self) -> int:
        return int(self.field.shape[0])

    @property
    def has_history(self) -> bool:
        return self.history is not None

    @property
    def num_steps(self) -> int:
        return int(self.history.shape[0]) if self.history is not None else 1

    def to_dict(self, include_arrays: bool = False) -> Dict[str, Any]:
        d = {
            "grid_size": self.grid_size, "num_steps": self.num_steps, "has_history": self.has_history,
            "growth_events": self.growth_events, "turing_activations": self.turing_activations,
            "clamping_events": self.clamping_events, "metadata": dict(self.metadata),
            "field_min_mV": float(self.field.min()) * 1000.0, "field_max_mV": float(self.field.max()) * 1000.0,
            "field_mean_mV": float(self.field.mean()) * 1000.0, "field_std_mV": float(self.field.std()) * 1000.0,
        }
        if include_arrays:
            d["field"] = self.field.tolist()
            if self.history is not None:
                d["history"] = self.history.tolist()
        return d


def _run(config: SimulationConfig, with_history: bool) -> SimulationResult:
    if not isinstance(config, SimulationConfig):
        raise TypeError(f"config must be SimulationConfig, got {type(config).__name__}")
    n, steps = int(config.grid_size), int(config.steps)
    ok = 0 < n <= 4096 and 0 < steps
    out = _lib.alloc((n, n)) if ok else None
    hist = _lib.alloc((steps, n, n)) if ok and with_history else None
    cfg = json.dumps(config.to_dict()).encode()
    meta = _lib.call_json(
        _lib.lib.mfn_run_simulation, cfg, int(with_history), _lib.dptr(out), 0 if out is None else out.size,
        _lib.dptr(hist), 0 if hist is None else hist.size)
    metadata = {"config": config.to_dict(), "elapsed_time_s": meta["elapsed_time_s"]}
    for k in ("steps_computed", "field_min_v", "field_max_v", "field_mean_v", "field_std_v",
              "activator_mean", "inhibitor_mean", "turing_activations", "clamping_events"):
        metadata[k] = meta[k]
    if config.seed is None:
        metadata["seed_used"] = meta["seed"]
    return SimulationResult(field=out, history=hist, growth_events=meta["growth_events"],
                            turing_activations=meta["turing_activations"],
                            clamping_events=meta["clamping_events"], metadata=metadata)


def run_mycelium_simulation(config: SimulationConfig) -> SimulationResult:
    """Run the reaction–diffusion engine for config; the result has no history."""
    return _run(config, False)


def run_mycelium_simulation_with_history(config: SimulationConfig) -> SimulationResult:
    """Run the engine and keep the field after every step (history shape (steps, N, N)).

    The history is written by Go straight into the numpy array (no copy)."""
    return _run(config, True)
