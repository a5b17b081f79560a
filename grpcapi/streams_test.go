package grpcapi

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	mfnv1 "mfn/api/proto/mfn/v1"
)

// sseFrame is one SSE event.
type sseFrame struct {
	id       int64
	typ      string
	data     string
	received bool
}

// readSSE collects the events of an SSE body.
func readSSE(t *testing.T, r io.Reader) []sseFrame {
	t.Helper()
	var out []sseFrame
	var cur sseFrame
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			cur.id, _ = strconv.ParseInt(line[4:], 10, 64)
		case strings.HasPrefix(line, "event: "):
			cur.typ = line[7:]
		case strings.HasPrefix(line, "data: "):
			cur.data, cur.received = line[6:], true
		case line == "" && cur.received:
			out = append(out, cur)
			cur = sseFrame{}
		}
	}
	return out
}

// withoutTimestamp is a frame's JSON with its payload's timestamp removed (the one field that
// differs between two runs of the same stream).
func withoutTimestamp(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	if p, ok := m["payload"].(map[string]any); ok {
		delete(p, "timestamp")
	}
	return m
}

// TestStreamSimulationCarriesTheSSEFrames: the same parameters give the same frames (ids,
// types, JSON) as /sse/simulation_live.
func TestStreamSimulationCarriesTheSSEFrames(t *testing.T) {
	h := newHarness(t, map[string]string{"MFN_STREAM_MIN_FRAME_INTERVAL": "1ms"})
	req := httptest.NewRequest(http.MethodGet, "/sse/simulation_live?stream_id=s1&seed=9&grid_size=16&steps=12&update_interval_steps=4&include_full_state=true", nil)
	rec := httptest.NewRecorder()
	h.app.Handler().ServeHTTP(rec, req)
	want := readSSE(t, rec.Body)
	if len(want) != 4 { // steps 4, 8, 12, then complete
		t.Fatalf("SSE sent %d frames: %v", len(want), want)
	}
	st, err := h.client.StreamSimulation(context.Background(), &mfnv1.StreamSimulationRequest{StreamId: "s1", Seed: ptr[uint64](9),
		GridSize: ptr[int32](16), Steps: ptr[int32](12), UpdateIntervalSteps: ptr[int32](4), IncludeFullState: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	sameFrames(t, st, want)
}

// TestStreamFeatures sends feature_update frames with the requested features only, and
// refuses bad params with InvalidArgument naming them.
func TestStreamFeatures(t *testing.T) {
	h := newHarness(t, map[string]string{"MFN_STREAM_MIN_FRAME_INTERVAL": "1ms"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := h.client.StreamFeatures(ctx, &mfnv1.StreamFeaturesRequest{UpdateIntervalMs: ptr[int32](10), Features: []string{"pot_mean_mV", "fractal_dimension"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		r, err := st.Recv()
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Type    string `json:"type"`
			Payload struct {
				StreamID string             `json:"stream_id"`
				Sequence int64              `json:"sequence"`
				Features map[string]float64 `json:"features"`
			} `json:"payload"`
		}
		if err := json.Unmarshal([]byte(r.Frame.Json), &m); err != nil {
			t.Fatal(err)
		}
		if m.Type != "feature_update" || r.Frame.Type != m.Type || m.Payload.Sequence != int64(i) || r.Frame.Id != int64(i) ||
			m.Payload.StreamID != "grpc" || len(m.Payload.Features) != 2 {
			t.Errorf("frame %d: %v", i, r.Frame)
		}
	}
	cancel()

	bad, err := h.client.StreamFeatures(context.Background(), &mfnv1.StreamFeaturesRequest{UpdateIntervalMs: ptr[int32](1)})
	if err == nil {
		_, err = bad.Recv()
	}
	if st := status.Convert(err); st.Code().String() != "InvalidArgument" || !strings.Contains(st.Message(), "update_interval_ms") {
		t.Errorf("update_interval_ms=1: %v, want InvalidArgument naming it", err)
	}
}

// sameFrames reads the stream to its end and compares its frames with the SSE stream's, less
// the timestamps.
func sameFrames(t *testing.T, st grpc.ServerStreamingClient[mfnv1.StreamSimulationResponse], want []sseFrame) {
	t.Helper()
	var got []*mfnv1.StreamFrame
	for {
		r, err := st.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Frame)
	}
	if len(got) != len(want) {
		t.Fatalf("gRPC sent %d frames, SSE %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Id != want[i].id || got[i].Type != want[i].typ ||
			!reflect.DeepEqual(withoutTimestamp(t, got[i].Json), withoutTimestamp(t, want[i].data)) {
			t.Errorf("frame %d: gRPC %v, SSE %+v", i, got[i], want[i])
		}
	}
}
