package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"mfn/field"
	"mfn/fractal"
	"mfn/internal/atomicfile"
	"mfn/morph"
	"mfn/npexact"
	"mfn/npy"
	"mfn/rng"
)

func init() {
	register(command{
		name:    "simulate",
		summary: "simulate the potential field and summarise it (text, JSON, .npy)",
		run:     runSimulate,
	})
}

// simFlags are the simulation parameters shared by every command that simulates.
type simFlags struct {
	seed             uint64
	gridSize, steps  int
	alpha, spikeProb float64
	turing, noTuring bool
	threshold        float64
	jitter           bool
	jitterVar        float64
	engine, boundary string
	history          bool
	// The model (model.go): gm or v4.1, and the gm flags.
	model, preset, init string
	params              paramList
	set                 map[string]bool // the flags that were set
}

func addSimFlags(fs *flag.FlagSet, s *simFlags) {
	d := field.DefaultLegacy()
	fs.Uint64Var(&s.seed, "seed", 42, "random seed (numpy default_rng semantics)")
	fs.IntVar(&s.gridSize, "grid-size", d.GridSize, "side N of the N×N grid")
	fs.IntVar(&s.steps, "steps", d.Steps, "number of simulation steps (the default is v4.1's; gm takes the preset's unless set)")
	fs.Float64Var(&s.alpha, "alpha", d.Alpha, "field diffusion coefficient α (engine: [0.05, 0.25); legacy: [0, 1])")
	fs.Float64Var(&s.spikeProb, "spike-probability", d.SpikeProbability, "probability of a growth spike per step, [0, 1]")
	fs.BoolVar(&s.turing, "turing", true, "enable the activator–inhibitor (Turing) coupling")
	fs.BoolVar(&s.noTuring, "no-turing", false, "disable the Turing coupling")
	fs.Float64Var(&s.threshold, "turing-threshold", d.TuringThreshold, "activator threshold of the Turing kick (engine: [0.5, 0.95])")
	fs.BoolVar(&s.jitter, "jitter", false, "add Gaussian 'quantum jitter' noise every step")
	fs.Float64Var(&s.jitterVar, "jitter-var", d.JitterVar, "variance of the jitter noise in V² (engine: [0, 0.01])")
	fs.StringVar(&s.engine, "engine", "legacy", "simulation path: legacy (simulate_mycelium_field) or engine (reaction–diffusion engine)")
	fs.StringVar(&s.boundary, "boundary", "periodic", "boundary condition of the engine: periodic, neumann or dirichlet")
	// --history is simulate's alone: features always records the history, render when drawing a GIF.
	addModelFlags(fs, s)
}

// check validates the flags that are not checked by the simulation itself.
func (s *simFlags) check(fs *flag.FlagSet) error {
	s.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { s.set[f.Name] = true })
	if err := s.resolveModel(s.set); err != nil {
		return err
	}
	if err := oneOf("engine", s.engine, "legacy", "engine"); err != nil {
		return err
	}
	if err := oneOf("boundary", s.boundary, "periodic", "neumann", "dirichlet"); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["turing"] && set["no-turing"] && s.turing {
		return fmt.Errorf("%w: --turing and --no-turing contradict each other", errUsage)
	}
	if s.noTuring {
		s.turing = false
	}
	if s.model == morph.ModelV41 && s.engine == "legacy" && set["boundary"] && s.boundary != "periodic" {
		return fmt.Errorf("%w: --boundary=%s needs --engine engine (the legacy path is periodic)", errUsage, s.boundary)
	}
	// The simulation's own range checks, before anything runs: a value out of range is a
	// usage error (exit status 2), not a failure of the run.
	var err error
	switch {
	case s.model == morph.ModelGM:
		_, err = s.gmConfig()
		if errors.Is(err, errUsage) {
			return err
		}
	case s.engine == "legacy":
		err = s.legacyParams().Validate()
	default:
		err = s.engineConfig().Validate()
	}
	if err != nil {
		return usagef("%v", err)
	}
	return nil
}

func (s *simFlags) legacyParams() field.LegacyParams {
	return field.LegacyParams{GridSize: s.gridSize, Steps: s.steps, Alpha: s.alpha, SpikeProbability: s.spikeProb,
		TuringEnabled: s.turing, TuringThreshold: s.threshold, QuantumJitter: s.jitter, JitterVar: s.jitterVar}
}

func (s *simFlags) engineConfig() field.Config {
	b, _ := field.ParseBoundary(s.boundary)
	seed := s.seed
	return field.Config{GridSize: s.gridSize, Steps: s.steps, Alpha: s.alpha, SpikeProbability: s.spikeProb,
		TuringEnabled: s.turing, TuringThreshold: s.threshold, QuantumJitter: s.jitter, JitterVar: s.jitterVar,
		Seed: &seed, Boundary: b}
}

// simulation is the outcome of either path, in one shape.
type simulation struct {
	n                 int
	field             []float64
	history           []float64
	growth            int
	turingActivations int
	clamping          int
	// gm and gmResult are set for the GM model.
	gm       *morph.Config
	gmResult *morph.Result
}

func (s *simFlags) run(ctx context.Context, frame field.Frame) (*simulation, error) {
	if s.model == morph.ModelGM {
		return s.runGM(ctx, frame)
	}
	out := &simulation{n: s.gridSize}
	record := frame
	if s.history {
		record = func(step int, f []float64) error {
			if len(out.history)+len(f) > field.MaxHistoryValues {
				return fmt.Errorf("--history: steps·grid_size² must not exceed %d values", field.MaxHistoryValues)
			}
			out.history = append(out.history, f...)
			if frame != nil {
				return frame(step, f)
			}
			return nil
		}
	}
	if s.engine == "legacy" {
		r, err := field.SimulateLegacyFrames(rng.New(s.seed), s.legacyParams(), record)
		if err != nil {
			return nil, err
		}
		out.field, out.growth, out.turingActivations, out.clamping = r.Field, r.GrowthEvents, r.TuringActivations, r.ClampingEvents
		return out, nil
	}
	r, err := field.RunWith(s.engineConfig(), field.RunOptions{Frame: record, SkipReactionMeans: true}) // the summary shows no activator means
	if err != nil {
		return nil, err
	}
	out.field, out.growth, out.turingActivations, out.clamping = r.Field, r.GrowthEvents, r.TuringActivations, r.ClampingEvents
	return out, nil
}

// summary is the JSON object of `mfn simulate --format json`, with the reference's names.
type summary struct {
	Engine            string      `json:"engine"`
	Seed              uint64      `json:"seed"`
	GridSize          int         `json:"grid_size"`
	Steps             int         `json:"steps"`
	Alpha             float64     `json:"alpha"`
	SpikeProbability  float64     `json:"spike_probability"`
	TuringEnabled     bool        `json:"turing_enabled"`
	TuringThreshold   float64     `json:"turing_threshold"`
	QuantumJitter     bool        `json:"quantum_jitter"`
	JitterVar         float64     `json:"jitter_var"`
	Boundary          string      `json:"boundary_condition"`
	GrowthEvents      int         `json:"growth_events"`
	TuringActivations int         `json:"turing_activations"`
	ClampingEvents    int         `json:"clamping_events"`
	PotMin            float64     `json:"pot_min_mV"`
	PotMax            float64     `json:"pot_max_mV"`
	PotMean           float64     `json:"pot_mean_mV"`
	PotStd            float64     `json:"pot_std_mV"`
	FractalDimension  float64     `json:"fractal_dimension"`
	ActiveCells       int         `json:"active_cells"`
	Lyapunov          *float64    `json:"lyapunov_exponent,omitempty"`
	HistorySteps      int         `json:"history_steps,omitempty"`
	Field             *jsonFloats `json:"field,omitempty"`
}

// activeThresholdV is the reference's threshold for "active" cells and fractal dimension.
const activeThresholdV = -0.060

func summariseSimulation(s *simFlags, sim *simulation) (*summary, error) {
	lo, hi := npexact.MinMax(sim.field)
	active, d, err := activeDimension(sim.field, sim.n, activeThresholdV)
	if err != nil {
		return nil, err
	}
	sum := &summary{
		Engine: s.engine, Seed: s.seed, GridSize: s.gridSize, Steps: s.steps, Alpha: s.alpha,
		SpikeProbability: s.spikeProb, TuringEnabled: s.turing, TuringThreshold: s.threshold,
		QuantumJitter: s.jitter, JitterVar: s.jitterVar, Boundary: s.boundary,
		GrowthEvents: sim.growth, TuringActivations: sim.turingActivations, ClampingEvents: sim.clamping,
		PotMin: lo * 1000, PotMax: hi * 1000, PotMean: npexact.Mean(sim.field) * 1000, PotStd: npexact.Std(sim.field) * 1000,
		FractalDimension: d, ActiveCells: active,
	}
	if sim.history != nil {
		nn := sim.n * sim.n
		frames := make([][]float64, len(sim.history)/nn)
		for t := range frames {
			frames[t] = sim.history[t*nn : (t+1)*nn]
		}
		l := fractal.LyapunovExponent(frames, 1.0)
		sum.Lyapunov = &l
		sum.HistorySteps = len(frames)
	}
	return sum, nil
}

func runSimulate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "simulate", "simulate [flags]")
	var s simFlags
	addSimFlags(fs, &s)
	fs.BoolVar(&s.history, "history", false, "record the field after every step (written by --out as a (T, N, N) array)")
	format := fs.String("format", "text", "output format: text or json")
	withField := fs.Bool("field", false, "with --format json: include the final field (row-major, volts)")
	listPresets := fs.Bool("list-presets", false, "list the gm presets with their parameters and exit (--format json for JSON)")
	out := fs.String("out", "", "write the final field (or, with --history, the history) to this .npy file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return err
	}
	if *listPresets {
		return writePresets(env.Stdout, *format)
	}
	if err := s.check(fs); err != nil {
		return err
	}
	if *out != "" && !strings.HasSuffix(*out, ".npy") {
		return fmt.Errorf("%w: --out=%q: the file name must end in .npy", errUsage, *out)
	}
	sim, err := s.run(ctx, func(int, []float64) error { return ctx.Err() })
	if err != nil {
		return err
	}
	if *out != "" {
		shape, data := []int{sim.n, sim.n}, sim.field
		if sim.history != nil {
			shape, data = []int{len(sim.history) / (sim.n * sim.n), sim.n, sim.n}, sim.history
		}
		if err := atomicfile.Write(*out, func(w io.Writer) error { return npy.Write(w, shape, data) }); err != nil {
			return err
		}
	}
	if sim.gm != nil {
		sum, err := summariseGM(&s, sim)
		if err != nil {
			return err
		}
		if *format == "json" {
			if *withField {
				f := jsonFloats(sim.field)
				sum.Field = &f
			}
			return json.NewEncoder(env.Stdout).Encode(sum)
		}
		printGMSummary(env.Stdout, sum)
	} else {
		sum, err := summariseSimulation(&s, sim)
		if err != nil {
			return err
		}
		if *format == "json" {
			if *withField {
				f := jsonFloats(sim.field)
				sum.Field = &f
			}
			enc := json.NewEncoder(env.Stdout)
			return enc.Encode(sum)
		}
		printSummary(env.Stdout, sum)
	}
	if *out != "" {
		fmt.Fprintf(env.Stdout, "%-22s %s\n", "written", *out)
	}
	return nil
}

func printSummary(w io.Writer, s *summary) {
	fmt.Fprintf(w, "MFN simulation (%s path): %d×%d grid, %d steps, seed %d\n", s.Engine, s.GridSize, s.GridSize, s.Steps, s.Seed)
	row := func(k string, v any) { fmt.Fprintf(w, "  %-20s %v\n", k, v) }
	row("growth_events", s.GrowthEvents)
	row("turing_activations", s.TuringActivations)
	row("clamping_events", s.ClampingEvents)
	row("pot_min_mV", fmt.Sprintf("%.6f", s.PotMin))
	row("pot_max_mV", fmt.Sprintf("%.6f", s.PotMax))
	row("pot_mean_mV", fmt.Sprintf("%.6f", s.PotMean))
	row("pot_std_mV", fmt.Sprintf("%.6f", s.PotStd))
	row("fractal_dimension", fmt.Sprintf("%.6f", s.FractalDimension))
	row("active_cells", fmt.Sprintf("%d (> -60 mV)", s.ActiveCells))
	if s.Lyapunov != nil {
		row("lyapunov_exponent", fmt.Sprintf("%.6f (over %d frames)", *s.Lyapunov, s.HistorySteps))
	}
}

// jsonFloats marshals float64s with the shortest text that parses back to the same bits;
// NaN and ±Inf, which JSON cannot carry, become null.
type jsonFloats []float64

func (f jsonFloats) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 24*len(f)+2)
	b = append(b, '[')
	for i, v := range f {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return append(b, ']'), nil
}

// activeDimension counts the cells above thr and box-counts the set they form.
func activeDimension(field []float64, n int, thr float64) (active int, d float64, err error) {
	binary := make([]bool, len(field))
	for i, v := range field {
		if v > thr {
			binary[i] = true
			active++
		}
	}
	d, err = fractal.EstimateDimension(binary, n, fractal.DefaultBoxOptions())
	return active, d, err
}
