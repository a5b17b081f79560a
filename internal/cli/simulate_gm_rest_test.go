package cli

import (
	"context"
	"encoding/json"
	"testing"

	"mfn/gmspec"
)

// The service's gm summary (gmspec.Summarize, behind POST /simulate and the worker) reports
// the same numbers as `mfn simulate --format json` for the same run.
func TestSimulateJSONMatchesTheServiceSummary(t *testing.T) {
	code, stdout, stderr := run(t, "", "simulate", "--preset", "spots", "--grid-size", "32", "--steps", "1500", "--seed", "9", "--format", "json")
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	var cli struct {
		D       float64 `json:"fractal_dimension"`
		Active  int     `json:"active_cells"`
		Thr     float64 `json:"threshold_mV"`
		PotMean float64 `json:"pot_mean_mV"`
		Turing  int     `json:"turing_activations"`
		Pattern struct {
			Wavelength float64 `json:"wavelength_cells"`
			Predicted  float64 `json:"predicted_wavelength_cells"`
			Contrast   float64 `json:"contrast"`
		} `json:"pattern"`
	}
	if err := json.Unmarshal([]byte(stdout), &cli); err != nil {
		t.Fatal(err)
	}
	c, err := gmspec.Spec{Model: "gm", Preset: "spots"}.Config(9, 32, 1500)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gmspec.Summarize(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.FractalDimension != cli.D || s.ActiveCells != cli.Active || s.ThresholdMV != cli.Thr || s.PotMean != cli.PotMean ||
		s.TuringActivations != cli.Turing || s.Pattern.WavelengthCells != cli.Pattern.Wavelength ||
		s.Pattern.PredictedWavelengthCells != cli.Pattern.Predicted || s.Pattern.Contrast != cli.Pattern.Contrast {
		t.Errorf("service %+v\ncli %s", s, stdout)
	}
}
