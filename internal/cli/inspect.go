package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"mfn/dataset"
)

func init() {
	register(command{
		name:    "inspect",
		summary: "summarise a dataset (Parquet or CSV): per-feature statistics, constants, correlations",
		run:     runInspect,
	})
}

func runInspect(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "inspect", "inspect [--format text|json] FILE.parquet|FILE.csv")
	format := fs.String("format", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: expected one dataset file, got %d arguments", errUsage, fs.NArg())
	}
	t, err := dataset.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	in := dataset.Inspect(t)
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(in)
	}
	printInspection(env.Stdout, in, t)
	return nil
}

func printInspection(w io.Writer, in *dataset.Inspection, t *dataset.Table) {
	fmt.Fprintf(w, "Dataset: %s\nRows: %d  Columns: %d\n", in.Path, in.Rows, in.Columns)
	if t.Meta != nil {
		fmt.Fprintf(w, "Generator: %s (%s), written %s by mfn %s\n", t.Meta.Generator, t.Meta.Name, t.Meta.Timestamp, t.Meta.Version)
	}
	fmt.Fprintf(w, "\n%-20s %10s %10s %10s %10s %6s\n", "Feature", "Min", "Max", "Mean", "Std", "NaN")
	for _, s := range in.Stats {
		fmt.Fprintf(w, "%-20s %10.3f %10.3f %10.3f %10.3f %6d\n", s.Name, s.Min, s.Max, s.Mean, s.Std, s.NaN)
	}
	if len(in.Constant) > 0 {
		fmt.Fprintf(w, "\nConstant features (%d): %v\n", len(in.Constant), in.Constant)
	}
	if len(in.Correlations) > 0 {
		fmt.Fprintln(w, "\nStrong correlations (|r| > 0.5):")
		for _, c := range in.Correlations {
			fmt.Fprintf(w, "  %-18s ~ %-18s r = %+.3f\n", c.A, c.B, c.R)
		}
	}
	fmt.Fprintln(w)
	if len(in.Warnings) == 0 {
		fmt.Fprintln(w, "✓ All sanity checks passed")
	}
	for _, msg := range in.Warnings {
		fmt.Fprintf(w, "  ⚠ %s\n", msg)
	}
}
