package stream

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the streams' Prometheus metrics.
type Metrics struct {
	connections *prometheus.GaugeVec
	frames      *prometheus.CounterVec
	dropped     *prometheus.CounterVec
	closes      *prometheus.CounterVec
	rejected    *prometheus.CounterVec
	errors      *prometheus.CounterVec
}

// NewMetrics registers the stream metrics with reg (nil: a private registry).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "mfn_stream_connections",
			Help: "Open streaming connections"}, []string{"transport"}),
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mfn_stream_frames_sent_total",
			Help: "Stream data frames written to clients"}, []string{"transport", "stream"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mfn_stream_frames_dropped_total",
			Help: "Stream data frames dropped (oldest first) because a client's outbound queue was full"}, []string{"transport"}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mfn_stream_closes_total",
			Help: "Streaming connections ended, by reason"}, []string{"transport", "reason"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mfn_stream_rejected_total",
			Help: "Streaming connections refused by a connection limit"}, []string{"transport", "limit"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mfn_stream_error_messages_total",
			Help: "error, auth_failed and subscribe_failed messages sent, by error_code"}, []string{"code"}),
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	reg.MustRegister(m.connections, m.frames, m.dropped, m.closes, m.rejected, m.errors)
	// The series that count rare events exist from the start, at 0, so that rates over them
	// are 0 rather than absent (the dashboards' panels and the live Prometheus test need them).
	for _, tr := range []string{"ws", "sse"} {
		m.connections.WithLabelValues(tr)
		m.dropped.WithLabelValues(tr)
		for _, limit := range []string{"total", "per_key"} {
			m.rejected.WithLabelValues(tr, limit)
		}
	}
	for _, code := range []string{codeInitFailed, codeAuthFailed, codeAuthError, codeNotAuthenticated, codeSubscribeError,
		codeStreamError, codeBadMessage, codeUnknownType, codeTooLarge, codeRateLimited, codeTooMany} {
		m.errors.WithLabelValues(code)
	}
	return m
}
