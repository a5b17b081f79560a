package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"mfn/field"
	"mfn/internal/atomicfile"
	"mfn/internal/buildinfo"
	"mfn/morph"
	"mfn/render"
	"mfn/stability"
)

func init() {
	register(command{
		name:    "analyze",
		summary: "linear stability analysis of a model: steady state, dispersion relation on the grid, Turing band, fastest mode",
		run:     runAnalyze,
	})
}

// analysisReport is the JSON of `mfn analyze --format json`.
type analysisReport struct {
	Model       string        `json:"model"`
	Preset      string        `json:"preset,omitempty"`
	GridSize    int           `json:"grid_size"`
	Boundary    string        `json:"boundary_condition"`
	Params      any           `json:"params"`
	SteadyState [2]float64    `json:"steady_state"`
	Jacobian    [2][2]float64 `json:"jacobian"`
	Diffusion   [2]float64    `json:"diffusion"`
	stability.Analysis
}

func runAnalyze(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "analyze", "analyze [--model gm|v4.1] [--preset NAME] [--param name=value …] [--grid-size N] [--boundary B] [--format text|json] [--plot FILE.png]\n\n"+
		"The homogeneous steady state, the Jacobian there, the Turing conditions, and the growth rate λ of\n"+
		"every eigenmode of the discrete 5-point Laplacian on the grid: the band of unstable wavenumbers\n"+
		"and the fastest-growing mode with its wavelength in cells.")
	model := fs.String("model", morph.ModelGM, "model: gm or v4.1 (the reference's kinetics, linearised at (0, 0))")
	preset := fs.String("preset", morph.DefaultPreset, "gm: preset to start from: "+strings.Join(morph.PresetNames(), ", "))
	var params paramList
	fs.Var(&params, "param", "set a parameter, name=value (repeatable); gm: "+strings.Join(morph.ParamNames(), ", ")+"; v4.1: "+strings.Join(morph.V41ParamNames(), ", "))
	grid := fs.Int("grid-size", 0, "side N of the grid (default: the preset's; v4.1: 64)")
	boundary := fs.String("boundary", "", "periodic, neumann or dirichlet (default: the preset's; v4.1: periodic)")
	format := fs.String("format", "text", "output format: text or json")
	plotOut := fs.String("plot", "", "also draw the dispersion relation λ(q²) with the grid's modes as a PNG here")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return err
	}
	if _, err := morph.ParseModel(*model); err != nil {
		return fmt.Errorf("%w: --model: %v", errUsage, err)
	}
	if *plotOut != "" && strings.ToLower(filepath.Ext(*plotOut)) != ".png" {
		return fmt.Errorf("%w: --plot=%q: the file name must end in .png", errUsage, *plotOut)
	}
	if *plotOut != "" && !buildinfo.Has("plot") {
		return fmt.Errorf("%w: --plot: %v", errUsage, buildinfo.Missing("plot"))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// Every parameter error names a --param, --grid-size or --preset value: a usage error.
	paramErr := func(err error) error { return fmt.Errorf("%w: %w", errUsage, err) }

	var rep analysisReport
	var sys stability.System
	var g stability.Grid
	if *model == morph.ModelGM {
		p, err := morph.LookupPreset(*preset)
		if err != nil {
			return fmt.Errorf("%w: --preset: %v", errUsage, err)
		}
		c := p.Config
		if set["grid-size"] {
			c.GridSize = *grid
		}
		if set["boundary"] {
			if c.Boundary, err = field.ParseBoundary(*boundary); err != nil {
				return fmt.Errorf("%w: --boundary: %v", errUsage, err)
			}
		}
		for _, a := range params {
			if err := c.Params.ParseParam(a); err != nil {
				return paramErr(err)
			}
		}
		if c.GridSize < morph.MinGrid || c.GridSize > morph.MaxGrid {
			return paramErr(&morph.ParamError{Param: "grid_size", Value: float64(c.GridSize), Allowed: fmt.Sprintf("an integer in [%d, %d]", morph.MinGrid, morph.MaxGrid)})
		}
		an, err := morph.Analyze(c)
		var pe *morph.ParamError
		if errors.As(err, &pe) {
			return paramErr(err)
		}
		if err != nil {
			return err
		}
		sys = c.Params.System()
		g = stability.Grid{N: c.GridSize, Boundary: c.Boundary}
		rep = analysisReport{Model: morph.ModelGM, Preset: p.Name, GridSize: c.GridSize, Boundary: c.Boundary.String(), Params: c.Params,
			SteadyState: an.SteadyState, Jacobian: an.Jacobian, Diffusion: sys.D, Analysis: an.Analysis}
	} else {
		if set["preset"] {
			return fmt.Errorf("%w: --preset applies to --model gm", errUsage)
		}
		k := morph.DefaultV41Kinetics()
		for _, a := range params {
			if err := k.ParseParam(a); err != nil {
				return paramErr(err)
			}
		}
		g = stability.Grid{N: 64, Boundary: field.Periodic}
		if set["grid-size"] {
			g.N = *grid
		}
		if set["boundary"] {
			var err error
			if g.Boundary, err = field.ParseBoundary(*boundary); err != nil {
				return fmt.Errorf("%w: --boundary: %v", errUsage, err)
			}
		}
		if g.N < 4 || g.N > 1024 {
			return paramErr(&morph.ParamError{Param: "grid_size", Value: float64(g.N), Allowed: "an integer in [4, 1024]"})
		}
		sys = k.System()
		an, err := stability.Analyze(sys, g)
		if err != nil {
			return err
		}
		rep = analysisReport{Model: morph.ModelV41, GridSize: g.N, Boundary: g.Boundary.String(), Params: k,
			Jacobian: sys.J, Diffusion: sys.D, Analysis: an}
	}
	if *plotOut != "" {
		title := fmt.Sprintf("dispersion relation: %s", rep.Model)
		if rep.Preset != "" {
			title += " " + rep.Preset
		}
		if err := atomicfile.Write(*plotOut, func(w io.Writer) error { return render.DispersionPlot(w, sys, g, rep.Analysis, title) }); err != nil {
			return err
		}
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printAnalysis(env.Stdout, &rep)
	if *plotOut != "" {
		fmt.Fprintf(env.Stdout, "%-30s %s\n", "written", *plotOut)
	}
	return nil
}

func printAnalysis(w io.Writer, r *analysisReport) {
	name := r.Model
	if r.Preset != "" {
		name += " (preset " + r.Preset + ")"
	}
	fmt.Fprintf(w, "Linear stability of model %s on a %d×%d %s grid\n", name, r.GridSize, r.GridSize, r.Boundary)
	row := func(k, f string, a ...any) { fmt.Fprintf(w, "  %-28s "+f+"\n", append([]any{k}, a...)...) }
	row("steady_state", "(%.6g, %.6g)", r.SteadyState[0], r.SteadyState[1])
	row("jacobian", "[[%.6g, %.6g], [%.6g, %.6g]]", r.Jacobian[0][0], r.Jacobian[0][1], r.Jacobian[1][0], r.Jacobian[1][1])
	row("diffusion", "(%.6g, %.6g), ratio %.4g", r.Diffusion[0], r.Diffusion[1], r.Diffusion[1]/r.Diffusion[0])
	for _, c := range r.Conditions {
		mark := "no"
		if c.Holds {
			mark = "yes"
		}
		row(c.Name, "%-44s = %-12.6g %s", c.Expr, c.Value, mark)
	}
	row("turing_unstable", "%v", r.Turing)
	if r.Turing {
		row("band_q2", "[%.6g, %.6g]", r.BandQ2[0], r.BandQ2[1])
		row("band_wavelength_cells", "%.4g … %.4g (along an axis)", r.BandWavelengthCells[0], r.BandWavelengthCells[1])
	}
	row("peak (continuum)", "q² = %.6g, wavelength %.4g cells, growth %.6g", r.PeakQ2, r.PeakWavelengthCells, r.PeakGrowth)
	row("unstable_modes", "%d of the grid's modes grow", r.UnstableModes)
	row("fastest_mode", "q² = %.6g, wavelength %.4g cells, growth %.6g", r.Fastest.Q2, r.Fastest.WavelengthCells, r.Fastest.Growth)
}
