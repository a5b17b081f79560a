package server

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestSimulationMetricsMatch: the worker's metrics are the service's, name, help, type and
// buckets, so one dashboard reads both.
func TestSimulationMetricsMatch(t *testing.T) {
	reg := prometheus.NewRegistry()
	sm := NewSimulationMetrics(reg, "worker")
	sm.FractalDimension.Observe(1.5)
	sm.GrowthEvents.Add(3)
	sm.Duration.Observe(0.01)
	m := NewMetrics()
	m.fractalDimension.Observe(1.5)
	m.growthEvents.Add(3)
	m.simDuration.WithLabelValues("worker").Observe(0.01)
	worker, _ := reg.Gather()
	service, _ := m.Registry().Gather()
	for _, mfs := range [][]*dto.MetricFamily{worker, service} { // creation times differ, of course
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				if m.Histogram != nil {
					m.Histogram.CreatedTimestamp = nil
				}
				if m.Counter != nil {
					m.Counter.CreatedTimestamp = nil
				}
			}
		}
	}
	byName := map[string]string{}
	for _, mf := range service {
		byName[mf.GetName()] = mf.String()
	}
	if len(worker) != 3 {
		t.Fatalf("%d families", len(worker))
	}
	for _, mf := range worker {
		if byName[mf.GetName()] != mf.String() {
			t.Errorf("%s differs:\nworker  %s\nservice %s", mf.GetName(), mf.String(), byName[mf.GetName()])
		}
	}
}
