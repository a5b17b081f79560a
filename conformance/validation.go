package conformance

import (
	"encoding/json"
	"fmt"
	"sort"

	"mfn/nn"
)

func init() {
	Register(Checker{
		Kind: "validation",
		Detect: func(_ string, top map[string]json.RawMessage) bool {
			var cases []struct {
				Config   map[string]any  `json:"config"`
				Portable json.RawMessage `json:"portable_metrics"`
			}
			return hasKeys(top, "cases") && json.Unmarshal(top["cases"], &cases) == nil &&
				len(cases) > 0 && cases[0].Config != nil && cases[0].Portable != nil
		},
		Check: checkValidation,
	})
}

// validationConfig is the recorded ValidationConfig; absent keys take the defaults. device is
// ignored (the port always runs on the CPU, as the goldens did).
type validationConfig struct {
	Seed               *int64 `json:"seed"`
	Epochs             *int   `json:"epochs"`
	BatchSize          *int   `json:"batch_size"`
	GridSize           *int   `json:"grid_size"`
	Steps              *int   `json:"steps"`
	TuringEnabled      *bool  `json:"turing_enabled"`
	QuantumJitter      *bool  `json:"quantum_jitter"`
	UseSparseAttention *bool  `json:"use_sparse_attention"`
	UseSTDP            *bool  `json:"use_stdp"`
}

func (c validationConfig) config() nn.ValidationConfig {
	v := nn.DefaultValidationConfig()
	setIf(&v.Seed, c.Seed)
	setIf(&v.Epochs, c.Epochs)
	setIf(&v.BatchSize, c.BatchSize)
	setIf(&v.GridSize, c.GridSize)
	setIf(&v.Steps, c.Steps)
	setIf(&v.TuringEnabled, c.TuringEnabled)
	setIf(&v.QuantumJitter, c.QuantumJitter)
	setIf(&v.UseSparseAttention, c.UseSparseAttention)
	setIf(&v.UseSTDP, c.UseSTDP)
	return v
}

// validationTolerance says how each portable metric is compared (golden README): exact where
// numpy's arithmetic is plain IEEE (min/max, counts, the Nernst values), ≤ 1e-12 relative
// where log/cos/sin or a least-squares fit is involved.
var validationTolerance = map[string]bool{ // true: exact
	"pot_min_mV": true, "pot_max_mV": true, "growth_events": true,
	"nernst_symbolic_mV": true, "nernst_numeric_mV": true, "nernst_rtfz_mV": true,
	"example_fractal_dim": false, "lyapunov_exponent": false, "lyapunov_mean": false,
}

// checkValidation replays run_validation for every recorded config and compares the
// portable (numpy-derived) metrics. The torch_dependent_metrics (loss_*) depend on torch's
// initialisation, shuffle and kernels; they are not compared (golden README: "not
// comparable"), and no case is recorded for them.
func checkValidation(top map[string]json.RawMessage, r *Recorder) error {
	var cases []struct {
		Config   validationConfig `json:"config"`
		Portable map[string]Float `json:"portable_metrics"`
	}
	if err := json.Unmarshal(top["cases"], &cases); err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	for i, c := range cases {
		cfg := c.Config.config()
		name := fmt.Sprintf("case %d seed=%d epochs=%d batch=%d grid=%d steps=%d turing=%v jitter=%v",
			i, cfg.Seed, cfg.Epochs, cfg.BatchSize, cfg.GridSize, cfg.Steps, cfg.TuringEnabled, cfg.QuantumJitter)
		m, err := nn.RunValidation(cfg)
		if err != nil {
			r.Case(name, err)
			continue
		}
		got := map[string]float64{}
		for j, v := range m.Values() {
			got[nn.MetricNames[j]] = v
		}
		keys := make([]string, 0, len(c.Portable))
		for k := range c.Portable {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			want := float64(c.Portable[k])
			exactMetric, known := validationTolerance[k]
			var err error
			switch {
			case !known:
				err = fmt.Errorf("unknown portable metric %q", k)
			case exactMetric:
				err = exact(k, got[k], want)
			default:
				err = approx(k, got[k], want, relTranscendental, absNearZero)
			}
			r.Case(name+": "+k, err)
		}
	}
	return nil
}
