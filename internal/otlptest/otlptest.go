// Package otlptest is an OTLP trace receiver for tests: it speaks the collector's protocol,
// OTLP/HTTP (POST /v1/traces, protobuf, optionally gzip) and OTLP/gRPC (TraceService/Export),
// on loopback, and keeps the spans it receives, so that a test exercises the real exporters
// and sees what a collector would.
package otlptest

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// Span is a received span, flattened.
type Span struct {
	Service, Name                 string
	TraceID, SpanID, ParentSpanID string // hex; ParentSpanID is "" for a root
	Kind                          tracepb.Span_SpanKind
	Attributes                    map[string]string
	// Resource holds the string attributes of the span's resource (service.name included).
	Resource map[string]string
}

// Receiver collects spans over both OTLP transports.
type Receiver struct {
	// HTTPEndpoint is the OTLP/HTTP base URL (http://127.0.0.1:port); GRPCEndpoint the
	// OTLP/gRPC one (http://127.0.0.1:port), as OTEL_EXPORTER_OTLP_ENDPOINT takes them.
	HTTPEndpoint, GRPCEndpoint string

	mu    sync.Mutex
	spans []Span
	added chan struct{}
}

// Start runs a receiver until the test ends.
func Start(t testing.TB) *Receiver {
	t.Helper()
	r := &Receiver{added: make(chan struct{}, 1)}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(r.serveHTTP), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(hl) }()
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	collectorpb.RegisterTraceServiceServer(gs, grpcService{r: r})
	go func() { _ = gs.Serve(gl) }()
	r.HTTPEndpoint, r.GRPCEndpoint = "http://"+hl.Addr().String(), "http://"+gl.Addr().String()
	t.Cleanup(func() {
		gs.Stop()
		_ = hs.Close()
	})
	return r
}

func (r *Receiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var body io.Reader = http.MaxBytesReader(w, req.Body, 64<<20)
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var msg collectorpb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.add(&msg)
	out, _ := proto.Marshal(&collectorpb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

type grpcService struct {
	collectorpb.UnimplementedTraceServiceServer
	r *Receiver
}

func (g grpcService) Export(_ context.Context, req *collectorpb.ExportTraceServiceRequest) (*collectorpb.ExportTraceServiceResponse, error) {
	g.r.add(req)
	return &collectorpb.ExportTraceServiceResponse{}, nil
}

func (r *Receiver) add(req *collectorpb.ExportTraceServiceRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		service, resource := "", map[string]string{}
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.Key == "service.name" {
				service = kv.Value.GetStringValue()
			}
			resource[kv.Key] = kv.Value.GetStringValue()
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				sp := Span{Service: service, Name: s.Name, TraceID: hex.EncodeToString(s.TraceId),
					SpanID: hex.EncodeToString(s.SpanId), Kind: s.Kind, Attributes: map[string]string{}, Resource: resource}
				if len(s.ParentSpanId) > 0 {
					sp.ParentSpanID = hex.EncodeToString(s.ParentSpanId)
				}
				for _, kv := range s.Attributes {
					sp.Attributes[kv.Key] = kv.Value.String()
				}
				r.spans = append(r.spans, sp)
			}
		}
	}
	select {
	case r.added <- struct{}{}:
	default:
	}
}

// Spans is a copy of every span received so far.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

// WaitFor waits up to d until ok holds for the received spans, and returns them.
func (r *Receiver) WaitFor(d time.Duration, ok func([]Span) bool) ([]Span, bool) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		spans := r.Spans()
		if ok(spans) {
			return spans, true
		}
		select {
		case <-r.added:
		case <-deadline.C:
			return r.Spans(), false
		}
	}
}

// Named returns the spans called name.
func Named(spans []Span, name string) []Span {
	var out []Span
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}
