package grpcapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	mfnv1 "mfn/api/proto/mfn/v1"
)

// The gm model over gRPC: the same numbers as REST's /simulate with "model": "gm", field by
// field; a bad parameter is InvalidArgument naming it; a gm stream carries gm frames.
func TestSimulateGMMatchesREST(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	rest := map[string]any{"model": "gm", "preset": "spots", "seed": 3, "grid_size": 32, "steps": 600,
		"params": map[string]any{"d_i": 9.5}}
	code, want := h.rest(t, "/simulate", rest, "")
	if code != http.StatusOK {
		t.Fatalf("REST: %d %v", code, want)
	}
	got, err := h.client.Simulate(ctx, &mfnv1.SimulateRequest{Model: ptr("gm"), Preset: ptr("spots"), Seed: ptr[uint64](3),
		GridSize: ptr[int32](32), Steps: ptr[int32](600), Params: map[string]float64{"d_i": 9.5}})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "growth_events", float64(got.GrowthEvents), num(t, want["growth_events"]))
	same(t, "pot_mean_mV", got.PotMeanMv, num(t, want["pot_mean_mV"]))
	same(t, "pot_std_mV", got.PotStdMv, num(t, want["pot_std_mV"]))
	same(t, "fractal_dimension", got.FractalDimension, num(t, want["fractal_dimension"]))
	same(t, "turing_activations", float64(got.TuringActivations), num(t, want["turing_activations"]))
	same(t, "active_cells", float64(got.ActiveCells), num(t, want["active_cells"]))
	same(t, "threshold_mV", got.ThresholdMv, num(t, want["threshold_mV"]))
	pat, _ := want["pattern"].(map[string]any)
	if got.Pattern == nil {
		t.Fatal("no pattern in the gm answer")
	}
	same(t, "wavelength_cells", got.Pattern.WavelengthCells, num(t, pat["wavelength_cells"]))
	same(t, "predicted_wavelength_cells", got.Pattern.PredictedWavelengthCells, num(t, pat["predicted_wavelength_cells"]))
	same(t, "contrast", got.Pattern.Contrast, num(t, pat["contrast"]))
	if got.Model != "gm" || got.Preset != "spots" || got.ThresholdMode != "otsu" || !(got.Pattern.Contrast > 0.01) {
		t.Errorf("gm answer %+v", got)
	}
	// v4.1 answers carry no gm fields.
	v41, err := h.client.Simulate(ctx, &mfnv1.SimulateRequest{GridSize: ptr[int32](16), Steps: ptr[int32](8)})
	if err != nil || v41.Model != "" || v41.Pattern != nil {
		t.Errorf("v4.1 answer %+v %v", v41, err)
	}
	// A bad gm parameter is refused with REST's text, naming it.
	_, err = h.client.Simulate(ctx, &mfnv1.SimulateRequest{Model: ptr("gm"), Params: map[string]float64{"d_a": -1}})
	if err == nil || !strings.Contains(err.Error(), "InvalidArgument") || !strings.Contains(err.Error(), "d_a=-1") {
		t.Errorf("bad gm parameter: %v", err)
	}

}

// A gm simulation stream over gRPC carries the SSE stream's frames for the same parameters.
func TestStreamSimulationGMCarriesTheSSEFrames(t *testing.T) {
	h := newHarness(t, map[string]string{"MFN_STREAM_MIN_FRAME_INTERVAL": "1ms"})
	req := httptest.NewRequest(http.MethodGet, "/sse/simulation_live?stream_id=g1&model=gm&preset=spots&param=d_i=9.5&grid_size=16&steps=40&update_interval_steps=20&update_interval_ms=0", nil)
	rec := httptest.NewRecorder()
	h.app.Handler().ServeHTTP(rec, req)
	want := readSSE(t, rec.Body)
	if len(want) != 3 { // steps 20, 40, then complete
		t.Fatalf("SSE sent %d frames: %v (%s)", len(want), want, rec.Body.String())
	}
	st, err := h.client.StreamSimulation(context.Background(), &mfnv1.StreamSimulationRequest{StreamId: "g1", Model: ptr("gm"),
		Preset: ptr("spots"), Params: map[string]float64{"d_i": 9.5}, GridSize: ptr[int32](16), Steps: ptr[int32](40),
		UpdateIntervalSteps: ptr[int32](20), UpdateIntervalMs: ptr[int32](0)})
	if err != nil {
		t.Fatal(err)
	}
	sameFrames(t, st, want)
	// v4.1 with the same sizes gives other frames: the model reached the stream.
	v41, err := h.client.StreamSimulation(context.Background(), &mfnv1.StreamSimulationRequest{StreamId: "g1",
		GridSize: ptr[int32](16), Steps: ptr[int32](40), UpdateIntervalSteps: ptr[int32](20), UpdateIntervalMs: ptr[int32](0)})
	if err != nil {
		t.Fatal(err)
	}
	first, err := v41.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(withoutTimestamp(t, first.Frame.Json), withoutTimestamp(t, want[0].data)) {
		t.Error("the v4.1 stream's first frame equals the gm stream's")
	}
}
