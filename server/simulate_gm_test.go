package server

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSimulateGM(t *testing.T) {
	app, _ := testApp(t, nil)
	h := app.Handler()
	// The v4.1 answer is unchanged by an explicit "model": "v4.1".
	ref := call(h, "POST", "/simulate", `{"seed":7,"grid_size":16,"steps":8}`).Body.String()
	if got := call(h, "POST", "/simulate", `{"seed":7,"grid_size":16,"steps":8,"model":"v4.1"}`).Body.String(); got != ref {
		t.Errorf("model v4.1: %s, want %s", got, ref)
	}
	rec := call(h, "POST", "/simulate", `{"model":"gm","preset":"spots","seed":3,"grid_size":32,"steps":3000}`)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	var body struct {
		Model       string  `json:"model"`
		Preset      string  `json:"preset"`
		D           float64 `json:"fractal_dimension"`
		Activations int     `json:"turing_activations"`
		Pattern     struct {
			Wavelength, Predicted, Contrast float64
		} `json:"pattern"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	var pat map[string]float64
	raw := map[string]json.RawMessage{}
	_ = json.Unmarshal(rec.Body.Bytes(), &raw)
	_ = json.Unmarshal(raw["pattern"], &pat)
	if body.Model != "gm" || body.Preset != "spots" || !(body.D > 1 && body.D < 2) || body.Activations == 0 ||
		!(pat["contrast"] > 0.01) || !strings.Contains(rec.Body.String(), `"threshold_mode":"otsu"`) || !strings.Contains(rec.Body.String(), `"active_cells":`) || pat["wavelength_cells"] == 0 || pat["predicted_wavelength_cells"] == 0 {
		t.Errorf("gm answer %s", rec.Body.String())
	}
	for body, param := range map[string]string{
		`{"model":"v5"}`:                              "model",
		`{"preset":"spots"}`:                          "preset",
		`{"model":"gm","preset":"zebra"}`:             "preset",
		`{"model":"gm","alpha":0.1}`:                  "alpha",
		`{"model":"gm","steps":20001}`:                "steps",
		`{"model":"gm","grid_size":256,"steps":2000}`: "steps",
		`{"model":"gm","params":{"d_a":-1}}`:          "params",
		`{"model":"gm","params":[1]}`:                 "params",
		`{"model":"gm","params":{"nonsense":1}}`:      "params",
		`{"model":3}`:                                 "model",
	} {
		is := issues(t, call(h, "POST", "/simulate", body))
		if len(is) == 0 || is[0].Loc[1] != param || is[0].Msg == "" {
			t.Errorf("%s: %+v, want an issue at %s", body, is, param)
		}
		if param == "params" && body == `{"model":"gm","params":{"d_a":-1}}` && !strings.Contains(is[0].Msg, "d_a=-1") {
			t.Errorf("%s: %s does not name d_a", body, is[0].Msg)
		}
	}
}
