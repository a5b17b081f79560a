package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// Through the whole middleware chain with keys required: the WebSocket upgrade needs no
// header, auth is in-band with the service's keys; SSE needs X-API-Key; the App's Close ends
// open streams.
func TestStreamsThroughTheService(t *testing.T) {
	app, _ := testApp(t, withStaging(map[string]string{"MFN_STREAM_MIN_FRAME_INTERVAL": "1ms"}))
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/simulation_live", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	msg := func() map[string]any {
		var m map[string]any
		if err := wsjson.Read(ctx, c, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	_ = wsjson.Write(ctx, c, map[string]any{"type": "auth", "payload": map[string]any{"api_key": "wrong", "timestamp": time.Now().UnixMilli()}})
	if m := msg(); m["type"] != "auth_failed" {
		t.Fatalf("wrong key: %v", m)
	}
	_ = wsjson.Write(ctx, c, map[string]any{"type": "auth", "payload": map[string]any{"api_key": stagingAuth["MFN_API_KEY"], "timestamp": time.Now().UnixMilli()}})
	if m := msg(); m["type"] != "auth_success" {
		t.Fatalf("valid key: %v", m)
	}
	_ = wsjson.Write(ctx, c, map[string]any{"type": "subscribe", "payload": map[string]any{"stream_type": "simulation_live", "stream_id": "a",
		"params": map[string]any{"steps": 1000}}})
	if m := msg(); m["type"] != "subscribe_success" {
		t.Fatalf("subscribe: %v", m)
	}
	if m := msg(); m["type"] != "simulation_state" {
		t.Fatalf("frame: %v", m)
	}

	rec := call(app.Handler(), "GET", "/sse/stream_features", "")
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("SSE without a key: %d", rec.Code)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/sse/simulation_live?steps=2", nil)
	req.Header.Set("X-API-Key", stagingAuth["MFN_API_KEY"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := bufio.NewScanner(resp.Body)
	var events []string
	for body.Scan() {
		if l := body.Text(); strings.HasPrefix(l, "event: ") {
			events = append(events, strings.TrimPrefix(l, "event: "))
		}
	}
	resp.Body.Close()
	if strings.Join(events, ",") != "simulation_state,simulation_state,simulation_complete" {
		t.Fatalf("SSE events %v", events)
	}
	page := call(app.Handler(), "GET", "/ui", "")
	if page.Code != 200 || !strings.Contains(page.Body.String(), "/ws/simulation_live") {
		t.Fatalf("/ui: %d", page.Code)
	}

	metrics := call(app.Handler(), "GET", "/metrics", "").Body.String()
	if !strings.Contains(metrics, `mfn_stream_connections{transport="ws"} 1`) {
		t.Errorf("metrics lack the open WebSocket:\n%s", grep(metrics, "mfn_stream"))
	}
	closed := make(chan struct{})
	go func() { // Close waits for the client's side of the close handshake
		defer close(closed)
		app.Close()
	}()
	defer func() { <-closed }()
	_, _, err = c.Read(ctx)
	for err == nil {
		_, _, err = c.Read(ctx)
	}
	if websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("after Close: %v, want 1001", err)
	}
}

// Bad MFN_STREAM_* values are reported with the variable, the value and what is allowed.
func TestStreamConfig(t *testing.T) {
	_, err := LoadConfig(func(k string) string {
		return map[string]string{"MFN_STREAM_QUEUE_SIZE": "0", "MFN_STREAM_HEARTBEAT_TIMEOUT": "1s", "MFN_STREAM_HEARTBEAT_INTERVAL": "2s"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), `MFN_STREAM_QUEUE_SIZE="0": must be an integer in [1, 100000]`) ||
		!strings.Contains(err.Error(), "MFN_STREAM_HEARTBEAT_TIMEOUT=1s: must be longer than MFN_STREAM_HEARTBEAT_INTERVAL=2s") {
		t.Fatalf("%v", err)
	}
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil || cfg.Streams.QueueSize != 256 || cfg.Streams.HeartbeatTimeout != time.Minute {
		t.Fatalf("defaults %+v %v", cfg.Streams, err)
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}
