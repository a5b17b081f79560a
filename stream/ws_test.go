package stream

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func keyAuth(valid string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		if k == valid {
			return "id-" + k, true
		}
		return "", false
	}
}

// The whole conversation of §5.3: init, auth, subscribe, frames, unsubscribe, close (1000).
func TestProtocolConversation(t *testing.T) {
	_, srv, _ := testHub(t, Options{Auth: keyAuth("k1")})
	c := dial(t, srv, "/ws/stream_features")
	c.send("init", map[string]any{"protocol_version": "1.0", "client_info": "test"})
	m := c.expect("init")
	if payload(m)["protocol_version"] != "1.0" || m["timestamp"] == nil {
		t.Fatalf("init reply %v", m)
	}
	c.auth("k1")
	c.send("subscribe", map[string]any{"stream_type": "stream_features", "stream_id": "s1",
		"params": map[string]any{"update_interval_ms": 10, "features": []string{"pot_mean_mV", "fractal_dimension", "nope"}}})
	ack := c.expect("subscribe_success")
	if ack["stream_id"] != "s1" || ack["timestamp"] == nil || ack["payload"] != nil {
		t.Fatalf("ack %v", ack)
	}
	var means []float64
	for i := range 5 {
		p := payload(c.expect("feature_update"))
		if p["stream_id"] != "s1" || p["sequence"] != float64(i) || p["timestamp"] == nil {
			t.Fatalf("frame %d: %v", i, p)
		}
		f := p["features"].(map[string]any)
		if len(f) != 2 || f["fractal_dimension"] == nil {
			t.Fatalf("filtered features %v", f)
		}
		means = append(means, f["pot_mean_mV"].(float64))
	}
	// The engine keeps its state: frames evolve (the reference's are all identical).
	if means[0] == means[4] {
		t.Errorf("pot_mean_mV did not change over 5 frames: %v", means)
	}
	c.send("unsubscribe", map[string]any{"stream_id": "s1"})
	for {
		m := c.recv()
		if m["type"] == "unsubscribe" {
			if m["stream_id"] != "s1" {
				t.Fatalf("unsubscribe reply %v", m)
			}
			break
		}
		if m["type"] != "feature_update" {
			t.Fatalf("unexpected %v", m)
		}
	}
	c.send("pong", nil)
	c.send("close", nil)
	if code, _ := c.closeStatus(); code != websocket.StatusNormalClosure {
		t.Fatalf("close code %d, want 1000", code)
	}
}

// Each failure path answers with the reference's shape and code.
func TestProtocolErrors(t *testing.T) {
	_, srv, _ := testHub(t, Options{Auth: keyAuth("k1"), MaxViolations: 100})
	c := dial(t, srv, "/ws/simulation_live")

	c.send("subscribe", map[string]any{"stream_type": "simulation_live", "stream_id": "x"})
	p := payload(c.expect("subscribe_failed"))
	if p["error_code"] != "NOT_AUTHENTICATED" || p["message"] != "Must authenticate before subscribing" || p["timestamp"] == nil {
		t.Fatalf("subscribe before auth: %v", p)
	}

	c.send("auth", map[string]any{"api_key": 5})
	m := c.expect("auth_failed")
	if p := payload(m); p["error_code"] != "AUTH_ERROR" || p["timestamp"] == nil || m["timestamp"] != nil {
		t.Fatalf("malformed auth: %v", m)
	}
	c.send("auth", map[string]any{"api_key": "k1", "timestamp": time.Now().Add(-6 * time.Minute).UnixMilli()})
	m = c.expect("auth_failed")
	if p := payload(m); p["error_code"] != "AUTH_FAILED" || p["message"] != "Invalid API key or timestamp" || m["timestamp"] == nil {
		t.Fatalf("stale auth: %v", m)
	}
	c.send("auth", map[string]any{"api_key": "wrong", "timestamp": time.Now().UnixMilli()})
	if p := payload(c.expect("auth_failed")); p["error_code"] != "AUTH_FAILED" {
		t.Fatalf("wrong key: %v", p)
	}
	c.send("init", "not an object")
	if p := payload(c.expect("error")); p["error_code"] != "INIT_FAILED" {
		t.Fatalf("bad init: %v", p)
	}

	c.auth("k1")
	c.send("subscribe", map[string]any{"stream_type": "simulation_live", "stream_id": "x", "params": map[string]any{"grid_size": 4}})
	p = payload(c.expect("subscribe_failed"))
	if p["error_code"] != "SUBSCRIBE_ERROR" || !strings.Contains(p["message"].(string), "grid_size=4: must be an integer in [8, 256]") {
		t.Fatalf("bad params: %v", p)
	}
	c.send("subscribe", map[string]any{"stream_type": "video", "stream_id": "x"})
	if p := payload(c.expect("subscribe_failed")); p["error_code"] != "SUBSCRIBE_ERROR" {
		t.Fatalf("bad stream_type: %v", p)
	}

	for _, tc := range []struct{ msg, code string }{
		{`{"type":"dance"}`, "UNKNOWN_TYPE"},
		{`{"payload":{}}`, "BAD_MESSAGE"},
		{`not json`, "BAD_MESSAGE"},
		{`[1,2]`, "BAD_MESSAGE"},
		{`{"type":"unsubscribe","payload":{}}`, "BAD_MESSAGE"},
	} {
		c.sendRaw(tc.msg)
		if p := payload(c.expect("error")); p["error_code"] != tc.code || p["message"] == "" {
			t.Fatalf("%s: %v, want %s", tc.msg, p, tc.code)
		}
	}
	ctx := context.Background()
	if err := c.c.Write(ctx, websocket.MessageBinary, []byte(`{"type":"init"}`)); err != nil {
		t.Fatal(err)
	}
	if p := payload(c.expect("error")); p["error_code"] != "BAD_MESSAGE" {
		t.Fatalf("binary: %v", p)
	}
	c.sendRaw(`{"type":"init","payload":{"client_info":"` + strings.Repeat("x", 70<<10) + `"}}`)
	if p := payload(c.expect("error")); p["error_code"] != "MESSAGE_TOO_LARGE" {
		t.Fatalf("oversized: %v", p)
	}

	// An engine error comes after the ack, as a STREAM_ERROR; the socket stays open.
	c.send("subscribe", map[string]any{"stream_type": "simulation_live", "stream_id": "bad", "params": map[string]any{"alpha": 0.3}})
	c.expect("subscribe_success")
	if p := payload(c.expect("error")); p["error_code"] != "STREAM_ERROR" || p["stream_id"] != "bad" {
		t.Fatalf("engine error: %v", p)
	}
	c.send("init", nil)
	c.expect("init")
}

// Far oversized messages close with 1009; repeated abuse closes with 1008.
func TestAbuseCloses(t *testing.T) {
	_, srv, reg := testHub(t, Options{MaxViolations: 3, MaxMessageBytes: 1024})
	c := dial(t, srv, "/ws/stream_features")
	c.sendRaw(strings.Repeat("x", 5000))
	if code, _ := c.closeStatus(); code != websocket.StatusMessageTooBig {
		t.Fatalf("close %d, want 1009", code)
	}
	c = dial(t, srv, "/ws/stream_features")
	for range 3 {
		c.sendRaw(`{"type":"nope"}`)
	}
	for range 3 {
		c.expect("error")
	}
	if code, reason := c.closeStatus(); code != websocket.StatusPolicyViolation || reason != "too many invalid messages" {
		t.Fatalf("close %d %q, want 1008", code, reason)
	}
	waitFor(t, "abuse close counted", func() bool {
		return metricValue(reg, "mfn_stream_closes_total", "ws", "abuse") == 1
	})
}

// Messages over the per-second rate get RATE_LIMITED.
func TestMessageRate(t *testing.T) {
	_, srv, _ := testHub(t, Options{MaxMessagesPerSecond: 2, MaxViolations: 100})
	c := dial(t, srv, "/ws/stream_features")
	for range 3 {
		c.send("init", nil)
	}
	c.expect("init")
	c.expect("init")
	if p := payload(c.expect("error")); p["error_code"] != "RATE_LIMITED" {
		t.Fatalf("third message: %v", p)
	}
}

// A client that never answers heartbeats is closed with 1001 after the timeout; pongs keep
// a client alive.
func TestHeartbeatTimeout(t *testing.T) {
	_, srv, _ := testHub(t, Options{HeartbeatInterval: 20 * time.Millisecond, HeartbeatTimeout: 150 * time.Millisecond})
	silent := dial(t, srv, "/ws/stream_features")
	alive := dial(t, srv, "/ws/stream_features")
	beats := 0
	deadline := time.Now().Add(400 * time.Millisecond)
	for time.Now().Before(deadline) {
		m, err := alive.read()
		if err != nil {
			t.Fatalf("a client that pongs was closed: %v", err)
		}
		if m["type"] == "heartbeat" {
			beats++
			if m["timestamp"] == nil {
				t.Fatalf("heartbeat %v", m)
			}
			alive.send("pong", nil)
		}
	}
	if beats < 2 {
		t.Fatalf("%d heartbeats", beats)
	}
	if code, reason := silent.closeStatus(); code != websocket.StatusGoingAway || reason != "heartbeat timeout" {
		t.Fatalf("silent client: close %d %q, want 1001 heartbeat timeout", code, reason)
	}
}

// A second subscribe replaces the first stream: after its ack no frame of the first follows.
func TestSubscribeReplaces(t *testing.T) {
	h, srv, _ := testHub(t, Options{})
	c := dial(t, srv, "/ws/stream_features")
	c.auth("any")
	c.send("subscribe", map[string]any{"stream_type": "stream_features", "stream_id": "a", "params": map[string]any{"update_interval_ms": 10}})
	c.expect("subscribe_success")
	c.expect("feature_update")
	c.send("subscribe", map[string]any{"stream_type": "stream_features", "stream_id": "b", "params": map[string]any{"update_interval_ms": 10}})
	for {
		m := c.recv()
		if m["type"] == "subscribe_success" {
			break
		}
	}
	for i := range 10 {
		p := payload(c.expect("feature_update"))
		if p["stream_id"] != "b" || p["sequence"] != float64(i) {
			t.Fatalf("after the second subscribe: %v", p)
		}
	}
	if h.Open() != 1 {
		t.Fatalf("%d connections open", h.Open())
	}
}

// simulation_live: ⌊steps/k⌋ (+1) state frames with evolving state, a downsampled field on
// request, then simulation_complete.
func TestSimulationStream(t *testing.T) {
	_, srv, _ := testHub(t, Options{})
	c := dial(t, srv, "/ws/simulation_live")
	c.auth("")
	c.send("subscribe", map[string]any{"stream_type": "simulation_live", "stream_id": "sim", "params": map[string]any{
		"grid_size": 100, "steps": 10, "update_interval_steps": 3, "include_full_state": true, "spike_probability": 0.5}})
	c.expect("subscribe_success")
	var steps []float64
	var mins []float64
	for range 4 {
		p := payload(c.expect("simulation_state"))
		if p["total_steps"] != 10.0 || p["stream_id"] != "sim" {
			t.Fatalf("state %v", p)
		}
		st := p["state"].(map[string]any)
		if fmt.Sprint(st["field_shape"]) != "[100 100]" || st["field_mean"] == nil {
			t.Fatalf("full state %v", st)
		}
		pv := st["field_preview"].(map[string]any)
		if fmt.Sprint(pv["shape"]) != "[50 50]" || len(pv["values_mV"].([]any)) != 2500 {
			t.Fatalf("preview shape %v", pv["shape"])
		}
		if _, ok := st["active_nodes"].(float64); !ok || st["active_nodes"] != math.Trunc(st["active_nodes"].(float64)) {
			t.Fatalf("active_nodes %v", st["active_nodes"])
		}
		steps = append(steps, p["step"].(float64))
		mins = append(mins, st["pot_std_mV"].(float64))
		if _, ok := p["metrics"].(map[string]any)["growth_events"].(float64); !ok {
			t.Fatalf("metrics %v", p["metrics"])
		}
	}
	if fmt.Sprint(steps) != "[3 6 9 10]" {
		t.Fatalf("steps %v", steps)
	}
	if mins[0] == mins[3] {
		t.Errorf("state did not evolve: pot_std_mV %v", mins)
	}
	fm := payload(c.expect("simulation_complete"))["final_metrics"].(map[string]any)
	if len(fm) != 6 || fm["fractal_dimension"] == nil {
		t.Fatalf("final metrics %v", fm)
	}
}

// A client that never reads loses frames (drop-oldest, counted) and is eventually dropped,
// while a reading client keeps receiving every frame in order.
func TestSlowClientDoesNotSlowOthers(t *testing.T) {
	h, srv, reg := testHub(t, Options{QueueSize: 16, WriteTimeout: 5 * time.Second, MinFrameInterval: 5 * time.Millisecond})
	sub := func(c *client) {
		c.auth("")
		c.send("subscribe", map[string]any{"stream_type": "simulation_live", "stream_id": "s", "params": map[string]any{
			"grid_size": 256, "steps": 1000, "include_full_state": true}})
		c.expect("subscribe_success")
	}
	slow := dial(t, srv, "/ws/simulation_live")
	sub(slow)
	fast := dial(t, srv, "/ws/simulation_live")
	sub(fast)
	dropped := func() float64 { return metricValue(reg, "mfn_stream_frames_dropped_total", "ws") }
	last := 0.0
	for dropped() == 0 {
		p := payload(fast.expect("simulation_state"))
		if p["step"].(float64) != last+1 {
			t.Fatalf("the reading client skipped from step %v to %v", last, p["step"])
		}
		last = p["step"].(float64)
		if last == 1000 {
			t.Fatal("no frame was dropped for the client that does not read")
		}
	}
	// The reader still gets the next frames, in order.
	for range 20 {
		p := payload(fast.expect("simulation_state"))
		if p["step"].(float64) != last+1 {
			t.Fatalf("the reading client skipped from step %v to %v", last, p["step"])
		}
		last = p["step"].(float64)
	}
	_ = slow
	if h.Open() != 2 {
		t.Fatalf("%d open", h.Open())
	}
}

// Connection limits: over the unauthenticated budget the upgrade is refused with 503; over
// the per-key limit the auth fails with TOO_MANY_CONNECTIONS and the socket closes with 1013.
func TestConnectionLimits(t *testing.T) {
	h, srv, _ := testHub(t, Options{MaxConnections: 3, MaxPerKey: 1, MaxUnauthenticated: 2, Auth: keyAuth("k")})
	a := dial(t, srv, "/ws/stream_features")
	a.auth("k")
	b := dial(t, srv, "/ws/stream_features")
	b.send("auth", map[string]any{"api_key": "k", "timestamp": time.Now().UnixMilli()})
	if p := payload(b.expect("auth_failed")); p["error_code"] != "TOO_MANY_CONNECTIONS" {
		t.Fatalf("second connection of the key: %v", p)
	}
	if code, _ := b.closeStatus(); code != websocket.StatusTryAgainLater {
		t.Fatalf("close %d, want 1013", code)
	}
	// The client may see the close before the server's session has given its slot back.
	waitFor(t, "the refused connection to be released", func() bool { return h.Open() == 1 })
	_ = dial(t, srv, "/ws/stream_features")
	_ = dial(t, srv, "/ws/stream_features")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/stream_features", nil)
	if err == nil || resp == nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth connection: err %v, resp %v", err, resp)
	}
}

// Shutdown closes every socket with 1001 and waits for the sessions.
func TestShutdownClosesStreams(t *testing.T) {
	h, srv, _ := testHub(t, Options{})
	c := dial(t, srv, "/ws/stream_features")
	c.auth("")
	c.send("subscribe", map[string]any{"stream_type": "stream_features", "stream_id": "s", "params": map[string]any{"update_interval_ms": 10}})
	c.expect("subscribe_success")
	done := make(chan error, 1)
	go func() { done <- h.Shutdown(context.Background()) }()
	if code, reason := c.closeStatus(); code != websocket.StatusGoingAway || reason != "server shutting down" {
		t.Fatalf("close %d %q", code, reason)
	}
	if err := <-done; err != nil || h.Open() != 0 {
		t.Fatalf("shutdown: %v, %d open", err, h.Open())
	}
}

// Clients that vanish mid-stream (no close handshake) leave no session or goroutine behind
// (TestMain checks goroutines with goleak).
func TestVanishingClients(t *testing.T) {
	h, srv, _ := testHub(t, Options{})
	for i := range 10 {
		path := "/ws/stream_features"
		if i%2 == 1 {
			path = "/ws/simulation_live"
		}
		c := dial(t, srv, path)
		c.auth("")
		c.send("subscribe", map[string]any{"stream_type": "stream_features", "stream_id": "s", "params": map[string]any{"update_interval_ms": 10, "steps": 1000}})
		c.expect("subscribe_success")
		c.recv()
		_ = c.c.CloseNow()
	}
	waitFor(t, "every session to end", func() bool { return h.Open() == 0 })
}
