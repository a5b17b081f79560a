package grpcapi

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"

	mfnv1 "mfn/api/proto/mfn/v1"
	"mfn/features"
	"mfn/field"
	"mfn/rng"
)

// num is a REST JSON number as float64 (json.Number from a UseNumber decoder).
func num(t testing.TB, v any) float64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// same fails unless got and want have the same bits.
func same(t testing.TB, what string, got, want float64) {
	t.Helper()
	if math.Float64bits(got) != math.Float64bits(want) {
		t.Errorf("%s: gRPC %v (%#x), REST %v (%#x)", what, got, math.Float64bits(got), want, math.Float64bits(want))
	}
}

// TestUnaryMatchesREST calls every unary method and its REST endpoint with the same inputs and
// compares every field bit for bit.
func TestUnaryMatchesREST(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()

	t.Run("Simulate", func(t *testing.T) {
		cases := []struct {
			rest map[string]any
			grpc *mfnv1.SimulateRequest
		}{
			{map[string]any{"grid_size": 16, "steps": 8}, &mfnv1.SimulateRequest{GridSize: ptr[int32](16), Steps: ptr[int32](8)}},
			{map[string]any{"seed": 7, "grid_size": 32, "steps": 40, "alpha": 0.1, "spike_probability": 0.5, "turing_enabled": false},
				&mfnv1.SimulateRequest{Seed: ptr[uint64](7), GridSize: ptr[int32](32), Steps: ptr[int32](40), Alpha: ptr(0.1),
					SpikeProbability: ptr(0.5), TuringEnabled: ptr(false)}},
			{map[string]any{"seed": uint64(math.MaxUint64), "grid_size": 8, "steps": 1000},
				&mfnv1.SimulateRequest{Seed: ptr[uint64](math.MaxUint64), GridSize: ptr[int32](8), Steps: ptr[int32](1000)}},
		}
		for _, c := range cases {
			code, want := h.rest(t, "/simulate", c.rest, "")
			if code != http.StatusOK {
				t.Fatalf("REST %v: %d %v", c.rest, code, want)
			}
			got, err := h.client.Simulate(ctx, c.grpc)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "growth_events", float64(got.GrowthEvents), num(t, want["growth_events"]))
			same(t, "pot_min_mV", got.PotMinMv, num(t, want["pot_min_mV"]))
			same(t, "pot_max_mV", got.PotMaxMv, num(t, want["pot_max_mV"]))
			same(t, "pot_mean_mV", got.PotMeanMv, num(t, want["pot_mean_mV"]))
			same(t, "pot_std_mV", got.PotStdMv, num(t, want["pot_std_mV"]))
			same(t, "fractal_dimension", got.FractalDimension, num(t, want["fractal_dimension"]))
		}
	})

	t.Run("Nernst", func(t *testing.T) {
		for _, c := range []struct {
			z              int32
			out, in, tempK float64
		}{{1, 0.005, 0.14, 310}, {2, 0.002, 1e-7, 298.15}, {-1, 0.11, 0.004, 273.15}, {1, 1.5, 1.5, 370}} {
			code, want := h.rest(t, "/nernst", map[string]any{"z_valence": c.z, "concentration_out_molar": c.out,
				"concentration_in_molar": c.in, "temperature_k": c.tempK}, "")
			if code != http.StatusOK {
				t.Fatalf("REST: %d %v", code, want)
			}
			got, err := h.client.Nernst(ctx, &mfnv1.NernstRequest{ZValence: &c.z, ConcentrationOutMolar: &c.out,
				ConcentrationInMolar: &c.in, TemperatureK: &c.tempK})
			if err != nil {
				t.Fatal(err)
			}
			same(t, "potential_mV", got.PotentialMv, num(t, want["potential_mV"]))
		}
	})

	t.Run("Validate", func(t *testing.T) {
		rest := map[string]any{"seed": 3, "epochs": 1, "batch_size": 2, "grid_size": 8, "steps": 4, "turing_enabled": false}
		code, want := h.rest(t, "/validate", rest, "")
		if code != http.StatusOK {
			t.Fatalf("REST: %d %v", code, want)
		}
		got, err := h.client.Validate(ctx, &mfnv1.ValidateRequest{Seed: ptr[int64](3), Epochs: ptr[int32](1),
			BatchSize: ptr[int32](2), GridSize: ptr[int32](8), Steps: ptr[int32](4), TuringEnabled: ptr(false)})
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]float64{"loss_start": got.LossStart, "loss_final": got.LossFinal,
			"loss_drop": got.LossDrop, "pot_min_mV": got.PotMinMv, "pot_max_mV": got.PotMaxMv,
			"example_fractal_dim": got.ExampleFractalDim, "lyapunov_exponent": got.LyapunovExponent,
			"growth_events": got.GrowthEvents, "nernst_symbolic_mV": got.NernstSymbolicMv, "nernst_numeric_mV": got.NernstNumericMv} {
			same(t, name, v, num(t, want[name]))
		}
	})

	t.Run("Aggregate", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		rows := make([][]float32, 24)
		req := &mfnv1.AggregateRequest{NumClusters: ptr[int32](4), ByzantineFraction: ptr(0.25)}
		for i := range rows {
			rows[i] = make([]float32, 9)
			for j := range rows[i] {
				rows[i][j] = float32(r.NormFloat64()) * 1e-3
			}
			req.Gradients = append(req.Gradients, &mfnv1.Gradient{Values: rows[i]})
		}
		rows[3][2] = 1e-40 // a subnormal float32 crosses exactly too
		code, want := h.rest(t, "/federated/aggregate", map[string]any{"gradients": rows, "num_clusters": 4, "byzantine_fraction": 0.25}, "")
		if code != http.StatusOK {
			t.Fatalf("REST: %d %v", code, want)
		}
		got, err := h.client.Aggregate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		restVec := want["aggregated_gradient"].([]any)
		if len(got.AggregatedGradient) != len(restVec) || got.NumInputGradients != int64(num(t, want["num_input_gradients"])) {
			t.Fatalf("gRPC %v, REST %v", got, want)
		}
		for i, v := range restVec {
			if math.Float32bits(got.AggregatedGradient[i]) != math.Float32bits(float32(num(t, v))) {
				t.Errorf("aggregated_gradient[%d]: gRPC %v, REST %v", i, got.AggregatedGradient[i], v)
			}
		}
	})

	t.Run("Features", func(t *testing.T) {
		// No REST route: the reference is the `mfn features` path, simulation with history
		// then features.Compute with the default configuration.
		got, err := h.client.Features(ctx, &mfnv1.FeaturesRequest{Seed: ptr[uint64](5), GridSize: ptr[int32](24), Steps: ptr[int32](30)})
		if err != nil {
			t.Fatal(err)
		}
		p := field.DefaultLegacy()
		p.GridSize, p.Steps = 24, 30
		var history [][]float64
		sim, err := field.SimulateLegacyFrames(rng.New(5), p, func(_ int, f []float64) error {
			history = append(history, append([]float64(nil), f...))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		v, err := features.Compute(history, sim.N, features.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Features) != features.Count {
			t.Fatalf("%d features, want %d", len(got.Features), features.Count)
		}
		for i, name := range features.Names() {
			if got.Features[i].Name != name {
				t.Errorf("feature %d is %s, want %s", i, got.Features[i].Name, name)
			}
			same(t, name, got.Features[i].Value, v.Values()[i])
		}
	})
}
