package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"mfn/integration"
	"mfn/internal/otlptest"
	"mfn/server"
)

// TestTraceCrossesProcesses: a /simulate call with a W3C traceparent is one trace from the
// caller through `mfn serve` (server span), its result published to Kafka (kfake; the record
// header carries the trace), `mfn worker` consuming it (a consumer span, the server span's
// child), to the webhook the worker delivers to (its traceparent names the worker's span). The
// spans are read from a real OTLP receiver both processes export to over OTLP/HTTP.
func TestTraceCrossesProcesses(t *testing.T) {
	rcv := otlptest.Start(t)
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.HTTPEndpoint, "OTEL_BSP_SCHEDULE_DELAY": "50"}
	for k, v := range env { // the exporters read the process environment
		t.Setenv(k, v)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "requests"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers, _ := json.Marshal(c.ListenAddrs())

	hooks := make(chan string, 8)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPost { // not the health checks
			hooks <- r.Header.Get(integration.TraceHeader)
		}
	}))
	defer hook.Close()

	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	serveFile := write("serve.yaml", fmt.Sprintf(`spool_dir: %s
publishers:
  - name: jobs
    type: kafka
    kafka: {brokers: %s, topic: requests}
    batch: {size: 1, linger: 1ms}
routes:
  - from: simulate
    to: [jobs]
`, filepath.Join(dir, "serve-spool"), brokers))
	workerFile := write("worker.yaml", fmt.Sprintf(`spool_dir: %s
connectors:
  - name: served
    type: kafka
    kafka: {brokers: %s, topics: [requests], group: workers, start: earliest}
publishers:
  - name: hook
    type: webhook
    webhook: {url: %s, secret: s}
    batch: {size: 1, linger: 1ms}
routes:
  - from: served
    to: [hook]
`, filepath.Join(dir, "worker-spool"), brokers, hook.URL))

	icfg, err := integration.LoadConfig(serveFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := server.LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	app, err := server.Open(context.Background(), cfg, io.Discard, "test", server.WithIntegrations(icfg))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	wctx, stopWorker := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var wcode int
	var wout, werr *lockedBuffer
	wout, werr = &lockedBuffer{}, &lockedBuffer{}
	wg.Go(func() {
		wcode = Run(wctx, []string{"worker", "--integrations", workerFile, "--metrics-addr", "127.0.0.1:0"},
			strings.NewReader(""), wout, werr, func(k string) string { return env[k] })
	})
	defer func() { stopWorker(); wg.Wait() }()

	const traceID, rootID = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/simulate", strings.NewReader(`{"seed":3,"grid_size":16,"steps":8}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+traceID+"-"+rootID+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/simulate: %d", resp.StatusCode)
	}
	var delivered string
	select {
	case delivered = <-hooks:
	case <-ctx.Done():
		t.Fatal("the worker's result never reached the webhook")
	}
	// The worker's metrics port has the simulation metrics of the request it ran.
	var metricsAddr string
	for metricsAddr == "" && ctx.Err() == nil {
		if m := regexp.MustCompile(`"msg":"metrics".*"addr":"([^"]+)"`).FindStringSubmatch(werr.String()); m != nil {
			metricsAddr = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	mresp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{"mfn_fractal_dimension_count 1", `mfn_simulation_duration_seconds_count{endpoint="worker"} 1`, "mfn_growth_events_total"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("the worker's /metrics lacks %q", want)
		}
	}
	stopWorker()
	wg.Wait()
	app.Close() // both processes have flushed their spans now
	if wcode != 0 {
		t.Fatalf("worker exit %d: %s %s", wcode, wout.String(), werr.String())
	}

	spans, ok := rcv.WaitFor(10*time.Second, func(s []otlptest.Span) bool {
		return len(otlptest.Named(s, "worker.simulate")) > 0 && len(otlptest.Named(s, "POST /simulate")) > 0
	})
	if !ok {
		t.Fatalf("spans received: %+v\nworker: %s", spans, werr.String())
	}
	serve := otlptest.Named(spans, "POST /simulate")[0]
	worker := otlptest.Named(spans, "worker.simulate")[0]
	if serve.TraceID != traceID || serve.ParentSpanID != rootID || serve.Service != "mfn" {
		t.Errorf("serve's span %+v: want trace %s, parent %s (the caller's), service mfn", serve, traceID, rootID)
	}
	if worker.TraceID != traceID || worker.ParentSpanID != serve.SpanID || worker.Service != "mfn-worker" {
		t.Errorf("worker's span %+v: want trace %s, parent %s (serve's), service mfn-worker", worker, traceID, serve.SpanID)
	}
	if want := "00-" + traceID + "-" + worker.SpanID + "-01"; delivered != want {
		t.Errorf("webhook traceparent %q, want %q (the worker's span)", delivered, want)
	}
}
