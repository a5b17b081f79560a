// Package grpcapi is the gRPC API of mfn (api/proto/mfn/v1), served beside REST by `mfn
// serve` on MFN_GRPC_ADDR. It is the same service, not a second one: every rule that is not
// about the wire — API keys, rate limits, the worker pool, validation, the domain calls —
// is the server package's, reached through server.Transport (docs/adr/0025-grpc.md).
package grpcapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	mfnv1 "mfn/api/proto/mfn/v1"
	"mfn/server"
)

// Limits of the gRPC server beyond the service's own.
const (
	// maxSendBytes bounds a response message (the largest, an aggregate of 2,000,000 float32
	// gradient values, is 8 MB).
	maxSendBytes = 64 << 20
	// maxStreamsPerConn bounds concurrent calls on one connection; the pool and the stream
	// hub bound the work itself.
	maxStreamsPerConn = 1000
	// readinessPoll is how often the health service re-reads readiness (/ready's checks).
	readinessPoll = 500 * time.Millisecond
	// flowWindow is the static HTTP/2 flow-control window, per stream and per connection.
	// grpc-go's default, a dynamic window sized by bandwidth-delay probes, pings the client
	// after nearly every request it receives: frames and wake-ups per call that cost a
	// Nernst call a large part of its CPU. 1 MiB covers a request of the usual sizes in one
	// window on any link; an upload near MFN_MAX_BODY_BYTES over a long-latency link waits for
	// window updates (1 MiB per round trip).
	flowWindow = 1 << 20
)

// Server is the gRPC server of a service.
type Server struct {
	t      *server.Transport
	grpc   *grpc.Server
	health *health.Server

	stopOnce sync.Once
	stop     chan struct{} // closed by Shutdown: ends the readiness poll
	polled   sync.WaitGroup
}

// New builds the gRPC server of t: MfnService, grpc.health.v1.Health (following readiness)
// and server reflection, behind the service's rules, the standard gRPC Prometheus metrics
// (grpc_server_handled_total{grpc_method,grpc_code}, …) and OpenTelemetry spans with the
// service's W3C propagator. Messages are bounded by MFN_MAX_BODY_BYTES; with
// MFN_TLS_CERT_FILE, the connection is TLS with the certificate REST reloads.
func New(t *server.Transport) (*Server, error) {
	cfg := t.Config()
	ru := &rules{t: t, log: t.Logger()}
	metrics := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(
		grpcprom.WithHistogramBuckets([]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30})))
	if err := t.Metrics().Registry().Register(metrics); err != nil {
		return nil, fmt.Errorf("registering the gRPC metrics: %w", err)
	}
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(metrics.UnaryServerInterceptor(), ru.unary),
		grpc.ChainStreamInterceptor(metrics.StreamServerInterceptor(), ru.stream),
		grpc.MaxRecvMsgSize(int(cfg.MaxBodyBytes)),
		grpc.MaxSendMsgSize(maxSendBytes),
		grpc.MaxConcurrentStreams(maxStreamsPerConn),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: 2 * time.Minute}),
		grpc.StaticStreamWindowSize(flowWindow), grpc.StaticConnWindowSize(flowWindow),
		// Calls run on a few reused goroutines rather than a new one each (whose stack grows
		// anew every call); when all are busy, a call still gets its own.
		grpc.NumStreamWorkers(uint32(runtime.GOMAXPROCS(0))),
		// (grpc-go v1.85 shares the connections' write buffers by default: the
		// deprecated SharedWriteBuffer option would change nothing.)
	}
	// Without an exporter there are no spans to make (REST's tracing middleware steps aside
	// likewise); the stats handler would cost every call for nothing.
	if _, off := t.Tracer().(noop.TracerProvider); !off {
		opts = append(opts, grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(t.Tracer()),
			otelgrpc.WithPropagators(t.Propagator()))))
	}
	if tc := t.TLSConfig(); tc != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tc)))
	}
	s := &Server{t: t, grpc: grpc.NewServer(opts...), health: health.NewServer(), stop: make(chan struct{})}
	mfnv1.RegisterMfnServiceServer(s.grpc, &service{t: t})
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	metrics.InitializeMetrics(s.grpc)
	s.setHealth()
	s.polled.Add(1)
	go s.pollReadiness()
	return s, nil
}

// GRPC is the underlying grpc.Server.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// setHealth reports readiness as the health of the server ("") and of MfnService.
func (s *Server) setHealth() {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if s.t.Ready() {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.health.SetServingStatus("", st)
	s.health.SetServingStatus("mfn.v1.MfnService", st)
}

// pollReadiness follows readiness until Shutdown.
func (s *Server) pollReadiness() {
	defer s.polled.Done()
	t := time.NewTicker(readinessPoll)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.setHealth()
		}
	}
}

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.grpc.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("serving gRPC on %s: %w", ln.Addr(), err)
	}
	return nil
}

// Shutdown stops gracefully: health turns NOT_SERVING, new calls are refused, calls in
// flight may finish until ctx ends; then the rest are cancelled.
func (s *Server) Shutdown(ctx context.Context) {
	s.stopOnce.Do(func() {
		close(s.stop)
		s.polled.Wait()
		s.health.Shutdown()
		done := make(chan struct{})
		go func() {
			s.grpc.GracefulStop()
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			s.t.Logger().Warn("gRPC calls did not finish in time; cancelling them")
			s.grpc.Stop()
			<-done
		}
	})
}
