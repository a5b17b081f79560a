package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

var stagingAuth = map[string]string{
	"MFN_ENV": "staging", "MFN_API_KEY": "k-one", "MFN_API_KEYS": "k-two, k-three",
	"MFN_CRYPTO_ENABLED": "false", "MFN_LOG_FORMAT": "json",
}

// Every response, 401 and 429 included, carries X-Request-ID, is logged and is counted.
func TestRejectionsAreIdentifiedLoggedAndCounted(t *testing.T) {
	env := withStaging(map[string]string{"MFN_RATE_LIMIT_ROUTES": "/nernst=1", "MFN_CORS_ORIGINS": "https://app.example"})
	app, logs := testApp(t, env)
	h := app.Handler()
	body := `{"concentration_out_molar":0.005,"concentration_in_molar":0.14}`

	unauth := call(h, "POST", "/nernst", body, "Origin", "https://app.example")
	if unauth.Code != 401 || unauth.Body.String() != `{"detail":"Invalid or missing API key","error_code":"authentication_required"}` {
		t.Fatalf("no key: %d %s", unauth.Code, unauth.Body.String())
	}
	if unauth.Header().Get("WWW-Authenticate") != `API-Key header="X-API-Key"` {
		t.Errorf("401 without WWW-Authenticate: %v", unauth.Header())
	}
	if unauth.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("401 without CORS headers: %v", unauth.Header())
	}
	if ok := call(h, "POST", "/nernst", body, "X-API-Key", "k-three"); ok.Code != 200 {
		t.Fatalf("valid key: %d %s", ok.Code, ok.Body.String())
	}
	limited := call(h, "POST", "/nernst", body, "X-API-Key", "k-three", "X-Request-ID", "client-id-42")
	if limited.Code != 429 {
		t.Fatalf("second request on a bucket of 1: %d %s", limited.Code, limited.Body.String())
	}
	for _, rec := range []*httptest.ResponseRecorder{unauth, limited} {
		if rec.Header().Get("X-Request-ID") == "" {
			t.Errorf("%d without X-Request-ID", rec.Code)
		}
	}
	if limited.Header().Get("X-Request-ID") != "client-id-42" {
		t.Errorf("incoming request ID not kept: %q", limited.Header().Get("X-Request-ID"))
	}
	var lb map[string]any
	_ = json.Unmarshal(limited.Body.Bytes(), &lb)
	if lb["detail"] != "Rate limit exceeded" || lb["error_code"] != "rate_limit_exceeded" || lb["retry_after"] == nil {
		t.Errorf("429 body %s", limited.Body.String())
	}
	for _, hd := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if limited.Header().Get(hd) == "" {
			t.Errorf("429 without %s", hd)
		}
	}
	for status, want := range map[string]float64{"401": 1, "200": 1, "429": 1} {
		got := testutil.ToFloat64(app.metrics.requests.WithLabelValues("/nernst", "POST", status))
		if got != want {
			t.Errorf("mfn_http_requests_total{status=%s} = %v, want %v", status, got, want)
		}
	}
	log := logs.String()
	for _, s := range []string{`"status":401`, `"status":429`, `"request_id":"client-id-42"`, `"route":"/nernst"`} {
		if !strings.Contains(log, s) {
			t.Errorf("log lacks %s:\n%s", s, log)
		}
	}
	for _, key := range []string{"k-one", "k-two", "k-three"} {
		if strings.Contains(log, key) {
			t.Errorf("an API key leaked into the log")
		}
	}
}

func TestAuthPublicAndProtectedPaths(t *testing.T) {
	app, _ := testApp(t, stagingAuth)
	h := app.Handler()
	for _, p := range []string{"/health", "/ready", "/metrics", "/openapi.json", "/docs"} {
		if rec := call(h, "GET", p, ""); rec.Code != 200 {
			t.Errorf("public %s: %d", p, rec.Code)
		}
	}
	// Prefixes of public paths are not public (the reference's startswith check was).
	for _, p := range []string{"/healthz", "/metricsfoo", "/docs/x", "/unknown"} {
		if rec := call(h, "GET", p, ""); rec.Code != 401 {
			t.Errorf("%s without key: %d", p, rec.Code)
		}
	}
	for _, k := range []string{"k-one", "k-two", "k-three"} {
		if rec := call(h, "POST", "/simulate", `{"grid_size":8,"steps":1}`, "X-API-Key", k); rec.Code != 200 {
			t.Errorf("key %s: %d", k, rec.Code)
		}
	}
	for _, k := range []string{"k-on", "", "K-ONE", "k-one ", "ключ"} {
		if rec := call(h, "POST", "/simulate", `{}`, "X-API-Key", k); rec.Code != 401 {
			t.Errorf("key %q: %d", k, rec.Code)
		}
	}
}

func TestCORSPreflightPassesWithoutKey(t *testing.T) {
	env := withStaging(map[string]string{"MFN_CORS_ORIGINS": "https://a.example,https://b.example"})
	app, _ := testApp(t, env)
	h := app.Handler()
	rec := call(h, "OPTIONS", "/simulate", "", "Origin", "https://b.example", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "X-API-Key, Content-Type")
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "https://b.example" ||
		rec.Header().Get("Access-Control-Allow-Credentials") != "true" ||
		rec.Header().Get("Access-Control-Allow-Headers") != "X-API-Key, Content-Type" ||
		rec.Header().Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
	if rec := call(h, "OPTIONS", "/simulate", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST"); rec.Code != 400 {
		t.Errorf("preflight from another origin: %d", rec.Code)
	}
	if rec := call(h, "OPTIONS", "/simulate", "", "Origin", "https://a.example", "Access-Control-Request-Method", "DELETE"); rec.Code != 400 {
		t.Errorf("preflight for DELETE: %d", rec.Code)
	}
	// Wildcard (dev default): no credentials.
	dev, _ := testApp(t, nil)
	rec = call(dev.Handler(), "GET", "/health", "", "Origin", "https://x.example")
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "X-Request-ID") {
		t.Errorf("wildcard CORS: %v", rec.Header())
	}
	// Prod default: no CORS at all.
	prod, _ := testApp(t, map[string]string{"MFN_ENV": "prod", "MFN_API_KEY": "k", "MFN_CRYPTO_ENABLED": "false"})
	if rec := call(prod.Handler(), "GET", "/health", "", "Origin", "https://x.example"); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("prod CORS header: %v", rec.Header())
	}
}

func TestRequestIDSanitised(t *testing.T) {
	app, _ := testApp(t, nil)
	for id, keep := range map[string]bool{
		"abc-123":                   true,
		"00-4bf92f3577b34da6a3ce-0": true,
		strings.Repeat("a", 128):    true,
		strings.Repeat("a", 129):    false,
		"bad id":                    false,
		"x\ny":                      false,
		`"quoted"`:                  false,
	} {
		req := httptest.NewRequest("GET", "/health", nil)
		req.Header["X-Request-Id"] = []string{id}
		rec := httptest.NewRecorder()
		app.Handler().ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-ID")
		if keep != (got == id) || len(got) == 0 || len(got) > 128 {
			t.Errorf("incoming %q: answered %q (keep %v)", id, got, keep)
		}
	}
}

func TestPanicBecomesLogged500(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	m := NewMetrics()
	h := chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }),
		withRequestID, withRecovery(log), withAccessLog(log, AccessLogMode{}), withMetrics(m))
	rec := call(h, "GET", "/health", "")
	if rec.Code != 500 || rec.Body.String() != `{"detail":"Internal Server Error"}` || rec.Header().Get("X-Request-ID") == "" {
		t.Errorf("panic: %d %s %v", rec.Code, rec.Body.String(), rec.Header())
	}
	if !strings.Contains(logs.String(), "panic in handler") || !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("log: %s", logs.String())
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("/health", "GET", "500")); got != 1 {
		t.Errorf("500 counted %v times", got)
	}
}

func TestBodyLimit(t *testing.T) {
	app, _ := testApp(t, map[string]string{"MFN_MAX_BODY_BYTES": "2048"})
	big := `{"gradients":[[` + strings.Repeat("1.0,", 1000) + `1.0]]}`
	rec := call(app.Handler(), "POST", "/federated/aggregate", big)
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), "2048") {
		t.Errorf("declared length over the limit: %d %s", rec.Code, rec.Body.String())
	}
	// Chunked (no Content-Length): the limit applies while reading.
	req := httptest.NewRequest("POST", "/federated/aggregate", strings.NewReader(big))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rr := httptest.NewRecorder()
	app.Handler().ServeHTTP(rr, req)
	if rr.Code != 413 {
		t.Errorf("chunked body over the limit: %d %s", rr.Code, rr.Body.String())
	}
}

func TestHandlerTimeoutAnswers503(t *testing.T) {
	// The largest simulation the API accepts (256² × 1000 steps) takes ~50 ms since the AVX2
	// kernels (ADR 33), under the smallest handler timeout (100 ms). So one worker gets eight at
	// once: the later ones wait in the queue past their deadline, and each must be answered 503
	// with Retry-After, not left running or hanging.
	app, _ := testApp(t, map[string]string{"MFN_HANDLER_TIMEOUT": "100ms", "MFN_WORKERS": "1", "MFN_QUEUE_SIZE": "16"})
	const n = 8
	codes := make(chan *httptest.ResponseRecorder, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		go func() { codes <- call(app.Handler(), "POST", "/simulate", `{"grid_size":256,"steps":1000}`) }()
	}
	timedOut := 0
	for i := 0; i < n; i++ {
		rec := <-codes
		switch {
		case rec.Code == 503 && rec.Header().Get("Retry-After") != "" && strings.Contains(rec.Body.String(), "timed out"):
			timedOut++
		case rec.Code != 200:
			t.Errorf("slow simulation: %d %s", rec.Code, rec.Body.String())
		}
	}
	if timedOut == 0 {
		t.Errorf("none of %d simulations queued behind one worker timed out", n)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("timeouts answered after %v", el)
	}
}

func TestFullQueueAnswers503(t *testing.T) {
	app, _ := testApp(t, map[string]string{"MFN_WORKERS": "1", "MFN_QUEUE_SIZE": "0"})
	block := make(chan struct{})
	started := make(chan struct{})
	// With no queue a job is taken only by a worker already waiting for one, and the worker
	// may not be there yet: retry until the blocking job runs.
	go func() {
		for {
			_, _ = Run(context.Background(), app.pool, func(context.Context) (int, error) {
				close(started)
				<-block
				return 0, nil
			})
			select {
			case <-started:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	<-started
	rec := call(app.Handler(), "POST", "/simulate", `{"grid_size":8,"steps":1}`)
	close(block)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "1" || !strings.Contains(rec.Body.String(), "queue is full") {
		t.Errorf("full queue: %d %v %s", rec.Code, rec.Header(), rec.Body.String())
	}
	if got := testutil.ToFloat64(app.metrics.poolRejected); got != 1 {
		t.Errorf("rejections counted: %v", got)
	}
}
