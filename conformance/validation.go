package conformance

import (
	"encoding/json"
	"fmt"
	"math"
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

// torchTolerance is the relative tolerance of the torch_dependent_metrics: the float32
// summation-order tolerance nn.TorchLossTolerance (1e-5). nn reproduces torch 1.13's
// generator, so the initial weights and the batch order are the reference's; what remains is
// the order of float32 sums (torch's sgemm versus sequential sums), observed at ≤ 2 float32
// ulps (2.3e-7 relative) on the recorded runs. loss_drop = loss_start − loss_final inherits
// the absolute errors of both, so its allowance is relative to |loss_start| + |loss_final|.
var torchTolerance = nn.TorchLossTolerance

// checkValidation replays run_validation for every recorded config and compares the
// portable (numpy-derived) metrics exactly or to transcendental rounding, and the
// torch_dependent_metrics (loss_start, loss_final, loss_drop) within the float32
// summation-order tolerance torchTolerance.
func checkValidation(top map[string]json.RawMessage, r *Recorder) error {
	var cases []struct {
		Config   validationConfig `json:"config"`
		Portable map[string]Float `json:"portable_metrics"`
		Torch    map[string]Float `json:"torch_dependent_metrics"`
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
		keys = keys[:0]
		for k := range c.Torch {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			want := float64(c.Torch[k])
			var err error
			switch k {
			case "loss_start", "loss_final":
				err = approx(k+" (float32-summation-order tolerance)", got[k], want, torchTolerance, 0)
			case "loss_drop":
				scale := math.Abs(float64(c.Torch["loss_start"])) + math.Abs(float64(c.Torch["loss_final"]))
				err = approx(k+" (float32-summation-order tolerance)", got[k], want, 0, torchTolerance*scale)
			default:
				err = fmt.Errorf("unknown torch-dependent metric %q", k)
			}
			r.Case(name+": "+k, err)
		}
	}
	return nil
}
