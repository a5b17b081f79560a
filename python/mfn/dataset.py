"""Dataset generation: sampled simulation configs → the 18 features per run, as records,
a pandas DataFrame or a Parquet file (written by the Go core)."""

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
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


@dataclass
class ScenarioConfig:
    """pipelines.ScenarioConfig: a parameter sweep of engine runs (sample k: alpha_values[(k //
    seeds_per_config) % len(alpha_values)], seed base_seed + k)."""

    name: str
    scenario_type: str = "features"
    grid_size: int = 64
    steps: int = 100
    num_samples: int = 100
    seeds_per_config: int = 3
    base_seed: int = 42
    alpha_values: List[float] = field(default_factory=lambda: [0.10, 0.15, 0.20])
    turing_enabled: bool = True
    output_format: str = "parquet"
    output_dir: str = "scenarios"
    description: str = ""

    def __post_init__(self):
        if not 8 <= self.grid_size <= 256:
            raise ValueError(f"grid_size must be in [8, 256], got {self.grid_size}")
        if not 1 <= self.steps <= 1000:
            raise ValueError(f"steps must be in [1, 1000], got {self.steps}")
        if self.num_samples < 1:
            raise ValueError(f"num_samples must be >= 1, got {self.num_samples}")
        if self.seeds_per_config < 1:
            raise ValueError(f"seeds_per_config must be >= 1, got {self.seeds_per_config}")
        for a in self.alpha_values:
            if not 0 < a < 0.25:
                raise ValueError(f"alpha must be in (0, 0.25) for CFL stability, got {a}")


@dataclass
class DatasetMeta:
    scenario_name: str
    output_path: Path
    num_rows: int
    num_columns: int
    elapsed_seconds: float
    timestamp: str
    feature_names: List[str] = field(default_factory=lambda: list(FEATURE_NAMES))


def list_presets() -> List[str]:
    """The scenario presets: small, medium, large, benchmark."""
    return _lib.call_json(_lib.lib.mfn_preset, b"")


def get_preset_config(name: str) -> ScenarioConfig:
    """A fresh ScenarioConfig of a preset (output as Parquet under scenarios/<name>)."""
    if name not in list_presets():
        raise ValueError(f"Unknown preset '{name}'. Available: {list_presets()}")
    d = _lib.call_json(_lib.lib.mfn_preset, name.encode())
    return ScenarioConfig(output_dir=f"scenarios/{d['name']}", **d)


def run_scenario(config: ScenarioConfig, data_root=None, *, rng=None, workers: int = 0) -> DatasetMeta:
    """Run every simulation of the scenario and write its rows to
    {data_root or "data"}/{output_dir}/{YYYYMMDD_HHMMSS}/dataset.{parquet|csv} (rng is accepted
    and ignored, as in the reference)."""
    if not isinstance(config, ScenarioConfig):
        raise TypeError(f"config must be ScenarioConfig, got {type(config).__name__}")
    fmt = "parquet" if config.output_format == "parquet" else "csv"
    stamp = time.strftime("%Y%m%d_%H%M%S")
    path = Path(data_root or "data") / config.output_dir / stamp / f"dataset.{fmt}"
    d = asdict(config)
    for k in ("output_format", "output_dir"):
        d.pop(k)
    meta = _lib.call_json(_lib.lib.mfn_run_scenario, json.dumps(d).encode(), os.fspath(path).encode(),
                          fmt.encode(), int(workers))
    return DatasetMeta(scenario_name=config.name, output_path=path, num_rows=meta["num_rows"],
                       num_columns=meta["num_columns"], elapsed_seconds=meta["elapsed_seconds"], timestamp=stamp)
