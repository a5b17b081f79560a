package nn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"mfn/field"
	"mfn/fractal"
	"mfn/nernst"
	"mfn/npexact"
	"mfn/rng"
)

// Sizes of the validation run (spec §13.2).
const (
	// DatasetSamples is the number of simulations in the training set.
	DatasetSamples = 16
	// DatasetIFSPoints is the length of each IFS run.
	DatasetIFSPoints = 1000
	// DatasetIFSTransforms is the number of IFS maps (generate_fractal_ifs's default).
	DatasetIFSTransforms = 4
	// ActiveThresholdV is the threshold of the fractal dimension's mask, in volts (−60 mV).
	ActiveThresholdV = -0.060
	// MaxEpochs bounds the number of epochs of one validation run.
	MaxEpochs = 1_000_000
	// TorchLossTolerance is the relative tolerance of the losses against the reference's
	// (float32 summation order: torch's sgemm versus sequential sums). With the same initial
	// weights and batch order the recorded runs agree to ≤ 2 float32 ulps (2.3e-7 relative)
	// after 20 Adam steps; 1e-5 leaves a margin of ~40 for configurations not recorded.
	TorchLossTolerance = 1e-5
)

// ValidationConfig is the reference's ValidationConfig (device is always the CPU here).
type ValidationConfig struct {
	Seed               int64
	Epochs             int
	BatchSize          int
	GridSize           int
	Steps              int
	TuringEnabled      bool
	QuantumJitter      bool
	UseSparseAttention bool
	UseSTDP            bool
}

// DefaultValidationConfig is ValidationConfig(): seed 42, 1 epoch, batch 4, 64×64 grid,
// 64 steps, Turing on, no jitter, attention and STDP on.
func DefaultValidationConfig() ValidationConfig {
	return ValidationConfig{Seed: 42, Epochs: 1, BatchSize: 4, GridSize: 64, Steps: 64,
		TuringEnabled: true, UseSparseAttention: true, UseSTDP: true}
}

// ConfigError reports a ValidationConfig field outside its range. Max < Min means no upper
// bound.
type ConfigError struct {
	Parameter string
	Value     int64
	Min, Max  int64
}

func (e *ConfigError) Error() string {
	if e.Max < e.Min {
		return fmt.Sprintf("%s=%d is out of range: must be >= %d", e.Parameter, e.Value, e.Min)
	}
	return fmt.Sprintf("%s=%d is out of range: must be in [%d, %d]", e.Parameter, e.Value, e.Min, e.Max)
}

// Validate checks the configuration. The reference checks nothing itself (a zero batch size
// fails in torch's DataLoader, a negative seed in numpy); here every integer has a range:
// seed >= 0, epochs in [0, MaxEpochs], batch_size >= 1, grid_size in [1, field.MaxGrid],
// steps in [0, field.MaxSteps]. Grids below 4 are valid and give D = 0, as in the reference.
func (c ValidationConfig) Validate() error {
	for _, r := range []ConfigError{
		{"seed", c.Seed, 0, -1},
		{"epochs", int64(c.Epochs), 0, MaxEpochs},
		{"batch_size", int64(c.BatchSize), 1, -1},
		{"grid_size", int64(c.GridSize), 1, field.MaxGrid},
		{"steps", int64(c.Steps), 0, field.MaxSteps},
	} {
		if r.Value < r.Min || (r.Max >= r.Min && r.Value > r.Max) {
			return &r
		}
	}
	return nil
}

// legacyParams are simulate_mycelium_field's parameters for cfg (the others at defaults).
func (c ValidationConfig) legacyParams() field.LegacyParams {
	p := field.DefaultLegacy()
	p.GridSize, p.Steps = c.GridSize, c.Steps
	p.TuringEnabled, p.QuantumJitter = c.TuringEnabled, c.QuantumJitter
	return p
}

// Dataset is the reference's _build_dataset output plus what the metrics take from it.
type Dataset struct {
	// X is DatasetSamples×4 row-major: D, mean·100, std·100, max·100 (volts, so ≈ −7.0,
	// 0.03, −6.7), each rounded to float32 before the float32 multiplication.
	X []float32
	// Y is ((0.5·D) + (0.2·mean·100)) − (0.1·std·100), every step in float32.
	Y []float32
	// GrowthEvents and Lyapunov are the per-sample growth counts and IFS exponents.
	GrowthEvents []int
	Lyapunov     []float64
	// PotMinMV and PotMaxMV are the extremes over all the fields, in mV.
	PotMinMV, PotMaxMV float64
	// LyapunovMean is numpy's mean of Lyapunov.
	LyapunovMean float64
}

// fieldStats simulates one field from g and returns it with its growth count and its
// dimension at −60 mV.
func fieldStats(g *rng.Generator, p field.LegacyParams) (*field.LegacyResult, float64, error) {
	res, err := field.SimulateLegacy(g, p)
	if err != nil {
		return nil, 0, err
	}
	mask := make([]bool, len(res.Field))
	for i, v := range res.Field {
		mask[i] = v > ActiveThresholdV
	}
	d, err := fractal.EstimateDimension(mask, res.N, fractal.DefaultBoxOptions())
	if err != nil {
		return nil, 0, err
	}
	return res, d, nil
}

// BuildDataset builds the 16-sample training set exactly as the reference does (spec §13.2):
// one generator default_rng(seed) draws, for each sample in turn, the simulation and then a
// 1000-point IFS run, so sample k+1's field starts where sample k's IFS stopped.
func BuildDataset(cfg ValidationConfig) (*Dataset, error) {
	return buildDataset(context.Background(), cfg)
}

// buildDataset is BuildDataset stopping between samples once ctx is done.
func buildDataset(ctx context.Context, cfg ValidationConfig) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := rng.New(uint64(cfg.Seed))
	p := cfg.legacyParams()
	ds := &Dataset{
		X: make([]float32, 0, DatasetSamples*DefaultInputDim), Y: make([]float32, 0, DatasetSamples),
		PotMinMV: math.Inf(1), PotMaxMV: math.Inf(-1),
	}
	for range DatasetSamples {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, d, err := fieldStats(g, p)
		if err != nil {
			return nil, err
		}
		lo, hi := npexact.MinMax(res.Field)
		ds.PotMinMV = pyMin(ds.PotMinMV, lo*1000)
		ds.PotMaxMV = pyMax(ds.PotMaxMV, hi*1000)
		x0 := float32(d)
		x1 := float32(float32(npexact.Mean(res.Field)) * 100)
		x2 := float32(float32(npexact.Std(res.Field)) * 100)
		x3 := float32(float32(hi) * 100)
		ds.X = append(ds.X, x0, x1, x2, x3)
		y := float32(float32(float32(0.5)*x0)+float32(float32(0.2)*x1)) - float32(float32(0.1)*x2)
		ds.Y = append(ds.Y, y)
		ds.GrowthEvents = append(ds.GrowthEvents, res.GrowthEvents)
		ifs, err := fractal.GenerateIFS(g, DatasetIFSPoints, DatasetIFSTransforms)
		if err != nil {
			return nil, err
		}
		ds.Lyapunov = append(ds.Lyapunov, ifs.Lyapunov)
	}
	ds.LyapunovMean = npexact.Mean(ds.Lyapunov)
	return ds, nil
}

// pyMin and pyMax propagate NaN, as numpy's min and max over the fields do.
func pyMin(a, b float64) float64 {
	if b < a || b != b {
		return b
	}
	return a
}

func pyMax(a, b float64) float64 {
	if b > a || b != b {
		return b
	}
	return a
}

// MetricNames are the keys of run_validation's result, in its order.
var MetricNames = [12]string{
	"loss_start", "loss_final", "loss_drop",
	"pot_min_mV", "pot_max_mV", "example_fractal_dim",
	"lyapunov_exponent", "lyapunov_mean", "growth_events",
	"nernst_symbolic_mV", "nernst_numeric_mV", "nernst_rtfz_mV",
}

// Metrics is run_validation's result (spec §13.3).
type Metrics struct {
	// LossStart and LossFinal are the first and last mini-batch losses (float32 values);
	// both NaN when no step ran (epochs = 0). LossDrop = LossStart − LossFinal.
	LossStart, LossFinal, LossDrop float64
	// PotMinMV and PotMaxMV are the extremes of the 16 training fields, in mV.
	PotMinMV, PotMaxMV float64
	// ExampleFractalDim, LyapunovExponent and GrowthEvents come from default_rng(seed + 1):
	// one simulation, its dimension at −60 mV, then a 1000-point IFS run.
	ExampleFractalDim float64
	LyapunovExponent  float64
	// LyapunovMean is the mean exponent of the 16 training IFS runs.
	LyapunovMean float64
	GrowthEvents float64
	// The Nernst cross-check: sympy's value, compute_nernst_potential(1, 5e-3, 140e-3) and
	// RT/F, all in mV.
	NernstSymbolicMV, NernstNumericMV, NernstRTFZMV float64
}

// Values lists the metrics in the order of MetricNames.
func (m Metrics) Values() [12]float64 {
	return [12]float64{
		m.LossStart, m.LossFinal, m.LossDrop,
		m.PotMinMV, m.PotMaxMV, m.ExampleFractalDim,
		m.LyapunovExponent, m.LyapunovMean, m.GrowthEvents,
		m.NernstSymbolicMV, m.NernstNumericMV, m.NernstRTFZMV,
	}
}

// Text is the reference CLI's report: the title line, then one line per metric formatted as
// Python's f"{k:24s}: {v: .6f}" (NaN as "nan").
func (m Metrics) Text() string {
	var b bytes.Buffer
	b.WriteString("=== MyceliumFractalNet v4.1 :: validation ===\n")
	for i, v := range m.Values() {
		var s string
		switch {
		case math.IsNaN(v):
			s = " nan"
		case math.IsInf(v, 1):
			s = " inf"
		case math.IsInf(v, -1):
			s = "-inf"
		default:
			s = fmt.Sprintf("% .6f", v)
		}
		fmt.Fprintf(&b, "%-24s: %s\n", MetricNames[i], s)
	}
	return b.String()
}

// MarshalJSON writes the metrics as one object with the keys in the reference's order;
// non-finite values (the losses of a zero-epoch run) are null.
func (m Metrics) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, v := range m.Values() {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, MetricNames[i])
		b = append(b, ':')
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
			continue
		}
		num, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		b = append(b, num...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads the form MarshalJSON writes (null → NaN).
func (m *Metrics) UnmarshalJSON(data []byte) error {
	var raw map[string]*float64
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	dst := []*float64{
		&m.LossStart, &m.LossFinal, &m.LossDrop,
		&m.PotMinMV, &m.PotMaxMV, &m.ExampleFractalDim,
		&m.LyapunovExponent, &m.LyapunovMean, &m.GrowthEvents,
		&m.NernstSymbolicMV, &m.NernstNumericMV, &m.NernstRTFZMV,
	}
	for i, name := range MetricNames {
		v, ok := raw[name]
		if !ok {
			return fmt.Errorf("validation metrics: missing %q", name)
		}
		if v == nil {
			*dst[i] = math.NaN()
		} else {
			*dst[i] = *v
		}
	}
	return nil
}

// ValidationRun is a full validation run: the metrics and the loss of every training step.
type ValidationRun struct {
	Metrics Metrics
	Losses  []float32
}

// RunValidation is run_validation(cfg) (spec §13.3): build the dataset, train the network
// (Adam with the reference's defaults, mean squared error, shuffled mini-batches with the
// last partial batch kept), then the example field and the Nernst cross-check.
//
// The network's initialisation and the mini-batch order come from a port of torch 1.13's CPU
// generator seeded with cfg.Seed (NewTorchGenerator, NewTorchNetwork,
// TorchGenerator.DataLoaderEpoch), so the training follows the reference's step for step:
// same initial float32 weights, same batches. The losses then differ from the reference's
// only by float32 summation order (torch's sgemm versus sequential sums here): a few ulps
// after 20 Adam steps on the recorded configurations.
func RunValidation(cfg ValidationConfig) (Metrics, error) {
	r, err := RunValidationContext(context.Background(), cfg)
	return r.Metrics, err
}

// RunValidationContext is RunValidation also returning every step's loss. It stops with
// ctx's error between simulations and between training steps once ctx is done (a single
// simulation runs to its end).
func RunValidationContext(ctx context.Context, cfg ValidationConfig) (ValidationRun, error) {
	if err := cfg.Validate(); err != nil {
		return ValidationRun{}, err
	}
	ds, err := buildDataset(ctx, cfg)
	if err != nil {
		return ValidationRun{}, err
	}
	// torch.manual_seed(seed): the dataset does not touch torch's generator, so the network's
	// initialisation is its first use, then each epoch's DataLoader iterator.
	tg := NewTorchGenerator(uint64(cfg.Seed))
	nc := DefaultNetConfig()
	nc.UseSparseAttention, nc.UseSTDP = cfg.UseSparseAttention, cfg.UseSTDP
	net, err := NewTorchNetwork[float32](nc, tg)
	if err != nil {
		return ValidationRun{}, err
	}
	opt, err := NewAdam(net.Params(), DefaultAdam())
	if err != nil {
		return ValidationRun{}, err
	}
	losses, err := net.Fit(ds.X, ds.Y, opt, FitOptions{Epochs: cfg.Epochs, BatchSize: cfg.BatchSize, Loader: tg, Context: ctx})
	if err != nil {
		return ValidationRun{}, err
	}
	m := Metrics{LossStart: math.NaN(), LossFinal: math.NaN(), LossDrop: math.NaN()}
	if len(losses) > 0 {
		m.LossStart = float64(losses[0])
		m.LossFinal = float64(losses[len(losses)-1])
		m.LossDrop = m.LossStart - m.LossFinal
	}
	m.PotMinMV, m.PotMaxMV, m.LyapunovMean = ds.PotMinMV, ds.PotMaxMV, ds.LyapunovMean
	if err := ctx.Err(); err != nil {
		return ValidationRun{}, err
	}

	g2 := rng.New(uint64(cfg.Seed) + 1)
	res, d, err := fieldStats(g2, cfg.legacyParams())
	if err != nil {
		return ValidationRun{}, err
	}
	ifs, err := fractal.GenerateIFS(g2, DatasetIFSPoints, DatasetIFSTransforms)
	if err != nil {
		return ValidationRun{}, err
	}
	m.ExampleFractalDim, m.LyapunovExponent, m.GrowthEvents = d, ifs.Lyapunov, float64(res.GrowthEvents)

	m.NernstSymbolicMV = nernst.SymbolicExample() * 1000
	v, err := nernst.Potential(1, 5e-3, 140e-3, nernst.BodyTemperatureK)
	if err != nil {
		return ValidationRun{}, err
	}
	m.NernstNumericMV = v * 1000
	m.NernstRTFZMV = nernst.RTFZmV
	return ValidationRun{Metrics: m, Losses: losses}, nil
}
