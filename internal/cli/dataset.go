package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mfn/dataset"
	"mfn/features"
	"mfn/internal/atomicfile"
	"mfn/internal/blobstore"
	"mfn/npexact"
)

func init() {
	register(command{
		name:    "dataset",
		summary: "generate a feature dataset (Parquet or CSV) from a preset, the sampler or a sweep; --shard, merge, status",
		run:     runDataset,
	})
}

const datasetSynopsis = `dataset (--preset NAME | --sampler NAME | --sweep FILE|NAME) [--out FILE.parquet|FILE.csv] [flags]
       dataset ... --shard I/N --out DIR.parquet|DIR.csv    (one part of a run split over machines)
       dataset merge PARTS... [--out FILE] [--seal]         (see mfn dataset merge -h)
       dataset status DIR                                   (complete, partial and missing shards)

Generators:
  --preset small|medium|large|benchmark   the reference's scenario presets (run_scenario)
  --sampler minimal|default|extended|demo random configurations (ConfigSampler)
  --sweep FILE|minimal|default|extended   every combination of a grid sweep (JSON file:
      {"grid_sizes":[32,64],"steps_list":[50,100],"alpha_values":[0.1,0.15],
       "turing_values":[true,false],"seeds_per_config":3,"base_seed":42})
  --model gm [--presets LIST] [--seeds N]  the pattern-forming model: every preset × N seeds,
      with a preset column (the label) and the pattern's wavelength and contrast

The --preset, --sampler and --sweep generators run the reference's v4.1 model.

An interrupted run leaves FILE.partial beside the output; run the same command with --resume
to continue without recomputing finished samples.

--out also takes s3://BUCKET/KEY, gs://BUCKET/KEY, azblob://CONTAINER/KEY and file:///PATH
(credentials from each cloud's default chain; S3-compatible stores: ?endpoint=URL&use_path_style=true).
With --shard I/N, --out names the dataset directory and the run writes its part
DIR/part-0000I-of-0000N.EXT; shards are balanced by cost (grid² × steps) and do not depend on
--workers. Keep N fixed for a run: changing N reassigns every sample.`

func runDataset(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset", datasetSynopsis)
	preset := fs.String("preset", "", "scenario preset")
	sampler := fs.String("sampler", "", "named sampler ranges")
	sweep := fs.String("sweep", "", "sweep file (JSON) or built-in sweep name")
	out := fs.String("out", "", "output file, .parquet (default) or .csv (default: data/NAME.parquet; .csv in a build with -tags noparquet)")
	samples := fs.Int("samples", 0, "number of samples (preset: overrides num_samples; sampler: default 200)")
	seed := fs.Int64("seed", 0, "base seed (default: the generator's, 42)")
	workers := fs.Int("workers", 0, "simulations run at once (default: number of CPUs)")
	resume := fs.Bool("resume", false, "continue an interrupted run from its checkpoint")
	listPresets := fs.Bool("list-presets", false, "list the presets and exit")
	quiet := fs.Bool("quiet", false, "no progress output")
	shardFlag := fs.String("shard", "", "run only shard I of N (I/N, 0-based): writes DIR/part-I-of-N to the --out directory")
	timestamp := fs.String("timestamp", "", "the run's timestamp, RFC 3339 (default: now); give every shard the same one for identical timestamp columns")
	metricsAddr := fs.String("metrics-addr", "", "serve the run's progress as Prometheus metrics on ADDR (e.g. :9090)")
	syncEvery := fs.Duration("sync-interval", 30*time.Second, "with --shard or a URL: how often the journal and progress are uploaded")
	if len(args) > 0 && (args[0] == "merge" || args[0] == "status") {
		return runDatasetSub(ctx, env, args[0], args[1:])
	}
	var gm gmDatasetFlags
	addGMDatasetFlags(fs, &gm)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *listPresets {
		fmt.Fprintln(env.Stdout, "Available presets:")
		for _, n := range dataset.Presets() {
			p, _ := dataset.Preset(n)
			fmt.Fprintf(env.Stdout, "  %s: %s\n", n, p.Description)
		}
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	chosen := 0
	for _, s := range []string{*preset, *sampler, *sweep, gm.model} {
		if s != "" {
			chosen++
		}
	}
	if chosen != 1 {
		return fmt.Errorf("%w: give exactly one of --preset, --sampler, --sweep or --model gm (see mfn dataset -h)", errUsage)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["samples"] && (*samples < 1 || *samples > dataset.MaxSamples) {
		return fmt.Errorf("%w: --samples=%d: must be in [1, %d]", errUsage, *samples, dataset.MaxSamples)
	}
	if *workers < 0 || *workers > 1024 {
		return fmt.Errorf("%w: --workers=%d: must be in [1, 1024] (0 means one per CPU)", errUsage, *workers)
	}
	if *seed < 0 {
		return fmt.Errorf("%w: --seed=%d: must be a non-negative integer", errUsage, *seed)
	}
	var gmOnly []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "presets", "seeds", "grid-size", "steps", "param":
			gmOnly = append(gmOnly, "--"+f.Name)
		}
	})
	if gm.model == "" && len(gmOnly) > 0 {
		return fmt.Errorf("%w: only --model gm takes %s", errUsage, strings.Join(gmOnly, ", "))
	}
	if !set["seed"] {
		*seed = -1 // the generator's own default
	}
	var plan *dataset.Plan
	var err error
	if gm.model != "" {
		plan, err = gm.gmPlan(*seed, *samples)
	} else {
		plan, err = datasetPlan(*preset, *sampler, *sweep, *samples, *seed)
	}
	if err != nil {
		return err
	}
	ts, err := runTimestamp(*timestamp)
	if err != nil {
		return err
	}
	if *shardFlag != "" || blobstore.IsURL(*out) || *metricsAddr != "" {
		if *syncEvery < 100*time.Millisecond || *syncEvery > time.Hour {
			return fmt.Errorf("%w: --sync-interval=%s: must be in [100ms, 1h]", errUsage, *syncEvery)
		}
		o := shardedRun{out: *out, resume: *resume, workers: *workers, quiet: *quiet, timestamp: ts, metricsAddr: *metricsAddr, syncEvery: *syncEvery}
		if *shardFlag != "" {
			s, err := dataset.ParseShard(*shardFlag)
			if err != nil {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
			o.shard = &s
		}
		if o.out == "" {
			o.out = filepath.Join("data", plan.Name+datasetExt())
		}
		return runShardedDataset(ctx, env, plan, o)
	}
	path := *out
	if path == "" {
		path = filepath.Join("data", plan.Name+datasetExt())
	}
	format := strings.TrimPrefix(filepath.Ext(path), ".")
	if format != "parquet" && format != "csv" {
		return fmt.Errorf("%w: --out=%q: the file name must end in .parquet or .csv", errUsage, path)
	}
	if err := needParquet(format, path); err != nil {
		return err
	}
	// Only the default data/ directory is created; a directory named by --out must exist, as
	// for simulate --out (a typo in it should not silently create a tree).
	if *out == "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("cannot create the output directory: %w", err)
		}
	} else if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return fmt.Errorf("--out=%q: the directory %s does not exist or is not a directory (create it first)", path, filepath.Dir(path))
	}
	fcfg := features.DefaultConfig()
	if plan.Layout == dataset.LayoutGM {
		fcfg = features.AdaptiveConfig() // the gm model's thresholds (ADR 0021)
	}
	runID := dataset.RunID(plan, fcfg)
	cp, err := dataset.OpenCheckpoint(path+".partial", runID, ts, *resume)
	if err != nil {
		return err
	}
	progress := newProgress(env, *quiet, len(plan.Jobs))
	res, err := dataset.Generate(ctx, plan, dataset.Options{Workers: *workers, Features: &fcfg, Progress: progress.update, Checkpoint: cp})
	progress.finish()
	if errors.Is(err, dataset.ErrInterrupted) {
		cp.Close()
		return fmt.Errorf("%v; the finished samples are saved in %s.partial: run the same command with --resume to continue", err, path)
	}
	if err != nil {
		cp.Close()
		return err
	}
	ri := &dataset.RunInfo{Version: Version, Timestamp: cp.Timestamp}
	nw := *workers
	if nw == 0 {
		nw = defaultWorkers()
	}
	meta := &dataset.Metadata{
		Generator: plan.Generator, Name: plan.Name, Layout: plan.Layout, Config: plan.Config, Features: fcfg,
		NumRows: len(res.Rows), NumColumns: len(dataset.Columns(plan.Layout)), Columns: dataset.ColumnNames(plan.Layout),
		FeatureNames: features.Names(), Requested: len(plan.Jobs), Failed: len(res.Failures), Failures: res.Failures,
		ElapsedSec: res.Elapsed.Seconds(), Workers: nw, Timestamp: cp.Timestamp, Version: Version, RunID: runID,
		Output: path, Format: format,
	}
	err = atomicfile.Write(path, func(w io.Writer) error {
		if format == "csv" {
			return dataset.WriteCSV(w, plan.Layout, res.Rows, ri)
		}
		return dataset.WriteParquet(w, plan.Layout, res.Rows, ri, meta)
	})
	if err == nil {
		err = atomicfile.Write(path+".meta.json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(meta)
		})
	}
	if err != nil {
		cp.Close()
		return err
	}
	if err := cp.Remove(); err != nil {
		fmt.Fprintf(env.Stderr, "warning: could not remove the checkpoint: %v\n", err)
	}
	printDatasetSummary(env.Stdout, plan, res, path, meta)
	return nil
}

func datasetPlan(preset, sampler, sweep string, samples int, seed int64) (*dataset.Plan, error) {
	switch {
	case preset != "":
		s, err := dataset.Preset(preset)
		if err != nil {
			return nil, fmt.Errorf("%w: --preset: %v", errUsage, err)
		}
		if samples > 0 {
			s.NumSamples = samples
		}
		if seed >= 0 {
			s.BaseSeed = uint64(seed)
		}
		return s.Plan()
	case sampler != "":
		s, err := dataset.NamedSampler(sampler)
		if err != nil {
			return nil, fmt.Errorf("%w: --sampler: %v", errUsage, err)
		}
		if seed >= 0 {
			s.BaseSeed = uint64(seed)
		}
		if samples == 0 {
			samples = 200
		}
		return s.Plan(samples)
	default:
		s, ok := dataset.NamedSweep(sweep)
		name := "sweep_" + sweep
		if !ok {
			f, err := os.Open(sweep)
			if err != nil {
				return nil, fmt.Errorf("--sweep: %q is neither a sweep file nor one of minimal, default, extended: %w", sweep, err)
			}
			defer f.Close()
			if s, err = dataset.ReadSweep(f); err != nil {
				return nil, fmt.Errorf("--sweep %s: %w", sweep, err)
			}
			name = strings.TrimSuffix(filepath.Base(sweep), filepath.Ext(sweep))
		}
		if seed >= 0 {
			s.BaseSeed = uint64(seed)
		}
		if samples > 0 {
			return nil, fmt.Errorf("%w: --samples does not apply to a sweep (its size is the product of its lists)", errUsage)
		}
		return s.Plan(name)
	}
}

func printDatasetSummary(w io.Writer, p *dataset.Plan, res *dataset.Result, path string, meta *dataset.Metadata) {
	fmt.Fprintf(w, "=== Dataset complete: %s (%s) ===\n", p.Name, p.Generator)
	fmt.Fprintf(w, "Output: %s (+ %s.meta.json)\n", path, path)
	fmt.Fprintf(w, "Rows: %d of %d requested (%d failed%s)\n", len(res.Rows), len(p.Jobs), len(res.Failures), resumedNote(res))
	fmt.Fprintf(w, "Columns: %d\n", meta.NumColumns)
	fmt.Fprintf(w, "Time: %.2fs with %d workers\n", meta.ElapsedSec, meta.Workers)
	fmt.Fprintln(w, "\n=== Feature Ranges ===")
	for _, name := range []string{"D_box", "V_mean", "f_active"} {
		vals := make([]float64, len(res.Rows))
		for i, r := range res.Rows {
			vals[i] = r.Features.Map()[name]
		}
		lo, hi := npexact.MinMax(vals)
		fmt.Fprintf(w, "%s: [%.3f, %.3f] (mean: %.3f)\n", name, lo, hi, npexact.Mean(vals))
	}
}

func resumedNote(res *dataset.Result) string {
	if res.Resumed == 0 {
		return ""
	}
	return fmt.Sprintf(", %d taken from the checkpoint", res.Resumed)
}

// runTimestamp is the run's timestamp as the reference writes it (UTC, microseconds).
func runTimestamp(flag string) (string, error) {
	t := time.Now()
	if flag != "" {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, flag); err != nil {
			return "", fmt.Errorf("%w: --timestamp=%q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", errUsage, flag)
		}
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000+00:00"), nil
}
