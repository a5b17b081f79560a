package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"mfn/features"
	"mfn/internal/pyfmt"
	"mfn/morph"
	"mfn/npy"
)

func init() {
	register(command{
		name:    "features",
		summary: "the 18 standard features of a simulation (always with its history) or of a saved .npy field",
		run:     runFeatures,
	})
}

// featureFlags are the FeatureConfig parameters; flags the user did not set keep the
// value of the default (or, with --demo-config, the demo) configuration.
type featureFlags struct {
	demo                       bool
	numScales, minBox, maxBox  int
	low, med, high             float64
	stabilityMV                float64
	stabilityWindow, connected int
	thresholdMode              string
}

func addFeatureFlags(fs *flag.FlagSet, f *featureFlags) {
	d := features.DefaultConfig()
	fs.BoolVar(&f.demo, "demo-config", false, "start from make_feature_config_demo() (3 scales, stability window 5)")
	fs.IntVar(&f.numScales, "num-scales", d.NumScales, "box-counting scales, [2, 20]")
	fs.IntVar(&f.minBox, "min-box", d.MinBoxSize, "smallest box size, >= 1")
	fs.IntVar(&f.maxBox, "max-box", d.MaxBoxSize, "largest box size, >= min-box; 0 derives it from the grid")
	fs.Float64Var(&f.low, "threshold-low", d.ThresholdLowMV, "active-cell threshold in mV (D_box, f_active, clusters), [-100, 50]")
	fs.Float64Var(&f.med, "threshold-med", d.ThresholdMedMV, "medium cluster threshold in mV, above --threshold-low")
	fs.Float64Var(&f.high, "threshold-high", d.ThresholdHighMV, "high cluster threshold in mV, above --threshold-med")
	fs.Float64Var(&f.stabilityMV, "stability-threshold", d.StabilityThresholdMV, "std of |ΔV| in mV below which a step counts as quiet, >= 0")
	fs.IntVar(&f.stabilityWindow, "stability-window", d.StabilityWindow, "quiet steps in a row that make the field stable, >= 1")
	fs.IntVar(&f.connected, "connectivity", d.Connectivity, "cluster connectivity: 4 (edges) or 8 (edges and corners)")
	fs.StringVar(&f.thresholdMode, "threshold-mode", "", "thresholds of D_box, f_active and the clusters: fixed (the mV thresholds), quantile or otsu (adaptive); default otsu for --model gm, fixed otherwise")
}

// config applies the flags that were set to the base configuration and validates the result
// with the rules of the exported FeatureConfig (spec §16.2).
func (f *featureFlags) config(set map[string]bool) (features.Config, error) {
	c := features.DefaultConfig()
	if f.demo {
		c = features.DemoConfig()
	}
	for name, apply := range map[string]func(){
		"num-scales": func() { c.NumScales = f.numScales }, "min-box": func() { c.MinBoxSize = f.minBox },
		"max-box": func() { c.MaxBoxSize = f.maxBox }, "threshold-low": func() { c.ThresholdLowMV = f.low },
		"threshold-med": func() { c.ThresholdMedMV = f.med }, "threshold-high": func() { c.ThresholdHighMV = f.high },
		"stability-threshold": func() { c.StabilityThresholdMV = f.stabilityMV },
		"stability-window":    func() { c.StabilityWindow = f.stabilityWindow }, "connectivity": func() { c.Connectivity = f.connected },
	} {
		if set[name] {
			apply()
		}
	}
	if set["threshold-mode"] {
		m, err := features.ParseThresholdMode(f.thresholdMode)
		if err != nil {
			return c, fmt.Errorf("%w: --threshold-mode: %v", errUsage, err)
		}
		c.ThresholdMode = m
	}
	if err := c.ValidateStrict(); err != nil {
		return c, fmt.Errorf("%w: %v", errUsage, err)
	}
	return c, nil
}

func runFeatures(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "features", "features [flags]\n\n"+
		"Simulates with simulate's simulation flags (--seed … --boundary; the history is always recorded)\n"+
		"and prints D_box … cluster_size_std. With --in, reads a field saved by 'mfn simulate --out'\n"+
		"instead: a 2-D (N, N) array is one frame, a 3-D (T, N, N) array a history.")
	var s simFlags
	addSimFlags(fs, &s)
	var ff featureFlags
	addFeatureFlags(fs, &ff)
	format := fs.String("format", "text", "output format: text (one 'name value' line each), json or csv")
	in := fs.String("in", "", "compute the features of this .npy file (float64, (N, N) or (T, N, N)) instead of simulating")
	fieldOnly := fs.Bool("field-only", false, "use the final field alone: the temporal features are then 0")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := oneOf("format", *format, "text", "json", "csv"); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cfg, err := ff.config(set)
	if err != nil {
		return err
	}

	var history [][]float64
	var n int
	if *in != "" {
		sim := &flag.FlagSet{}
		addSimFlags(sim, &simFlags{})
		var clash []string
		sim.VisitAll(func(f *flag.Flag) {
			if set[f.Name] {
				clash = append(clash, "--"+f.Name)
			}
		})
		if len(clash) > 0 {
			return fmt.Errorf("%w: --in reads a saved field; simulation flags make no sense with it: %s", errUsage, strings.Join(clash, ", "))
		}
		if history, n, err = readFeatureInput(*in); err != nil {
			return err
		}
	} else {
		if err := s.check(fs); err != nil {
			return err
		}
		if s.model == morph.ModelGM && !set["threshold-mode"] {
			cfg.ThresholdMode = features.ThresholdOtsu // the gm default: adaptive thresholds
		}
		s.history = !*fieldOnly
		sim, err := s.run(ctx, func(int, []float64) error { return ctx.Err() })
		if err != nil {
			return err
		}
		n = sim.n
		nn := n * n
		for t := 0; t+nn <= len(sim.history); t += nn {
			history = append(history, sim.history[t:t+nn:t+nn])
		}
		if len(history) == 0 {
			history = [][]float64{sim.field}
		}
	}
	if *fieldOnly {
		history = history[len(history)-1:]
	}
	v, err := features.Compute(history, n, cfg)
	if err != nil {
		return err
	}
	return writeFeatures(env.Stdout, *format, v)
}

// readFeatureInput reads a .npy field: (N, N) is one frame, (T, N, N) a history.
func readFeatureInput(path string) ([][]float64, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("--in: %w", err)
	}
	defer f.Close()
	shape, data, err := npy.Read(f)
	if err != nil {
		return nil, 0, fmt.Errorf("--in %s: %w", path, err)
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	bad := fmt.Errorf("--in %s: array of shape (%s): want a square field (N, N) or a history (T, N, N) with N >= 1 and T >= 1",
		path, strings.Join(dims, ", "))
	switch {
	case len(shape) == 2 && shape[0] == shape[1] && shape[0] >= 1:
		return [][]float64{data}, shape[0], nil
	case len(shape) == 3 && shape[1] == shape[2] && shape[1] >= 1 && shape[0] >= 1:
		n := shape[1]
		frames := make([][]float64, shape[0])
		for t := range frames {
			frames[t] = data[t*n*n : (t+1)*n*n : (t+1)*n*n]
		}
		return frames, n, nil
	}
	return nil, 0, bad
}

// integerFeature marks the features the reference keeps as int (T_stable, cluster counts and
// the largest cluster).
var integerFeature = map[string]bool{"T_stable": true, "N_clusters_low": true, "N_clusters_med": true,
	"N_clusters_high": true, "max_cluster_size": true}

// featureText is the reference's repr of a feature: Python's float repr, integers as integers.
func featureText(name string, x float64) string {
	if integerFeature[name] {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return pyfmt.Float(x)
}

func writeFeatures(w io.Writer, format string, v features.Vector) error {
	names, values := features.Names(), v.Values()
	switch format {
	case "json": // to_dict(): every value a float, keys in canonical order
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "csv":
		cells := make([]string, len(values))
		for i, x := range values {
			cells[i] = featureText(names[i], x)
		}
		_, err := fmt.Fprintf(w, "%s\n%s\n", strings.Join(names, ","), strings.Join(cells, ","))
		return err
	}
	for i, x := range values {
		if _, err := fmt.Fprintf(w, "%-16s %s\n", names[i], featureText(names[i], x)); err != nil {
			return err
		}
	}
	return nil
}
