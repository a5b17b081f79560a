"""Dataset generation: sampled simulation configs → the 18 features per run, as records,
a pandas DataFrame or a Parquet file (written by the Go core)."""

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from . import _lib
from .analysis import FEATURE_NAMES, FeatureConfig


@dataclass
class ConfigSampler:
    """Draws simulation configs from default_rng(base_seed), in the reference's order."""

    grid_sizes: List[int] = field(default_factory=lambda: [32, 64])
    steps_range: Tuple[int, int] = (50, 200)
    alpha_range: Tuple[float, float] = (0.10, 0.20)
    turing_values: List[bool] = field(default_factory=lambda: [True, False])
    spike_prob_range: Tuple[float, float] = (0.15, 0.35)
    turing_threshold_range: Tuple[float, float] = (0.65, 0.85)
    base_seed: int = 42

    def __post_init__(self):
        if self.alpha_range[1] >= 0.25:
            raise ValueError(f"alpha_range max ({self.alpha_range[1]}) must be < 0.25 for CFL stability")
        if any(g < 4 for g in self.grid_sizes):
            raise ValueError("All grid_sizes must be >= 4")
        if self.steps_range[0] < 1:
            raise ValueError("steps_range min must be >= 1")

    def _json(self) -> bytes:
        d = asdict(self)
        for k in ("steps_range", "alpha_range", "spike_prob_range", "turing_threshold_range"):
            d[k] = list(d[k])
        return json.dumps(d).encode()


def _table(num_samples, config_sampler, output_path, feature_config, workers):
    sampler = config_sampler or ConfigSampler()
    fc = feature_config or FeatureConfig()
    path = None if output_path is None else os.fspath(output_path).encode()
    t = _lib.call_json(_lib.lib.mfn_generate_dataset, sampler._json(), _lib.as_int(num_samples, "num_samples"),
                       fc._json(), int(workers), path)
    return t


def generate_dataset(*, num_samples: int, config_sampler: Optional[ConfigSampler] = None, output_path=None,
                     feature_config: Optional[FeatureConfig] = None, workers: int = 0) -> Dict[str, Any]:
    """Run num_samples sampled simulations; return the reference's summary dict (rows as
    records, per-feature min/max/mean). With output_path, the rows are also written there as
    Parquet. workers = 0 runs one simulation per CPU (results do not depend on it)."""
    t = _table(num_samples, config_sampler, output_path, feature_config, workers)
    cols = t["columns"]
    rows = [dict(zip(cols, r)) for r in (t["rows"] or [])]
    n = int(num_samples)
    failed = len(t.get("failures") or {})
    out: Dict[str, Any] = {
        "total_samples": n, "successful": len(rows), "failed": failed,
        "success_rate": len(rows) / n if n else 0.0,
        "output_path": None if output_path is None else os.fspath(output_path), "rows": rows,
    }
    for f in FEATURE_NAMES:
        vals = [r[f] for r in rows if r.get(f) is not None]
        if vals:
            out[f + "_min"], out[f + "_max"] = min(vals), max(vals)
            out[f + "_mean"] = sum(vals) / len(vals)
    return out


def generate_dataframe(num_samples: int, config_sampler: Optional[ConfigSampler] = None, output_path=None,
                       feature_config: Optional[FeatureConfig] = None, workers: int = 0):
    """generate_dataset's rows as a pandas DataFrame (one row per successful simulation)."""
    import pandas as pd

    t = _table(num_samples, config_sampler, output_path, feature_config, workers)
    return pd.DataFrame(t["rows"] or [], columns=t["columns"])
