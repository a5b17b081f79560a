"""Hierarchical Krum aggregation of client gradients (float32, as the reference's tensors)."""

import ctypes
from typing import Optional, Sequence

import numpy as np

from . import _lib
from ._rng import generator_state


def _stack(gradients, name):
    if len(gradients) == 0:
        return None, ()
    arrs = [np.asarray(g, dtype=np.float32) for g in gradients]
    shape = arrs[0].shape
    dim = arrs[0].size
    for i, a in enumerate(arrs):
        if a.size != dim:
            raise ValueError(f"{name}[{i}] has {a.size} values, {name}[0] has {dim}: all gradients must have the same size")
    return np.ascontiguousarray(np.stack([a.ravel() for a in arrs])), shape


class HierarchicalKrumAggregator:
    """Clusters clients at random, picks a Krum representative per cluster, then a global
    Krum pick blended with the median of the representatives (0.7·Krum + 0.3·median)."""

    def __init__(self, num_clusters: int = 100, byzantine_fraction: float = 0.2, sample_fraction: float = 0.1):
        if num_clusters < 1:
            raise ValueError(f"num_clusters={num_clusters} must be >= 1")
        if not 0 <= byzantine_fraction < 0.5:
            raise ValueError(f"byzantine_fraction={byzantine_fraction} must be in [0, 0.5)")
        if not 0 < sample_fraction <= 1:
            raise ValueError(f"sample_fraction={sample_fraction} must be in (0, 1]")
        self.num_clusters = int(num_clusters)
        self.byzantine_fraction = float(byzantine_fraction)
        self.sample_fraction = float(sample_fraction)
        self.last_trace = None

    def krum_select(self, gradients: Sequence, num_byzantine: int):
        """The gradient with the smallest Krum score (a copy, as a float32 array)."""
        g, shape = _stack(gradients, "gradients")
        if g is None:
            raise ValueError("No gradients provided")
        idx = ctypes.c_int64()
        _lib.check(_lib.lib.mfn_krum_select(_lib.fptr(g), g.shape[0], g.shape[1],
                                            _lib.as_int(num_byzantine, "num_byzantine"), ctypes.byref(idx)))
        return g[idx.value].reshape(shape).copy()

    def aggregate(self, client_gradients: Sequence, rng: Optional[np.random.Generator] = None) -> np.ndarray:
        """Aggregate the clients' gradients; rng None means default_rng(42), as the reference."""
        g, shape = _stack(client_gradients, "client_gradients")
        if g is None:
            raise ValueError("No gradients to aggregate")
        if rng is None:
            rng = np.random.default_rng(42)
        out = np.empty(g.shape[1], dtype=np.float32)
        with generator_state(rng) as st:
            self.last_trace = _lib.call_json(
                _lib.lib.mfn_krum_aggregate, _lib.fptr(g), g.shape[0], g.shape[1], self.num_clusters,
                self.byzantine_fraction, self.sample_fraction, st, _lib.fptr(out))
        return out.reshape(shape)


def aggregate_gradients_krum(gradients: Sequence, num_clusters: int = 100, byzantine_fraction: float = 0.2,
                             rng: Optional[np.random.Generator] = None) -> np.ndarray:
    return HierarchicalKrumAggregator(num_clusters, byzantine_fraction, 0.1).aggregate(gradients, rng)
