package dataset

import (
	"fmt"
	"math"
	"strings"

	"mfn/rng"
)

// Sampler is the reference's ConfigSampler: random configurations drawn from ranges.
type Sampler struct {
	GridSizes            []int      `json:"grid_sizes"`
	StepsRange           [2]int     `json:"steps_range"`
	AlphaRange           [2]float64 `json:"alpha_range"`
	TuringValues         []bool     `json:"turing_values"`
	SpikeProbRange       [2]float64 `json:"spike_prob_range"`
	TuringThresholdRange [2]float64 `json:"turing_threshold_range"`
	BaseSeed             uint64     `json:"base_seed"`
}

// DefaultSampler is ConfigSampler() with its defaults.
func DefaultSampler() Sampler {
	return Sampler{GridSizes: []int{32, 64}, StepsRange: [2]int{50, 200}, AlphaRange: [2]float64{0.10, 0.20},
		TuringValues: []bool{true, false}, SpikeProbRange: [2]float64{0.15, 0.35},
		TuringThresholdRange: [2]float64{0.65, 0.85}, BaseSeed: 42}
}

// samplerSweeps are the reference CLI's --sweep ranges for the sampler, plus "demo" (the
// DatasetConfig demo ranges, used by the reference's golden dataset).
var samplerSweeps = map[string]func(s *Sampler){
	"minimal": func(s *Sampler) {
		s.GridSizes, s.StepsRange, s.AlphaRange, s.TuringValues = []int{32}, [2]int{50, 50}, [2]float64{0.15, 0.15}, []bool{true}
	},
	"default": func(*Sampler) {},
	"extended": func(s *Sampler) {
		s.GridSizes, s.StepsRange, s.AlphaRange = []int{32, 64, 128}, [2]int{50, 300}, [2]float64{0.08, 0.22}
	},
	"demo": func(s *Sampler) {
		s.GridSizes, s.StepsRange, s.AlphaRange, s.TuringValues = []int{32}, [2]int{30, 50}, [2]float64{0.15, 0.18}, []bool{true}
		s.SpikeProbRange, s.TuringThresholdRange = [2]float64{0.20, 0.30}, [2]float64{0.70, 0.80}
	},
}

// NamedSampler returns the sampler of a named sweep (minimal, default, extended, demo).
func NamedSampler(name string) (Sampler, error) {
	mod, ok := samplerSweeps[name]
	if !ok {
		return Sampler{}, fmt.Errorf("unknown sampler %q: available samplers are %s", name, strings.Join(sortedKeys(samplerSweeps), ", "))
	}
	s := DefaultSampler() // fresh lists every call
	mod(&s)
	return s, nil
}

// Validate applies ConfigSampler's checks, tightened to the engine's bounds so that no
// sampled configuration can fail.
func (s Sampler) Validate() error {
	if len(s.GridSizes) == 0 {
		return fmt.Errorf("grid_sizes must not be empty")
	}
	for i, g := range s.GridSizes {
		if g < 4 || g > 1024 {
			return fmt.Errorf("grid_sizes[%d] must be in [4, 1024], got %d", i, g)
		}
	}
	if s.StepsRange[0] < 1 || s.StepsRange[0] > s.StepsRange[1] || s.StepsRange[1] > 10000 {
		return fmt.Errorf("steps_range must satisfy 1 <= min <= max <= 10000, got (%d, %d)", s.StepsRange[0], s.StepsRange[1])
	}
	if len(s.TuringValues) == 0 {
		return fmt.Errorf("turing_values must not be empty")
	}
	for _, r := range []struct {
		name   string
		v      [2]float64
		lo, hi float64
		openHi bool
	}{
		{"alpha_range", s.AlphaRange, 0.05, 0.25, true},
		{"spike_prob_range", s.SpikeProbRange, 0, 1, false},
		{"turing_threshold_range", s.TuringThresholdRange, 0.5, 0.95, false},
	} {
		lo, hi := r.v[0], r.v[1]
		ok := lo >= r.lo && lo <= hi && (hi < r.hi || (!r.openHi && hi == r.hi))
		if !ok || math.IsNaN(hi) {
			closing := "]"
			if r.openHi {
				closing = ")"
			}
			return fmt.Errorf("%s must satisfy %v <= min <= max within [%v, %v%s, got (%v, %v)", r.name, r.lo, r.lo, r.hi, closing, lo, hi)
		}
	}
	return nil
}

// Plan draws num samples from default_rng(base_seed), in the reference's order per sample:
// grid = choice(grid_sizes), steps = integers(lo, hi+1), alpha = uniform, turing = choice,
// spike = uniform, threshold = uniform; the seed of sample k is base_seed + k.
func (s Sampler) Plan(num int) (*Plan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if num < 1 || num > MaxSamples {
		return nil, fmt.Errorf("num_samples must be in [1, %d], got %d", MaxSamples, num)
	}
	if s.BaseSeed > math.MaxInt64-uint64(num) {
		return nil, fmt.Errorf("base_seed=%d: base_seed + num_samples must fit in int64", s.BaseSeed)
	}
	g := rng.New(s.BaseSeed)
	p := &Plan{Generator: "sampler", Name: "config_sampler", Layout: LayoutSampler, Config: s}
	for k := 0; k < num; k++ {
		j := Job{SimID: k, Seed: s.BaseSeed + uint64(k)}
		j.GridSize = s.GridSizes[g.Choice(len(s.GridSizes))]
		j.Steps = int(g.Integers(int64(s.StepsRange[0]), int64(s.StepsRange[1])+1))
		j.Alpha = g.Uniform(s.AlphaRange[0], s.AlphaRange[1])
		j.TuringEnabled = s.TuringValues[g.Choice(len(s.TuringValues))]
		j.SpikeProbability = g.Uniform(s.SpikeProbRange[0], s.SpikeProbRange[1])
		j.TuringThreshold = g.Uniform(s.TuringThresholdRange[0], s.TuringThresholdRange[1])
		p.Jobs = append(p.Jobs, j)
	}
	return p, nil
}
