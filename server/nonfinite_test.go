package server

import (
	"strings"
	"testing"
)

// Inputs that pass validation but make a result non-finite get a 422 naming them, never a
// 500 (issue 18: /nernst answered 500 when the concentration ratio overflowed). The other
// endpoints' extreme inputs are in the adversarial matrix (adversarial_test.go); the
// aggregate cannot overflow (0.7f + 0.3f is exactly 1 in float32, and the inputs are finite
// float32 values).
func TestNonFiniteResultsAre422(t *testing.T) {
	app, _ := testApp(t, nil)
	for _, c := range []struct{ path, body, names string }{
		{"/nernst", `{"concentration_out_molar":1e308,"concentration_in_molar":1e-9}`, "concentration_out_molar"},
		{"/nernst", `{"concentration_out_molar":1e303,"concentration_in_molar":1e-9}`, "concentration_in_molar"},
		{"/nernst", `{"concentration_out_molar":1e308,"concentration_in_molar":1e-300,"z_valence":-3,"temperature_k":373}`, "concentration_in_molar"},
	} {
		rec := call(app.Handler(), "POST", c.path, c.body)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), c.names) {
			t.Errorf("%s %s: %d %s", c.path, c.body, rec.Code, rec.Body.String())
		}
	}
}
