package grpcapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"

	mfnv1 "mfn/api/proto/mfn/v1"
	"mfn/server"
)

// testKey is the API key of the test services that require one.
const testKey = "test-key-0123456789"

// harness is one service with both transports: REST through its handler, gRPC over bufconn.
type harness struct {
	app    *server.App
	gs     *Server
	conn   *grpc.ClientConn
	client mfnv1.MfnServiceClient
	logs   *lockedWriter
}

// newHarness opens a service configured by env (on top of a quiet test configuration) and
// serves its gRPC API in memory. Cleanup stops both.
func newHarness(t testing.TB, env map[string]string) *harness {
	t.Helper()
	base := map[string]string{"MFN_LOG_LEVEL": "INFO", "MFN_LOG_FORMAT": "json", "MFN_RATE_LIMIT_ENABLED": "false",
		"MFN_API_KEY_REQUIRED": "false", "MFN_CRYPTO_ENABLED": "true", "MFN_LOG_FLUSH": "0"}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := server.LoadConfig(func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedWriter{}
	app, err := server.Open(context.Background(), cfg, logs, "test")
	if err != nil {
		t.Fatal(err)
	}
	gs, err := New(app.Transport())
	if err != nil {
		t.Fatal(err)
	}
	lis := bufconn.Listen(1 << 20)
	served := make(chan error, 1)
	go func() { served <- gs.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		gs.Shutdown(ctx)
		if err := <-served; err != nil {
			t.Error(err)
		}
		app.Close()
	})
	return &harness{app: app, gs: gs, conn: conn, client: mfnv1.NewMfnServiceClient(conn), logs: logs}
}

// rest posts body to path on the REST handler and returns the status and decoded JSON.
func (h *harness) rest(t testing.TB, path string, body any, key string) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	rec := httptest.NewRecorder()
	h.app.Handler().ServeHTTP(rec, req)
	raw, _ := io.ReadAll(rec.Body)
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: %d %s: %v", path, rec.Code, raw, err)
	}
	return rec.Code, out
}

// withKey adds the API key to an outgoing context.
func withKey(ctx context.Context, key string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "x-api-key", key)
}

// lockedWriter serialises the writes of concurrent loggers into a buffer.
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func ptr[T any](v T) *T { return &v }
