package server

import (
	"math"
	"testing"
)

// TestSimulateValuesSkipJSONOnlyWhenREST: the direct path leaves out REST's JSON object only
// for answers that object accepts, so a non-finite value is refused with REST's error on
// every transport (finite and the object's check agree on every field).
func TestSimulateValuesSkipJSONOnlyWhenREST(t *testing.T) {
	ok := SimulateResult{GrowthEvents: 3, PotMin: -70.1, PotMax: -60, PotMean: -65.5, PotStd: 1.25, FractalDimension: 1.4}
	fields := []func(*SimulateResult) *float64{
		func(r *SimulateResult) *float64 { return &r.PotMin }, func(r *SimulateResult) *float64 { return &r.PotMax },
		func(r *SimulateResult) *float64 { return &r.PotMean }, func(r *SimulateResult) *float64 { return &r.PotStd },
		func(r *SimulateResult) *float64 { return &r.FractalDimension },
	}
	vals := func(r SimulateResult) []float64 {
		return []float64{r.PotMin, r.PotMax, r.PotMean, r.PotStd, r.FractalDimension}
	}
	if !finite(vals(ok)...) || simulateObject(ok).err != nil {
		t.Fatalf("finite answer: finite %v, object error %v", finite(vals(ok)...), simulateObject(ok).err)
	}
	for i, f := range fields {
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			r := ok
			*f(&r) = bad
			if finite(vals(r)...) || simulateObject(r).err == nil {
				t.Errorf("field %d = %v: finite %v, object error %v", i, bad, finite(vals(r)...), simulateObject(r).err)
			}
		}
	}
}
