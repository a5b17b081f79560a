package main

import (
	"encoding/json"
	"strings"
	"testing"

	"mfn/field"
	"mfn/rng"
)

// The engine records the history into the caller's buffer: runSimulation's zero-copy claim.
func TestHistoryIsRecordedIntoTheCallersBuffer(t *testing.T) {
	c := field.DemoConfig()
	buf := make([]float64, c.Steps*c.GridSize*c.GridSize)
	r, err := field.RunWith(c, field.RunOptions{History: true, HistoryBuffer: buf})
	if err != nil {
		t.Fatal(err)
	}
	if &r.History[0] != &buf[0] || len(r.History) != len(buf) {
		t.Fatal("the engine did not record into HistoryBuffer")
	}
	cfg, _ := json.Marshal(c)
	out := make([]float64, c.GridSize*c.GridSize)
	hist := make([]float64, len(buf))
	if _, err := runSimulation(cfg, true, out, hist); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		if out[i] != hist[len(hist)-len(out)+i] || out[i] != r.Field[i] {
			t.Fatalf("cell %d: field %v, last frame %v, engine %v", i, out[i], hist[len(hist)-len(out)+i], r.Field[i])
		}
	}
}

// simulateLegacy continues from the state it is given and writes back the advanced state.
func TestSimulateLegacyAdvancesTheGivenState(t *testing.T) {
	g := rng.New(42)
	g.Uint32()
	st := make([]uint64, stateWords)
	stateTo(st, g.State())
	p := field.DefaultLegacy()
	p.GridSize, p.Steps = 16, 5
	out := make([]float64, 256)
	growth, err := simulateLegacy(st, p, out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := field.SimulateLegacy(g, p)
	if err != nil {
		t.Fatal(err)
	}
	if growth != want.GrowthEvents || stateFrom(st) != g.State() {
		t.Fatalf("growth %d (want %d), state %+v (want %+v)", growth, want.GrowthEvents, stateFrom(st), g.State())
	}
	for i := range out {
		if out[i] != want.Field[i] {
			t.Fatalf("cell %d differs", i)
		}
	}
}

func TestBadInputNamesTheParameterAndLeavesTheStateAlone(t *testing.T) {
	st := make([]uint64, stateWords)
	stateTo(st, rng.New(1).State())
	before := append([]uint64(nil), st...)
	p := field.DefaultLegacy()
	p.GridSize = -3
	if _, err := simulateLegacy(st, p, nil); err == nil || !strings.Contains(err.Error(), "grid_size") {
		t.Fatalf("err = %v, want one naming grid_size", err)
	}
	for i := range st {
		if st[i] != before[i] {
			t.Fatal("a refused call changed the state")
		}
	}
	if _, err := generateIFS(st, 0, 4, nil); err == nil || !strings.Contains(err.Error(), "num_points") {
		t.Fatalf("err = %v, want one naming num_points", err)
	}
	if _, err := runSimulation([]byte(`{"grid_size": "x"}`), false, nil, nil); err == nil {
		t.Fatal("a malformed config was accepted")
	}
}

// FuzzDecoders feeds arbitrary bytes to the three JSON decoders of the ABI: none panics, and
// whatever they accept passes its own validation (so the calls behind them get only valid
// configurations).
func FuzzDecoders(f *testing.F) {
	for _, s := range []string{
		`{"grid_size":32,"steps":32,"seed":42}`, `{"alpha":0.3}`, `{"seed":null}`, `{}`, ``, `[`,
		`{"num_scales":3,"stability_window":5,"max_box_size":0}`, `{"connectivity":6}`,
		`{"grid_sizes":[32],"steps_range":[30,50],"alpha_range":[0.15,0.18],"turing_values":[true],"base_seed":42}`,
		`{"grid_sizes":[],"steps_range":[5,1]}`, `{"steps":1e308}`, `{"grid_size":-1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := decodeSimConfig(b); err == nil {
			if c.GridSize < 1 || c.Steps < 1 {
				t.Fatalf("accepted %+v", c)
			}
		}
		if c, err := decodeFeatureConfig(b); err == nil && c.Validate() != nil {
			t.Fatalf("accepted invalid %+v", c)
		}
		if s, err := decodeSampler(b); err == nil && s.Validate() != nil {
			t.Fatalf("accepted invalid %+v", s)
		}
	})
}
