package server

import "github.com/prometheus/client_golang/prometheus"

// SimulationMetrics are the domain metrics of a process that simulates outside the service
// (mfn worker): the service's names, help texts and buckets (TestSimulationMetricsMatch).
type SimulationMetrics struct {
	FractalDimension prometheus.Histogram
	GrowthEvents     prometheus.Counter
	// Duration is mfn_simulation_duration_seconds{endpoint} of the process's work.
	Duration prometheus.Observer
}

// NewSimulationMetrics registers the metrics with reg; endpoint labels the durations.
func NewSimulationMetrics(reg prometheus.Registerer, endpoint string) *SimulationMetrics {
	fd := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "mfn_fractal_dimension", Help: "Box-counting fractal dimension of simulated fields",
		Buckets: tenths(21),
	})
	ge := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "mfn_growth_events_total", Help: "Growth events (spikes) of all simulations",
	})
	d := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "mfn_simulation_duration_seconds", Help: "Duration of simulation work (queue wait excluded)",
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"endpoint"})
	reg.MustRegister(fd, ge, d)
	return &SimulationMetrics{FractalDimension: fd, GrowthEvents: ge, Duration: d.WithLabelValues(endpoint)}
}
