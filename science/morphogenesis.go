package science

import (
	"context"
	"fmt"
	"math"

	"mfn/morph"
	"mfn/pattern"
)

// The checks the reference's suite should have had: does the pattern-forming model (gm,
// ADR 0021) form the pattern its linear stability analysis predicts, and does it stay
// uniform where the analysis says nothing grows?
const (
	srcGM         = "Gierer & Meinhardt (1972) Kybernetik 12:30-39; Koch & Meinhardt (1994) Rev. Mod. Phys. 66:1481"
	srcDispersion = "linear stability analysis on the discrete grid (mfn analyze; Murray, Mathematical Biology II, ch. 2)"
	// WavelengthTolerance is the relative error allowed between the measured and the
	// predicted wavelength (issue 11).
	WavelengthTolerance = 0.10
)

func morphogenesisChecks() []Check {
	var cs []Check
	for _, p := range morph.Presets() {
		if p.Name == "uniform" {
			continue
		}
		cs = append(cs, Check{GroupMorphogenesis, "wavelength of preset " + p.Name, func() Result { return wavelengthCheck(p.Config) }})
	}
	cs = append(cs,
		Check{GroupMorphogenesis, "no pattern for preset uniform", func() Result {
			p, err := morph.LookupPreset("uniform")
			if err != nil {
				return errResult(srcDispersion, err)
			}
			return noPatternCheck(p.Config, "the preset sits just outside the Turing region")
		}},
		Check{GroupMorphogenesis, "no pattern when d_i < d_a", func() Result {
			c, err := inhibitorSlower()
			if err != nil {
				return errResult(srcDispersion, err)
			}
			return noPatternCheck(c, fmt.Sprintf("labyrinth with d_i = %g < d_a = %g: no Turing instability is possible", c.Params.DI, c.Params.DA))
		}},
		Check{GroupMorphogenesis, "Turing reaction, same random draws (gm)", turingGM},
	)
	return cs
}

// inhibitorSlower is the labyrinth preset with the inhibitor diffusing at half the
// activator's rate: a short-range inhibitor cannot hold a pattern (d_i > d_a is necessary).
func inhibitorSlower() (morph.Config, error) {
	p, err := morph.LookupPreset("labyrinth")
	if err != nil {
		return morph.Config{}, err
	}
	c := p.Config
	c.Params.DI = c.Params.DA / 2
	return c, nil
}

func runGM(c morph.Config) (*morph.Result, pattern.Measure, morph.Analysis, error) {
	an, err := morph.Analyze(c)
	if err != nil {
		return nil, pattern.Measure{}, an, err
	}
	r, err := morph.Run(context.Background(), c, morph.RunOptions{})
	if err != nil {
		return nil, pattern.Measure{}, an, err
	}
	m, err := morph.PatternOf(r, c)
	return r, m, an, err
}

func wavelengthCheck(c morph.Config) Result {
	_, m, an, err := runGM(c)
	if err != nil {
		return errResult(srcDispersion, err)
	}
	pred := an.Fastest.WavelengthCells
	rel := math.Inf(1)
	if pred > 0 {
		rel = math.Abs(m.WavelengthCells-pred) / pred
	}
	return Result{
		Expected:  fmt.Sprintf("%.2f cells", pred),
		Computed:  fmt.Sprintf("%.2f cells", m.WavelengthCells),
		Value:     m.WavelengthCells,
		Tolerance: fmt.Sprintf("±%g %%", WavelengthTolerance*100),
		Source:    srcDispersion,
		Status:    passIf(an.Turing && an.GridUnstable && rel <= WavelengthTolerance && m.Formed()),
		Note: fmt.Sprintf("%d², %d steps, seed %d: error %.1f %%, contrast %.3f, Turing-unstable %v, %d unstable modes",
			c.GridSize, c.Steps, c.Seed, rel*100, m.Contrast, an.Turing, an.UnstableModes),
	}
}

func noPatternCheck(c morph.Config, why string) Result {
	_, m, an, err := runGM(c)
	if err != nil {
		return errResult(srcDispersion, err)
	}
	return Result{
		Expected:  fmt.Sprintf("contrast < %g", pattern.NoPatternContrast),
		Computed:  fmt.Sprintf("%.3g", m.Contrast),
		Value:     m.Contrast,
		Tolerance: "—",
		Source:    srcDispersion,
		Status:    passIf(!an.GridUnstable && m.Contrast < pattern.NoPatternContrast),
		Note: fmt.Sprintf("%s; initial noise ε = %g (contrast ≈ %.3f at t = 0); grid-unstable %v",
			why, c.Noise, c.Noise/math.Sqrt(3), an.GridUnstable),
	}
}

// turingGM asks the reference's question of the new model, with the random draws controlled:
// the labyrinth preset and the uniform preset start from the same seeded noise; only the
// inhibitor's range differs. The Turing instability must make the fields differ (by more
// than the reference's 1 µV) and raise the pattern's contrast above the no-pattern bound.
func turingGM() Result {
	lab, err := morph.LookupPreset("labyrinth")
	if err != nil {
		return errResult(srcGM, err)
	}
	uni, err := morph.LookupPreset("uniform")
	if err != nil {
		return errResult(srcGM, err)
	}
	uni.Config.Seed, uni.Config.GridSize, uni.Config.Steps = lab.Config.Seed, lab.Config.GridSize, lab.Config.Steps
	a, ma, _, err := runGM(lab.Config)
	if err != nil {
		return errResult(srcGM, err)
	}
	b, mb, _, err := runGM(uni.Config)
	if err != nil {
		return errResult(srcGM, err)
	}
	d := maxAbsDiff(a.Field, b.Field)
	return Result{
		Expected:  "> 1e-06 V and a pattern",
		Computed:  fmt.Sprintf("%.4g V", d),
		Value:     d,
		Tolerance: "—",
		Source:    srcGM + "; " + srcTuring,
		Status:    passIf(d > 1e-6 && ma.Formed() && !mb.Formed()),
		Note: fmt.Sprintf("labyrinth vs uniform from the same noise (seed %d): contrast %.3f vs %.3g, %d vs %d activations",
			lab.Config.Seed, ma.Contrast, mb.Contrast, a.TuringActivations, b.TuringActivations),
	}
}
