package conformance

import (
	"encoding/json"
	"fmt"
	"strconv"

	"mfn/field"
	"mfn/npexact"
	"mfn/rng"
)

func init() {
	Register(Checker{
		Kind: "field_sim",
		Detect: func(_ string, top map[string]json.RawMessage) bool {
			var cases []struct {
				Call   map[string]any  `json:"call"`
				Spikes json.RawMessage `json:"spikes"`
			}
			return hasKeys(top, "cases") && json.Unmarshal(top["cases"], &cases) == nil &&
				len(cases) > 0 && cases[0].Call != nil && cases[0].Spikes != nil
		},
		Check: checkFieldSim,
	})
}

// legacyCall is the recorded call of simulate_mycelium_field; absent keys take the defaults.
type legacyCall struct {
	Seed             uint64   `json:"seed"`
	GridSize         *int     `json:"grid_size"`
	Steps            *int     `json:"steps"`
	Alpha            *float64 `json:"alpha"`
	SpikeProbability *float64 `json:"spike_probability"`
	TuringEnabled    *bool    `json:"turing_enabled"`
	TuringThreshold  *float64 `json:"turing_threshold"`
	QuantumJitter    *bool    `json:"quantum_jitter"`
	JitterVar        *float64 `json:"jitter_var"`
}

func (c legacyCall) params() field.LegacyParams {
	p := field.DefaultLegacy()
	setIf(&p.GridSize, c.GridSize)
	setIf(&p.Steps, c.Steps)
	setIf(&p.Alpha, c.Alpha)
	setIf(&p.SpikeProbability, c.SpikeProbability)
	setIf(&p.TuringEnabled, c.TuringEnabled)
	setIf(&p.TuringThreshold, c.TuringThreshold)
	setIf(&p.QuantumJitter, c.QuantumJitter)
	setIf(&p.JitterVar, c.JitterVar)
	return p
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// statsRecord is the recorded min/max/mean/std of a field.
type statsRecord struct {
	Min  Float `json:"min"`
	Max  Float `json:"max"`
	Mean Float `json:"mean"`
	Std  Float `json:"std"`
}

func (s statsRecord) compare(prefix string, f []float64, scale float64) error {
	lo, hi := npexact.MinMax(f)
	got := []float64{lo * scale, hi * scale, npexact.Mean(f) * scale, npexact.Std(f) * scale}
	want := []float64{float64(s.Min), float64(s.Max), float64(s.Mean), float64(s.Std)}
	for i, name := range []string{"min", "max", "mean", "std"} {
		if err := exact(prefix+name, got[i], want[i]); err != nil {
			return err
		}
	}
	return nil
}

type fieldSimCase struct {
	Call         legacyCall          `json:"call"`
	GrowthEvents int                 `json:"growth_events"`
	Spikes       [][]json.RawMessage `json:"spikes"`
	FieldSHA     string              `json:"field_sha256_f64le"`
	FieldHex     Floats              `json:"field_hex_row_major"`
	Stats        *statsRecord        `json:"stats"`
	StatsMV      *statsRecord        `json:"stats_mV"`
	ActiveCells  *int                `json:"active_cells_gt_-60mV"`
	StateAfter   *goldenState        `json:"rng_state_after"`
	Raw          map[string]json.RawMessage
}

func checkFieldSim(top map[string]json.RawMessage, r *Recorder) error {
	var cases []json.RawMessage
	if err := json.Unmarshal(top["cases"], &cases); err != nil {
		return err
	}
	for i, raw := range cases {
		var c fieldSimCase
		if err := json.Unmarshal(raw, &c); err != nil {
			r.Case(fmt.Sprintf("case %d", i), err)
			continue
		}
		if err := json.Unmarshal(raw, &c.Raw); err != nil {
			return err
		}
		r.Case(fmt.Sprintf("case %d %s", i, describeCall(c.Raw["call"])), checkFieldSimCase(&c))
	}
	return nil
}

func describeCall(raw json.RawMessage) string {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	b, _ := json.Marshal(m)
	return string(b)
}

func checkFieldSimCase(c *fieldSimCase) error {
	g := rng.New(c.Call.Seed)
	res, err := field.SimulateLegacy(g, c.Call.params())
	if err != nil {
		return err
	}
	if res.GrowthEvents != c.GrowthEvents {
		return fmt.Errorf("growth_events: got %d, want %d", res.GrowthEvents, c.GrowthEvents)
	}
	if c.Spikes != nil {
		if len(c.Spikes) != len(res.Spikes) {
			return fmt.Errorf("spikes: got %d, want %d", len(res.Spikes), len(c.Spikes))
		}
		for k, sp := range c.Spikes {
			if err := compareSpike(k, res.Spikes[k], sp); err != nil {
				return err
			}
		}
	}
	if c.FieldHex != nil {
		if err := exactSlice("field", res.Field, c.FieldHex); err != nil {
			return err
		}
	}
	if c.FieldSHA != "" {
		if h := sha256F64(res.Field); h != c.FieldSHA {
			return fmt.Errorf("field sha256: got %s, want %s", h, c.FieldSHA)
		}
	}
	if c.Stats != nil {
		if err := c.Stats.compare("stats.", res.Field, 1); err != nil {
			return err
		}
	}
	if c.StatsMV != nil {
		if err := c.StatsMV.compare("stats_mV.", res.Field, 1000); err != nil {
			return err
		}
	}
	if c.ActiveCells != nil {
		n := 0
		for _, v := range res.Field {
			if v > -0.060 {
				n++
			}
		}
		if n != *c.ActiveCells {
			return fmt.Errorf("active cells above -60 mV: got %d, want %d", n, *c.ActiveCells)
		}
	}
	if err := checkThresholdDims(res.Field, res.N, c.Raw); err != nil {
		return err
	}
	return compareState(g, c.StateAfter)
}

func compareSpike(k int, got field.Spike, want []json.RawMessage) error {
	if len(want) != 4 {
		return fmt.Errorf("spike %d: malformed record", k)
	}
	var ints [3]int
	for i := range ints {
		if err := json.Unmarshal(want[i], &ints[i]); err != nil {
			return err
		}
	}
	var m Float
	if err := m.UnmarshalJSON(want[3]); err != nil {
		return err
	}
	if got.Step != ints[0] || got.Row != ints[1] || got.Col != ints[2] {
		return fmt.Errorf("spike %d: got step %d at (%d,%d), want step %d at (%d,%d)", k, got.Step, got.Row, got.Col, ints[0], ints[1], ints[2])
	}
	return exact("spike "+strconv.Itoa(k)+" magnitude", got.Magnitude, float64(m))
}
