package field_test

import (
	"fmt"

	"mfn/field"
	"mfn/rng"
)

// The reference's simulate_mycelium_field(default_rng(42), 64×64, 64 steps).
func ExampleSimulateLegacy() {
	r, err := field.SimulateLegacy(rng.New(42), field.DefaultLegacy())
	if err != nil {
		panic(err)
	}
	fmt.Println(r.N, len(r.Field), r.GrowthEvents)
	fmt.Printf("%.6f V\n", r.Field[0])
	// Output:
	// 64 4096 14
	// -0.070243 V
}

// The reaction–diffusion engine (run_mycelium_simulation) with the default configuration.
func ExampleRun() {
	seed := uint64(42)
	c := field.DefaultConfig()
	c.Seed = &seed
	r, err := field.Run(c)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.N, r.Steps, r.GrowthEvents, r.TuringActivations, r.ClampingEvents)
	// Output:
	// 64 100 25 0 0
}
