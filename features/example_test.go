package features_test

import (
	"fmt"

	"mfn/features"
	"mfn/field"
)

// The 18 features of a simulation with its history, as compute_fractal_features(result).
func ExampleFromResult() {
	seed := uint64(42)
	c := field.DemoConfig()
	c.Seed = &seed
	r, err := field.RunWithHistory(c)
	if err != nil {
		panic(err)
	}
	v, err := features.FromResult(r, features.DefaultConfig())
	if err != nil {
		panic(err)
	}
	names, values := features.Names(), v.Values()
	for i := 2; i < 6; i++ { // V_min … V_std (the demo field stays below −60 mV: D_box is 0)
		fmt.Printf("%s %.6f\n", names[i], values[i])
	}
	fmt.Println(len(values), "features")
	// Output:
	// V_min -71.094544
	// V_max -67.274695
	// V_mean -69.949898
	// V_std 0.559133
	// 18 features
}
