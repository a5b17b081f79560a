package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mfn/dataset"
	"mfn/features"
	"mfn/internal/blobstore"
)

// shardedRun is a run whose output goes through blobstore: a shard's part in a dataset
// directory, or a whole dataset to an object-storage URL.
type shardedRun struct {
	out         string
	shard       *dataset.Shard
	resume      bool
	workers     int
	quiet       bool
	timestamp   string
	metricsAddr string
	// syncEvery is how often the journal (in object storage) and the progress record are
	// uploaded: a pod that dies loses at most this much work.
	syncEvery time.Duration
}

// progressRecord is the _NAME.progress.json object `mfn dataset status` reads.
type progressRecord struct {
	Shard     *dataset.Shard `json:"shard,omitempty"`
	Done      int            `json:"done"`
	Total     int            `json:"total"`
	RunID     string         `json:"run_id"`
	Started   time.Time      `json:"started"`
	Updated   time.Time      `json:"updated"`
	Completed bool           `json:"completed"`
}

// formatOf is the output format named by a file or directory name's extension.
func formatOf(name string) (string, error) {
	name, _, _ = strings.Cut(name, "?")
	switch filepath.Ext(strings.TrimSuffix(name, "/")) {
	case ".parquet":
		return "parquet", needParquet("parquet", name)
	case ".csv":
		return "csv", nil
	}
	return "", fmt.Errorf("%w: --out=%q: the name must end in .parquet or .csv (with --shard it names the dataset's directory, e.g. s3://bucket/runs/sweep.parquet)", errUsage, name)
}

func runShardedDataset(ctx context.Context, env *Env, plan *dataset.Plan, o shardedRun) error {
	fcfg := features.DefaultConfig()
	if plan.Layout == dataset.LayoutGM {
		fcfg = features.AdaptiveConfig() // as the local run does: the gm model's thresholds (ADR 0021)
	}
	runID := dataset.RunID(plan, fcfg) // of the whole plan: every shard shares it
	var dirURL, name, sidecar, label string
	var format string
	var err error
	full := plan
	if o.shard != nil {
		if format, err = formatOf(o.out); err != nil {
			return err
		}
		if plan, err = dataset.ShardPlan(plan, *o.shard); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		dirURL, name, sidecar = o.out, o.shard.PartName(format), dataset.SidecarName(o.shard.PartName(format))
		label = "shard " + o.shard.String() + ": "
	} else {
		dirURL, name = blobstore.Split(o.out)
		if format, err = formatOf(name); err != nil {
			return err
		}
		sidecar = name + ".meta.json"
	}
	// A part's journal and progress start with "_" (readers of the directory skip them); a
	// whole dataset's journal is named as the local single-process run names it.
	journalName, progressName := "_"+name+".partial", "_"+name+".progress.json"
	if o.shard == nil {
		journalName, progressName = name+".partial", name+".progress.json"
	}
	dir, err := blobstore.OpenDir(ctx, dirURL, true)
	if err != nil {
		return err
	}
	defer dir.Close()

	// The journal is a local file; a run in object storage keeps a copy there too, so that a
	// rescheduled pod resumes where the last one stopped.
	remote := blobstore.IsURL(dirURL)
	var journal string
	if remote {
		// A directory of the shard's own: shards of one run on one machine each remove theirs
		// when done, which a shared one would let a finished shard do under a starting one.
		leaf := runID[:16]
		if o.shard != nil {
			leaf += fmt.Sprintf("-%d-of-%d", o.shard.Index, o.shard.Count)
		}
		work := filepath.Join(os.TempDir(), "mfn-dataset", leaf)
		if err := os.MkdirAll(work, 0o755); err != nil {
			return err
		}
		journal = filepath.Join(work, journalName)
		if _, err := os.Stat(journal); errors.Is(err, os.ErrNotExist) {
			data, err := dir.ReadAll(ctx, journalName, 1<<30)
			switch {
			case err == nil:
				if err := os.WriteFile(journal, data, 0o644); err != nil {
					return err
				}
			case !errors.Is(err, blobstore.ErrNotExist):
				return err
			}
		}
	} else {
		journal = filepath.Join(dirURL, journalName)
	}
	runKey := runID
	if o.shard != nil {
		runKey += " shard " + o.shard.String()
	}
	cp, err := dataset.OpenCheckpoint(journal, runKey, o.timestamp, o.resume)
	if err != nil {
		if errors.Is(err, dataset.ErrCheckpointExists) && remote {
			return fmt.Errorf("%v (its copy in the bucket is %s)", err, dir.Join(journalName))
		}
		return err
	}

	rec := progressRecord{Shard: o.shard, Total: len(plan.Jobs), RunID: runID, Started: time.Now().UTC()}
	var mu sync.Mutex // guards rec.Done
	gauges := newShardGauges(plan, o.shard)
	stopMetrics, err := serveShardMetrics(o.metricsAddr, gauges.reg, env)
	if err != nil {
		cp.Close()
		return err
	}
	defer stopMetrics()
	upload := func() {
		mu.Lock()
		r := rec
		mu.Unlock()
		r.Updated = time.Now().UTC()
		if remote {
			if data, err := os.ReadFile(journal); err == nil {
				if err := dir.Write(ctx, journalName, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
					fmt.Fprintf(env.Stderr, "%swarning: %v\n", label, err)
				}
			}
		}
		if err := dir.Write(ctx, progressName, func(w io.Writer) error { return json.NewEncoder(w).Encode(r) }); err != nil {
			fmt.Fprintf(env.Stderr, "%swarning: %v\n", label, err)
		}
	}
	// The syncer belongs to this run: it stops, and is waited for, before the run returns.
	syncCtx, stopSync := context.WithCancel(ctx)
	var syncer sync.WaitGroup
	syncer.Go(func() {
		t := time.NewTicker(o.syncEvery)
		defer t.Stop()
		for {
			upload()
			select {
			case <-syncCtx.Done():
				return
			case <-t.C:
			}
		}
	})
	stop := func() { stopSync(); syncer.Wait() }

	progress := newProgress(env, o.quiet, len(plan.Jobs))
	progress.label = label
	update := func(done, total int) {
		mu.Lock()
		rec.Done = done
		mu.Unlock()
		gauges.done.Set(float64(done))
		progress.update(done, total)
	}
	res, err := dataset.Generate(ctx, plan, dataset.Options{Workers: o.workers, Features: &fcfg, Progress: update, Checkpoint: cp})
	progress.finish()
	if err != nil {
		cp.Close()
		stop()
		if errors.Is(err, dataset.ErrInterrupted) {
			// The context is over: a last upload of the journal gets a fresh one.
			ctx = context.WithoutCancel(ctx)
			upload()
			return fmt.Errorf("%s%v; the finished samples are saved in %s: run the same command with --resume to continue", label, err, dir.Join(journalName))
		}
		return err
	}
	stop()
	ri := &dataset.RunInfo{Version: Version, Timestamp: cp.Timestamp}
	nw := o.workers
	if nw == 0 {
		nw = defaultWorkers()
	}
	meta := &dataset.Metadata{
		Generator: plan.Generator, Name: plan.Name, Layout: plan.Layout, Config: plan.Config, Features: fcfg,
		NumRows: len(res.Rows), NumColumns: len(dataset.Columns(plan.Layout)), Columns: dataset.ColumnNames(plan.Layout),
		FeatureNames: features.Names(), Requested: len(plan.Jobs), Failed: len(res.Failures), Failures: res.Failures,
		ElapsedSec: res.Elapsed.Seconds(), Workers: nw, Timestamp: cp.Timestamp, Version: Version, RunID: runID,
		Output: dir.Join(name), Format: format,
	}
	if o.shard != nil {
		meta.Shard, meta.PlanSamples = o.shard, len(full.Jobs)
	}
	err = dir.Write(ctx, name, func(w io.Writer) error {
		if format == "csv" {
			return dataset.WriteCSV(w, plan.Layout, res.Rows, ri)
		}
		return dataset.WriteParquet(w, plan.Layout, res.Rows, ri, meta)
	})
	if err == nil {
		err = dir.Write(ctx, sidecar, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(meta)
		})
	}
	if err != nil {
		cp.Close()
		return err
	}
	for _, n := range []string{progressName, journalName} {
		if err := dir.Delete(ctx, n); err != nil {
			fmt.Fprintf(env.Stderr, "%swarning: %v\n", label, err)
		}
	}
	if remote {
		if err := cp.Remove(); err != nil {
			fmt.Fprintf(env.Stderr, "%swarning: could not remove the local journal: %v\n", label, err)
		}
		os.Remove(filepath.Dir(journal)) // the shard's work directory
	} else {
		cp.Close() // the local journal was the one just deleted
	}
	printDatasetSummary(env.Stdout, plan, res, dir.Join(name), meta)
	if o.shard != nil {
		fmt.Fprintf(env.Stdout, "\nShard %s: %d of the run's %d samples; merge the %d parts with `mfn dataset merge %s --out FILE`\n",
			o.shard, len(plan.Jobs), len(full.Jobs), o.shard.Count, dir.String())
	}
	return nil
}

type shardGauges struct {
	reg  *prometheus.Registry
	done prometheus.Gauge
}

func newShardGauges(p *dataset.Plan, s *dataset.Shard) shardGauges {
	labels := prometheus.Labels{"dataset": p.Name, "shard": "", "shards": ""}
	if s != nil {
		labels["shard"], labels["shards"] = strconv.Itoa(s.Index), strconv.Itoa(s.Count)
	}
	g := shardGauges{reg: prometheus.NewRegistry()}
	g.done = prometheus.NewGauge(prometheus.GaugeOpts{Name: "mfn_dataset_samples_done",
		Help: "Samples of this shard finished (taken from the journal included).", ConstLabels: labels})
	total := prometheus.NewGauge(prometheus.GaugeOpts{Name: "mfn_dataset_samples_total",
		Help: "Samples of this shard.", ConstLabels: labels})
	total.Set(float64(len(p.Jobs)))
	cost := prometheus.NewGauge(prometheus.GaugeOpts{Name: "mfn_dataset_shard_cost",
		Help: "Estimated work of this shard (sum of grid² × steps).", ConstLabels: labels})
	cost.Set(float64(dataset.ShardCost(p)))
	g.reg.MustRegister(g.done, total, cost)
	return g
}

// serveShardMetrics serves /metrics on addr for the run's lifetime ("" serves nothing).
func serveShardMetrics(addr string, reg *prometheus.Registry, env *Env) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: --metrics-addr=%q: %v", errUsage, addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	fmt.Fprintf(env.Stderr, "metrics on http://%s/metrics\n", ln.Addr())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}, nil
}
