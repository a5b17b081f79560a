package cli

import (
	"flag"
	"fmt"
	"strings"

	"mfn/dataset"
	"mfn/morph"
)

// gmDatasetFlags are `mfn dataset --model gm`'s flags: a sweep over gm presets × seeds.
type gmDatasetFlags struct {
	model    string
	presets  string
	seeds    int
	gridSize int
	steps    int
	params   paramList
}

func addGMDatasetFlags(fs *flag.FlagSet, g *gmDatasetFlags) {
	fs.StringVar(&g.model, "model", "", "gm: a sweep of the pattern-forming model over --presets × --seeds (the other generators are v4.1's)")
	fs.StringVar(&g.presets, "presets", strings.Join(morph.PresetNames(), ","), "gm: comma-separated presets")
	fs.IntVar(&g.seeds, "seeds", 10, "gm: seeds per preset (from --seed, default 1)")
	fs.IntVar(&g.gridSize, "grid-size", 0, "gm: grid side (default: the preset's)")
	fs.IntVar(&g.steps, "steps", 0, "gm: steps (default: the preset's)")
	fs.Var(&g.params, "param", "gm: override a parameter, name=value (repeatable): "+strings.Join(morph.ParamNames(), ", "))
}

// gmPlan builds the plan of `mfn dataset --model gm`.
func (g *gmDatasetFlags) gmPlan(seed int64, samples int) (*dataset.Plan, error) {
	if _, err := morph.ParseModel(g.model); err != nil || g.model != morph.ModelGM {
		return nil, fmt.Errorf("%w: --model=%q: the dataset generator takes gm (the v4.1 generators are --preset, --sampler and --sweep)", errUsage, g.model)
	}
	if samples > 0 {
		return nil, fmt.Errorf("%w: --samples does not apply to --model gm (the size is presets × --seeds)", errUsage)
	}
	s := dataset.DefaultGMSweep()
	s.Presets = nil
	for _, p := range strings.Split(g.presets, ",") {
		if p = strings.TrimSpace(p); p != "" {
			s.Presets = append(s.Presets, p)
		}
	}
	s.Seeds, s.GridSize, s.Steps = g.seeds, g.gridSize, g.steps
	if seed >= 0 {
		s.BaseSeed = uint64(seed)
	}
	if len(g.params) > 0 {
		s.Params = map[string]float64{}
		var p morph.Params
		for _, a := range g.params {
			if err := p.ParseParam(a); err != nil {
				return nil, fmt.Errorf("%w: %v", errUsage, err)
			}
			name, _, _ := strings.Cut(a, "=")
			name = strings.TrimSpace(name)
			s.Params[name], _ = p.Get(name)
		}
	}
	plan, err := s.Plan()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return plan, nil
}
