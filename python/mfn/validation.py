"""run_validation: the v4.1 end-to-end check (dataset, a small network trained in Go, the
fractal, IFS and Nernst cross-checks)."""

from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from . import _lib

METRIC_NAMES = (
    "loss_start", "loss_final", "loss_drop", "pot_min_mV", "pot_max_mV", "example_fractal_dim",
    "lyapunov_exponent", "lyapunov_mean", "growth_events", "nernst_symbolic_mV", "nernst_numeric_mV",
    "nernst_rtfz_mV",
)


@dataclass
class ValidationConfig:
    seed: int = 42
    epochs: int = 1
    batch_size: int = 4
    grid_size: int = 64
    steps: int = 64
    device: str = "cpu"
    turing_enabled: bool = True
    quantum_jitter: bool = False
    use_sparse_attention: bool = True
    use_stdp: bool = True


def run_validation(cfg: Optional[ValidationConfig] = None) -> Dict[str, float]:
    """The 12 validation metrics, in the reference's order. The loss values come from the Go
    network (the reference's come from torch: same model, different initial weights)."""
    cfg = cfg or ValidationConfig()
    if cfg.device != "cpu":
        raise ValueError(f"device={cfg.device!r}: the Go core runs on the CPU only (allowed: 'cpu')")
    out = np.empty(len(METRIC_NAMES))
    _lib.check(_lib.lib.mfn_validation(
        _lib.as_int(cfg.seed, "seed"), _lib.as_int(cfg.epochs, "epochs"), _lib.as_int(cfg.batch_size, "batch_size"),
        _lib.as_int(cfg.grid_size, "grid_size"), _lib.as_int(cfg.steps, "steps"), int(bool(cfg.turing_enabled)),
        int(bool(cfg.quantum_jitter)), int(bool(cfg.use_sparse_attention)), int(bool(cfg.use_stdp)), _lib.dptr(out)))
    return {k: float(v) for k, v in zip(METRIC_NAMES, out)}
