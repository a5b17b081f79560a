package conformance

import (
	"encoding/json"
	"errors"
	"fmt"

	"mfn/features"
	"mfn/field"
)

// The four feature dicts of every engine_sim case: features of the history with the default
// and the demo FeatureConfig and with 8-connectivity, and of the final field alone.
func init() {
	engineSimExtras = append(engineSimExtras, engineSimFeatures)
}

// inexactFeatures pass through log, pow or least squares (golden README tolerances); every
// other feature is compared bit for bit.
var inexactFeatures = map[string]bool{"D_box": true, "D_r2": true, "V_skew": true, "V_kurt": true, "E_trend": true}

func engineSimFeatures(c *engineSimCase, res *field.Result) []namedErr {
	demo := features.DemoConfig()
	conn8 := features.DefaultConfig()
	conn8.Connectivity = 8
	var out []namedErr
	for _, k := range []struct {
		key         string
		cfg         features.Config
		historyless bool
	}{
		{"features_with_history", features.DefaultConfig(), false},
		{"features_final_field_only", features.DefaultConfig(), true},
		{"features_with_history_demo_feature_config", demo, false},
		{"features_with_history_connectivity8", conn8, false},
	} {
		raw, ok := c.Raw[k.key]
		if !ok {
			continue
		}
		var v features.Vector
		var err error
		if k.historyless {
			v, err = features.ComputeField(res.Field, res.N, k.cfg)
		} else {
			v, err = features.Compute(res.Frames(), res.N, k.cfg)
		}
		if err == nil {
			err = compareFeatures(raw, v)
		}
		out = append(out, namedErr{k.key, err})
	}
	return out
}

// compareFeatures checks a golden {name: Float} dict against v, reporting every mismatch.
func compareFeatures(raw json.RawMessage, v features.Vector) error {
	var want map[string]Float
	if err := json.Unmarshal(raw, &want); err != nil {
		return err
	}
	if len(want) != features.Count {
		return fmt.Errorf("golden dict has %d features, want %d", len(want), features.Count)
	}
	var errs []error
	for i, name := range features.Names() {
		w, ok := want[name]
		if !ok {
			errs = append(errs, fmt.Errorf("golden dict lacks %s", name))
			continue
		}
		got := v.Values()[i]
		if inexactFeatures[name] {
			errs = append(errs, approx(name, got, float64(w), relTranscendental, absNearZero))
		} else {
			errs = append(errs, exact(name, got, float64(w)))
		}
	}
	return errors.Join(errs...)
}
