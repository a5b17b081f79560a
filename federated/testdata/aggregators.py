#!/usr/bin/python3
"""Independent expected values for federated's aggregation rules.

Each rule is computed here directly from its published definition with numpy (nothing is taken
from the Go code). The inputs and outputs are written to aggregators.json, which
rules_test.go reads. Run: /usr/bin/python3 federated/testdata/aggregators.py > federated/testdata/aggregators.json
"""
import json

import numpy as np


def fedavg(x, counts):
    # McMahan et al. 2017: sum_k n_k w_k / sum_k n_k
    c = np.asarray(counts, dtype=np.float64)
    return (c[:, None] * x).sum(axis=0) / c.sum()


def median(x):
    # Yin et al. 2018: coordinate-wise median (mean of the middle two for even n)
    return np.median(x, axis=0)


def trimmed_mean(x, beta):
    # Yin et al. 2018: drop the floor(beta n) largest and smallest of each coordinate
    n = x.shape[0]
    b = int(np.floor(beta * n))
    s = np.sort(x, axis=0)
    return s[b:n - b].mean(axis=0)


def sqdist(x):
    diff = x[:, None, :] - x[None, :, :]
    return (diff ** 2).sum(axis=2)


def krum_scores(d, idx, f):
    # Blanchard et al. 2017: sum of squared distances to the n - f - 2 closest others
    k = min(max(len(idx) - f - 2, 0), len(idx) - 1)
    scores = []
    for i in idx:
        others = np.sort([d[i, j] for j in idx if j != i])
        scores.append(others[:k].sum())
    return np.array(scores)


def multi_krum_selection(x, f, m):
    s = krum_scores(sqdist(x), list(range(len(x))), f)
    return [int(i) for i in np.argsort(s, kind="stable")[:m]]


def multi_krum(x, f, m):
    return x[multi_krum_selection(x, f, m)].mean(axis=0)


def bulyan(x, f):
    # El Mhamdi et al. 2018: theta = n - 2f rounds of Krum on the rest, then per coordinate
    # the mean of the beta = theta - 2f values closest to the median
    n = x.shape[0]
    d = sqdist(x)
    rest = list(range(n))
    sel = []
    while len(sel) < n - 2 * f:
        a = int(np.argmin(krum_scores(d, rest, f)))  # argmin: first on ties
        sel.append(rest.pop(a))
    s = np.sort(x[sel], axis=0)
    beta = len(sel) - 2 * f
    out = np.empty(x.shape[1])
    for j in range(x.shape[1]):
        col = s[:, j]
        near = np.argsort(np.abs(col - np.median(col)), kind="stable")[:beta]
        out[j] = col[near].mean()
    return sel, out


def case(name, seed, n, dim, f, beta, m, outliers):
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(1.0, 0.5, size=(n, dim)), 4)
    for i, scale in outliers:
        x[i] = np.round(scale * rng.normal(size=dim), 4)
    counts = [int(c) for c in rng.integers(1, 100, size=n)]
    sel, bul = bulyan(x, f)
    return {
        "name": name, "f": f, "beta": beta, "m": m, "sample_counts": counts,
        "updates": x.tolist(),
        "fedavg": fedavg(x, counts).tolist(),
        "mean": x.mean(axis=0).tolist(),
        "median": median(x).tolist(),
        "trimmed_mean": trimmed_mean(x, beta).tolist(),
        "krum_index": multi_krum_selection(x, f, 1)[0],
        "krum": multi_krum(x, f, 1).tolist(),
        "multi_krum_selection": multi_krum_selection(x, f, m),
        "multi_krum": multi_krum(x, f, m).tolist(),
        "bulyan_selection": sel,
        "bulyan": bul.tolist(),
    }


cases = [
    case("odd n=11 f=2", 1, 11, 6, 2, 0.2, 7, [(3, 8.0), (8, -5.0)]),
    case("even n=10 f=1", 2, 10, 5, 1, 0.1, 5, [(0, 20.0)]),
    case("n=19 f=4", 3, 19, 9, 4, 0.25, 12, [(1, 3.0), (5, 3.0), (11, -9.0), (17, 6.0)]),
]
print(json.dumps({"numpy": np.__version__, "cases": cases}, indent=1))
