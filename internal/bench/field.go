package bench

import (
	"fmt"

	"mfn/field"
	"mfn/rng"
)

func init() {
	for _, c := range []struct {
		n, steps       int
		turing, jitter bool
		suffix         string
	}{
		{64, 64, true, false, ""}, {64, 100, true, false, ""}, {128, 100, true, false, ""},
		{256, 100, true, false, ""}, {512, 50, true, false, ""},
		{1024, 20, true, false, ""}, {2048, 10, true, false, ""}, // large grids: no reference timing
		{64, 100, false, false, "-noturing"}, {64, 100, true, true, "-jitter"},
	} {
		p := field.DefaultLegacy()
		p.GridSize, p.Steps, p.TuringEnabled, p.QuantumJitter = c.n, c.steps, c.turing, c.jitter
		Register(Workload{
			Name:    fmt.Sprintf("simulate-legacy-%dx%d%s", c.n, c.steps, c.suffix),
			Summary: fmt.Sprintf("simulate_mycelium_field(default_rng(42), %d×%d, %d steps, turing=%v, jitter=%v)", c.n, c.n, c.steps, c.turing, c.jitter),
			Setup: func() (func(), error) {
				return func() {
					if _, err := field.SimulateLegacy(rng.New(42), p); err != nil {
						panic(err) // the parameters are fixed and valid
					}
				}, nil
			},
		})
	}
	for _, c := range []struct {
		name    string
		cfg     field.Config
		history bool
	}{
		{"simulate-engine-default", field.DefaultConfig(), false},
		{"simulate-engine-demo", field.DemoConfig(), false},
		{"simulate-engine-default-history", field.DefaultConfig(), true},
	} {
		Register(Workload{
			Name:    c.name,
			Summary: fmt.Sprintf("run_mycelium_simulation (%d×%d, %d steps, history=%v)", c.cfg.GridSize, c.cfg.GridSize, c.cfg.Steps, c.history),
			Setup: func() (func(), error) {
				if err := c.cfg.Validate(); err != nil {
					return nil, err
				}
				return func() {
					var err error
					if c.history {
						_, err = field.RunWithHistory(c.cfg)
					} else {
						_, err = field.Run(c.cfg)
					}
					if err != nil {
						panic(err)
					}
				}, nil
			},
		})
	}
}
