package otlptest

import (
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// Export is one export request as a OnePort receiver saw it.
type Export struct {
	// Protocol is "grpc" or "http/protobuf", as OTEL_EXPORTER_OTLP_PROTOCOL names them.
	Protocol string
	// Path is the URL path (OTLP/HTTP) or the gRPC method's path.
	Path string
	// Header holds the request's headers; gRPC metadata arrives as HTTP/2 headers.
	Header http.Header
	TLS    bool
}

// OnePort is a receiver serving OTLP/HTTP and OTLP/gRPC on one port, over TLS when given a
// certificate, as a vendor's intake or a collector behind one load-balancer port does. It
// records every export request, so that a test sees which protocol, path and headers (API
// keys) a configuration really sends, not just that spans arrived.
type OnePort struct {
	*Receiver
	// Endpoint is http://127.0.0.1:port, or https://… with TLS.
	Endpoint string

	mu      sync.Mutex
	exports []Export
}

// StartOnePort runs a one-port receiver until the test ends; cfg (with a certificate) makes it
// serve TLS only, nil plaintext (HTTP/1.1 and HTTP/2 with prior knowledge, as gRPC speaks it).
// OTLP/HTTP is accepted on any path ending in /v1/traces (an endpoint may carry a prefix).
func StartOnePort(t testing.TB, cfg *tls.Config) *OnePort {
	t.Helper()
	o := &OnePort{Receiver: &Receiver{added: make(chan struct{}, 1)}}
	gs := grpc.NewServer()
	collectorpb.RegisterTraceServiceServer(gs, grpcService{r: o.Receiver})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{ReadHeaderTimeout: 5 * time.Second, Protocols: new(http.Protocols)}
	hs.Protocols.SetHTTP1(true)
	hs.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		grpcCall := r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc")
		e := Export{Protocol: "http/protobuf", Path: r.URL.Path, Header: r.Header.Clone(), TLS: r.TLS != nil}
		if grpcCall {
			e.Protocol = "grpc"
		}
		o.mu.Lock()
		o.exports = append(o.exports, e)
		o.mu.Unlock()
		switch {
		case grpcCall:
			gs.ServeHTTP(w, r)
		case strings.HasSuffix(r.URL.Path, "/v1/traces"):
			r.URL.Path = "/v1/traces"
			o.serveHTTP(w, r)
		default:
			http.Error(w, "not found", http.StatusNotFound)
		}
	})
	o.Endpoint = "http://" + ln.Addr().String()
	if cfg != nil {
		cfg = cfg.Clone()
		cfg.NextProtos = []string{"h2", "http/1.1"}
		hs.TLSConfig = cfg
		hs.Protocols.SetHTTP2(true)
		ln = tls.NewListener(ln, cfg)
		o.Endpoint = "https://" + strings.TrimPrefix(o.Endpoint, "http://")
	} else {
		hs.Protocols.SetUnencryptedHTTP2(true)
	}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		_ = hs.Close()
		gs.Stop()
	})
	return o
}

// Exports is a copy of every export request received so far.
func (o *OnePort) Exports() []Export {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Export(nil), o.exports...)
}
