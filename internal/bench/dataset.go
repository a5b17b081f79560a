package bench

import (
	"context"

	"mfn/dataset"
)

func init() {
	Register(Workload{
		Name:    "dataset-demo-10",
		Summary: "generate_dataset(num_samples=10, demo ConfigSampler), rows only (all CPUs)",
		Setup: func() (func(), error) {
			s, err := dataset.NamedSampler("demo")
			if err != nil {
				return nil, err
			}
			plan, err := s.Plan(10)
			if err != nil {
				return nil, err
			}
			return func() {
				if _, err := dataset.Generate(context.Background(), plan, dataset.Options{}); err != nil {
					panic(err)
				}
			}, nil
		},
	})
}
