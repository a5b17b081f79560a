package integration

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const testSecret = "s3cret"

// receiver is a webhook target that checks signatures and records per-message deliveries.
// fault, when set, may answer a request instead (after reading the body, so a fault can
// come after the target has seen the messages, like a lost response).
type receiver struct {
	t     *testing.T
	mu    sync.Mutex
	keys  map[string]int // deliveries per idempotency key
	vals  map[string]string
	raw   int // messages received, duplicates included
	reqs  int
	fault func(req int, w http.ResponseWriter, r *http.Request, body []byte) bool
}

func newReceiver(t *testing.T) (*receiver, *httptest.Server) {
	rc := &receiver{t: t, keys: map[string]int{}, vals: map[string]string{}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	rc.mu.Lock()
	rc.reqs++
	req, fault := rc.reqs, rc.fault
	rc.mu.Unlock()
	if fault != nil && fault(req, w, r, body) {
		return
	}
	if err := VerifyWebhook([]byte(testSecret), r.Header, body, time.Minute, time.Now()); err != nil {
		rc.t.Errorf("receiver: %v", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if err := rc.record(body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// record stores a body's messages, de-duplicating by key and counting raw deliveries.
func (rc *receiver) record(body []byte) error {
	var b WebhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		rc.t.Errorf("receiver: body: %v", err)
		return err
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, m := range b.Messages {
		if v, seen := rc.vals[m.Key]; seen && v != string(m.Value) {
			rc.t.Errorf("key %s re-delivered with a different value: %s then %s", m.Key, v, m.Value)
		}
		rc.keys[m.Key]++
		rc.vals[m.Key] = string(m.Value)
		rc.raw++
	}
	return nil
}

func (rc *receiver) setFault(f func(req int, w http.ResponseWriter, r *http.Request, body []byte) bool) {
	rc.mu.Lock()
	rc.fault = f
	rc.mu.Unlock()
}

// reset answers by closing the connection without a response.
func reset(w http.ResponseWriter) {
	c, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		c.Close()
	}
}

func newTestWebhook(t *testing.T, url string, mut func(*WebhookConfig)) Sink {
	t.Helper()
	c := WebhookConfig{URL: url, Secret: testSecret, Timeout: Duration(200 * time.Millisecond)}
	if mut != nil {
		mut(&c)
	}
	s, err := NewWebhookSink(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestWebhookRequest: the body is the envelope of all messages, signed over timestamp and
// body; the idempotency header is the key (one message) or a digest stable for the batch.
func TestWebhookRequest(t *testing.T) {
	var got []*http.Request
	var bodies [][]byte
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
	}))
	defer srv.Close()
	s := newTestWebhook(t, srv.URL, func(c *WebhookConfig) { c.Headers = map[string]string{"X-Tenant": "t1"} })
	ctx := context.Background()
	one := []Message{testMsg(1)}
	two := []Message{testMsg(1), testMsg(2)}
	for _, b := range [][]Message{one, two, two} {
		if err := s.Send(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	r := got[0]
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Tenant") != "t1" ||
		r.Header.Get(HeaderIdempotencyKey) != "k000001" || r.Header.Get(HeaderBatchSize) != "1" {
		t.Errorf("headers %v", r.Header)
	}
	if err := VerifyWebhook([]byte(testSecret), r.Header, bodies[0], time.Minute, time.Now()); err != nil {
		t.Error(err)
	}
	if err := VerifyWebhook([]byte("wrong"), r.Header, bodies[0], 0, time.Now()); err == nil {
		t.Error("a wrong secret verified")
	}
	if err := VerifyWebhook([]byte(testSecret), r.Header, append(bodies[0], ' '), 0, time.Now()); err == nil {
		t.Error("a changed body verified")
	}
	if err := VerifyWebhook([]byte(testSecret), r.Header, bodies[0], time.Minute, time.Now().Add(time.Hour)); err == nil {
		t.Error("an hour-old timestamp passed")
	}
	want := `{"messages":[{"key":"k000001","time":"2023-11-14T22:13:20.000000001Z","value":{"i":1}}]}`
	if string(bodies[0]) != want {
		t.Errorf("body %s\nwant %s", bodies[0], want)
	}
	k1, k2 := got[1].Header.Get(HeaderIdempotencyKey), got[2].Header.Get(HeaderIdempotencyKey)
	if !strings.HasPrefix(k1, "batch-") || k1 != k2 {
		t.Errorf("batch idempotency keys %q, %q: want equal batch- digests", k1, k2)
	}
}

// TestWebhookFaults: each kind of failure is classified right: 408, 429 and 5xx, timeouts
// and connection resets are retryable (Retry-After honoured); other 4xx are permanent.
func TestWebhookFaults(t *testing.T) {
	for _, tc := range []struct {
		name      string
		handle    func(w http.ResponseWriter, r *http.Request)
		permanent bool
		after     time.Duration
	}{
		{"500", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }, false, 0},
		{"503 Retry-After seconds", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(503)
		}, false, 7 * time.Second},
		{"429 Retry-After date", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", time.Now().Add(3*time.Minute).UTC().Format(http.TimeFormat))
			w.WriteHeader(429)
		}, false, 3 * time.Minute},
		{"503 Retry-After capped", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "86400")
			w.WriteHeader(503)
		}, false, maxRetryAfter},
		{"408", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(408) }, false, 0},
		{"400", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "bad", 400) }, true, 0},
		{"404", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) }, true, 0},
		{"timeout", func(_ http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body) // the server notices a closed connection only after the body
			<-r.Context().Done()
		}, false, 0},
		{"reset before reading", func(w http.ResponseWriter, _ *http.Request) { reset(w) }, false, 0},
		{"reset after reading", func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body)
			reset(w)
		}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(tc.handle))
			defer srv.Close()
			s := newTestWebhook(t, srv.URL, nil)
			err := s.Send(context.Background(), []Message{testMsg(1)})
			if err == nil {
				t.Fatal("no error")
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("%v: permanent %v, want %v", err, IsPermanent(err), tc.permanent)
			}
			if d := retryAfter(err); d < tc.after-2*time.Second || d > tc.after {
				t.Errorf("%v: retry after %v, want %v", err, d, tc.after)
			}
		})
	}
}

// TestWebhookPublisherThroughFaults: a publisher delivers every message exactly once (after
// de-duplication) through a target that fails with 5xx, timeouts, 429 and resets, some of
// them after it has already taken the messages.
func TestWebhookPublisherThroughFaults(t *testing.T) {
	rc, srv := newReceiver(t)
	rc.setFault(func(req int, w http.ResponseWriter, r *http.Request, _ []byte) bool {
		switch req % 6 {
		case 1:
			w.WriteHeader(502)
		case 2:
			reset(w)
		case 3:
			<-r.Context().Done() // timeout
		case 4:
			w.WriteHeader(429)
		default:
			return false
		}
		return true
	})
	o := testOptions(t.TempDir())
	o.Batch.Size = 7
	o.Retry.MaxAttempts = 10
	p := newTestPublisher(t, newTestWebhook(t, srv.URL, func(c *WebhookConfig) { c.Timeout = Duration(50 * time.Millisecond) }), o, nil, nil)
	publishRange(t, p, 0, 60)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.keys) != 60 {
		t.Fatalf("%d distinct keys delivered, want 60", len(rc.keys))
	}
	for i := range 60 {
		if m := testMsg(i); rc.vals[m.Key] != string(m.Value) {
			t.Fatalf("key %s: value %s, want %s", m.Key, rc.vals[m.Key], m.Value)
		}
	}
}

// TestWebhookConfigValidate: bad entries are named with their values.
func TestWebhookConfigValidate(t *testing.T) {
	t.Setenv("MFN_TEST_WEBHOOK_SECRET", "x")
	good := WebhookConfig{URL: "https://example.com/hook", SecretEnv: "MFN_TEST_WEBHOOK_SECRET"}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, tc := range []struct {
		mut  func(*WebhookConfig)
		want string
	}{
		{func(c *WebhookConfig) { c.URL = "ftp://x" }, `url: "ftp://x" is not allowed (want an absolute http:// or https:// URL)`},
		{func(c *WebhookConfig) { c.URL = "" }, `url: "" is not allowed`},
		{func(c *WebhookConfig) { c.Secret = "inline" }, "secret, secret_env, secret_file: more than one is set"},
		{func(c *WebhookConfig) { c.SecretEnv = "" }, "secret, secret_env, secret_file: none is set"},
		{func(c *WebhookConfig) { c.SecretEnv, c.SecretFile = "", "/nonexistent/secret" }, "secret_file: open /nonexistent/secret"},
		{func(c *WebhookConfig) { c.SecretEnv = "MFN_TEST_UNSET_VARIABLE" }, "secret_env: the environment variable MFN_TEST_UNSET_VARIABLE is not set or is empty"},
		{func(c *WebhookConfig) { c.Timeout = Duration(time.Hour) }, "timeout: 1h0m0s is not allowed (want 1ms..10m)"},
		{func(c *WebhookConfig) { c.MaxConnsPerHost = -1 }, "max_conns_per_host: -1 is not allowed (want 1..10000)"},
		{func(c *WebhookConfig) { c.Headers = map[string]string{"Bad Header": "v"} }, `headers: "Bad Header" is not allowed`},
		{func(c *WebhookConfig) { c.HealthURL = "nope" }, `health_url: "nope" is not allowed`},
	} {
		c := good
		tc.mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	if _, err := NewWebhookSink(WebhookConfig{}); err == nil || !strings.HasPrefix(err.Error(), "webhook: ") {
		t.Errorf("NewWebhookSink(zero): %v", err)
	}
}

// TestWebhookCheck: HEAD to the URL is healthy below 500; a health URL must answer 2xx; a
// closed server is unhealthy.
func TestWebhookCheck(t *testing.T) {
	status := 405
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			w.WriteHeader(503)
			return
		}
		w.WriteHeader(status)
	}))
	ctx := context.Background()
	if err := newTestWebhook(t, srv.URL, nil).Check(ctx); err != nil {
		t.Errorf("405 to HEAD: %v, want healthy", err)
	}
	if err := newTestWebhook(t, srv.URL, func(c *WebhookConfig) { c.HealthURL = srv.URL + "/health" }).Check(ctx); err == nil {
		t.Error("503 health URL: healthy")
	}
	status = 500
	if err := newTestWebhook(t, srv.URL, nil).Check(ctx); err == nil {
		t.Error("500 to HEAD: healthy")
	}
	srv.Close()
	var s Sink = newTestWebhook(t, srv.URL, nil)
	if err := s.Check(ctx); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("closed server: %v", err)
	}
}

// The signing secret from a file (a mounted Secret): bodies verify with the file's contents,
// trimmed of the newline that `kubectl create secret --from-file` keeps.
func TestWebhookSecretFromFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "webhook-secret")
	if err := os.WriteFile(file, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var body []byte
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		hdr = r.Header.Clone()
	}))
	defer srv.Close()
	s, err := NewWebhookSink(WebhookConfig{URL: srv.URL, SecretFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), []Message{testMsg(1)}); err != nil {
		t.Fatal(err)
	}
	if err := VerifyWebhook([]byte("from-a-file"), hdr, body, time.Minute, time.Now()); err != nil {
		t.Errorf("signature with the file's secret: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if _, err := NewWebhookSink(WebhookConfig{URL: srv.URL, SecretFile: empty}); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty secret file: %v", err)
	}
}
