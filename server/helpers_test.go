package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testApp opens the service with the given environment (dev when MFN_ENV is absent) and
// closes it at the end of the test. The log is returned for inspection.
func testApp(t testing.TB, env map[string]string) (*App, *syncBuffer) {
	t.Helper()
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	app, err := Open(context.Background(), cfg, logs, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app, logs
}

// call sends one request through h; body "" means no body. Headers come in pairs.
func call(h http.Handler, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// decode parses a JSON response body.
func decode(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("status %d, body %q is not a JSON object: %v", rec.Code, rec.Body.String(), err)
	}
	return v
}

// issues returns the 422 issues of a response.
func issues(t testing.TB, rec *httptest.ResponseRecorder) []Issue {
	t.Helper()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422: %s", rec.Code, rec.Body.String())
	}
	var body struct{ Detail []Issue }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Detail) == 0 {
		t.Fatalf("422 body %s: %v", rec.Body.String(), err)
	}
	return body.Detail
}

// withStaging adds stagingAuth (middleware_test.go) to env.
func withStaging(env map[string]string) map[string]string {
	for k, v := range stagingAuth {
		env[k] = v
	}
	return env
}
