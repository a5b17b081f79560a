package server

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

func wsURL(srv *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + path
}

// Connections that never authenticate wait in their own small budget and are closed after
// MFN_STREAM_AUTH_TIMEOUT, so they cannot hold the authenticated streams' slots (issue 18:
// 100 such connections made an authenticated SSE request and a WebSocket upgrade get 503).
func TestUnauthenticatedWebSocketsCannotHoldStreamSlots(t *testing.T) {
	app, _ := testApp(t, withStaging(map[string]string{"MFN_STREAM_MAX_CONNECTIONS": "3",
		"MFN_STREAM_MAX_UNAUTHENTICATED": "3", "MFN_STREAM_AUTH_TIMEOUT": "1s"}))
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	key := stagingAuth["MFN_API_KEY"]

	var idle []*websocket.Conn
	for range 3 {
		c, _, err := websocket.Dial(ctx, wsURL(srv, "/ws/stream_features"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		idle = append(idle, c)
	}
	if _, resp, err := websocket.Dial(ctx, wsURL(srv, "/ws/stream_features"), nil); err == nil || resp == nil || resp.StatusCode != 503 {
		t.Errorf("a fourth unauthenticated connection: %v %v, want 503", err, resp)
	}
	// An authenticated SSE stream gets in.
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/sse/simulation_live?steps=1", nil)
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("authenticated SSE: %d, want 200", resp.StatusCode)
	}
	// So does a WebSocket whose upgrade carries the key, and its in-band auth succeeds.
	c, _, err := websocket.Dial(ctx, wsURL(srv, "/ws/stream_features"), &websocket.DialOptions{HTTPHeader: http.Header{"X-Api-Key": {key}}})
	if err != nil {
		t.Fatalf("authenticated WebSocket: %v", err)
	}
	defer c.CloseNow()
	_ = wsjson.Write(ctx, c, map[string]any{"type": "auth", "payload": map[string]any{"api_key": key, "timestamp": time.Now().UnixMilli()}})
	var m map[string]any
	if err := wsjson.Read(ctx, c, &m); err != nil || m["type"] != "auth_success" {
		t.Errorf("in-band auth: %v %v", m, err)
	}
	// The idle ones are closed at the auth deadline (1008), which frees their budget.
	for _, ic := range idle {
		_, _, err := ic.Read(ctx)
		for err == nil {
			_, _, err = ic.Read(ctx)
		}
		if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
			t.Errorf("idle connection: %v, want 1008", err)
		}
	}
	c2, _, err := websocket.Dial(ctx, wsURL(srv, "/ws/stream_features"), nil)
	if err != nil {
		t.Fatalf("after the deadline a new connection: %v", err)
	}
	c2.CloseNow()
}

// Stalled clients (they subscribe to a heavy stream and never read): the frames are computed
// on the worker pool, not beside it, and each connection queues at most
// MFN_STREAM_QUEUE_BYTES; /health keeps answering, and the queued bytes go when the clients
// are dropped (issue 18: 200 such clients took RSS from 26 MB to 1.05 GB).
func TestStalledStreamsShareTheCPUBudgetAndQueueBoundedBytes(t *testing.T) {
	const clients, queueBytes = 12, 64 << 10
	app, _ := testApp(t, map[string]string{"MFN_WORKERS": "1", "MFN_STREAM_QUEUE_BYTES": "65536",
		"MFN_STREAM_MIN_FRAME_INTERVAL": "1ms", "MFN_STREAM_WRITE_TIMEOUT": "2s"})
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before := app.pool.Completed()
	var raw []net.Conn
	for i := range clients {
		c, _, err := websocket.Dial(ctx, wsURL(srv, "/ws/simulation_live"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		_ = wsjson.Write(ctx, c, map[string]any{"type": "auth", "payload": map[string]any{"api_key": "k", "timestamp": time.Now().UnixMilli()}})
		var m map[string]any
		if err := wsjson.Read(ctx, c, &m); err != nil || m["type"] != "auth_success" {
			t.Fatalf("auth: %v %v", m, err)
		}
		_ = wsjson.Write(ctx, c, map[string]any{"type": "subscribe", "payload": map[string]any{"stream_type": "simulation_live",
			"stream_id": "s" + string(rune('a'+i)), "params": map[string]any{"grid_size": 256, "steps": 1000,
				"include_full_state": true, "update_interval_steps": 1}}})
		_ = raw // the clients never read again
	}
	var worst int64
	var healthMax time.Duration
	for range 20 {
		time.Sleep(100 * time.Millisecond)
		worst = max(worst, app.streams.QueuedBytes())
		start := time.Now()
		if rec := call(app.Handler(), "GET", "/health", ""); rec.Code != 200 {
			t.Fatalf("/health: %d", rec.Code)
		}
		healthMax = max(healthMax, time.Since(start))
	}
	steps := app.pool.Completed() - before
	t.Logf("%d stalled clients: %d frames computed on the pool, queued bytes peaked at %d (bound %d), slowest /health %v",
		clients, steps, worst, clients*queueBytes, healthMax)
	if steps == 0 {
		t.Errorf("no stream frame was computed on the worker pool")
	}
	if worst > clients*queueBytes {
		t.Errorf("queued %d bytes for %d clients, bound %d", worst, clients, clients*queueBytes)
	}
	for _, c := range raw {
		c.Close()
	}
	cancel()
	app.closeStreams(10 * time.Second)
	runtime.GC()
	if q := app.streams.QueuedBytes(); q != 0 {
		t.Errorf("%d bytes still queued after the clients were dropped", q)
	}
}
