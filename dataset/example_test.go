package dataset_test

import (
	"context"
	"fmt"

	"mfn/dataset"
)

// The reference's run_scenario(get_preset_config("small")) as rows: plan, then generate.
func ExampleGenerate() {
	s, err := dataset.Preset("small")
	if err != nil {
		panic(err)
	}
	plan, err := s.Plan()
	if err != nil {
		panic(err)
	}
	res, err := dataset.Generate(context.Background(), plan, dataset.Options{Workers: 2})
	if err != nil {
		panic(err)
	}
	// dataset.WriteCSV(w, plan.Layout, res.Rows, &dataset.RunInfo{…}) writes the reference's CSV.
	fmt.Println(len(res.Rows), "rows;", len(dataset.Columns(plan.Layout)), "columns")
	first := res.Rows[0]
	fmt.Printf("sim %d: seed %d, %d growth events, V_mean %.6f mV\n", first.SimID, first.Seed, first.GrowthEvents, first.Features.VMean)
	// Output:
	// 10 rows; 28 columns
	// sim 0: seed 42, 17 growth events, V_mean -69.806226 mV
}
