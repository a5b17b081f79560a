package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"mfn/internal/bench"
)

func init() {
	register(command{
		name:    "bench",
		summary: "time named workloads (median per run); no names runs them all",
		run:     runBench,
	})
}

func runBench(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "bench", "bench [--format text|json] [--min-time D] [NAME...]\n\nWorkloads: "+strings.Join(bench.Names(), ", "))
	format := fs.String("format", "text", "output format: text or json")
	minTime := fs.Duration("min-time", time.Second, "minimum timing per workload")
	minRuns := fs.Int("min-runs", 5, "minimum timed runs per workload")
	list := fs.Bool("list", false, "list the workloads and exit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return err
	}
	if *minRuns < 1 {
		return fmt.Errorf("%w: --min-runs=%d: must be at least 1", errUsage, *minRuns)
	}
	if *list {
		for _, n := range bench.Names() {
			w, _ := bench.Lookup(n)
			fmt.Fprintf(env.Stdout, "%-28s %s\n", n, w.Summary)
		}
		return nil
	}
	names := fs.Args()
	if len(names) == 0 {
		names = bench.Names()
	}
	var ws []bench.Workload
	for _, n := range names {
		w, ok := bench.Lookup(n)
		if !ok {
			return fmt.Errorf("%w: unknown workload %q; known: %s", errUsage, n, strings.Join(bench.Names(), ", "))
		}
		ws = append(ws, w)
	}
	opts := bench.Options{MinRuns: *minRuns, MinTime: *minTime, MaxRuns: 1000000}
	results := map[string]bench.Result{}
	for _, w := range ws {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := bench.Measure(w, opts)
		if err != nil {
			return err
		}
		results[w.Name] = r
		if *format == "text" {
			fmt.Fprintf(env.Stdout, "%-28s %14s/run  (%d runs)\n", w.Name, fmtDuration(r.MedianNs), r.Runs)
		}
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	return nil
}

func fmtDuration(ns int64) string {
	switch {
	case ns < 10_000:
		return fmt.Sprintf("%d ns", ns)
	case ns < 10_000_000:
		return fmt.Sprintf("%.2f µs", float64(ns)/1e3)
	default:
		return fmt.Sprintf("%.2f ms", float64(ns)/1e6)
	}
}
