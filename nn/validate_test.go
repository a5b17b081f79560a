package nn

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestBuildDatasetSpec checks the dataset against the reference's observed values (spec §13.2).
func TestBuildDatasetSpec(t *testing.T) {
	ds, err := BuildDataset(DefaultValidationConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.X) != DatasetSamples*4 || len(ds.Y) != DatasetSamples {
		t.Fatalf("shapes: X %d, y %d", len(ds.X), len(ds.Y))
	}
	wantX := [][4]float64{
		{0.0, -7.003076553344727, 0.033024758100509644, -6.730757713317871},
		{0.0, -6.989835262298584, 0.035222142934799194, -6.560568332672119},
		{0.0, -6.985081672668457, 0.03411497175693512, -6.860978126525879},
	}
	wantY := []float64{-1.4039177894592285, -1.4014892578125, -1.4004279375076294}
	for i, row := range wantX {
		for j, v := range row {
			if got := float64(ds.X[i*4+j]); got != v {
				t.Errorf("X[%d][%d] = %v, want %v", i, j, got, v)
			}
		}
		if got := float64(ds.Y[i]); got != wantY[i] {
			t.Errorf("y[%d] = %v, want %v", i, got, wantY[i])
		}
	}
	wantGrowth := []int{14, 11, 13, 18, 16, 21, 12, 20, 19, 13, 19, 10, 14, 17, 15, 15}
	if !slices.Equal(ds.GrowthEvents, wantGrowth) {
		t.Errorf("growth %v, want %v", ds.GrowthEvents, wantGrowth)
	}
	wantLyap := []float64{-1.737462, -2.671775, -2.449234, -1.822558, -2.382776, -2.209428, -2.075167,
		-2.233537, -2.416818, -1.795477, -2.185046, -2.350148, -2.336847, -2.077108, -2.404432, -2.311619}
	for i, v := range wantLyap {
		if math.Abs(ds.Lyapunov[i]-v) > 6e-7 {
			t.Errorf("λ[%d] = %v, want ≈ %v", i, ds.Lyapunov[i], v)
		}
	}
	if ds.PotMinMV != -71.08395153742538 || ds.PotMaxMV != -62.9757761271483 {
		t.Errorf("pot min/max %v / %v", ds.PotMinMV, ds.PotMaxMV)
	}
	if math.Abs(ds.LyapunovMean+2.2162144000352084) > 1e-12*2.2162144000352084 {
		t.Errorf("lyapunov_mean %v", ds.LyapunovMean)
	}
	// Every target is the float32 formula of its row.
	for i := range DatasetSamples {
		x := ds.X[i*4 : i*4+4]
		y := float32(float32(float32(0.5)*x[0])+float32(float32(0.2)*x[1])) - float32(float32(0.1)*x[2])
		if ds.Y[i] != y {
			t.Errorf("y[%d] = %v, formula gives %v", i, ds.Y[i], y)
		}
	}
}

// seed42 holds the reference's portable metrics for seed 42 (golden validation.json).
var seed42 = Metrics{
	PotMinMV: -71.08395153742538, PotMaxMV: -62.9757761271483, ExampleFractalDim: 0,
	LyapunovExponent: -2.1212794021212833, LyapunovMean: -2.2162144000352084, GrowthEvents: 20,
	NernstSymbolicMV: -89.01066911987905, NernstNumericMV: -89.01066911987907, NernstRTFZMV: 26.71224675678714,
}

func TestRunValidationSeed42(t *testing.T) {
	for _, epochs := range []int{1, 5} {
		cfg := DefaultValidationConfig()
		cfg.Epochs = epochs
		run, err := RunValidationContext(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		m := run.Metrics
		exact := map[string][2]float64{
			"pot_min_mV": {m.PotMinMV, seed42.PotMinMV}, "pot_max_mV": {m.PotMaxMV, seed42.PotMaxMV},
			"example_fractal_dim": {m.ExampleFractalDim, 0}, "growth_events": {m.GrowthEvents, 20},
			"nernst_symbolic_mV": {m.NernstSymbolicMV, seed42.NernstSymbolicMV},
			"nernst_numeric_mV":  {m.NernstNumericMV, seed42.NernstNumericMV},
			"nernst_rtfz_mV":     {m.NernstRTFZMV, seed42.NernstRTFZMV},
		}
		for k, v := range exact {
			if v[0] != v[1] {
				t.Errorf("epochs %d: %s = %v, want %v", epochs, k, v[0], v[1])
			}
		}
		for k, v := range map[string][2]float64{
			"lyapunov_exponent": {m.LyapunovExponent, seed42.LyapunovExponent},
			"lyapunov_mean":     {m.LyapunovMean, seed42.LyapunovMean},
		} {
			if math.Abs(v[0]-v[1]) > 1e-12*math.Abs(v[1]) {
				t.Errorf("epochs %d: %s = %v, want %v", epochs, k, v[0], v[1])
			}
		}
		if len(run.Losses) != 4*epochs {
			t.Errorf("epochs %d: %d steps, want %d", epochs, len(run.Losses), 4*epochs)
		}
		if !(m.LossStart > 0 && m.LossFinal > 0 && m.LossDrop > 0) || m.LossDrop != m.LossStart-m.LossFinal {
			t.Errorf("epochs %d: losses %v → %v (drop %v)", epochs, m.LossStart, m.LossFinal, m.LossDrop)
		}
		if m.LossStart != float64(run.Losses[0]) || m.LossFinal != float64(run.Losses[len(run.Losses)-1]) {
			t.Errorf("loss_start/final are not the first and last step losses")
		}
	}
}

func TestRunValidationZeroEpochs(t *testing.T) {
	cfg := DefaultValidationConfig()
	cfg.Epochs = 0
	cfg.GridSize, cfg.Steps = 8, 4
	m, err := RunValidation(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(m.LossStart) || !math.IsNaN(m.LossFinal) || !math.IsNaN(m.LossDrop) {
		t.Errorf("zero epochs: losses %v %v %v, want NaN", m.LossStart, m.LossFinal, m.LossDrop)
	}
	text := m.Text()
	if !strings.Contains(text, "loss_start              :  nan\n") {
		t.Errorf("NaN not printed as Python does:\n%s", text)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"loss_start":null,"loss_final":null,"loss_drop":null,"pot_min_mV":`) {
		t.Errorf("JSON %s", b)
	}
	var back Metrics
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.LossStart) || back.PotMinMV != m.PotMinMV || back.NernstRTFZMV != m.NernstRTFZMV {
		t.Errorf("JSON round trip: %+v", back)
	}
	if err := json.Unmarshal([]byte(`{"loss_start":1}`), &back); err == nil {
		t.Error("incomplete metrics accepted")
	}
}

func TestMetricsTextAndJSONOrder(t *testing.T) {
	m := seed42
	m.LossStart, m.LossFinal, m.LossDrop = 2.432786, 0.249718, 2.183068
	want := `=== MyceliumFractalNet v4.1 :: validation ===
loss_start              :  2.432786
loss_final              :  0.249718
loss_drop               :  2.183068
pot_min_mV              : -71.083952
pot_max_mV              : -62.975776
example_fractal_dim     :  0.000000
lyapunov_exponent       : -2.121279
lyapunov_mean           : -2.216214
growth_events           :  20.000000
nernst_symbolic_mV      : -89.010669
nernst_numeric_mV       : -89.010669
nernst_rtfz_mV          :  26.712247
`
	if got := m.Text(); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	var keys []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var v float64
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(keys, MetricNames[:]) {
		t.Errorf("JSON keys %v", keys)
	}
	inf := Metrics{LossStart: math.Inf(1), LossFinal: math.Inf(-1)}
	if txt := inf.Text(); !strings.Contains(txt, "loss_start              :  inf\n") || !strings.Contains(txt, "loss_final              : -inf\n") {
		t.Errorf("infinities:\n%s", txt)
	}
}

func TestValidationConfigValidate(t *testing.T) {
	for _, c := range []struct {
		mod  func(*ValidationConfig)
		want string
	}{
		{func(c *ValidationConfig) { c.Seed = -1 }, "seed=-1 is out of range: must be >= 0"},
		{func(c *ValidationConfig) { c.Epochs = -1 }, "epochs=-1 is out of range: must be in [0, 1000000]"},
		{func(c *ValidationConfig) { c.BatchSize = 0 }, "batch_size=0 is out of range: must be >= 1"},
		{func(c *ValidationConfig) { c.GridSize = 0 }, "grid_size=0 is out of range: must be in [1, 4096]"},
		{func(c *ValidationConfig) { c.GridSize = 5000 }, "grid_size=5000 is out of range: must be in [1, 4096]"},
		{func(c *ValidationConfig) { c.Steps = -3 }, "steps=-3 is out of range: must be in [0, 1000000]"},
	} {
		cfg := DefaultValidationConfig()
		c.mod(&cfg)
		_, err := RunValidation(cfg)
		var ce *ConfigError
		if err == nil || err.Error() != c.want || !errors.As(err, &ce) {
			t.Errorf("%+v: %v, want %q", cfg, err, c.want)
		}
		if _, err := BuildDataset(cfg); err == nil {
			t.Errorf("BuildDataset accepted %+v", cfg)
		}
	}
}

// TestValidationEdgeConfigs: grids below 4 give D = 0, zero steps return the initial fields,
// and the switches run (no Turing, jitter, no attention, no STDP, a batch larger than the data).
func TestValidationEdgeConfigs(t *testing.T) {
	for _, mod := range []func(*ValidationConfig){
		func(c *ValidationConfig) { c.GridSize = 1 },
		func(c *ValidationConfig) { c.GridSize = 3; c.Steps = 0 },
		func(c *ValidationConfig) { c.GridSize = 16; c.TuringEnabled = false; c.QuantumJitter = true },
		func(c *ValidationConfig) {
			c.GridSize = 16
			c.UseSparseAttention = false
			c.UseSTDP = false
			c.BatchSize = 100
		},
	} {
		cfg := DefaultValidationConfig()
		cfg.Steps = 8
		mod(&cfg)
		m, err := RunValidation(cfg)
		if err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
		if cfg.GridSize < 4 && m.ExampleFractalDim != 0 {
			t.Errorf("%+v: D = %v, want 0", cfg, m.ExampleFractalDim)
		}
		if !(m.PotMinMV <= m.PotMaxMV) || math.IsNaN(m.LossFinal) {
			t.Errorf("%+v: %+v", cfg, m)
		}
	}
}

func TestRunValidationCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RunValidationContext(ctx, DefaultValidationConfig()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v, want context.Canceled", err)
	}
	net, _ := NewTorchNetwork[float32](DefaultNetConfig(), NewTorchGenerator(1))
	opt, _ := NewAdam(net.Params(), DefaultAdam())
	losses, err := net.Fit(make([]float32, 8), make([]float32, 2), opt, FitOptions{Epochs: 3, BatchSize: 1, Context: ctx})
	if !errors.Is(err, context.Canceled) || len(losses) != 0 {
		t.Errorf("cancelled Fit: %d steps, %v", len(losses), err)
	}
}
