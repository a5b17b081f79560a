package morph

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"mfn/field"
	"mfn/stability"
)

// Preset is a named GM configuration: an embedded default of `mfn simulate --preset NAME`.
type Preset struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Config      Config `json:"config"`
}

// DefaultPreset is the preset of a plain `mfn simulate`.
const DefaultPreset = "labyrinth"

// The presets' coefficients. Space is in cells and the diffusion coefficients set the
// wavelength (λ ∝ √D at fixed kinetics); each dt is just inside the diffusion CFL limit
// dt·d_i·4 ≤ 1/2. Their stability analyses are in ADR 21 and in `mfn analyze --preset NAME`.
var (
	// spots: no saturation, μ_i/μ_a = 1.5, d_i/d_a = 20 (critical ratio 8.7): λ ≈ 8 cells.
	spotsParams = Params{DA: 0.5, DI: 10, Rho: 1, Kappa: 0, MuA: 1, MuI: 1.5, SigmaA: 0, Dt: 0.0125,
		Theta: 1.5, VRestMV: -70, VAmpMV: 40, TauV: 1}
	// labyrinth: saturation κ = 0.1, μ_i/μ_a = 1.2, d_i/d_a = 20: λ ≈ 10 cells.
	labyrinthParams = Params{DA: 0.72, DI: 14.4, Rho: 1, Kappa: 0.1, MuA: 1, MuI: 1.2, SigmaA: 0, Dt: 0.0086,
		Theta: 1.5, VRestMV: -70, VAmpMV: 40, TauV: 1}
	// stripes: the labyrinth's kinetics with longer range, λ ≈ 12 cells, seeded along x.
	stripesParams = Params{DA: 1.04, DI: 20.7, Rho: 1, Kappa: 0.1, MuA: 1, MuI: 1.2, SigmaA: 0, Dt: 0.006,
		Theta: 1.5, VRestMV: -70, VAmpMV: 40, TauV: 1}
	// uniform: the labyrinth's kinetics with the inhibitor's range cut below the critical
	// ratio d_i/d_a (UniformMargin below it): every mode decays.
	uniformParams = func() Params {
		p := labyrinthParams
		p.DI = UniformMargin * CriticalDI(p)
		return p
	}()
)

// UniformMargin is how far below the critical inhibitor diffusion the uniform preset sits.
const UniformMargin = 0.9

func presetConfig(p Params, init Init, steps int) Config {
	return Config{GridSize: 64, Steps: steps, Seed: 42, Boundary: field.Periodic, Init: init, Noise: 0.01, Params: p}
}

// Presets returns the presets in display order: spots, stripes and labyrinth inside the
// Turing region, uniform just outside it.
func Presets() []Preset {
	return []Preset{
		{"spots", "no saturation (κ = 0): isolated activator peaks, λ ≈ 8 cells", presetConfig(spotsParams, InitNoise, 4000)},
		{"stripes", "saturated activator (κ = 0.1) seeded with the fastest mode along x: parallel stripes, λ ≈ 12 cells", presetConfig(stripesParams, InitStripes, 5000)},
		{"labyrinth", "saturated activator (κ = 0.1) from noise: stripes of every orientation, λ ≈ 10 cells", presetConfig(labyrinthParams, InitNoise, 10000)},
		{"uniform", "the labyrinth's kinetics with d_i at 0.9 × its critical value: the noise decays, nothing forms", presetConfig(uniformParams, InitNoise, 10000)},
	}
}

// CriticalDI is the smallest inhibitor diffusion d_i at which p's homogeneous state is
// Turing-unstable (all else fixed): the larger root of
// (d_i·f_a + d_a·g_i)² = 4·d_a·d_i·det J, i.e. d_i = d_a·(√det − √(−f_i·g_a))²/f_a²... solved
// here by bisection on the analysis itself. It returns +Inf when f_a ≤ 0 (no d_i will do).
func CriticalDI(p Params) float64 {
	j := p.Jacobian()
	if !(j[0][0] > 0) {
		return math.Inf(1)
	}
	turing := func(di float64) bool {
		q := p
		q.DI = di
		an, err := stability.Analyze(q.System(), stability.Grid{N: 8, Boundary: field.Periodic})
		return err == nil && an.Turing
	}
	lo, hi := p.DA*1e-3, p.DA
	for !turing(hi) {
		hi *= 2
		if hi > 1e9 {
			return math.Inf(1)
		}
	}
	for it := 0; it < 200; it++ {
		m := (lo + hi) / 2
		if turing(m) {
			hi = m
		} else {
			lo = m
		}
	}
	return hi
}

// PresetNames lists the preset names in display order.
func PresetNames() []string {
	ps := Presets()
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// LookupPreset returns the named preset.
func LookupPreset(name string) (Preset, error) {
	for _, p := range Presets() {
		if p.Name == name {
			return p, nil
		}
	}
	return Preset{}, fmt.Errorf("preset=%q: must be one of %s", name, strings.Join(PresetNames(), ", "))
}

// PresetConfig is the named preset's configuration with parameter overrides applied (by
// Params.Set names, in sorted order so that the first bad one reported is deterministic)
// and validated: the service's and the worker's way to build a run from a request.
func PresetConfig(name string, overrides map[string]float64) (Config, error) {
	p, err := LookupPreset(name)
	if err != nil {
		return Config{}, err
	}
	c := p.Config
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := c.Params.Set(k, overrides[k]); err != nil {
			return Config{}, err
		}
	}
	return c, c.Validate()
}
