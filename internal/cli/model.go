package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"mfn/features"
	"mfn/field"
	"mfn/fractal"
	"mfn/morph"
	"mfn/npexact"
	"mfn/pattern"
)

// paramList collects repeated --param name=value flags.
type paramList []string

func (p *paramList) String() string { return strings.Join(*p, ",") }

func (p *paramList) Set(v string) error {
	*p = append(*p, v)
	return nil
}

// v41Flags are the simulate flags that only the v4.1 model has: setting one without --model
// selects v4.1 (so scripts written before the GM model keep their meaning).
var v41Flags = []string{"alpha", "spike-probability", "turing", "no-turing", "turing-threshold", "jitter", "jitter-var", "engine"}

// gmFlags are the flags that only the GM model has.
var gmFlags = []string{"preset", "param", "init"}

func addModelFlags(fs *flag.FlagSet, s *simFlags) {
	fs.StringVar(&s.model, "model", morph.ModelGM, "morphogenesis model: gm (Gierer–Meinhardt with saturation, forms patterns) or v4.1 (the reference's, bit-identical); a v4.1-only flag (--engine, --alpha, …) selects v4.1")
	fs.StringVar(&s.preset, "preset", morph.DefaultPreset, "gm: preset "+strings.Join(morph.PresetNames(), ", ")+" (mfn simulate --list-presets)")
	fs.Var(&s.params, "param", "gm: set a model parameter, name=value (repeatable); names: "+strings.Join(morph.ParamNames(), ", "))
	fs.StringVar(&s.init, "init", "", "gm: initial condition noise or stripes (default: the preset's)")
}

// resolveModel decides the model from --model and the flags that were set, and rejects flags
// of the other model.
func (s *simFlags) resolveModel(set map[string]bool) error {
	var v41, gm []string
	for _, f := range v41Flags {
		if set[f] {
			v41 = append(v41, "--"+f)
		}
	}
	for _, f := range gmFlags {
		if set[f] {
			gm = append(gm, "--"+f)
		}
	}
	if !set["model"] && len(v41) > 0 {
		s.model = morph.ModelV41
	}
	if _, err := morph.ParseModel(s.model); err != nil {
		return fmt.Errorf("%w: --model: %v", errUsage, err)
	}
	switch {
	case s.model == morph.ModelGM && len(v41) > 0:
		return fmt.Errorf("%w: %s apply to --model v4.1, not gm", errUsage, strings.Join(v41, ", "))
	case s.model == morph.ModelV41 && len(gm) > 0:
		return fmt.Errorf("%w: %s apply to --model gm, not v4.1", errUsage, strings.Join(gm, ", "))
	}
	return nil
}

// gmConfig is the GM configuration of the flags: the preset, then the flags that were set.
func (s *simFlags) gmConfig() (morph.Config, error) {
	p, err := morph.LookupPreset(s.preset)
	if err != nil {
		return morph.Config{}, fmt.Errorf("%w: --preset: %v", errUsage, err)
	}
	c := p.Config
	set := s.set
	if set["grid-size"] {
		c.GridSize = s.gridSize
	}
	if set["steps"] {
		c.Steps = s.steps
	}
	if set["seed"] {
		c.Seed = s.seed
	}
	if set["boundary"] {
		c.Boundary, _ = field.ParseBoundary(s.boundary)
	}
	if set["init"] {
		if c.Init, err = morph.ParseInit(s.init); err != nil {
			return c, fmt.Errorf("%w: --init: %v", errUsage, err)
		}
	}
	for _, a := range s.params {
		if err := c.Params.ParseParam(a); err != nil {
			var pe *morph.ParamError
			if errors.As(err, &pe) {
				return c, err
			}
			return c, fmt.Errorf("%w: %v", errUsage, err)
		}
	}
	if err := c.Validate(); err != nil {
		return c, err // a parameter out of range: check makes it a usage error (exit status 2)
	}
	// The summary reports what ran.
	s.gridSize, s.steps, s.seed, s.boundary = c.GridSize, c.Steps, c.Seed, c.Boundary.String()
	return c, nil
}

// runGM runs the GM model for the simulation commands.
func (s *simFlags) runGM(ctx context.Context, frame field.Frame) (*simulation, error) {
	c, err := s.gmConfig()
	if err != nil {
		return nil, err
	}
	r, err := morph.Run(ctx, c, morph.RunOptions{History: s.history, Frame: frame})
	if err != nil {
		return nil, err
	}
	return &simulation{n: r.N, field: r.Field, history: r.History, growth: r.GrowthEvents,
		turingActivations: r.TuringActivations, clamping: r.ClampingEvents, gm: &c, gmResult: r}, nil
}

// gmSummary is the JSON object of `mfn simulate --model gm --format json`.
type gmSummary struct {
	Model             string           `json:"model"`
	Preset            string           `json:"preset"`
	Seed              uint64           `json:"seed"`
	GridSize          int              `json:"grid_size"`
	Steps             int              `json:"steps"`
	Boundary          string           `json:"boundary_condition"`
	Init              morph.Init       `json:"init"`
	Params            morph.Params     `json:"params"`
	GrowthEvents      int              `json:"growth_events"`
	TuringActivations int              `json:"turing_activations"`
	ClampingEvents    int              `json:"clamping_events"`
	PotMin            float64          `json:"pot_min_mV"`
	PotMax            float64          `json:"pot_max_mV"`
	PotMean           float64          `json:"pot_mean_mV"`
	PotStd            float64          `json:"pot_std_mV"`
	ThresholdMode     string           `json:"threshold_mode"`
	ThresholdMV       float64          `json:"threshold_mV"`
	FractalDimension  float64          `json:"fractal_dimension"`
	ActiveCells       int              `json:"active_cells"`
	Pattern           pattern.Measure  `json:"pattern"`
	TuringUnstable    bool             `json:"turing_unstable"`
	Fastest           gmFastestSummary `json:"fastest_mode"`
	Lyapunov          *float64         `json:"lyapunov_exponent,omitempty"`
	HistorySteps      int              `json:"history_steps,omitempty"`
	Field             *jsonFloats      `json:"field,omitempty"`
}

type gmFastestSummary struct {
	WavelengthCells float64 `json:"wavelength_cells"`
	GrowthRate      float64 `json:"growth_rate"`
}

func summariseGM(s *simFlags, sim *simulation) (*gmSummary, error) {
	c := *sim.gm
	pm, err := morph.PatternOf(sim.gmResult, c)
	if err != nil {
		return nil, err
	}
	an, err := morph.Analyze(c)
	if err != nil {
		return nil, err
	}
	// The active cells: above the adaptive (Otsu) threshold of the features' default for gm.
	fc := features.AdaptiveConfig()
	thr := fc.Thresholds(sim.field, nil)[0]
	active, d, err := activeDimension(sim.field, sim.n, thr)
	if err != nil {
		return nil, err
	}
	lo, hi := npexact.MinMax(sim.field)
	sum := &gmSummary{Model: morph.ModelGM, Preset: s.preset, Seed: c.Seed, GridSize: c.GridSize, Steps: c.Steps,
		Boundary: c.Boundary.String(), Init: c.Init, Params: c.Params,
		GrowthEvents: sim.growth, TuringActivations: sim.turingActivations, ClampingEvents: sim.clamping,
		PotMin: lo * 1000, PotMax: hi * 1000, PotMean: npexact.Mean(sim.field) * 1000, PotStd: npexact.Std(sim.field) * 1000,
		ThresholdMode: string(fc.ThresholdMode), ThresholdMV: thr * 1000, FractalDimension: d, ActiveCells: active,
		Pattern: pm, TuringUnstable: an.Turing,
		Fastest: gmFastestSummary{WavelengthCells: an.Fastest.WavelengthCells, GrowthRate: an.Fastest.Growth}}
	if sim.history != nil {
		l := fractal.LyapunovExponent(splitFrames(sim.history, sim.n), 1.0)
		sum.Lyapunov = &l
		sum.HistorySteps = len(sim.history) / (sim.n * sim.n)
	}
	return sum, nil
}

func printGMSummary(w io.Writer, s *gmSummary) {
	fmt.Fprintf(w, "MFN simulation (model gm, preset %s): %d×%d grid, %d steps, seed %d, %s boundary\n",
		s.Preset, s.GridSize, s.GridSize, s.Steps, s.Seed, s.Boundary)
	row := func(k string, v any) { fmt.Fprintf(w, "  %-36s %v\n", k, v) }
	row("turing_activations", s.TuringActivations)
	row("clamping_events", s.ClampingEvents)
	row("pot_min_mV", fmt.Sprintf("%.6f", s.PotMin))
	row("pot_max_mV", fmt.Sprintf("%.6f", s.PotMax))
	row("pot_mean_mV", fmt.Sprintf("%.6f", s.PotMean))
	row("pot_std_mV", fmt.Sprintf("%.6f", s.PotStd))
	row("fractal_dimension", fmt.Sprintf("%.6f", s.FractalDimension))
	row("active_cells", fmt.Sprintf("%d (> %.3f mV, %s threshold)", s.ActiveCells, s.ThresholdMV, s.ThresholdMode))
	row("pattern.wavelength_cells", fmt.Sprintf("%.3f", s.Pattern.WavelengthCells))
	row("pattern.predicted_wavelength_cells", fmt.Sprintf("%.3f", s.Pattern.PredictedWavelengthCells))
	row("pattern.contrast", fmt.Sprintf("%.4f", s.Pattern.Contrast))
	row("turing_unstable", s.TuringUnstable)
	if s.Lyapunov != nil {
		row("lyapunov_exponent", fmt.Sprintf("%.6f (over %d frames)", *s.Lyapunov, s.HistorySteps))
	}
}

// writePresets prints the presets with their parameters (text or JSON).
func writePresets(w io.Writer, format string) error {
	ps := morph.Presets()
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(ps)
	}
	for _, p := range ps {
		an, err := morph.Analyze(p.Config)
		if err != nil {
			return err
		}
		c := p.Config
		turing := "Turing-unstable"
		if !an.Turing {
			turing = "stable (no Turing instability)"
		}
		fmt.Fprintf(w, "%s%s: %s\n", p.Name, map[bool]string{true: " (default)"}[p.Name == morph.DefaultPreset], p.Description)
		fmt.Fprintf(w, "  grid %d×%d, %d steps, seed %d, %s boundary, init %s, noise %g; %s",
			c.GridSize, c.GridSize, c.Steps, c.Seed, c.Boundary, c.Init, c.Noise, turing)
		if an.GridUnstable {
			fmt.Fprintf(w, ", fastest mode %.2f cells", an.Fastest.WavelengthCells)
		}
		fmt.Fprintln(w)
		var kv []string
		for _, n := range morph.ParamNames() {
			v, _ := c.Params.Get(n)
			kv = append(kv, fmt.Sprintf("%s=%g", n, v))
		}
		fmt.Fprintf(w, "  %s\n", strings.Join(kv, " "))
	}
	return nil
}
