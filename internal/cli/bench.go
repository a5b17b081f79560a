package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
		width := nameWidth(bench.Names())
		for _, n := range bench.Names() {
			w, _ := bench.Lookup(n)
			fmt.Fprintf(env.Stdout, "%-*s  %s\n", width, n, w.Summary)
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
	width := nameWidth(names)
	if *format == "text" {
		fmt.Fprintf(env.Stdout, "%-*s  %14s  %s\n", width, "workload", "median µs/run", "runs")
	}
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
			// One unit for every row, so the column compares at a glance.
			fmt.Fprintf(env.Stdout, "%-*s  %14.2f  %d\n", width, w.Name, float64(r.MedianNs)/1e3, r.Runs)
		}
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	return nil
}

// nameWidth is the width of the longest name, so the columns after it line up.
func nameWidth(names []string) int {
	w := 0
	for _, n := range names {
		w = max(w, utf8.RuneCountInString(n))
	}
	return w
}
