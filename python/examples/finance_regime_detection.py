"""Market regime detection with fractal features (the reference's finance example, on mfn).

Synthetic returns in three volatility regimes are mapped onto a 32×32 "potential" field; its
box-counting dimension, its spread and the Lyapunov exponent of an IFS drawn from the same
generator classify the regime. Run: python3 finance_regime_detection.py
"""

import numpy as np

import mfn


def synthetic_returns(rng, num_points=500):
    seg = num_points // 3
    return np.concatenate([
        rng.normal(0.0003, 0.01, seg),                     # calm
        rng.normal(0.0001, 0.02, seg),                     # normal
        rng.normal(-0.0002, 0.05, num_points - 2 * seg),   # turbulent
    ])


def returns_to_field(returns, n=32):
    std = returns.std()
    z = (returns - returns.mean()) / (std if std >= 1e-10 else 1.0)
    z = np.clip(z, -3, 3)
    idx = np.arange(n * n) % len(z)
    return (-0.070 + z[idx] * 0.005).reshape(n, n)


def classify(d, v_std, lyap):
    signals = [d > 1.6, v_std > 8.0, lyap > 0]
    if any(signals):
        return "HIGH_COMPLEXITY", "high" if sum(signals) >= 2 else "medium"
    if d < 1.0 and v_std < 3.0:
        return "LOW_COMPLEXITY", "high" if lyap < -2.0 else "medium"
    return "NORMAL", "medium"


def main(seed=42):
    rng = np.random.default_rng(seed)
    returns = synthetic_returns(rng)
    field = returns_to_field(returns)
    d = mfn.estimate_fractal_dimension(field > -0.065)
    _, lyap = mfn.generate_fractal_ifs(rng, num_points=5000)
    v_std = float(field.std() * 1000.0)
    regime, confidence = classify(d, v_std, lyap)
    demo = mfn.run_mycelium_simulation_with_history(mfn.make_simulation_config_demo())
    fv = mfn.compute_fractal_features(demo)
    print(f"fractal dimension D = {d:.4f}, V_std = {v_std:.2f} mV, IFS Lyapunov = {lyap:.4f}")
    print(f"regime: {regime} (confidence {confidence})")
    print(f"reference field: V_mean = {fv.V_mean:.2f} mV, dV_max = {fv.dV_max:.2f} mV/step")
    return {"D": d, "v_std": v_std, "lyapunov": lyap, "regime": regime, "confidence": confidence}


if __name__ == "__main__":
    main()
