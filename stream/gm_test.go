package stream

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"mfn/morph"
)

// A gm simulation stream over SSE: state frames every update_interval_steps steps, then the
// completion with the pattern; resuming gives the same frames; the run's coroutine ends
// with the stream (goleak checks at the end of the package's tests).
func TestGMSimulationSSE(t *testing.T) {
	_, srv, _ := testHub(t, Options{})
	path := srv.URL + "/sse/simulation_live?model=gm&preset=spots&grid_size=32&steps=3000&update_interval_steps=1000&param=d_i=9.5"
	_, evs := readEvents(t, path, "", 4)
	if len(evs) != 4 || evs[0].id != "1000" || evs[2].id != "3000" || evs[3].typ != "simulation_complete" {
		t.Fatalf("events %+v", evs)
	}
	var done struct {
		Payload struct {
			FinalMetrics map[string]float64 `json:"final_metrics"`
		} `json:"payload"`
	}
	if err := json.Unmarshal([]byte(evs[3].data), &done); err != nil {
		t.Fatal(err)
	}
	m := done.Payload.FinalMetrics
	if !(m["contrast"] > 0.01 && m["fractal_dimension"] > 1 && m["fractal_dimension"] < 2 && m["turing_activations"] > 0 && m["wavelength_cells"] > 0) {
		t.Errorf("final metrics %v", m)
	}
	_, rest := readEvents(t, path, "1000", 3)
	if len(rest) != 3 || rest[0].id != "2000" || timestamps.ReplaceAllString(rest[1].data, "") != timestamps.ReplaceAllString(evs[2].data, "") {
		t.Fatalf("resumed %+v", rest)
	}
	// A client that leaves early stops the run.
	_, first := readEvents(t, path, "", 1)
	if len(first) != 1 {
		t.Fatalf("first %+v", first)
	}
}

func TestGMSimulationParams(t *testing.T) {
	p, err := ParseSimQuery(url.Values{"model": {"gm"}, "preset": {"labyrinth"}})
	lab, _ := morph.LookupPreset("labyrinth")
	if err != nil || p.Steps != lab.Config.Steps || p.GridSize != lab.Config.GridSize || p.UpdateIntervalSteps != max(1, lab.Config.Steps/100) {
		t.Errorf("defaults: %v %+v", err, p)
	}
	for q, want := range map[string]string{
		"model=v5":                          `model="v5": must be one of v4.1, gm`,
		"preset=spots":                      `preset="spots": must be used only with "model": "gm"`,
		"model=gm&preset=zebra":             `preset="zebra"`,
		"model=gm&alpha=0.1":                "alpha=0.1: must be absent",
		"model=gm&steps=30000":              "steps=30000",
		"model=gm&grid_size=256&steps=2000": "steps=2000: must be at most 1024",
		"model=gm&param=d_a=-1":             "param=d_a=-1",
		"model=gm&param=zeta=1":             "zeta",
	} {
		v, _ := url.ParseQuery(q)
		if _, err := ParseSimQuery(v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", q, err, want)
		}
	}
	ps, _ := decodeJSONParams(json.RawMessage(`{"model":"gm","preset":"stripes","params":{"d_i":20},"steps":100}`))
	if p, err := ps.simParams(); err != nil || p.Model.Params["d_i"] != 20 || p.Steps != 100 || p.UpdateIntervalSteps != 1 {
		t.Errorf("JSON params: %v %+v", err, p)
	}
	ps, _ = decodeJSONParams(json.RawMessage(`{"model":"gm","params":[1]}`))
	if _, err := ps.simParams(); err == nil || !strings.Contains(err.Error(), "params=") {
		t.Errorf("params as a list: %v", err)
	}
}

// Over WebSocket: subscribe, frames, completion; an unsubscribe mid-run stops the run.
func TestGMSimulationWebSocket(t *testing.T) {
	_, srv, _ := testHub(t, Options{Auth: keyAuth("k")})
	c := dial(t, srv, "/ws/simulation_live")
	c.auth("k")
	c.send("subscribe", map[string]any{"stream_type": "simulation_live", "stream_id": "g",
		"params": map[string]any{"model": "gm", "preset": "uniform", "grid_size": 16, "steps": 200, "update_interval_steps": 100}})
	c.expect("subscribe_success")
	if p := payload(c.expect("simulation_state")); p["step"] != float64(100) {
		t.Fatalf("state %v", p)
	}
	c.expect("simulation_state")
	fm := payload(c.expect("simulation_complete"))["final_metrics"].(map[string]any)
	if fm["contrast"].(float64) >= 0.01 || fm["fractal_dimension"] != float64(0) {
		t.Errorf("uniform preset: %v", fm)
	}
	c.send("subscribe", map[string]any{"stream_type": "simulation_live", "stream_id": "h",
		"params": map[string]any{"model": "gm", "preset": "spots", "grid_size": 64, "steps": 16000, "update_interval_steps": 1}})
	c.expect("subscribe_success")
	c.expect("simulation_state")
	c.send("unsubscribe", map[string]any{"stream_id": "h"})
}

// The feature stream with "model": "gm": steps_per_frame steps per frame, activity above
// the Otsu threshold (so the ratio is neither 0 nor 1 once the pattern forms), resumable.
func TestGMFeatureStreamSSE(t *testing.T) {
	_, srv, _ := testHub(t, Options{})
	path := srv.URL + "/sse/stream_features?model=gm&preset=spots&steps_per_frame=400&update_interval_ms=10"
	_, evs := readEvents(t, path, "", 12)
	if len(evs) != 12 || evs[11].id != "11" {
		t.Fatalf("events %+v", evs)
	}
	var last struct {
		Payload struct {
			Features map[string]float64 `json:"features"`
		} `json:"payload"`
	}
	if err := json.Unmarshal([]byte(evs[11].data), &last); err != nil {
		t.Fatal(err)
	}
	// 12·400 = 4800 steps: the spots have formed (the preset runs 4000).
	f := last.Payload.Features
	if r := f["activity_ratio"]; !(r > 0.05 && r < 0.95) || !(f["fractal_dimension"] > 1 && f["fractal_dimension"] <= 2) {
		t.Errorf("features after 4800 steps %v", f)
	}
	_, rest := readEvents(t, path, "5", 2)
	if len(rest) != 2 || rest[0].id != "6" || timestamps.ReplaceAllString(rest[1].data, "") != timestamps.ReplaceAllString(evs[7].data, "") {
		t.Fatalf("resumed %+v", rest)
	}
	for q, want := range map[string]string{
		"steps_per_frame=5":          "steps_per_frame=5: must be absent",
		"model=gm&steps_per_frame=0": "steps_per_frame=0",
		"model=gm&preset=zebra":      `preset="zebra"`,
		"model=gm&param=d_a=-1":      "param=d_a=-1",
	} {
		v, _ := url.ParseQuery(q)
		if _, err := ParseFeatureQuery(v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", q, err, want)
		}
	}
}
