package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mfn/integration"
)

// integrationsApp opens the service with an integrations file of one webhook publisher.
func integrationsApp(t *testing.T, url string, required bool, extra string) *App {
	t.Helper()
	icfg, err := integration.ParseConfig([]byte(fmt.Sprintf(`spool_dir: %s
health_interval: 100ms
publishers:
  - name: results
    type: webhook
    required: %t
    webhook: {url: %q, secret: s3cret, timeout: 2s}
    retry: {max_attempts: 2, initial: 10ms, max: 50ms}
    breaker: {failures: 2, open_timeout: 1m}
    batch: {size: 1, linger: 0s}
%s
routes:
  - from: simulate
    to: [results]
`, t.TempDir(), required, url, extra)))
	if err != nil {
		t.Fatal(err)
	}
	// Close waits up to MFN_SHUTDOWN_TIMEOUT for publishers to drain; a down target never does.
	env := map[string]string{"MFN_SHUTDOWN_TIMEOUT": "500ms"}
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	app, err := Open(context.Background(), cfg, io.Discard, "test", WithIntegrations(icfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app
}

// TestSimulatePublishesToTheWebhook: a /simulate result reaches the webhook under the
// request's ID, signed; /health/connectors lists the publisher; /ready includes it.
func TestSimulatePublishesToTheWebhook(t *testing.T) {
	var mu sync.Mutex
	var got []integration.WebhookItem
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := integration.VerifyWebhook([]byte("s3cret"), r.Header, body, time.Minute, time.Now()); err != nil {
			t.Errorf("webhook signature: %v", err)
		}
		var b integration.WebhookBody
		if err := json.Unmarshal(body, &b); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		got = append(got, b.Messages...)
		mu.Unlock()
	}))
	defer hook.Close()
	app := integrationsApp(t, hook.URL, true, "")

	rec := call(app.Handler(), "POST", "/simulate", `{"seed": 3, "grid_size": 16, "steps": 4}`, "X-Request-ID", "req-abc")
	if rec.Code != 200 {
		t.Fatalf("/simulate: %d %s", rec.Code, rec.Body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Key != "req-abc" {
		t.Fatalf("webhook got %+v, want one message keyed req-abc", got)
	}
	var pub struct {
		RequestID string         `json:"request_id"`
		Request   map[string]any `json:"request"`
		Response  map[string]any `json:"response"`
	}
	if err := json.Unmarshal(got[0].Value, &pub); err != nil {
		t.Fatal(err)
	}
	var resp map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &resp)
	if pub.RequestID != "req-abc" || pub.Request["grid_size"] != 16.0 || pub.Response["fractal_dimension"] != resp["fractal_dimension"] {
		t.Errorf("published %+v, want the request and the response %v", pub, resp)
	}

	h := call(app.Handler(), "GET", "/health/connectors", "")
	var health struct {
		Status  string               `json:"status"`
		Targets []integration.Health `json:"targets"`
	}
	if err := json.Unmarshal(h.Body.Bytes(), &health); err != nil || h.Code != 200 {
		t.Fatalf("/health/connectors: %d %s", h.Code, h.Body)
	}
	if health.Status != "ok" || len(health.Targets) != 1 || health.Targets[0].Name != "results" ||
		health.Targets[0].Breaker != integration.BreakerClosed || !health.Targets[0].Required {
		t.Errorf("/health/connectors = %s", h.Body)
	}
	if r := call(app.Handler(), "GET", "/ready", ""); r.Code != 200 || !strings.Contains(r.Body.String(), `"integrations":"ok"`) {
		t.Errorf("/ready = %d %s", r.Code, r.Body)
	}
}

// TestReadyFailsWhileARequiredTargetIsDown: the health loop finds the webhook's host
// refusing connections, and /ready turns 503 naming the publisher; /simulate still
// answers, its result waiting in the spool.
func TestReadyFailsWhileARequiredTargetIsDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close() // nothing listens there now
	app := integrationsApp(t, url, true, "")
	if rec := call(app.Handler(), "POST", "/simulate", `{"grid_size": 8, "steps": 2}`); rec.Code != 200 {
		t.Fatalf("/simulate with the target down: %d %s", rec.Code, rec.Body)
	}
	var r *httptest.ResponseRecorder
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if r = call(app.Handler(), "GET", "/ready", ""); r.Code == 503 {
			break
		}
	}
	if r.Code != 503 || !strings.Contains(r.Body.String(), "publisher results") {
		t.Fatalf("/ready with a required target down = %d %s, want 503 naming the publisher", r.Code, r.Body)
	}
	h := call(app.Handler(), "GET", "/health/connectors", "")
	if !strings.Contains(h.Body.String(), `"status":"degraded"`) || !strings.Contains(h.Body.String(), `"healthy":false`) {
		t.Errorf("/health/connectors = %s", h.Body)
	}
}

// TestConnectorHealthWithoutIntegrations: the route answers "disabled" and /ready does not
// mention integrations.
func TestConnectorHealthWithoutIntegrations(t *testing.T) {
	app, _ := testApp(t, nil)
	h := call(app.Handler(), "GET", "/health/connectors", "")
	if h.Code != 200 || !strings.Contains(h.Body.String(), `"status":"disabled"`) {
		t.Errorf("/health/connectors = %d %s", h.Code, h.Body)
	}
	if r := call(app.Handler(), "GET", "/ready", ""); strings.Contains(r.Body.String(), "integrations") {
		t.Errorf("/ready = %s", r.Body)
	}
}

// TestFinishedStreamsArePublished: with a route from "stream", a simulation stream that runs
// to its end reaches the publisher with its params and its simulation_complete message; a
// feature stream (endless) and /simulate publish nothing there.
func TestFinishedStreamsArePublished(t *testing.T) {
	icfg, err := integration.ParseConfig([]byte(fmt.Sprintf(`spool_dir: %s
publishers:
  - name: runs
    type: file
    file: {dir: %s, format: jsonl}
    batch: {size: 1, linger: 0s}
routes:
  - from: stream
    to: [runs]
`, t.TempDir(), t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	app, err := Open(context.Background(), cfg, io.Discard, "test", WithIntegrations(icfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)

	// A run of 3 steps: three state frames, then the completion, then the handler returns.
	rec := call(app.Handler(), "GET", "/sse/simulation_live?steps=3&grid_size=16&seed=9", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "simulation_complete") {
		t.Fatalf("/sse/simulation_live: %d %s", rec.Code, rec.Body)
	}
	if rec := call(app.Handler(), "POST", "/simulate", `{"seed": 3, "grid_size": 16, "steps": 4}`); rec.Code != 200 {
		t.Fatalf("/simulate: %d %s", rec.Code, rec.Body)
	}
	pub := app.hub.Publisher("runs")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pub.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var got []integration.Message
	for _, path := range jsonlFiles(t, icfg.Publishers[0].File.Dir) {
		got = append(got, readJSONL(t, path)...)
	}
	if len(got) != 1 {
		t.Fatalf("published %d messages on route stream, want 1 (the finished simulation only): %v", len(got), got)
	}
	var v struct {
		Params   map[string]any `json:"params"`
		Steps    int            `json:"steps"`
		Complete struct {
			Type    string `json:"type"`
			Payload struct {
				FinalMetrics map[string]any `json:"final_metrics"`
			} `json:"payload"`
		} `json:"simulation_complete"`
	}
	if err := json.Unmarshal(got[0].Value, &v); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got[0].Key, "stream-") || v.Steps != 3 || v.Params["seed"] != 9.0 || v.Params["grid_size"] != 16.0 ||
		v.Complete.Type != "simulation_complete" || v.Complete.Payload.FinalMetrics["growth_events"] == nil {
		t.Errorf("published %s (key %q), want the run's params and its completion", got[0].Value, got[0].Key)
	}
}

// jsonlFiles lists the JSONL files (finished or still open) a file publisher wrote in dir.
func jsonlFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.jsonl", "*.jsonl.part"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	return out
}

// readJSONL reads a file publisher's lines back as messages.
func readJSONL(t *testing.T, path string) []integration.Message {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []integration.Message
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var m integration.Message
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}
