package conformance

import (
	"encoding/json"
	"fmt"
	"strings"

	"mfn/fractal"
)

// checkThresholdDims compares estimate_fractal_dimension(field > t) for every threshold a
// field_sim case records (keys "fractal_dim_gt_-60mV", "fractal_dim_gt_-70mV", …).
func checkThresholdDims(f []float64, n int, raw map[string]json.RawMessage) error {
	for key, v := range raw {
		mv, ok := strings.CutPrefix(key, "fractal_dim_gt_")
		if !ok {
			continue
		}
		mv, ok = strings.CutSuffix(mv, "mV")
		var t float64
		if _, err := fmt.Sscan(mv, &t); !ok || err != nil {
			return fmt.Errorf("unreadable threshold key %q", key)
		}
		var want Float
		if err := json.Unmarshal(v, &want); err != nil {
			return err
		}
		binary, _ := threshold(f, t/1000)
		d, err := fractal.EstimateDimension(binary, n, fractal.DefaultBoxOptions())
		if err != nil {
			return err
		}
		if err := approx(key, d, float64(want), relTranscendental, absNearZero); err != nil {
			return err
		}
	}
	return nil
}
