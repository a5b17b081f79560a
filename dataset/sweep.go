package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Sweep is the reference's SweepConfig: every combination of grid × steps × α × Turing ×
// seed offset, nested in that order (the seed innermost), with seed base_seed + sim_id.
type Sweep struct {
	GridSizes      []int     `json:"grid_sizes"`
	StepsList      []int     `json:"steps_list"`
	AlphaValues    []float64 `json:"alpha_values"`
	TuringValues   []bool    `json:"turing_values"`
	SeedsPerConfig int       `json:"seeds_per_config"`
	BaseSeed       uint64    `json:"base_seed"`
}

var builtinSweeps = map[string]Sweep{
	"minimal":  {[]int{32}, []int{50}, []float64{0.15}, []bool{true}, 2, 42},
	"default":  {[]int{32, 64}, []int{50, 100}, []float64{0.10, 0.15, 0.20}, []bool{true, false}, 3, 42},
	"extended": {[]int{32, 64, 128}, []int{50, 100, 200}, []float64{0.08, 0.12, 0.16, 0.20}, []bool{true, false}, 5, 42},
}

// NamedSweep returns a built-in sweep: minimal (2 runs), default (72) or extended (360).
func NamedSweep(name string) (Sweep, bool) {
	s, ok := builtinSweeps[name]
	return s.clone(), ok
}

// clone copies the lists, so that decoding into or editing the copy leaves the built-ins alone.
func (s Sweep) clone() Sweep {
	s.GridSizes = slices.Clone(s.GridSizes)
	s.StepsList = slices.Clone(s.StepsList)
	s.AlphaValues = slices.Clone(s.AlphaValues)
	s.TuringValues = slices.Clone(s.TuringValues)
	return s
}

// MaxSweepFileBytes bounds a sweep file.
const MaxSweepFileBytes = 1 << 20

// ReadSweep decodes a sweep from JSON. Unknown fields, wrong types and trailing data are
// errors that name the field; missing fields take the "default" sweep's values.
func ReadSweep(r io.Reader) (Sweep, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSweepFileBytes+1))
	if err != nil {
		return Sweep{}, err
	}
	if len(data) > MaxSweepFileBytes {
		return Sweep{}, fmt.Errorf("sweep file is larger than %d bytes", MaxSweepFileBytes)
	}
	s := builtinSweeps["default"].clone()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return Sweep{}, fmt.Errorf("sweep file: field %q: got a JSON %s, want %s", te.Field, te.Value, jsonKind(te.Type.String()))
		case errors.As(err, &se):
			return Sweep{}, fmt.Errorf("sweep file: invalid JSON at byte %d: %v", se.Offset, err)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return Sweep{}, fmt.Errorf("sweep file: %s; allowed fields are grid_sizes, steps_list, alpha_values, turing_values, seeds_per_config, base_seed",
				strings.TrimPrefix(err.Error(), "json: "))
		}
		return Sweep{}, fmt.Errorf("sweep file: %w", err)
	}
	if dec.More() {
		return Sweep{}, fmt.Errorf("sweep file: unexpected data after the JSON object")
	}
	return s, s.Validate()
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]int"):
		return "a list of integers"
	case strings.HasPrefix(goType, "[]float64"):
		return "a list of numbers"
	case strings.HasPrefix(goType, "[]bool"):
		return "a list of true/false"
	case goType == "int" || goType == "uint64":
		return "a non-negative integer"
	}
	return goType
}

// Validate checks every value against the engine's bounds, naming the entry at fault.
func (s Sweep) Validate() error {
	lists := []struct {
		name string
		n    int
	}{{"grid_sizes", len(s.GridSizes)}, {"steps_list", len(s.StepsList)}, {"alpha_values", len(s.AlphaValues)}, {"turing_values", len(s.TuringValues)}}
	for _, l := range lists {
		if l.n == 0 {
			return fmt.Errorf("sweep: %s must not be empty", l.name)
		}
	}
	for i, g := range s.GridSizes {
		if g < 4 || g > 1024 {
			return fmt.Errorf("sweep: grid_sizes[%d]=%d: must be in [4, 1024]", i, g)
		}
	}
	for i, st := range s.StepsList {
		if st < 1 || st > 10000 {
			return fmt.Errorf("sweep: steps_list[%d]=%d: must be in [1, 10000]", i, st)
		}
	}
	for i, a := range s.AlphaValues {
		if !(a >= 0.05 && a < 0.25) {
			return fmt.Errorf("sweep: alpha_values[%d]=%v: must be in [0.05, 0.25) (the engine's CFL-stable range)", i, a)
		}
	}
	if s.SeedsPerConfig < 1 || s.SeedsPerConfig > 100 {
		return fmt.Errorf("sweep: seeds_per_config=%d: must be in [1, 100]", s.SeedsPerConfig)
	}
	if n := s.count(); n > MaxSamples {
		return fmt.Errorf("sweep: %d combinations: at most %d are allowed", n, MaxSamples)
	}
	if s.BaseSeed > math.MaxInt64-uint64(s.count()) {
		return fmt.Errorf("sweep: base_seed=%d: base_seed + runs must fit in int64", s.BaseSeed)
	}
	return nil
}

func (s Sweep) count() int {
	n := 1
	for _, k := range []int{len(s.GridSizes), len(s.StepsList), len(s.AlphaValues), len(s.TuringValues), s.SeedsPerConfig} {
		if k > 0 && n > MaxSamples*10/k {
			return MaxSamples + 1
		}
		n *= k
	}
	return n
}

// Plan enumerates the sweep.
func (s Sweep) Plan(name string) (*Plan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	p := &Plan{Generator: "sweep", Name: name, Layout: LayoutSweep, Config: s}
	id := 0
	for _, g := range s.GridSizes {
		for _, st := range s.StepsList {
			for _, a := range s.AlphaValues {
				for _, t := range s.TuringValues {
					for range s.SeedsPerConfig {
						p.Jobs = append(p.Jobs, Job{SimID: id, Seed: s.BaseSeed + uint64(id), GridSize: g, Steps: st,
							Alpha: a, TuringEnabled: t, SpikeProbability: 0.25, TuringThreshold: 0.75})
						id++
					}
				}
			}
		}
	}
	return p, nil
}
