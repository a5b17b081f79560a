package conformance

import (
	"encoding/json"
	"fmt"

	"mfn/field"
	"mfn/fractal"
	"mfn/rng"
)

// The parts of fractal.json that need the field simulation: box counting of thresholded
// simulated fields, and Lyapunov exponents of simulated histories.
func init() {
	Register(Checker{
		Kind: "fractal_sim",
		Detect: func(_ string, top map[string]json.RawMessage) bool {
			return hasKeys(top, "patterns", "thresholded_simulations")
		},
		Check: checkFractalSim,
	})
	engineSimExtras = append(engineSimExtras, engineSimLyapunov)
}

type thresholdedSim struct {
	Sim          legacyCall `json:"sim"`
	GrowthEvents int        `json:"growth_events"`
	FieldSHA     string     `json:"field_sha256_f64le"`
	Thresholds   []struct {
		Threshold Float  `json:"threshold_V"`
		Active    *int   `json:"active"`
		Legacy    *Float `json:"estimate_fractal_dimension"`
		Scales8   *Float `json:"compute_box_counting_dimension_num_scales8"`
		Detail    *struct {
			MaxBox int   `json:"max_box_resolved"`
			Sizes  []int `json:"sizes"`
			Counts []int `json:"counts"`
		} `json:"detail"`
	} `json:"thresholds"`
}

type simLyapunov struct {
	From       json.RawMessage `json:"history_from"`
	HistorySHA string          `json:"history_sha256_f64le"`
	Lambda     Float           `json:"compute_lyapunov_exponent"`
	Half       *Float          `json:"compute_lyapunov_exponent_dt0.5"`
}

func checkFractalSim(top map[string]json.RawMessage, r *Recorder) error {
	var sims []thresholdedSim
	if err := json.Unmarshal(top["thresholded_simulations"], &sims); err != nil {
		return err
	}
	for i, s := range sims {
		res, err := field.SimulateLegacy(rng.New(s.Sim.Seed), s.Sim.params())
		name := fmt.Sprintf("thresholded_simulations[%d] seed %d %dx%d", i, s.Sim.Seed, s.Sim.params().GridSize, s.Sim.params().Steps)
		if err == nil && res.GrowthEvents != s.GrowthEvents {
			err = fmt.Errorf("growth_events: got %d, want %d", res.GrowthEvents, s.GrowthEvents)
		}
		if err == nil && s.FieldSHA != "" && sha256F64(res.Field) != s.FieldSHA {
			err = fmt.Errorf("field sha256 differs")
		}
		if err != nil {
			r.Case(name, err)
			continue
		}
		for _, th := range s.Thresholds {
			r.Case(fmt.Sprintf("%s threshold %v", name, float64(th.Threshold)), checkThreshold(res, th.Threshold, th.Active, th.Legacy, th.Scales8, th.Detail))
		}
	}
	if raw, ok := top["lyapunov_histories"]; ok {
		var cases []simLyapunov
		if err := json.Unmarshal(raw, &cases); err != nil {
			return err
		}
		for i, c := range cases {
			var cfg field.Config
			if json.Unmarshal(c.From, &cfg) != nil || cfg.GridSize == 0 {
				continue // a synthetic recipe: the fractal checker replays it
			}
			res, err := field.RunWithHistory(cfg)
			if err == nil && c.HistorySHA != "" && sha256F64(res.History) != c.HistorySHA {
				err = fmt.Errorf("history sha256 differs")
			}
			if err == nil {
				err = approx("lambda", fractal.LyapunovExponent(res.Frames(), 1.0), float64(c.Lambda), relTranscendental, absNearZero)
			}
			if err == nil && c.Half != nil {
				err = approx("lambda dt=0.5", fractal.LyapunovExponent(res.Frames(), 0.5), float64(*c.Half), relTranscendental, absNearZero)
			}
			r.Case(fmt.Sprintf("lyapunov_histories[%d] simulated", i), err)
		}
	}
	return nil
}

func checkThreshold(res *field.LegacyResult, t Float, active *int, legacy, scales8 *Float, detail *struct {
	MaxBox int   `json:"max_box_resolved"`
	Sizes  []int `json:"sizes"`
	Counts []int `json:"counts"`
}) error {
	binary, n := threshold(res.Field, float64(t))
	if active != nil && n != *active {
		return fmt.Errorf("active cells: got %d, want %d", n, *active)
	}
	if legacy != nil {
		d, err := fractal.EstimateDimension(binary, res.N, fractal.DefaultBoxOptions())
		if err != nil {
			return err
		}
		if err := approx("estimate_fractal_dimension", d, float64(*legacy), relTranscendental, absNearZero); err != nil {
			return err
		}
	}
	if scales8 != nil {
		d, err := fractal.ThresholdDimension(res.Field, res.N, float64(t), 8)
		if err != nil {
			return err
		}
		if err := approx("compute_box_counting_dimension(num_scales=8)", d, float64(*scales8), relTranscendental, absNearZero); err != nil {
			return err
		}
	}
	if detail != nil {
		bc, err := fractal.BoxCount(binary, res.N, fractal.DefaultBoxOptions())
		if err != nil {
			return err
		}
		if fmt.Sprint(bc.Sizes) != fmt.Sprint(detail.Sizes) || fmt.Sprint(bc.Counts) != fmt.Sprint(detail.Counts) {
			return fmt.Errorf("box sizes/counts: got %v/%v, want %v/%v", bc.Sizes, bc.Counts, detail.Sizes, detail.Counts)
		}
	}
	return nil
}

// threshold returns field > t as a mask and the number of cells above t.
func threshold(f []float64, t float64) ([]bool, int) {
	b := make([]bool, len(f))
	n := 0
	for i, v := range f {
		if v > t {
			b[i] = true
			n++
		}
	}
	return b, n
}

// engineSimLyapunov checks compute_lyapunov_exponent and compute_stability_metrics of an
// engine_sim case's history.
func engineSimLyapunov(c *engineSimCase, res *field.Result) []namedErr {
	var out []namedErr
	frames := res.Frames()
	if raw, ok := c.Raw["lyapunov_exponent_history"]; ok {
		var want Float
		err := json.Unmarshal(raw, &want)
		if err == nil {
			err = approx("lyapunov", fractal.LyapunovExponent(frames, 1.0), float64(want), relTranscendental, absNearZero)
		}
		out = append(out, namedErr{"lyapunov_exponent_history", err})
	}
	if raw, ok := c.Raw["stability_metrics_history"]; ok {
		var want struct {
			Lambda   Float `json:"lyapunov_exponent"`
			IsStable Float `json:"is_stable"`
			Mean     Float `json:"mean_change_rate"`
			Max      Float `json:"max_change_rate"`
			FinalStd Float `json:"final_std"`
		}
		err := json.Unmarshal(raw, &want)
		if err == nil {
			m := fractal.ComputeStabilityMetrics(frames, 1.0)
			for _, v := range []struct {
				what      string
				got, want float64
				exact     bool
			}{
				{"lyapunov_exponent", m.LyapunovExponent, float64(want.Lambda), false},
				{"is_stable", m.IsStable, float64(want.IsStable), true},
				{"mean_change_rate", m.MeanChangeRate, float64(want.Mean), true},
				{"max_change_rate", m.MaxChangeRate, float64(want.Max), true},
				{"final_std", m.FinalStd, float64(want.FinalStd), true},
			} {
				if v.exact {
					err = exact(v.what, v.got, v.want)
				} else {
					err = approx(v.what, v.got, v.want, relTranscendental, absNearZero)
				}
				if err != nil {
					break
				}
			}
		}
		out = append(out, namedErr{"stability_metrics_history", err})
	}
	return out
}
