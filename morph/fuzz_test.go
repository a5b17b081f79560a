package morph

import (
	"math"
	"strings"
	"testing"
)

// ParseParam never panics; when it accepts an assignment, the parameter holds the value and
// the value is inside the parameter's range.
func FuzzParseParam(f *testing.F) {
	for _, s := range []string{"kappa=0.1", "d_i=14.4", " dt = 0.01 ", "mu_a=-1", "x=1", "=", "", "theta=1", "v_amp_mv=NaN",
		"d_a=1e309", "rho=0x1p-2", "kappa=0.1=2", "tau_v=inf", "sigma_a=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := spotsParams
		err := p.ParseParam(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			if p != spotsParams {
				t.Fatalf("%q: rejected but changed the parameters", s)
			}
			return
		}
		name, val, _ := strings.Cut(s, "=")
		got, ok := p.Get(strings.TrimSpace(name))
		if !ok || math.IsNaN(got) || math.IsInf(got, 0) {
			t.Fatalf("%q: accepted, but %s = %v", s, name, got)
		}
		if err := (&Params{}).Set(strings.TrimSpace(name), got); err != nil {
			t.Fatalf("%q: accepted %v, which Set rejects: %v", s, got, err)
		}
		_ = val
	})
}

func FuzzV41ParseParam(f *testing.F) {
	for _, s := range []string{"d_inhibitor=0.2", "d_activator=0.25", "r_activator=0.001", "r_inhibitor=NaN", "q=1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := DefaultV41Kinetics()
		if err := k.ParseParam(s); err != nil {
			if k != DefaultV41Kinetics() {
				t.Fatalf("%q: rejected but changed the kinetics", s)
			}
			return
		}
		for _, v := range []float64{k.DActivator, k.DInhibitor} {
			if !(v >= 0.01 && v < 0.25) {
				t.Fatalf("%q: diffusion %v accepted", s, v)
			}
		}
		for _, v := range []float64{k.RActivator, k.RInhibitor} {
			if !(v >= 0.001 && v <= 0.1) {
				t.Fatalf("%q: rate %v accepted", s, v)
			}
		}
	})
}
