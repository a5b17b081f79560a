package features

import (
	"math"
	"testing"

	"mfn/field"
)

// inexact features pass through log, pow or least squares: 1e-12 relative (1e-13 absolute).
var inexact = map[string]bool{"D_box": true, "D_r2": true, "V_skew": true, "V_kurt": true, "E_trend": true}

func compare(t *testing.T, what string, got, want Vector) {
	t.Helper()
	g, w := got.Values(), want.Values()
	for i, name := range Names() {
		if inexact[name] {
			d := math.Abs(g[i] - w[i])
			if !(d <= 1e-13 || d <= 1e-12*math.Abs(w[i])) {
				t.Errorf("%s %s = %v, want %v (rel %.3g)", what, name, g[i], w[i], d/math.Abs(w[i]))
			}
			continue
		}
		if math.Float64bits(g[i]) != math.Float64bits(w[i]) {
			t.Errorf("%s %s = %v, want %v (bit-exact)", what, name, g[i], w[i])
		}
	}
}

func seeded(c field.Config, seed uint64) field.Config {
	c.Seed = &seed
	return c
}

// synthetic is §14.7 (d): h[t][i][j] = −0.07 + 0.0006·((7i + 13j + 5t) mod 50).
func synthetic() [][]float64 {
	const T, n = 20, 16
	h := make([][]float64, T)
	for t := range h {
		h[t] = make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				k := float64((7*i + 13*j + 5*t) % 50)
				h[t][i*n+j] = -0.07 + float64(0.0006*k)
			}
		}
	}
	return h
}

func TestObservedVectors(t *testing.T) {
	demo := Vector{VMin: -71.09454351242177, VMax: -67.27469469838402, VMean: -69.94989814999815, VStd: 0.5591327365361041,
		VSkew: 0.2236791665853145, VKurt: 0.09424593359398514, DVMean: 0.08824437382069292, DVMax: 7.249311410581399,
		TStable: 32, ETrend: -1015.6993654009838}
	def := Vector{VMin: -70.61010865826364, VMax: -66.05374972580627, VMean: -69.97659422623444, VStd: 0.3152235253187004,
		VSkew: 1.723083755824149, VKurt: 13.812781202968566, DVMean: 0.030054825161826167, DVMax: 8.737635849958735,
		TStable: 100, ETrend: -697.4893865123712}
	jitter := Vector{DBox: 2.025846113739149, DR2: 0.9938805712549634, VMin: -95.0, VMax: 40.0, VMean: -36.685911119859995,
		VStd: 27.782857433263715, VSkew: 0.12231347464025365, VKurt: -0.3130385957158004, DVMean: 22.325209272333023,
		DVMax: 119.59399360404444, TStable: 50, ETrend: -53327.610812518, FActive: 0.7880859375, NClustersLow: 11,
		NClustersMed: 28, NClustersHigh: 50, MaxClusterSize: 790, ClusterSizeStd: 226.62234212542512}
	jc := seeded(field.DefaultConfig(), 3)
	jc.GridSize, jc.Steps, jc.QuantumJitter = 32, 50, true
	for _, c := range []struct {
		name string
		cfg  field.Config
		want Vector
	}{{"(a) demo", field.DemoConfig(), demo}, {"(b) default", field.DefaultConfig(), def}, {"(c) jitter", jc, jitter}} {
		res, err := field.RunWithHistory(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Compute(res.Frames(), res.N, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		compare(t, c.name, got, c.want)
		if c.name == "(a) demo" {
			only := c.want
			only.DVMean, only.DVMax, only.TStable, only.ETrend = 0, 0, 0, 0
			got, err := ComputeField(res.Field, res.N, DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			compare(t, c.name+" field only", got, only)
		}
	}
}

func TestSyntheticVector(t *testing.T) {
	h := synthetic()
	want := Vector{DBox: 1.9961871574052799, DR2: 0.9961907918474416, VMin: -70.0, VMax: -40.60000000000001,
		VMean: -55.18750000000001, VStd: 8.681472729324211, VSkew: -0.006056790779545915, VKurt: -1.2040020191656762,
		DVMean: 5.3930921052631575, DVMax: 27.000000000000007, TStable: 20, ETrend: -111.01353383458984,
		FActive: 0.6640625, NClustersLow: 7, NClustersMed: 22, NClustersHigh: 0, MaxClusterSize: 40,
		ClusterSizeStd: 14.47869652493706}
	got, err := Compute(h, 16, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	compare(t, "(d)", got, want)
	c8 := DefaultConfig()
	c8.Connectivity = 8
	got8, err := Compute(h, 16, c8)
	if err != nil {
		t.Fatal(err)
	}
	want.NClustersLow, want.NClustersMed, want.NClustersHigh, want.MaxClusterSize, want.ClusterSizeStd = 2, 7, 0, 169, 84.0
	compare(t, "(d) connectivity 8", got8, want)
}
