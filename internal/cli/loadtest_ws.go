package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// wsResult is what a --ws run measured: client side, and the server's /metrics before,
// during and after (when the server exposes them).
type wsResult struct {
	URL          string             `json:"url"`
	Stream       string             `json:"stream"`
	Clients      int                `json:"clients"`
	Connected    int                `json:"connected"`
	Failed       int                `json:"failed"`
	Seconds      float64            `json:"seconds"`
	Frames       int                `json:"frames"`
	FPS          float64            `json:"frames_per_second"`
	Errors       int                `json:"error_messages"`
	ClosedEarly  int                `json:"closed_early"`
	LatencyMS    map[string]float64 `json:"frame_latency_ms"`
	ServerBefore map[string]float64 `json:"server_before,omitempty"`
	ServerDuring map[string]float64 `json:"server_during,omitempty"`
	ServerAfter  map[string]float64 `json:"server_after,omitempty"`
	FirstError   string             `json:"first_error,omitempty"`
}

// serverGauges are the /metrics series a --ws run reports.
var serverGauges = []string{"go_goroutines", "process_resident_memory_bytes", "mfn_stream_connections",
	"mfn_stream_frames_dropped_total", "mfn_stream_frames_sent_total"}

func runWSLoadtest(ctx context.Context, env *Env, f loadtestFlags) error {
	if f.wsStream != "stream_features" && f.wsStream != "simulation_live" {
		return fmt.Errorf("%w: --stream=%q: must be stream_features or simulation_live", errUsage, f.wsStream)
	}
	if f.wsInterval < 10 || f.wsInterval > 10000 {
		return fmt.Errorf("%w: --interval=%d: must be in [10, 10000] (ms)", errUsage, f.wsInterval)
	}
	res := wsLoadtest(ctx, f)
	if err := report(env, f.format, res); err != nil {
		return err
	}
	if res.Failed > 0 || res.Errors > 0 || res.ClosedEarly > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d clients failed to connect, %d error messages, %d streams closed early",
			res.Failed, res.Errors, res.ClosedEarly)}
	}
	return nil
}

type wsClientStats struct {
	connected, closedEarly bool
	frames, errors         int
	lat                    []time.Duration
	err                    error
}

func wsLoadtest(ctx context.Context, f loadtestFlags) *wsResult {
	base := strings.TrimSuffix(f.url, "/")
	res := &wsResult{URL: base, Stream: f.wsStream, Clients: f.concurrency, ServerBefore: scrape(ctx, base)}
	stats := make([]wsClientStats, f.concurrency)
	runCtx, cancel := context.WithTimeout(ctx, f.duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range stats {
		wg.Go(func() { stats[i] = wsClient(runCtx, f, base) })
	}
	mid := time.NewTimer(f.duration / 2)
	select {
	case <-mid.C:
		res.ServerDuring = scrape(ctx, base)
	case <-runCtx.Done():
		mid.Stop()
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	// Give the server a moment to notice every close before the last sample.
	time.Sleep(2 * time.Second)
	res.ServerAfter = scrape(ctx, base)
	var lat []time.Duration
	for _, s := range stats {
		if s.connected {
			res.Connected++
		} else {
			res.Failed++
		}
		if s.closedEarly {
			res.ClosedEarly++
		}
		res.Frames += s.frames
		res.Errors += s.errors
		lat = append(lat, s.lat...)
		if s.err != nil && res.FirstError == "" {
			res.FirstError = s.err.Error()
		}
	}
	res.FPS = float64(res.Frames) / res.Seconds
	slices.Sort(lat)
	res.LatencyMS = map[string]float64{}
	for _, p := range []float64{50, 90, 99, 100} {
		if len(lat) > 0 {
			res.LatencyMS["p"+strconv.Itoa(int(p))] = float64(percentile(lat, p).Microseconds()) / 1000
		}
	}
	return res
}

// wsClient connects, authenticates, subscribes and reads frames until ctx ends. Frame
// latency is the receive time minus the frame's timestamp (milliseconds; same-host clocks).
func wsClient(ctx context.Context, f loadtestFlags, base string) (s wsClientStats) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws/" + f.wsStream
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		s.err = err
		return s
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 24)
	s.connected = true
	params := map[string]any{"update_interval_ms": f.wsInterval}
	if f.wsStream == "simulation_live" {
		params["steps"] = 1000
	}
	for _, m := range []map[string]any{
		{"type": "auth", "payload": map[string]any{"api_key": f.apiKey, "timestamp": time.Now().UnixMilli()}},
		{"type": "subscribe", "payload": map[string]any{"stream_type": f.wsStream, "stream_id": "load", "params": params}},
	} {
		if err := wsjson.Write(ctx, c, m); err != nil {
			s.err = err
			return s
		}
	}
	for {
		var m struct {
			Type    string
			Payload struct{ Timestamp int64 }
		}
		if err := wsjson.Read(ctx, c, &m); err != nil {
			if ctx.Err() == nil {
				s.closedEarly, s.err = true, err
			}
			break
		}
		switch m.Type {
		case "feature_update", "simulation_state":
			s.frames++
			s.lat = append(s.lat, time.Since(time.UnixMilli(m.Payload.Timestamp)))
		case "heartbeat":
			_ = wsjson.Write(ctx, c, map[string]any{"type": "pong"})
		case "error", "auth_failed", "subscribe_failed":
			s.errors++
		}
	}
	cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = wsjson.Write(cctx, c, map[string]any{"type": "close"})
	_ = c.Close(websocket.StatusNormalClosure, "")
	return s
}

// scrape reads serverGauges from base/metrics (summed over labels); nil if unavailable.
func scrape(ctx context.Context, base string) map[string]float64 {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		for _, g := range serverGauges {
			if strings.HasPrefix(line, g+" ") || strings.HasPrefix(line, g+"{") {
				if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
					out[g] += v
				}
			}
		}
	}
	return out
}

func (r *wsResult) print(w io.Writer) {
	fmt.Fprintf(w, "%s: %d WebSocket clients on /ws/%s for %.1fs\n", r.URL, r.Clients, r.Stream, r.Seconds)
	fmt.Fprintf(w, "connected %d, failed %d, closed early %d, error messages %d\n", r.Connected, r.Failed, r.ClosedEarly, r.Errors)
	fmt.Fprintf(w, "frames %d (%.0f/s)\n", r.Frames, r.FPS)
	fmt.Fprintf(w, "frame latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
		r.LatencyMS["p50"], r.LatencyMS["p90"], r.LatencyMS["p99"], r.LatencyMS["p100"])
	if r.ServerBefore == nil {
		return
	}
	fmt.Fprintf(w, "%-34s %12s %12s %12s\n", "server (/metrics)", "before", "during", "after")
	for _, g := range serverGauges {
		fmt.Fprintf(w, "%-34s %12.0f %12.0f %12.0f\n", g, r.ServerBefore[g], r.ServerDuring[g], r.ServerAfter[g])
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.FirstError)
	}
}
