package conformance

import (
	"encoding/json"
	"fmt"
	"math"

	"mfn/field"
	"mfn/npexact"
	"mfn/rng"
)

func init() {
	Register(Checker{
		Kind: "engine_sim",
		Detect: func(_ string, top map[string]json.RawMessage) bool {
			var cases []struct {
				Config  map[string]any  `json:"config"`
				History json.RawMessage `json:"history_sha256_f64le"`
			}
			return hasKeys(top, "cases") && json.Unmarshal(top["cases"], &cases) == nil &&
				len(cases) > 0 && cases[0].Config != nil && cases[0].History != nil
		},
		Check: checkEngineSim,
	})
}

type engineSimCase struct {
	Name              string       `json:"name"`
	Config            field.Config `json:"config"`
	GrowthEvents      int          `json:"growth_events"`
	TuringActivations int          `json:"turing_activations"`
	ClampingEvents    int          `json:"clamping_events"`
	Metadata          *struct {
		StepsComputed     int   `json:"steps_computed"`
		FieldMinV         Float `json:"field_min_v"`
		FieldMaxV         Float `json:"field_max_v"`
		FieldMeanV        Float `json:"field_mean_v"`
		FieldStdV         Float `json:"field_std_v"`
		ActivatorMean     Float `json:"activator_mean"`
		InhibitorMean     Float `json:"inhibitor_mean"`
		TuringActivations int   `json:"turing_activations"`
		ClampingEvents    int   `json:"clamping_events"`
	} `json:"metadata"`
	FieldSHA     string `json:"field_sha256_f64le"`
	FieldHex     Floats `json:"field_hex_row_major"`
	HistoryShape []int  `json:"history_shape"`
	HistorySHA   string `json:"history_sha256_f64le"`
	StepMeans    Floats `json:"history_step_means"`
	ToDictStats  *struct {
		Min  Float `json:"field_min_mV"`
		Max  Float `json:"field_max_mV"`
		Mean Float `json:"field_mean_mV"`
		Std  Float `json:"field_std_mV"`
	} `json:"to_dict_stats_mV"`
	Legacy *struct {
		GrowthEvents int    `json:"growth_events"`
		FieldSHA     string `json:"field_sha256_f64le"`
		Equal        bool   `json:"bitwise_equal_to_engine_field"`
		MaxAbsDiff   *Float `json:"max_abs_diff_vs_engine"`
	} `json:"simulate_mycelium_field_same_seed"`
	Raw map[string]json.RawMessage `json:"-"`
}

// engineSimExtras are checks of engine_sim cases that belong to other packages (features,
// Lyapunov); each returns the names and outcomes of its sub-cases.
var engineSimExtras []func(c *engineSimCase, res *field.Result) []namedErr

type namedErr struct {
	name string
	err  error
}

func checkEngineSim(top map[string]json.RawMessage, r *Recorder) error {
	var cases []json.RawMessage
	if err := json.Unmarshal(top["cases"], &cases); err != nil {
		return err
	}
	for i, raw := range cases {
		var c engineSimCase
		if err := json.Unmarshal(raw, &c); err != nil {
			r.Case(fmt.Sprintf("case %d", i), err)
			continue
		}
		_ = json.Unmarshal(raw, &c.Raw)
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("case %d", i)
		}
		res, err := field.RunWithHistory(c.Config)
		if err == nil {
			err = checkEngineSimCase(&c, res)
		}
		r.Case(name+" simulation", err)
		if res == nil {
			continue
		}
		for _, extra := range engineSimExtras {
			for _, ne := range extra(&c, res) {
				r.Case(name+" "+ne.name, ne.err)
			}
		}
	}
	return nil
}

func checkEngineSimCase(c *engineSimCase, res *field.Result) error {
	for _, n := range []struct {
		what      string
		got, want int
	}{
		{"growth_events", res.GrowthEvents, c.GrowthEvents},
		{"turing_activations", res.TuringActivations, c.TuringActivations},
		{"clamping_events", res.ClampingEvents, c.ClampingEvents},
	} {
		if n.got != n.want {
			return fmt.Errorf("%s: got %d, want %d", n.what, n.got, n.want)
		}
	}
	if c.FieldHex != nil {
		if err := exactSlice("field", res.Field, c.FieldHex); err != nil {
			return err
		}
	}
	if c.FieldSHA != "" && sha256F64(res.Field) != c.FieldSHA {
		return fmt.Errorf("field sha256: got %s, want %s", sha256F64(res.Field), c.FieldSHA)
	}
	if m := c.Metadata; m != nil {
		got := res.Metrics
		if got.StepsComputed != m.StepsComputed || got.TuringActivations != m.TuringActivations || got.ClampingEvents != m.ClampingEvents {
			return fmt.Errorf("metadata counts: got steps %d turing %d clamping %d, want %d %d %d",
				got.StepsComputed, got.TuringActivations, got.ClampingEvents, m.StepsComputed, m.TuringActivations, m.ClampingEvents)
		}
		for _, v := range []struct {
			what      string
			got, want float64
		}{
			{"field_min_v", got.FieldMinV, float64(m.FieldMinV)}, {"field_max_v", got.FieldMaxV, float64(m.FieldMaxV)},
			{"field_mean_v", got.FieldMeanV, float64(m.FieldMeanV)}, {"field_std_v", got.FieldStdV, float64(m.FieldStdV)},
			{"activator_mean", got.ActivatorMean, float64(m.ActivatorMean)}, {"inhibitor_mean", got.InhibitorMean, float64(m.InhibitorMean)},
		} {
			if err := exact("metadata."+v.what, v.got, v.want); err != nil {
				return err
			}
		}
	}
	if len(c.HistoryShape) == 3 {
		frames := res.Frames()
		if len(frames) != c.HistoryShape[0] || res.N != c.HistoryShape[1] || res.N != c.HistoryShape[2] {
			return fmt.Errorf("history shape: got [%d %d %d], want %v", len(frames), res.N, res.N, c.HistoryShape)
		}
	}
	if c.HistorySHA != "" && sha256F64(res.History) != c.HistorySHA {
		return fmt.Errorf("history sha256: got %s, want %s", sha256F64(res.History), c.HistorySHA)
	}
	if c.StepMeans != nil {
		frames := res.Frames()
		means := make([]float64, len(frames))
		for t, f := range frames {
			means[t] = npexact.Mean(f)
		}
		if err := exactSlice("history_step_means", means, c.StepMeans); err != nil {
			return err
		}
	}
	if s := c.ToDictStats; s != nil {
		lo, hi := npexact.MinMax(res.Field)
		for _, v := range []struct {
			what      string
			got, want float64
		}{
			{"field_min_mV", lo * 1000, float64(s.Min)}, {"field_max_mV", hi * 1000, float64(s.Max)},
			{"field_mean_mV", npexact.Mean(res.Field) * 1000, float64(s.Mean)}, {"field_std_mV", npexact.Std(res.Field) * 1000, float64(s.Std)},
		} {
			if err := exact("to_dict."+v.what, v.got, v.want); err != nil {
				return err
			}
		}
	}
	if l := c.Legacy; l != nil {
		return compareLegacyToEngine(c.Config, res, l.GrowthEvents, l.FieldSHA, l.Equal, l.MaxAbsDiff)
	}
	return nil
}

// compareLegacyToEngine runs simulate_mycelium_field with the same seed and parameters and
// checks the recorded relation between the two paths.
func compareLegacyToEngine(c field.Config, res *field.Result, growth int, sha string, equal bool, maxDiff *Float) error {
	if c.Seed == nil {
		return nil
	}
	p := field.LegacyParams{GridSize: c.GridSize, Steps: c.Steps, Alpha: c.Alpha, SpikeProbability: c.SpikeProbability,
		TuringEnabled: c.TuringEnabled, TuringThreshold: c.TuringThreshold, QuantumJitter: c.QuantumJitter, JitterVar: c.JitterVar}
	lr, err := field.SimulateLegacy(rng.New(*c.Seed), p)
	if err != nil {
		return err
	}
	if lr.GrowthEvents != growth {
		return fmt.Errorf("legacy growth_events: got %d, want %d", lr.GrowthEvents, growth)
	}
	if sha != "" && sha256F64(lr.Field) != sha {
		return fmt.Errorf("legacy field sha256: got %s, want %s", sha256F64(lr.Field), sha)
	}
	d := 0.0
	for i := range lr.Field {
		d = math.Max(d, math.Abs(lr.Field[i]-res.Field[i]))
	}
	if (d == 0) != equal {
		return fmt.Errorf("legacy vs engine bitwise equal: got %v, want %v", d == 0, equal)
	}
	if maxDiff != nil {
		return exact("legacy vs engine max |diff|", d, float64(*maxDiff))
	}
	return nil
}
