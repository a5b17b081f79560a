// Command cabi is the C ABI of MFN for the Python package (python/mfn): built with
// `go build -buildmode=c-shared` into libmfn.so and loaded with ctypes. exports.go holds the
// thin cgo layer (pointers in, error strings out); this file holds the calls themselves on
// Go slices, so they are tested without cgo.
//
// Transfer: arrays the caller passes in (fields, histories, masks, gradients) are read in
// place through slices over the caller's memory (zero-copy); the engine history is written
// straight into the caller's buffer (zero-copy); the other outputs are computed in Go memory
// and copied once into the caller's buffer (single copy).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"mfn/dataset"
	"mfn/features"
	"mfn/federated"
	"mfn/field"
	"mfn/fractal"
	"mfn/nernst"
	"mfn/nn"
	"mfn/rng"
)

func main() {}

// stateWords is the layout of a numpy PCG64 state in the caller's uint64[6] buffer:
// state high/low, inc high/low, has_uint32, uinteger.
const stateWords = 6

func stateFrom(w []uint64) rng.State {
	return rng.State{StateHi: w[0], StateLo: w[1], IncHi: w[2], IncLo: w[3],
		HasUint32: w[4] != 0, Uinteger: uint32(w[5])}
}

func stateTo(w []uint64, s rng.State) {
	w[0], w[1], w[2], w[3] = s.StateHi, s.StateLo, s.IncHi, s.IncLo
	w[4], w[5] = 0, uint64(s.Uinteger)
	if s.HasUint32 {
		w[4] = 1
	}
}

// sizeError reports a buffer the caller sized wrongly: a bug of the binding, not user input.
func sizeError(what string, got, want int) error {
	return fmt.Errorf("internal: %s buffer has %d values, want %d", what, got, want)
}

// simulateLegacy is simulate_mycelium_field on the generator in state st (advanced in place);
// the final field is copied into out (N² values).
func simulateLegacy(st []uint64, p field.LegacyParams, out []float64) (int, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if len(out) != p.GridSize*p.GridSize {
		return 0, sizeError("field", len(out), p.GridSize*p.GridSize)
	}
	g := rng.FromState(stateFrom(st))
	r, err := field.SimulateLegacy(g, p)
	if err != nil {
		return 0, err
	}
	copy(out, r.Field)
	r.Release() // copied out: the next call reuses the grids (a Python loop of calls makes no garbage of them)
	stateTo(st, g.State())
	return r.GrowthEvents, nil
}

// runMeta is the part of a SimulationResult that is not an array.
type runMeta struct {
	Seed              uint64  `json:"seed"`
	GrowthEvents      int     `json:"growth_events"`
	TuringActivations int     `json:"turing_activations"`
	ClampingEvents    int     `json:"clamping_events"`
	ElapsedS          float64 `json:"elapsed_time_s"`
	StepsComputed     int     `json:"steps_computed"`
	FieldMinV         float64 `json:"field_min_v"`
	FieldMaxV         float64 `json:"field_max_v"`
	FieldMeanV        float64 `json:"field_mean_v"`
	FieldStdV         float64 `json:"field_std_v"`
	ActivatorMean     float64 `json:"activator_mean"`
	InhibitorMean     float64 `json:"inhibitor_mean"`
}

// runSimulation is run_mycelium_simulation(_with_history): the config arrives as JSON
// (SimulationConfig's field names); the history, if asked for, is recorded straight into
// hist (steps·N² values) and the final field copied into out (N²).
func runSimulation(cfgJSON []byte, withHistory bool, out, hist []float64) ([]byte, error) {
	c, err := decodeSimConfig(cfgJSON)
	if err != nil {
		return nil, err
	}
	n := c.GridSize
	if len(out) != n*n {
		return nil, sizeError("field", len(out), n*n)
	}
	o := field.RunOptions{History: withHistory}
	if withHistory && c.Steps*n*n > field.MaxHistoryValues {
		return nil, fmt.Errorf("steps=%d: a history of steps·grid_size² = %d values exceeds %d; record fewer steps or a smaller grid",
			c.Steps, c.Steps*n*n, field.MaxHistoryValues)
	}
	if withHistory {
		if len(hist) != c.Steps*n*n {
			return nil, sizeError("history", len(hist), c.Steps*n*n)
		}
		o.HistoryBuffer = hist
	}
	r, err := field.RunWith(c, o)
	if err != nil {
		return nil, err
	}
	if withHistory && len(r.History) > 0 && &r.History[0] != &hist[0] {
		copy(hist, r.History) // only if the engine ever stops honouring HistoryBuffer
	}
	copy(out, r.Field)
	m := r.Metrics
	return json.Marshal(runMeta{Seed: r.Seed, GrowthEvents: r.GrowthEvents,
		TuringActivations: r.TuringActivations, ClampingEvents: r.ClampingEvents,
		ElapsedS: r.Elapsed.Seconds(), StepsComputed: m.StepsComputed,
		FieldMinV: m.FieldMinV, FieldMaxV: m.FieldMaxV, FieldMeanV: m.FieldMeanV, FieldStdV: m.FieldStdV,
		ActivatorMean: finite(m.ActivatorMean), InhibitorMean: finite(m.InhibitorMean)})
}

func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// decodeSimConfig reads a SimulationConfig sent as JSON and validates it; fields left out keep
// the reference's defaults, and a missing seed means a random one.
func decodeSimConfig(b []byte) (field.Config, error) {
	c := field.DefaultConfig()
	c.Seed = nil
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("config: %v", err)
	}
	return c, c.Validate()
}

// decodeFeatureConfig reads a FeatureConfig sent as JSON (empty: the defaults) and validates it.
func decodeFeatureConfig(b []byte) (features.Config, error) {
	cfg := features.DefaultConfig()
	if len(b) > 0 {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return cfg, fmt.Errorf("feature_config: %v", err)
		}
	}
	return cfg, cfg.Validate()
}

// decodeSampler reads a ConfigSampler sent as JSON (empty: the defaults) and validates it.
func decodeSampler(b []byte) (dataset.Sampler, error) {
	s := dataset.DefaultSampler()
	if len(b) > 0 {
		if err := json.Unmarshal(b, &s); err != nil {
			return s, fmt.Errorf("config_sampler: %v", err)
		}
	}
	return s, s.Validate()
}

// frames splits a history of t frames of cells values each into t views (no copy).
func frames(hist []float64, t, cells int) ([][]float64, error) {
	if t < 1 || cells < 1 {
		return nil, fmt.Errorf("field_history must hold at least one frame of at least one cell, got %d frames of %d cells", t, cells)
	}
	if len(hist) != t*cells {
		return nil, sizeError("history", len(hist), t*cells)
	}
	h := make([][]float64, t)
	for i := range h {
		h[i] = hist[i*cells : (i+1)*cells : (i+1)*cells]
	}
	return h, nil
}

// computeFeatures is analytics.compute_features on a T·n² history (T = 1 for a field).
func computeFeatures(hist []float64, t, n int, cfgJSON []byte, out []float64) error {
	cfg, err := decodeFeatureConfig(cfgJSON)
	if err != nil {
		return err
	}
	h, err := frames(hist, t, n*n)
	if err != nil {
		return err
	}
	if len(out) != features.Count {
		return sizeError("features", len(out), features.Count)
	}
	v, err := features.Compute(h, n, cfg)
	if err != nil {
		return err
	}
	copy(out, v.Values())
	return nil
}

// boxDimension is estimate_fractal_dimension (legacy) or, with r2 != nil, the analytics
// variant that also reports R².
func boxDimension(mask []bool, n int, opts fractal.BoxOptions, r2 *float64) (float64, error) {
	if len(mask) != n*n {
		return 0, sizeError("binary_field", len(mask), n*n)
	}
	if r2 == nil {
		return fractal.EstimateDimension(mask, n, opts)
	}
	d, r, err := fractal.BoxCountingDimension(mask, n, opts)
	*r2 = r
	return d, err
}

// generateIFS is generate_fractal_ifs on the generator in state st; points go to out
// (num_points·2 values).
func generateIFS(st []uint64, numPoints, numTransforms int, out []float64) (float64, error) {
	if numPoints < 1 {
		return 0, fmt.Errorf("num_points=%d must be >= 1", numPoints)
	}
	if numTransforms < 1 {
		return 0, fmt.Errorf("num_transforms=%d must be >= 1", numTransforms)
	}
	if len(out) != 2*numPoints {
		return 0, sizeError("points", len(out), 2*numPoints)
	}
	g := rng.FromState(stateFrom(st))
	r, err := fractal.GenerateIFS(g, numPoints, numTransforms)
	if err != nil {
		return 0, err
	}
	for i, p := range r.Points {
		out[2*i], out[2*i+1] = p[0], p[1]
	}
	stateTo(st, g.State())
	return r.Lyapunov, nil
}

// stabilityMetrics is compute_stability_metrics on t frames of cells values (out: λ,
// is_stable, mean and max change rate, final std).
func stabilityMetrics(hist []float64, t, cells int, dt float64, out []float64) error {
	h, err := frames(hist, t, cells)
	if err != nil {
		return err
	}
	m := fractal.ComputeStabilityMetrics(h, dt)
	copy(out, []float64{m.LyapunovExponent, m.IsStable, m.MeanChangeRate, m.MaxChangeRate, m.FinalStd})
	return nil
}

// gradients splits an n·dim float32 matrix into n views.
func gradients(flat []float32, n, dim int) ([][]float32, error) {
	if n < 0 || dim < 0 || len(flat) != n*dim {
		return nil, sizeError("gradients", len(flat), n*dim)
	}
	g := make([][]float32, n)
	for i := range g {
		g[i] = flat[i*dim : (i+1)*dim : (i+1)*dim]
	}
	return g, nil
}

// krumTrace is what aggregate decided, for callers that want to see it.
type krumTrace struct {
	SampledIndices     []int `json:"sampled_indices"`
	ClusterAssignments []int `json:"cluster_assignments"`
	ClusterSelected    []int `json:"cluster_selected"`
	GlobalIndex        int   `json:"global_index"`
}

// krumAggregate is HierarchicalKrumAggregator(...).aggregate(grads, rng).
func krumAggregate(a federated.Aggregator, flat []float32, n, dim int, st []uint64, out []float32) ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	grads, err := gradients(flat, n, dim)
	if err != nil {
		return nil, err
	}
	if len(out) != dim {
		return nil, sizeError("result", len(out), dim)
	}
	g := rng.FromState(stateFrom(st))
	res, tr, err := a.Aggregate(grads, g)
	if err != nil {
		return nil, err
	}
	copy(out, res)
	stateTo(st, g.State())
	kt := krumTrace{}
	if tr != nil {
		kt = krumTrace{tr.SampledIndices, tr.ClusterAssignments, tr.ClusterSelected, tr.GlobalIndex}
	}
	return json.Marshal(kt)
}

// runValidation is run_validation(cfg); out receives the 12 metrics in nn.MetricNames order.
func runValidation(cfg nn.ValidationConfig, out []float64) error {
	m, err := nn.RunValidation(cfg)
	if err != nil {
		return err
	}
	v := m.Values()
	copy(out, v[:])
	return nil
}

// datasetTable is a generated dataset as columns and rows (NaN as null).
type datasetTable struct {
	Columns  []string       `json:"columns"`
	Rows     [][]any        `json:"rows"`
	Failures map[int]string `json:"failures"`
	Elapsed  float64        `json:"elapsed_seconds"`
}

// generateDataset is experiments.generate_dataset: num samples drawn by the sampler
// (JSON, ConfigSampler's field names), the rows returned as a table and, when parquet is
// not empty, written there as Parquet.
func generateDataset(samplerJSON []byte, num int, featJSON []byte, workers int, parquetPath string) ([]byte, error) {
	s, err := decodeSampler(samplerJSON)
	if err != nil {
		return nil, err
	}
	fc, err := decodeFeatureConfig(featJSON)
	if err != nil {
		return nil, err
	}
	if num < 1 || num > dataset.MaxSamples {
		return nil, fmt.Errorf("num_samples=%d must be in [1, %d]", num, dataset.MaxSamples)
	}
	p, err := s.Plan(num)
	if err != nil {
		return nil, err
	}
	res, err := dataset.Generate(context.Background(), p, dataset.Options{Workers: workers, Features: &fc})
	if err != nil {
		return nil, err
	}
	ri := &dataset.RunInfo{Version: "4.1.0", Timestamp: time.Now().UTC().Format(time.RFC3339Nano)}
	if parquetPath != "" {
		if err := writeTable(parquetPath, "parquet", p, res, ri, fc); err != nil {
			return nil, err
		}
	}
	t := datasetTable{Columns: dataset.ColumnNames(p.Layout), Failures: res.Failures, Elapsed: res.Elapsed.Seconds()}
	cols := dataset.Columns(p.Layout)
	for i := range res.Rows {
		row := make([]any, len(cols))
		for j, c := range cols {
			v := dataset.CellValue(c, &res.Rows[i], ri)
			if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
				v = nil
			}
			row[j] = v
		}
		t.Rows = append(t.Rows, row)
	}
	return json.Marshal(t)
}

// computeNernst is compute_nernst_potential.
func computeNernst(z int, cOut, cIn, tempK float64) (float64, error) {
	return nernst.Potential(z, cOut, cIn, tempK)
}

// presetScenario is get_preset_config(name) as JSON; an empty name lists the presets.
func presetScenario(name string) ([]byte, error) {
	if name == "" {
		return json.Marshal(dataset.Presets())
	}
	s, err := dataset.Preset(name)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// scenarioMeta is the part of DatasetMeta the Go side knows.
type scenarioMeta struct {
	NumRows    int            `json:"num_rows"`
	NumColumns int            `json:"num_columns"`
	Elapsed    float64        `json:"elapsed_seconds"`
	Failures   map[int]string `json:"failures"`
}

// runScenario is run_scenario: every simulation of the scenario (JSON, ScenarioConfig's
// fields), its rows written to path as Parquet or CSV.
func runScenario(scJSON []byte, path, format string, workers int) ([]byte, error) {
	var s dataset.Scenario
	if err := json.Unmarshal(scJSON, &s); err != nil {
		return nil, fmt.Errorf("config: %v", err)
	}
	if format != "parquet" && format != "csv" {
		return nil, fmt.Errorf("output_format=%q: must be parquet or csv", format)
	}
	p, err := s.Plan()
	if err != nil {
		return nil, err
	}
	fc := features.DefaultConfig()
	res, err := dataset.Generate(context.Background(), p, dataset.Options{Workers: workers, Features: &fc})
	if err != nil {
		return nil, err
	}
	if len(res.Rows) == 0 {
		//lint:ignore ST1005 the reference's run_scenario raises this exact text
		return nil, fmt.Errorf("No successful simulations for scenario '%s' (%d/%d failed)", s.Name, len(res.Failures), len(p.Jobs))
	}
	ri := &dataset.RunInfo{Version: "4.1.0", Timestamp: time.Now().UTC().Format(time.RFC3339Nano)}
	if err := writeTable(path, format, p, res, ri, fc); err != nil {
		return nil, err
	}
	return json.Marshal(scenarioMeta{NumRows: len(res.Rows), NumColumns: len(dataset.Columns(p.Layout)),
		Elapsed: res.Elapsed.Seconds(), Failures: res.Failures})
}
