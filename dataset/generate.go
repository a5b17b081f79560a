package dataset

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"mfn/features"
	"mfn/field"
	"mfn/morph"
)

// Outcome is the result of one job: a row, or the reason the simulation failed (the
// reference logs and skips failed simulations).
type Outcome struct {
	Row *Row
	Err string
}

// Options control a generation run.
type Options struct {
	// Workers is the number of simulations run at once (default: the number of CPUs).
	Workers int
	// Features configures the feature extraction (default: features.DefaultConfig(), and
	// features.AdaptiveConfig() for gm jobs).
	Features *features.Config
	// Progress, when set, is called after each finished job with the counts so far.
	Progress func(done, total int)
	// Checkpoint, when set, receives every outcome as it arrives and supplies the outcomes
	// of an earlier, interrupted run, which are not recomputed.
	Checkpoint *Checkpoint
}

// Result is a finished (or interrupted) generation.
type Result struct {
	// Rows are the successful simulations in job order.
	Rows []Row
	// Failures maps sim_id to the reason its simulation failed.
	Failures map[int]string
	// Resumed counts the outcomes taken from the checkpoint.
	Resumed int
	Elapsed time.Duration
}

// ErrInterrupted is returned when the context ends before every job finished; the outcomes
// so far are in the checkpoint.
var ErrInterrupted = errors.New("dataset generation interrupted")

// Generate runs every job of the plan and extracts its features. Jobs are independent, each
// with its own seed, and results are placed by job index, so the output is the same whatever
// the number of workers.
func Generate(ctx context.Context, p *Plan, o Options) (*Result, error) {
	start := time.Now()
	cfg, gmCfg := features.DefaultConfig(), features.AdaptiveConfig()
	if o.Features != nil {
		cfg, gmCfg = *o.Features, *o.Features
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	outcomes := make([]*Outcome, len(p.Jobs))
	res := &Result{Failures: map[int]string{}}
	if o.Checkpoint != nil {
		o.Checkpoint.attach(p)
		for i, oc := range o.Checkpoint.done {
			if i >= 0 && i < len(outcomes) {
				outcomes[i] = oc
				res.Resumed++
			}
		}
	}
	var todo []int
	for i := range p.Jobs {
		if outcomes[i] == nil {
			todo = append(todo, i)
		}
	}
	done := res.Resumed
	if o.Progress != nil {
		o.Progress(done, len(p.Jobs))
	}

	type result struct {
		i  int
		oc *Outcome
	}
	feed := make(chan int)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for range min(workers, max(len(todo), 1)) {
		wg.Go(func() {
			for i := range feed {
				if p.Jobs[i].Model == morph.ModelGM {
					results <- result{i, runGMJob(p.Jobs[i], gmCfg)}
				} else {
					results <- result{i, runJob(p.Jobs[i], cfg)}
				}
			}
		})
	}
	// The feeder stops handing out jobs when the context ends; workers finish the job in
	// hand, and the results channel closes once they are all gone.
	go func() {
		defer close(feed)
		for _, i := range todo {
			select {
			case feed <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var recordErr error
	for r := range results {
		outcomes[r.i] = r.oc
		done++
		if o.Checkpoint != nil && recordErr == nil {
			recordErr = o.Checkpoint.record(r.i, r.oc)
		}
		if o.Progress != nil {
			o.Progress(done, len(p.Jobs))
		}
	}
	res.Elapsed = time.Since(start)
	if recordErr != nil {
		return nil, fmt.Errorf("writing the checkpoint: %w", recordErr)
	}
	for i, oc := range outcomes {
		switch {
		case oc == nil:
			return res, fmt.Errorf("%w after %d of %d samples", ErrInterrupted, done, len(p.Jobs))
		case oc.Row != nil:
			res.Rows = append(res.Rows, *oc.Row)
		default:
			res.Failures[p.Jobs[i].SimID] = oc.Err
		}
	}
	if len(res.Rows) == 0 {
		return res, fmt.Errorf("no successful simulations for %s '%s' (%d/%d failed)", p.Generator, p.Name, len(res.Failures), len(p.Jobs))
	}
	return res, nil
}

// runJob simulates one job and extracts its features. The features are computed from the
// frames as the simulation produces them (features.Stream): no history is stored, so a worker
// works in O(grid²) memory that stays in its CPU's cache, and workers do not compete for
// memory bandwidth. The features are bit for bit those of the history.
func runJob(j Job, cfg features.Config) *Outcome {
	c := j.config()
	var s *features.Stream
	if c.Steps >= 1 && c.GridSize >= 1 && c.Steps <= field.MaxHistoryValues/(c.GridSize*c.GridSize) {
		s, _ = features.NewStream(c.GridSize, c.Steps, cfg)
	}
	if s == nil {
		// A job the history path rejects: let it report why, in its own words.
		return runJobHistory(j, cfg)
	}
	// Dataset rows carry no activator/inhibitor means: let the engine skip that work.
	sim, err := field.RunWith(c, field.RunOptions{Frame: s.Push, SkipReactionMeans: true})
	if err != nil {
		return &Outcome{Err: err.Error()}
	}
	v, err := s.Vector()
	if err != nil {
		return &Outcome{Err: err.Error()}
	}
	return &Outcome{Row: &Row{Job: j, Features: v, GrowthEvents: sim.GrowthEvents,
		TuringActivations: sim.TuringActivations, ClampingEvents: sim.ClampingEvents}}
}

// runJobHistory is runJob through a recorded history.
func runJobHistory(j Job, cfg features.Config) *Outcome {
	sim, err := field.RunWith(j.config(), field.RunOptions{History: true, SkipReactionMeans: true})
	if err != nil {
		return &Outcome{Err: err.Error()}
	}
	v, err := features.FromResult(sim, cfg)
	if err != nil {
		return &Outcome{Err: err.Error()}
	}
	return &Outcome{Row: &Row{Job: j, Features: v, GrowthEvents: sim.GrowthEvents,
		TuringActivations: sim.TuringActivations, ClampingEvents: sim.ClampingEvents}}
}
