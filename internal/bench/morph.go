package bench

import (
	"context"
	"fmt"

	"mfn/morph"
)

// The GM model's step beside the v4.1 engine's (simulate-engine-default: 64×64, 100 steps):
// the same grid and step count, so the per-cell ratio is the ratio of the medians.
func init() {
	for _, name := range []string{"labyrinth", "spots"} {
		p, err := morph.LookupPreset(name)
		if err != nil {
			panic(err)
		}
		c := p.Config
		c.GridSize, c.Steps = 64, 100
		Register(Workload{
			Name:    fmt.Sprintf("simulate-gm-%s-64x100", name),
			Summary: fmt.Sprintf("morph.Run(preset %s, 64×64, 100 steps): compare per cell with simulate-engine-default", name),
			Setup: func() (func(), error) {
				if err := c.Validate(); err != nil {
					return nil, err
				}
				return func() {
					if _, err := morph.Run(context.Background(), c, morph.RunOptions{}); err != nil {
						panic(err)
					}
				}, nil
			},
		})
	}
}
