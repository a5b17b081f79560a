// Package bench holds the named workloads of `mfn bench`: each is set up once, warmed up, then
// timed repeatedly; the median time per run is reported.
package bench

import (
	"fmt"
	"sort"
	"time"
)

// Workload is one named benchmark. Setup prepares inputs outside the timed region and
// returns the function to time.
type Workload struct {
	Name    string
	Summary string
	Setup   func() (run func(), err error)
}

var workloads = map[string]Workload{}

// Register adds a workload; files of this package call it from init.
func Register(w Workload) {
	if _, dup := workloads[w.Name]; dup {
		panic("bench: duplicate workload " + w.Name)
	}
	workloads[w.Name] = w
}

// Names lists every workload name, sorted.
func Names() []string {
	ns := make([]string, 0, len(workloads))
	for n := range workloads {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// Lookup returns the named workload.
func Lookup(name string) (Workload, bool) {
	w, ok := workloads[name]
	return w, ok
}

// Result is the outcome of timing one workload.
type Result struct {
	Name     string `json:"-"`
	MedianNs int64  `json:"median_ns"`
	Runs     int    `json:"runs"`
}

// Options bound how long each workload is timed.
type Options struct {
	// MinRuns and MinTime: keep timing until both are reached (or MaxRuns).
	MinRuns int
	MinTime time.Duration
	MaxRuns int
}

// DefaultOptions time each workload for at least 1 s and 5 runs.
var DefaultOptions = Options{MinRuns: 5, MinTime: time.Second, MaxRuns: 100000}

// Measure sets up, warms up and times w.
func Measure(w Workload, o Options) (Result, error) {
	run, err := w.Setup()
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", w.Name, err)
	}
	run() // warm-up: caches, page faults, lazy tables
	var times []time.Duration
	start := time.Now()
	for len(times) < o.MaxRuns && (len(times) < o.MinRuns || time.Since(start) < o.MinTime) {
		t0 := time.Now()
		run()
		times = append(times, time.Since(t0))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return Result{Name: w.Name, MedianNs: median(times).Nanoseconds(), Runs: len(times)}, nil
}

func median(ts []time.Duration) time.Duration {
	n := len(ts)
	if n%2 == 1 {
		return ts[n/2]
	}
	return (ts[n/2-1] + ts[n/2]) / 2
}
