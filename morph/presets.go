package morph

import (
	"fmt"
	"strings"

	"mfn/field"
)

// Preset is a named GM configuration: an embedded default of `mfn simulate --preset NAME`.
type Preset struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Config      Config `json:"config"`
}

// DefaultPreset is the preset of a plain `mfn simulate`.
const DefaultPreset = "labyrinth"

// base are the parameters the presets share; each preset changes a few.
func base() Params {
	return Params{DA: 0.05, DI: 1.0, Rho: 1, Kappa: 0, MuA: 1, MuI: 2, SigmaA: 0, Dt: 0.1,
		Theta: 1.5, VRestMV: -70, VAmpMV: 40, TauV: 1}
}

func presetConfig(p Params, init Init) Config {
	return Config{GridSize: 64, Steps: 3000, Seed: 42, Boundary: field.Periodic, Init: init, Noise: 0.01, Params: p}
}

// Presets returns the presets in display order: spots, stripes and labyrinth inside the
// Turing region, uniform just outside it.
func Presets() []Preset {
	spots := base()
	stripes := base()
	stripes.Kappa = 0.2
	lab := base()
	lab.Kappa = 0.2
	uni := base()
	uni.DI = 0.5
	return []Preset{
		{"spots", "no saturation (κ = 0): isolated activator peaks on a hexagonal-ish lattice", presetConfig(spots, InitNoise)},
		{"stripes", "saturated activator (κ > 0) seeded with the fastest mode along x: parallel stripes", presetConfig(stripes, InitStripes)},
		{"labyrinth", "saturated activator (κ > 0) from noise: stripes of every orientation, a labyrinth", presetConfig(lab, InitNoise)},
		{"uniform", "inhibitor range too short (d_i below the Turing threshold): the noise decays, nothing forms", presetConfig(uni, InitNoise)},
	}
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
