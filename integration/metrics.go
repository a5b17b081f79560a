package integration

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the publishers' Prometheus series, labelled by publisher name and target type.
// One Metrics serves every publisher of a process.
type Metrics struct {
	sent, failed, retries, batches, sendErrors *prometheus.CounterVec
	breaker, depth, bytes                      *prometheus.GaugeVec
}

// NewMetrics makes the publisher metrics and registers them with reg (nil: not registered,
// for tests and tools). It panics if they are already registered with reg, like
// prometheus.MustRegister: that is a programming error.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	labels := []string{"publisher", "type"}
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	}
	m := &Metrics{
		sent:       counter("mfn_integration_messages_sent_total", "Messages the target acknowledged."),
		failed:     counter("mfn_integration_messages_failed_total", "Messages the target refused permanently (moved to the spool's dead-letter file)."),
		retries:    counter("mfn_integration_retries_total", "Send attempts after the first for the same batch."),
		batches:    counter("mfn_integration_batches_total", "Batches the target acknowledged."),
		sendErrors: counter("mfn_integration_send_errors_total", "Send attempts that failed, retryable or not."),
		breaker:    gauge("mfn_integration_breaker_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open."),
		depth:      gauge("mfn_integration_spool_depth", "Messages in the spool not yet delivered."),
		bytes:      gauge("mfn_integration_spool_bytes", "Bytes of spooled messages not yet delivered."),
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.failed, m.retries, m.batches, m.sendErrors, m.breaker, m.depth, m.bytes)
	}
	return m
}

// pubMetrics are one publisher's series, curried once.
type pubMetrics struct {
	sent, failed, retries, batches, sendErrors prometheus.Counter
	breaker, depth, bytes                      prometheus.Gauge
}

func (m *Metrics) forPublisher(name, typ string) pubMetrics {
	if m == nil {
		m = NewMetrics(nil)
	}
	return pubMetrics{
		sent: m.sent.WithLabelValues(name, typ), failed: m.failed.WithLabelValues(name, typ),
		retries: m.retries.WithLabelValues(name, typ), batches: m.batches.WithLabelValues(name, typ),
		sendErrors: m.sendErrors.WithLabelValues(name, typ), breaker: m.breaker.WithLabelValues(name, typ),
		depth: m.depth.WithLabelValues(name, typ), bytes: m.bytes.WithLabelValues(name, typ),
	}
}

// breakerValue is the gauge's encoding of a state.
func breakerValue(s BreakerState) float64 {
	switch s {
	case BreakerHalfOpen:
		return 1
	case BreakerOpen:
		return 2
	}
	return 0
}
