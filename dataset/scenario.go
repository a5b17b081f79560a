package dataset

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Scenario is the reference's ScenarioConfig (pipelines/scenarios.py).
type Scenario struct {
	Name           string    `json:"name"`
	ScenarioType   string    `json:"scenario_type"`
	GridSize       int       `json:"grid_size"`
	Steps          int       `json:"steps"`
	NumSamples     int       `json:"num_samples"`
	SeedsPerConfig int       `json:"seeds_per_config"`
	BaseSeed       uint64    `json:"base_seed"`
	AlphaValues    []float64 `json:"alpha_values"`
	TuringEnabled  bool      `json:"turing_enabled"`
	Description    string    `json:"description"`
}

var presets = map[string]Scenario{
	"small": {Name: "scientific_small", ScenarioType: "scientific", GridSize: 32, Steps: 50, NumSamples: 10,
		SeedsPerConfig: 2, BaseSeed: 42, AlphaValues: []float64{0.15}, TuringEnabled: true,
		Description: "Small scientific scenario for quick validation (Nernst/Turing/STDP)."},
	"medium": {Name: "features_medium", ScenarioType: "features", GridSize: 64, Steps: 100, NumSamples: 100,
		SeedsPerConfig: 3, BaseSeed: 42, AlphaValues: []float64{0.10, 0.15, 0.20}, TuringEnabled: true,
		Description: "Medium feature-generation scenario for ML training."},
	"large": {Name: "features_large", ScenarioType: "features", GridSize: 128, Steps: 200, NumSamples: 500,
		SeedsPerConfig: 5, BaseSeed: 42, AlphaValues: []float64{0.08, 0.12, 0.16, 0.20}, TuringEnabled: true,
		Description: "Large feature-generation scenario for production ML."},
	"benchmark": {Name: "benchmark_small", ScenarioType: "benchmark", GridSize: 32, Steps: 32, NumSamples: 5,
		SeedsPerConfig: 1, BaseSeed: 42, AlphaValues: []float64{0.15}, TuringEnabled: true,
		Description: "Small benchmark scenario for performance testing."},
}

// presetOrder is list_presets()'s order.
var presetOrder = []string{"small", "medium", "large", "benchmark"}

// Presets lists the preset names in the reference's order.
func Presets() []string { return append([]string(nil), presetOrder...) }

// Preset returns a fresh copy of a preset scenario.
func Preset(name string) (Scenario, error) {
	p, ok := presets[name]
	if !ok {
		return Scenario{}, fmt.Errorf("unknown preset %q: available presets are %s", name, strings.Join(presetOrder, ", "))
	}
	p.AlphaValues = append([]float64(nil), p.AlphaValues...)
	return p, nil
}

// Validate applies ScenarioConfig's checks, tightened to what the engine accepts: an α the
// engine would reject for every sample (below 0.05) is refused here, not after the run.
func (s Scenario) Validate() error {
	switch {
	case s.GridSize < 8 || s.GridSize > 256:
		return fmt.Errorf("grid_size must be in [8, 256], got %d", s.GridSize)
	case s.Steps < 1 || s.Steps > 1000:
		return fmt.Errorf("steps must be in [1, 1000], got %d", s.Steps)
	case s.NumSamples < 1 || s.NumSamples > MaxSamples:
		return fmt.Errorf("num_samples must be in [1, %d], got %d", MaxSamples, s.NumSamples)
	case s.SeedsPerConfig < 1:
		return fmt.Errorf("seeds_per_config must be >= 1, got %d", s.SeedsPerConfig)
	case len(s.AlphaValues) == 0:
		return fmt.Errorf("alpha_values must not be empty")
	case s.BaseSeed > math.MaxInt64-uint64(s.NumSamples):
		return fmt.Errorf("base_seed=%d: base_seed + num_samples must fit in int64", s.BaseSeed)
	}
	for _, a := range s.AlphaValues {
		if !(a >= 0.05 && a < 0.25) {
			return fmt.Errorf("alpha must be in [0.05, 0.25) for CFL stability, got %v", a)
		}
	}
	return nil
}

// Plan is _generate_param_configs: sample k gets alpha_values[(k / seeds_per_config) mod
// len(alpha_values)] and seed base_seed + k.
func (s Scenario) Plan() (*Plan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	p := &Plan{Generator: "scenario", Name: s.Name, Layout: LayoutScenario, Config: s}
	for k := 0; k < s.NumSamples; k++ {
		p.Jobs = append(p.Jobs, Job{
			SimID: k, ScenarioName: s.Name, Seed: s.BaseSeed + uint64(k), GridSize: s.GridSize, Steps: s.Steps,
			Alpha:         s.AlphaValues[(k/s.SeedsPerConfig)%len(s.AlphaValues)],
			TuringEnabled: s.TuringEnabled, SpikeProbability: 0.25, TuringThreshold: 0.75,
		})
	}
	return p, nil
}

// MaxSamples bounds the number of samples of one dataset.
const MaxSamples = 100000

// sortedKeys is used for stable error messages.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
