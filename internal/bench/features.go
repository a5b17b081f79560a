package bench

import (
	"mfn/features"
	"mfn/field"
)

// features-default / features-worst: the reference's compute_fractal_features(result) of the
// default run with history (5.66 ms) and of the same run with quantum jitter, where ~83 % of
// the cells are active (95.7 ms). The simulation runs once in Setup; only the features are timed.
func init() {
	jitter := field.DefaultConfig()
	jitter.QuantumJitter = true
	for _, c := range []struct {
		name, summary string
		cfg           field.Config
	}{
		{"features-default", "18 features of run_mycelium_simulation_with_history(default: 64×64, 100 steps, seed 42); feature extraction only", field.DefaultConfig()},
		{"features-worst", "18 features of the default run with quantum_jitter=True (~83 % active cells); feature extraction only", jitter},
	} {
		Register(Workload{
			Name:    c.name,
			Summary: c.summary,
			Setup: func() (func(), error) {
				res, err := field.RunWithHistory(c.cfg)
				if err != nil {
					return nil, err
				}
				frames, cfg := res.Frames(), features.DefaultConfig()
				if _, err := features.Compute(frames, res.N, cfg); err != nil {
					return nil, err
				}
				return func() {
					if _, err := features.Compute(frames, res.N, cfg); err != nil {
						panic(err) // the input is fixed and valid
					}
				}, nil
			},
		})
	}
}
