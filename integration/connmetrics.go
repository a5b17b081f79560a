package integration

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ConnectorMetrics are the connectors' Prometheus series, labelled by connector name.
type ConnectorMetrics struct {
	fetched, failed, committed, rejected *prometheus.CounterVec
}

// NewConnectorMetrics makes the connector metrics and registers them with reg (nil: not
// registered).
func NewConnectorMetrics(reg prometheus.Registerer) *ConnectorMetrics {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"connector"})
	}
	m := &ConnectorMetrics{
		fetched:   counter("mfn_integration_connector_fetched_total", "Requests a connector handed out."),
		failed:    counter("mfn_integration_connector_failed_total", "Polls and commits of a connector that failed."),
		committed: counter("mfn_integration_connector_committed_total", "Requests a connector committed as done."),
		rejected:  counter("mfn_integration_connector_rejected_total", "Requests the worker could not run (bad input); answered with an error result."),
	}
	if reg != nil {
		reg.MustRegister(m.fetched, m.failed, m.committed, m.rejected)
	}
	return m
}

// Rejected counts a request of connector name the worker refused.
func (m *ConnectorMetrics) Rejected(name string) {
	if m != nil {
		m.rejected.WithLabelValues(name).Inc()
	}
}

// instrumented wraps a Source with its metrics and the health it reports.
type instrumented struct {
	Source
	name, typ string
	m         *ConnectorMetrics

	mu          sync.Mutex
	checkErr    error
	lastErr     string
	lastErrTime time.Time
}

// Instrument wraps src so that its polls and commits are counted under name and its
// failures show in Health. m may be nil.
func Instrument(name, typ string, src Source, m *ConnectorMetrics) Source {
	if m == nil {
		m = NewConnectorMetrics(nil)
	}
	// Every series of the connector exists from the start, at 0: a rate over a counter that
	// appears only at its first failure is no rate at all (dashboards and alerts see nothing).
	for _, c := range []*prometheus.CounterVec{m.fetched, m.failed, m.committed, m.rejected} {
		c.WithLabelValues(name)
	}
	return &instrumented{Source: src, name: name, typ: typ, m: m}
}

func (s *instrumented) note(err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	s.lastErr, s.lastErrTime = err.Error(), time.Now().UTC()
	s.mu.Unlock()
}

func (s *instrumented) Poll(ctx context.Context) ([]Delivery, error) {
	ds, err := s.Source.Poll(ctx)
	if err != nil && ctx.Err() == nil {
		s.m.failed.WithLabelValues(s.name).Inc()
		s.note(err)
	}
	s.m.fetched.WithLabelValues(s.name).Add(float64(len(ds)))
	return ds, err
}

func (s *instrumented) Commit(ctx context.Context, ds []Delivery) error {
	err := s.Source.Commit(ctx, ds)
	if err != nil {
		s.m.failed.WithLabelValues(s.name).Inc()
		s.note(err)
		return err
	}
	s.m.committed.WithLabelValues(s.name).Add(float64(len(ds)))
	return nil
}

func (s *instrumented) Check(ctx context.Context) error {
	err := s.Source.Check(ctx)
	s.mu.Lock()
	s.checkErr = err
	s.mu.Unlock()
	s.note(err)
	return err
}

// Health is the connector's state: unhealthy while its last check failed.
func (s *instrumented) Health() Health {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := Health{Name: s.name, Kind: "connector", Type: s.typ, Healthy: s.checkErr == nil,
		LastError: s.lastErr, LastErrorTime: s.lastErrTime}
	if b, ok := s.Source.(interface{ Breaker() BreakerState }); ok {
		h.Breaker = b.Breaker()
		h.Healthy = h.Healthy && h.Breaker != BreakerOpen
	}
	return h
}
