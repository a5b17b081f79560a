"""Nernst potential, box counting, IFS, Lyapunov exponents and the 18 features."""

import ctypes
import json
import math
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional

import numpy as np

from . import _lib
from ._rng import generator_state

FEATURE_NAMES: List[str] = [
    "D_box", "D_r2", "V_min", "V_max", "V_mean", "V_std", "V_skew", "V_kurt", "dV_mean", "dV_max",
    "T_stable", "E_trend", "f_active", "N_clusters_low", "N_clusters_med", "N_clusters_high",
    "max_cluster_size", "cluster_size_std",
]
FEATURE_COUNT = len(FEATURE_NAMES)
_INT_FEATURES = {"T_stable", "N_clusters_low", "N_clusters_med", "N_clusters_high", "max_cluster_size"}


def compute_nernst_potential(z_valence, concentration_out_molar, concentration_in_molar, temperature_k=310.0) -> float:
    """Nernst equilibrium potential in volts (concentrations below 1e-6 M are raised to it)."""
    out = ctypes.c_double()
    _lib.check(_lib.lib.mfn_nernst(_lib.as_int(z_valence, "z_valence"), float(concentration_out_molar),
                                   float(concentration_in_molar), float(temperature_k), ctypes.byref(out)))
    return out.value


def _square_mask(binary_field, message="binary_field must be a square 2D array."):
    a = np.asarray(binary_field)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(message)
    if a.dtype != np.bool_:
        a = a != 0
    return np.ascontiguousarray(a)


def _box(mask, min_box_size, max_box_size, num_scales, with_r2):
    d, r2 = ctypes.c_double(), ctypes.c_double()
    _lib.check(_lib.lib.mfn_box_dimension(
        mask.ctypes.data_as(_lib.p_u8), mask.shape[0], _lib.as_int(min_box_size, "min_box_size"),
        0 if max_box_size is None else _lib.as_int(max_box_size, "max_box_size"),
        _lib.as_int(num_scales, "num_scales"), int(with_r2), ctypes.byref(d), ctypes.byref(r2)))
    return d.value, r2.value


def estimate_fractal_dimension(binary_field, min_box_size: int = 2, max_box_size: Optional[int] = None,
                               num_scales: int = 5) -> float:
    """Box-counting dimension of a square binary image (any non-zero cell is occupied)."""
    if _lib.as_int(num_scales, "num_scales") < 1:
        raise ValueError("num_scales must be >= 1.")
    return _box(_square_mask(binary_field), min_box_size, max_box_size, num_scales, False)[0]


def box_counting_dimension(binary_field, min_box_size: int = 2, max_box_size: Optional[int] = None,
                           num_scales: int = 5):
    """(D, R²) of the box-counting fit, as the features compute it."""
    return _box(_square_mask(binary_field, "binary_field must be a square 2D array"),
                min_box_size, max_box_size, num_scales, True)


def compute_box_counting_dimension(field, *, num_scales: int = 8, threshold: float = -0.060) -> float:
    """D_box of field > threshold (volts) with num_scales box sizes."""
    a = _lib.f64_in(field, "field")
    if a.ndim != 2:
        raise ValueError(f"field must be 2D, got {a.ndim}D")
    if a.shape[0] != a.shape[1]:
        raise ValueError(f"field must be square, got shape {a.shape}")
    d = ctypes.c_double()
    _lib.check(_lib.lib.mfn_threshold_dimension(_lib.dptr(a), a.shape[0], float(threshold),
                                                _lib.as_int(num_scales, "num_scales"), ctypes.byref(d)))
    return d.value


def generate_fractal_ifs(rng: np.random.Generator, num_points: int = 10000, num_transforms: int = 4):
    """Random similarity IFS: (points of shape (num_points, 2), Lyapunov exponent)."""
    npts = _lib.as_int(num_points, "num_points")
    ntr = _lib.as_int(num_transforms, "num_transforms")
    out = _lib.alloc((npts, 2)) if npts > 0 else None
    lyap = ctypes.c_double()
    with generator_state(rng) as st:
        _lib.check(_lib.lib.mfn_ifs(st, npts, ntr, _lib.dptr(out), 0 if out is None else out.size,
                                    ctypes.byref(lyap)))
    return out, lyap.value


def _history(field_history):
    h = _lib.f64_in(field_history, "field_history")
    if h.ndim < 1:
        raise ValueError("field_history must have a time axis, got a scalar")
    t = h.shape[0]
    cells = int(np.prod(h.shape[1:])) if h.ndim > 1 else 1
    return h, t, cells


def compute_stability_metrics(field_history, dt: float = 1.0) -> Dict[str, float]:
    """λ, is_stable, mean and max change rate and final std of a (T, ...) history."""
    h, t, cells = _history(field_history)
    if t == 0:
        return {"lyapunov_exponent": 0.0, "is_stable": 0.0, "mean_change_rate": 0.0,
                "max_change_rate": 0.0, "final_std": 0.0}
    out = np.empty(5)
    _lib.check(_lib.lib.mfn_stability(_lib.dptr(h), t, cells, float(dt), _lib.dptr(out)))
    keys = ("lyapunov_exponent", "is_stable", "mean_change_rate", "max_change_rate", "final_std")
    return {k: float(v) for k, v in zip(keys, out)}


def compute_lyapunov_exponent(field_history, dt: float = 1.0) -> float:
    """Mean log step size of a (T, ...) history (0.0 when T < 2)."""
    return compute_stability_metrics(field_history, dt)["lyapunov_exponent"]


def is_stable(lyapunov_exponent: float, threshold: float = 0.0) -> bool:
    return lyapunov_exponent < threshold


@dataclass
class FeatureConfig:
    """analytics.FeatureConfig: box counting, thresholds (mV), stability and connectivity."""

    min_box_size: int = 2
    max_box_size: Optional[int] = None
    num_scales: int = 5
    threshold_low_mv: float = -60.0
    threshold_med_mv: float = -50.0
    threshold_high_mv: float = -40.0
    stability_threshold_mv: float = 0.001
    stability_window: int = 10
    connectivity: int = 4

    def __post_init__(self):
        if self.min_box_size < 1:
            raise ValueError("min_box_size must be at least 1")
        if self.num_scales < 2:
            raise ValueError("num_scales must be at least 2")
        if self.connectivity not in (4, 8):
            raise ValueError("connectivity must be 4 or 8")

    def to_dict(self):
        return asdict(self)

    def _json(self) -> bytes:
        d = asdict(self)
        d["max_box_size"] = d["max_box_size"] or 0
        return json.dumps(d).encode()


def make_feature_config_demo() -> FeatureConfig:
    return FeatureConfig(num_scales=3, stability_window=5)


def make_feature_config_default() -> FeatureConfig:
    return FeatureConfig()


class FeatureVector:
    """The 18 features: attributes (fv.D_box), a dict (fv["D_box"], fv.values), an array."""

    __slots__ = ("values",)

    def __init__(self, values: Dict[str, float]):
        object.__setattr__(self, "values", dict(values))

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name):
        return self.values[name]

    def __contains__(self, name):
        return name in self.values

    def __repr__(self):
        return "FeatureVector(" + ", ".join(f"{k}={v!r}" for k, v in self.values.items()) + ")"

    def __eq__(self, other):
        return isinstance(other, FeatureVector) and self.values == other.values

    @staticmethod
    def feature_names() -> List[str]:
        return list(FEATURE_NAMES)

    def to_dict(self) -> Dict[str, float]:
        return {k: float(v) for k, v in self.values.items()}

    def to_array(self) -> np.ndarray:
        return np.array([float(self.values.get(k, 0.0)) for k in FEATURE_NAMES], dtype=np.float64)

    @classmethod
    def from_array(cls, arr) -> "FeatureVector":
        a = np.asarray(arr, dtype=np.float64).ravel()
        if a.size != FEATURE_COUNT:
            raise ValueError(f"Expected {FEATURE_COUNT} features, got {a.size}")
        return cls({k: (int(v) if k in _INT_FEATURES else float(v)) for k, v in zip(FEATURE_NAMES, a)})


def compute_features(field_snapshots, config: Optional[FeatureConfig] = None) -> FeatureVector:
    """The 18 features of a field (N, N) or a history (T, N, N), in volts."""
    a = _lib.f64_in(field_snapshots, "field_snapshots")
    if a.ndim == 2:
        t, shape = 1, a.shape
    elif a.ndim == 3:
        t, shape = a.shape[0], a.shape[1:]
    else:
        raise ValueError(f"field_snapshots must be 2D (N,N) or 3D (T,N,N), got {a.ndim}D")
    if shape[0] != shape[1]:
        raise ValueError(f"Field must be square, got shape {tuple(shape)}")
    cfg = (config or FeatureConfig())._json()
    out = np.empty(FEATURE_COUNT)
    _lib.check(_lib.lib.mfn_features(_lib.dptr(a), t, shape[0], cfg, _lib.dptr(out)))
    return FeatureVector.from_array(out)


def compute_fractal_features(result) -> FeatureVector:
    """The 18 features of a SimulationResult (its history if it has one, else its field)."""
    from .simulation import SimulationResult

    if not isinstance(result, SimulationResult):
        raise TypeError(f"Expected SimulationResult, got {type(result)}. "
                        "Use analytics.compute_features() for raw numpy arrays.")
    return compute_features(result.history if result.history is not None else result.field)


def validate_feature_ranges(fv: FeatureVector, strict: bool = False) -> List[str]:
    """Warnings for features outside their expected ranges (empty when all is well)."""
    w = []
    lo, hi = (1.4, 1.9) if strict else (0.0, 2.5)
    v = fv.to_dict()
    if not lo <= v["D_box"] <= hi:
        w.append(f"D_box={v['D_box']:.3f} outside [{lo}, {hi}]")
    if not 0 <= v["D_r2"] <= 1:
        w.append(f"D_r2={v['D_r2']:.3f} outside [0, 1]")
    if v["V_min"] < -100 or v["V_max"] > 50:
        w.append(f"V range [{v['V_min']:.1f}, {v['V_max']:.1f}] mV exceeds physiological bounds [-100, 50]")
    if not 0 <= v["f_active"] <= 1:
        w.append(f"f_active={v['f_active']:.3f} outside [0, 1]")
    if any(math.isnan(x) for x in v.values()):
        w.append("NaN detected in features")
    if any(math.isinf(x) for x in v.values()):
        w.append("Inf detected in features")
    return w
