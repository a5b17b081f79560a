package stream

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testHub serves both WebSocket and SSE endpoints of a hub with options o (short heartbeats
// unless set), shut down at the end of the test.
func testHub(t *testing.T, o Options) (*Hub, *httptest.Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	o.Metrics = NewMetrics(reg)
	if o.MinFrameInterval == 0 {
		o.MinFrameInterval = time.Millisecond
	}
	h := NewHub(o)
	mux := http.NewServeMux()
	mux.Handle("/ws/stream_features", h.ServeWS(KindFeatures))
	mux.Handle("/ws/simulation_live", h.ServeWS(KindSimulation))
	mux.Handle("/sse/stream_features", h.ServeSSE(KindFeatures))
	mux.Handle("/sse/simulation_live", h.ServeSSE(KindSimulation))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		srv.Close()
	})
	return h, srv, reg
}

type client struct {
	t *testing.T
	c *websocket.Conn
}

func dial(t *testing.T, srv *httptest.Server, path string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 24)
	t.Cleanup(func() { _ = c.CloseNow() })
	return &client{t: t, c: c}
}

func (c *client) sendRaw(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.c.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) send(typ string, payload any) {
	c.t.Helper()
	b, _ := json.Marshal(map[string]any{"type": typ, "payload": payload})
	c.sendRaw(string(b))
}

// recv reads the next message, skipping heartbeats unless asked for.
func (c *client) recv() map[string]any {
	c.t.Helper()
	for {
		m, err := c.read()
		if err != nil {
			c.t.Fatal(err)
		}
		if m["type"] != "heartbeat" {
			return m
		}
	}
}

func (c *client) read() (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.c.Read(ctx)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("server sent invalid JSON %q: %v", b, err)
	}
	return m, nil
}

// expect reads the next message and checks its type.
func (c *client) expect(typ string) map[string]any {
	c.t.Helper()
	m := c.recv()
	if m["type"] != typ {
		c.t.Fatalf("got %v, want a %s message", m, typ)
	}
	return m
}

// closeStatus reads until the socket closes and returns the close code and reason.
func (c *client) closeStatus() (websocket.StatusCode, string) {
	c.t.Helper()
	for {
		_, err := c.read()
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Reason
			}
			return -1, err.Error()
		}
	}
}

func (c *client) auth(key string) {
	c.t.Helper()
	c.send("auth", map[string]any{"api_key": key, "timestamp": time.Now().UnixMilli()})
	c.expect("auth_success")
}

func payload(m map[string]any) map[string]any {
	p, _ := m["payload"].(map[string]any)
	return p
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// metricValue sums the samples of the named family whose label values include labels.
func metricValue(reg *prometheus.Registry, name string, labels ...string) float64 {
	fams, _ := reg.Gather()
	sum := 0.0
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for _, want := range labels {
				found := false
				for _, lp := range m.GetLabel() {
					found = found || lp.GetValue() == want
				}
				if !found {
					continue next
				}
			}
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}
