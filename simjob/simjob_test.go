package simjob

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"mfn/features"
	"mfn/field"
	"mfn/gmspec"
	"mfn/integration"
	"mfn/morph"
)

func TestProcessPublishesTheFeatureVector(t *testing.T) {
	msg := integration.Message{Key: "job-1", Value: []byte(`{"seed": 7, "grid_size": 16, "steps": 8}`)}
	out, err := Process(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := json.Unmarshal(out.Value, &res); err != nil {
		t.Fatal(err)
	}
	if out.Key != "job-1" || res.Key != "job-1" {
		t.Errorf("result key %q / %q, want the request's job-1", out.Key, res.Key)
	}
	for _, n := range features.Names() {
		if _, ok := res.Features[n]; !ok {
			t.Errorf("feature %s missing", n)
		}
	}
	if len(res.Features) != features.Count || res.Request.Seed != 7 || res.Request.GridSize != 16 || res.Request.Alpha != 0.18 {
		t.Errorf("result %+v: want 18 features and the request echoed with defaults", res)
	}
	// Deterministic: the same request gives the same features.
	again, _ := Process(context.Background(), msg)
	var res2 Result
	_ = json.Unmarshal(again.Value, &res2)
	for n, v := range res.Features {
		if res2.Features[n] != v {
			t.Errorf("feature %s: %v then %v", n, v, res2.Features[n])
		}
	}
}

func TestProcessKeyWithoutMessageKey(t *testing.T) {
	a, err := Process(context.Background(), integration.Message{Value: []byte(`{"grid_size": 8, "steps": 2}`)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Process(context.Background(), integration.Message{Value: []byte(`{"grid_size": 8, "steps": 2}`)})
	if a.Key == "" || a.Key != b.Key {
		t.Errorf("keys %q, %q: want one deterministic key", a.Key, b.Key)
	}
	c, _ := Process(context.Background(), integration.Message{Value: []byte(`{"id": "r-9", "grid_size": 8, "steps": 2}`)})
	if c.Key != "r-9" {
		t.Errorf("key %q, want the request's id r-9", c.Key)
	}
}

func TestDecodeRefusesBadRequests(t *testing.T) {
	for in, want := range map[string]string{
		`{"grid_size": 4}`:                      "grid_size: 4",
		`{"steps": 0}`:                          "steps: 0",
		`{"grid_size": 256, "steps": 1000}`:     "grid_size²·steps",
		`{"alpha": 0.9}`:                        "alpha",
		`{"seed": -1}`:                          "seed",
		`{"grid": 64}`:                          "unknown field",
		`{"steps": "many"}`:                     "steps",
		`not json`:                              "request",
		`{} {}`:                                 "more than one",
		`{"model": "v5"}`:                       `model="v5"`,
		`{"preset": "spots"}`:                   `preset="spots": must be used only with "model": "gm"`,
		`{"model": "gm", "preset": "zebra"}`:    `preset="zebra"`,
		`{"model": "gm", "steps": 30000}`:       "steps=30000",
		`{"model": "gm", "params": {"d_a": 0}}`: "params.d_a=0",
		`{"model": "gm", "alpha": 0.1}`:         "alpha: a parameter of the v4.1 model",
	} {
		if _, err := Decode([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%s) = %v, want an error naming %q", in, err, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"seed": 1, "grid_size": 8, "steps": 1}`, `{"model": "gm", "preset": "spots", "steps": 5}`, `{"model": "gm", "params": {"d_i": 1e9}}`, `{"alpha": 1e308}`, `[]`, `{"steps": 1e99}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(data)
		if err != nil {
			return
		}
		if r.IsGM() {
			if gmspec.Bounds(r.GridSize, r.Steps) != nil {
				t.Fatalf("accepted %+v", r)
			}
		} else if r.GridSize < 8 || r.GridSize > maxGrid || r.Steps < 1 || r.Steps > maxSteps {
			t.Fatalf("accepted %+v", r)
		}
	})
}

// Run's streamed features and skipped reaction means change no bit: every feature and the
// growth events equal those of the full history path.
func TestRunMatchesTheHistoryPath(t *testing.T) {
	for _, r := range []Request{
		{Seed: 42, GridSize: 64, Steps: 64, Alpha: 0.18, SpikeProbability: 0.25, TuringEnabled: true},
		{Seed: 7, GridSize: 32, Steps: 100, Alpha: 0.2, SpikeProbability: 0.5, TuringEnabled: false},
		{Seed: 1, GridSize: 8, Steps: 1, Alpha: 0.1, SpikeProbability: 0, TuringEnabled: true},
	} {
		got, err := Run(r)
		if err != nil {
			t.Fatal(err)
		}
		res, err := field.RunWithHistory(r.config())
		if err != nil {
			t.Fatal(err)
		}
		want, err := features.FromResult(res, features.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		if got.GrowthEvents != res.GrowthEvents {
			t.Errorf("%+v: growth events %d, history path %d", r, got.GrowthEvents, res.GrowthEvents)
		}
		for name, w := range want.Map() {
			g, ok := got.Features[name]
			if !ok || !(g == w || g != g && w != w) {
				t.Errorf("%+v: %s = %v, history path %v", r, name, g, w)
			}
		}
	}
}

func TestProcessGM(t *testing.T) {
	out, err := Process(context.Background(), integration.Message{Key: "gm-1",
		Value: []byte(`{"model": "gm", "preset": "spots", "seed": 3, "grid_size": 32, "steps": 3000}`)})
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := json.Unmarshal(out.Value, &res); err != nil {
		t.Fatal(err)
	}
	if res.Request.Model != "gm" || res.Request.Preset != "spots" || res.Request.Steps != 3000 || len(res.Features) != features.Count {
		t.Fatalf("result %+v", res)
	}
	// The adaptive thresholds make the fractal features informative (v4.1's are 0).
	if d := res.Features["D_box"]; !(d > 1 && d < 2) || res.Features["f_active"] == 0 {
		t.Errorf("D_box %v, f_active %v", d, res.Features["f_active"])
	}
	// Absent sizes are the preset's.
	r, err := Decode([]byte(`{"model": "gm", "preset": "labyrinth"}`))
	p, _ := morph.LookupPreset("labyrinth")
	if err != nil || r.GridSize != p.Config.GridSize || r.Steps != p.Config.Steps {
		t.Errorf("defaults: %v %+v", err, r)
	}
}

// TestDecodeServedResult: the message serve publishes for a /simulate result is read as its
// request; a request with unknown fields beside request_id is still refused.
func TestDecodeServedResult(t *testing.T) {
	r, err := Decode([]byte(`{"request_id":"r1","request":{"seed":7,"grid_size":16,"steps":8,"alpha":0.18,"spike_probability":0.25,"turing_enabled":true},"response":{"growth_events":1}}`))
	if err != nil || r.Seed != 7 || r.GridSize != 16 || r.Steps != 8 {
		t.Errorf("%+v %v", r, err)
	}
	if _, err := Decode([]byte(`{"request_id":"r1","seed":7}`)); err == nil {
		t.Error("an unknown field request_id beside a request's fields was accepted")
	}
}
