package stream

import (
	"net/url"
	"testing"

	"mfn/gmspec"
)

// The message decoder and the subscribe decoders never panic, and whatever they accept is
// within the documented bounds.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{`{"type":"init"}`, `{"type":"auth","payload":{"api_key":"k","timestamp":1}}`,
		`{"type":"subscribe","payload":{"stream_type":"simulation_live","stream_id":"x","params":{"grid_size":8.0,"seed":1e15}}}`,
		`{"type":"subscribe","payload":{"stream_type":"stream_features","stream_id":"x","params":{"features":["a"]}}}`,
		`{"type":"subscribe","payload":{"stream_type":"simulation_live","stream_id":"x","params":{"model":"gm","preset":"stripes","params":{"kappa":0.2}}}}`,
		`[]`, `null`, `{"type":5}`, `{"type":"x","payload":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := decodeEnvelope(data)
		if err != nil {
			return
		}
		_, _, _ = decodeAuth(env.Payload)
		for _, k := range []Kind{KindFeatures, KindSimulation} {
			if _, mk, err := decodeSubscribe(env.Payload, k); err == nil && mk == nil {
				t.Fatal("accepted without a source")
			}
		}
		ps, err := decodeJSONParams(env.Payload)
		if err != nil {
			return
		}
		if p, err := ps.simParams(); err == nil {
			checkSim(t, p)
		}
	})
}

func checkSim(t *testing.T, p SimParams) {
	if p.Model.IsGM() {
		if gmspec.Bounds(p.GridSize, p.Steps) != nil || p.UpdateIntervalSteps < 1 || p.UpdateIntervalSteps > gmspec.MaxSteps || p.Seed > MaxSeed {
			t.Fatalf("gm out of bounds: %+v", p)
		}
		return
	}
	if p.GridSize < 8 || p.GridSize > 256 || p.Steps < 1 || p.Steps > 1000 || !(p.Alpha >= 0 && p.Alpha <= 1) ||
		p.UpdateIntervalSteps < 1 || p.UpdateIntervalSteps > 100 || p.Seed > MaxSeed {
		t.Fatalf("out of bounds: %+v", p)
	}
}

func FuzzSSEQuery(f *testing.F) {
	for _, s := range []string{"seed=1&grid_size=8", "steps=1000&alpha=0.2&turing_enabled=false", "features=a,b&update_interval_ms=10",
		"grid_size=NaN", "seed=-1", "include_full_state=2", "model=gm&preset=spots&param=d_i=9&steps=50",
		"model=gm&param=d_a", "model=gm&grid_size=256&steps=1024&update_interval_steps=9999",
		"model=gm&preset=stripes&steps_per_frame=7&features=active_nodes"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		if p, err := ParseSimQuery(v); err == nil {
			checkSim(t, p)
		}
		if p, err := ParseFeatureQuery(v); err == nil && (p.UpdateIntervalMS < 10 || p.UpdateIntervalMS > 10000 ||
			(p.Model.IsGM() && (p.StepsPerFrame < 1 || p.StepsPerFrame > 1000))) {
			t.Fatalf("accepted %+v", p)
		}
	})
}
