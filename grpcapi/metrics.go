package grpcapi

import (
	"strings"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

// serverMetrics are the standard gRPC server metrics, exactly as go-grpc-middleware's
// Prometheus provider (grpcprom.ServerMetrics) defines and counts them — grpc_server_started_total,
// grpc_server_handled_total{grpc_code}, grpc_server_msg_received_total,
// grpc_server_msg_sent_total and the grpc_server_handling_seconds histogram, by grpc_type,
// grpc_service and grpc_method, every method's series present from the start — but with each
// method's series looked up once, when the server is built, instead of on every call: the
// provider resolves five label sets per unary call (hashing the label values, locking the
// vector's map), which in a live server's cold caches was a measurable part of a small call's
// CPU (docs/performance.md, "gRPC beside REST"). The provider stays the reference:
// TestMetricsMatchProvider compares what both expose for the same calls.
type serverMetrics struct {
	started, handled, received, sent *prometheus.CounterVec
	seconds                          *prometheus.HistogramVec
	// methods holds the series of every registered method, by full method name ("/svc/Name");
	// it is written by initialize, before the server serves, and only read afterwards.
	methods map[string]*methodSeries
}

// methodSeries are one method's series: handled by code (codes 0–16, all that gRPC defines;
// any other is resolved by label, as the provider does).
type methodSeries struct {
	typ, svc, name          string
	handledVec              *prometheus.CounterVec
	started, received, sent prometheus.Counter
	seconds                 prometheus.Observer
	handled                 [codes.Unauthenticated + 1]prometheus.Counter
}

// newServerMetrics builds the vectors with the provider's names, help texts and label names,
// and the histogram with buckets.
func newServerMetrics(buckets []float64) *serverMetrics {
	base := []string{"grpc_type", "grpc_service", "grpc_method"}
	withCode := []string{"grpc_type", "grpc_service", "grpc_method", "grpc_code"}
	return &serverMetrics{
		started: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grpc_server_started_total",
			Help: "Total number of RPCs started on the server."}, base),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grpc_server_handled_total",
			Help: "Total number of RPCs completed on the server, regardless of success or failure."}, withCode),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grpc_server_msg_received_total",
			Help: "Total number of RPC stream messages received on the server."}, base),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grpc_server_msg_sent_total",
			Help: "Total number of gRPC stream messages sent by the server."}, base),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "grpc_server_handling_seconds",
			Help:    "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
			Buckets: buckets}, base),
		methods: map[string]*methodSeries{},
	}
}

// Describe and Collect make serverMetrics a prometheus.Collector.
func (m *serverMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.started.Describe(ch)
	m.handled.Describe(ch)
	m.received.Describe(ch)
	m.sent.Describe(ch)
	m.seconds.Describe(ch)
}

func (m *serverMetrics) Collect(ch chan<- prometheus.Metric) {
	m.started.Collect(ch)
	m.handled.Collect(ch)
	m.received.Collect(ch)
	m.sent.Collect(ch)
	m.seconds.Collect(ch)
}

// initialize creates the series of every method s serves, as the provider's
// InitializeMetrics does (zero-valued series for every method and code), and keeps them.
func (m *serverMetrics) initialize(s *grpc.Server) {
	for svc, info := range s.GetServiceInfo() {
		for _, mi := range info.Methods {
			m.methods["/"+svc+"/"+mi.Name] = m.resolve(grpcType(mi.IsClientStream, mi.IsServerStream), svc, mi.Name)
		}
	}
}

// grpcType is the provider's grpc_type label.
func grpcType(clientStream, serverStream bool) string {
	switch {
	case !clientStream && !serverStream:
		return string(grpcprom.Unary)
	case clientStream && !serverStream:
		return string(grpcprom.ClientStream)
	case !clientStream && serverStream:
		return string(grpcprom.ServerStream)
	}
	return string(grpcprom.BidiStream)
}

// series are the series of a call of fullMethod of type typ. A method the server does not
// register (its interceptors never see one) gets its series resolved by label, as the
// provider names them.
func (m *serverMetrics) series(fullMethod, typ string) *methodSeries {
	if ms, ok := m.methods[fullMethod]; ok && ms.typ == typ {
		return ms
	}
	svc, name := "unknown", "unknown" // the provider's split of a full method name
	if s := strings.TrimPrefix(fullMethod, "/"); strings.Contains(s, "/") {
		svc, name, _ = strings.Cut(s, "/")
	}
	return m.resolve(typ, svc, name)
}

// resolve creates (or finds) the series of one method, every code's included.
func (m *serverMetrics) resolve(typ, svc, name string) *methodSeries {
	ms := &methodSeries{typ: typ, svc: svc, name: name, handledVec: m.handled,
		started: m.started.WithLabelValues(typ, svc, name), received: m.received.WithLabelValues(typ, svc, name),
		sent: m.sent.WithLabelValues(typ, svc, name), seconds: m.seconds.WithLabelValues(typ, svc, name)}
	for c := range ms.handled {
		ms.handled[c] = m.handled.WithLabelValues(typ, svc, name, codes.Code(c).String())
	}
	return ms
}

// done counts a finished call: handled by its code, and its handling time since start.
func (ms *methodSeries) done(err error, start time.Time) {
	code := grpcprom.FromError(err).Code()
	if int(code) < len(ms.handled) {
		ms.handled[code].Inc()
	} else {
		ms.handledVec.WithLabelValues(ms.typ, ms.svc, ms.name, code.String()).Inc()
	}
	ms.seconds.Observe(time.Since(start).Seconds())
}

// countedStream counts a stream's messages as the provider does: each message received or
// sent without error.
type countedStream struct {
	grpc.ServerStream
	ms *methodSeries
}

func (s *countedStream) SendMsg(msg any) error {
	err := s.ServerStream.SendMsg(msg)
	if err == nil {
		s.ms.sent.Inc()
	}
	return err
}

func (s *countedStream) RecvMsg(msg any) error {
	err := s.ServerStream.RecvMsg(msg)
	if err == nil {
		s.ms.received.Inc()
	}
	return err
}
