"""MFN (MyceliumFractalNet) from Python, over the Go core.

The reference's public functions with the same names and signatures, returning numpy arrays
and bit-identical to MyceliumFractalNet 4.1.0 for the same inputs and generator state:

    >>> import mfn, numpy as np
    >>> rng = np.random.default_rng(42)
    >>> field, growth = mfn.simulate_mycelium_field(rng, grid_size=64, steps=64)

Every call runs in libmfn (Go, loaded with ctypes) with the GIL released. A
numpy.random.Generator(PCG64) passed in is advanced exactly as the reference advances it.
Bad input raises ValueError (naming the parameter) or TypeError.
"""

from .analysis import (
    FEATURE_COUNT,
    FEATURE_NAMES,
    FeatureConfig,
    FeatureVector,
    box_counting_dimension,
    compute_box_counting_dimension,
    compute_features,
    compute_fractal_features,
    compute_lyapunov_exponent,
    compute_nernst_potential,
    compute_stability_metrics,
    estimate_fractal_dimension,
    generate_fractal_ifs,
    is_stable,
    make_feature_config_default,
    make_feature_config_demo,
    validate_feature_ranges,
)
from .dataset import (
    ConfigSampler,
    DatasetMeta,
    ScenarioConfig,
    generate_dataframe,
    generate_dataset,
    get_preset_config,
    list_presets,
    run_scenario,
)
from .morphogenesis import MorphogenesisResult, analyze, morphogenesis_presets, simulate_morphogenesis
from .federated import HierarchicalKrumAggregator, aggregate_gradients_krum
from .simulation import (
    SimulationConfig,
    SimulationResult,
    make_simulation_config_default,
    make_simulation_config_demo,
    run_mycelium_simulation,
    run_mycelium_simulation_with_history,
    simulate_mycelium_field,
)
from .validation import ValidationConfig, run_validation

__version__ = "4.1.0"

R_GAS_CONSTANT = 8.314
FARADAY_CONSTANT = 96485.33212
BODY_TEMPERATURE_K = 310.0
ION_CLAMP_MIN = 1e-6
TURING_THRESHOLD = 0.75
QUANTUM_JITTER_VAR = 0.0005

__all__ = [
    "BODY_TEMPERATURE_K", "ConfigSampler", "DatasetMeta", "ScenarioConfig", "get_preset_config", "list_presets",
    "run_scenario", "FARADAY_CONSTANT", "FEATURE_COUNT", "FEATURE_NAMES",
    "FeatureConfig", "FeatureVector", "HierarchicalKrumAggregator", "ION_CLAMP_MIN", "QUANTUM_JITTER_VAR",
    "R_GAS_CONSTANT", "SimulationConfig", "SimulationResult", "TURING_THRESHOLD", "ValidationConfig",
    "aggregate_gradients_krum", "box_counting_dimension", "compute_box_counting_dimension", "compute_features",
    "compute_fractal_features", "compute_lyapunov_exponent", "compute_nernst_potential",
    "compute_stability_metrics", "estimate_fractal_dimension", "generate_dataframe", "generate_dataset",
    "generate_fractal_ifs", "is_stable", "make_feature_config_default", "make_feature_config_demo",
    "make_simulation_config_default", "make_simulation_config_demo", "run_mycelium_simulation",
    "run_mycelium_simulation_with_history", "run_validation", "simulate_mycelium_field",
    "validate_feature_ranges", "MorphogenesisResult", "analyze", "morphogenesis_presets", "simulate_morphogenesis",
]
