package stream

import (
	"math"
	"testing"
)

// The nine features on a 4×4 field worked out by hand.
func TestFeaturesByHand(t *testing.T) {
	// Volts; |F| > 0.01 only at (0,0) = 0.02 and (3,3) = -0.03.
	f := make([]float64, 16)
	f[0], f[15] = 0.02, -0.03
	got := computeFeatures(f, 4, make([]float64, 16))
	// Boxes of 2: 4 boxes, 2 active; of 4: 1 box, 1 active. slope = (ln1 − ln2)/(ln4 − ln2) = −1.
	// numpy.gradient: row 0 along columns: [0-0.02, (0-0.02)/2, 0, 0] → gx² sum = 4e-4+1e-4;
	// column 0 along rows likewise 5e-4; at (3,3): gx row 3 = [0, 0, -0.015, -0.03],
	// gy column 3 the same: each 2.25e-4+9e-4. Sum = 5e-4·2 + 1.125e-3·2 = 3.25e-3, /16.
	want := featureValues{(0.02 - 0.03) / 16 * 1000, 0, -30, 20, 2, 2.0 / 16, 1, 0.02*0.02 + 0.03*0.03, 3.25e-3 / 16}
	mean := (0.02 - 0.03) / 16
	want[1] = math.Sqrt(((0.02-mean)*(0.02-mean)+(-0.03-mean)*(-0.03-mean)+14*mean*mean)/16) * 1000
	for i, k := range featureKeys {
		if math.Abs(got[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
			t.Errorf("%s = %v, want %v", k, got[i], want[i])
		}
	}
}

// No active cell: the reference's box count divides log(0) by log(0) (NaN); the frame says null.
func TestFeaturesQuietField(t *testing.T) {
	f := make([]float64, 64)
	got := computeFeatures(f, 8, make([]float64, 64))
	if !math.IsNaN(got[6]) {
		t.Fatalf("fractal_dimension %v, want NaN", got[6])
	}
	b, _ := orderedFloats{keys: []string{"fractal_dimension"}, vals: []float64{got[6]}}.MarshalJSON()
	if string(b) != `{"fractal_dimension":null}` {
		t.Fatalf("encoded %s", b)
	}
}

// downsample averages blocks, partial ones at the edges, in mV.
func TestDownsample(t *testing.T) {
	f := []float64{0.001, 0.003, 0.005, 0.007, 0.009, 0.011, 0.013, 0.015, 0.017}
	s := downsample(f, 3, 2)
	if s.Shape[0] != 2 || s.MV[0] != 5 || s.MV[1] != 8 || s.MV[2] != 14 || s.MV[3] != 17 {
		t.Fatalf("%+v", s)
	}
}
