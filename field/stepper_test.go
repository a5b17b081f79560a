package field

import (
	"math"
	"testing"
)

// Advancing a Stepper in chunks equals one Simulate of the total, bit for bit: field, spikes
// (with steps numbered across chunks) and metrics.
func TestStepperEqualsSimulate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		turing bool
		jitter bool
		chunks []int
	}{
		{"turing ones", true, false, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"turing mixed", true, false, []int{3, 0, 7, 1, 2, 17}},
		{"no turing", false, false, []int{5, 5, 1, 19}},
		{"jitter", true, true, []int{2, 9, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultEngineConfig(7)
			cfg.GridSize = 24
			cfg.SpikeProbability = 0.6
			cfg.QuantumJitter = tc.jitter
			total := 0
			for _, k := range tc.chunks {
				total += k
			}
			e, err := NewEngine(cfg)
			if err != nil {
				t.Fatal(err)
			}
			want, err := e.Simulate(total, tc.turing, false)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewStepper(cfg, tc.turing)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tc.chunks {
				if err := s.Advance(k); err != nil {
					t.Fatal(err)
				}
			}
			if s.Steps() != total || s.N() != 24 {
				t.Fatalf("steps %d, n %d", s.Steps(), s.N())
			}
			for i, v := range want.Field {
				if math.Float64bits(v) != math.Float64bits(s.Field()[i]) {
					t.Fatalf("field[%d] = %v, Simulate gives %v", i, s.Field()[i], v)
				}
			}
			if len(want.Spikes) != len(s.Spikes()) {
				t.Fatalf("%d spikes, Simulate gives %d", len(s.Spikes()), len(want.Spikes))
			}
			for i, sp := range want.Spikes {
				if s.Spikes()[i] != sp {
					t.Fatalf("spike %d = %+v, Simulate gives %+v", i, s.Spikes()[i], sp)
				}
			}
			if got := s.Metrics(); got != want.Metrics {
				t.Fatalf("metrics %+v, Simulate gives %+v", got, want.Metrics)
			}
		})
	}
}

func TestStepperRejects(t *testing.T) {
	cfg := DefaultEngineConfig(1)
	cfg.Alpha = 0.3
	if _, err := NewStepper(cfg, true); err == nil {
		t.Fatal("alpha 0.3 accepted")
	}
	s, err := NewStepper(DefaultEngineConfig(1), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Advance(-1); err == nil {
		t.Fatal("Advance(-1) accepted")
	}
}
