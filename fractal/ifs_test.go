package fractal

import (
	"math"
	"testing"

	"mfn/rng"
)

// Spec §9.1, default_rng(42): the drawn maps and the default-call outputs.
func TestGenerateIFSReference(t *testing.T) {
	res, err := GenerateIFS(rng.New(42), 10000, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := [4][5]float64{
		{0.432186814566789, 2.757554564287996, 0.7171958398227649, 0.3947360581187278, 0.186785442685388},
		{0.22825320436629487, 6.13001602516006, 0.5222794039807059, 0.5721286105539076, 0.05209952530348156},
		{0.23843408980266378, 2.829858307545725, -0.25840395153483753, 0.8535299776972036, 0.05685081518002475},
		{0.3931595360241994, 5.169563679814652, -0.11317160234533774, -0.5455225564304462, 0.1545744207667637},
	}
	for i, w := range want {
		tr := res.Transforms[i]
		// The uniform draws are exact; the determinant goes through cos/sin.
		if tr.Scale != w[0] || tr.Angle != w[1] || tr.E != w[2] || tr.F != w[3] {
			t.Errorf("transform %d = %+v, want s θ e f %v", i, tr, w[:4])
		}
		if det := math.Abs(tr.A*tr.D - tr.B*tr.C); !near(det, w[4]) {
			t.Errorf("transform %d det %v, want %v", i, det, w[4])
		}
	}
	if !near(res.Lyapunov, -2.342536694280626) {
		t.Errorf("λ = %v", res.Lyapunov)
	}
	if res.Points[0] != [2]float64{0.7171958398227649, 0.3947360581187278} {
		t.Errorf("first point %v", res.Points[0])
	}
	last := res.Points[9999]
	if !near(last[0], 0.6124875745885996) || !near(last[1], 0.6248358180222747) {
		t.Errorf("last point %v", last)
	}
	sum := 0.0
	for _, p := range res.Points {
		sum += p[0] + p[1]
	}
	if math.Abs(sum-5187.790486707944) > 1e-9 {
		t.Errorf("Σ coordinates = %v", sum)
	}
	r1000, _ := GenerateIFS(rng.New(42), 1000, 4)
	if !near(r1000.Lyapunov, -2.3317039324074043) {
		t.Errorf("λ(1000) = %v", r1000.Lyapunov)
	}
}

// λ is the mean log-determinant ≈ 2·mean(ln s), so it lies in [2 ln 0.2, 2 ln 0.5].
func TestGenerateIFSProperties(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		res, err := GenerateIFS(rng.New(seed), 2000, 2+int(seed%7))
		if err != nil {
			t.Fatal(err)
		}
		if res.Lyapunov < 2*math.Log(0.2)-1e-12 || res.Lyapunov > 2*math.Log(0.5)+1e-12 {
			t.Errorf("seed %d: λ = %v", seed, res.Lyapunov)
		}
		for _, p := range res.Points {
			if math.Abs(p[0]) > 100 || math.Abs(p[1]) > 100 {
				t.Fatalf("seed %d: unbounded point %v", seed, p)
			}
		}
	}
}

func TestGenerateIFSErrors(t *testing.T) {
	if _, err := GenerateIFS(rng.New(0), 0, 4); err == nil {
		t.Error("num_points 0 accepted")
	}
	if _, err := GenerateIFS(rng.New(0), 10, 0); err == nil {
		t.Error("num_transforms 0 accepted")
	}
	if _, err := GenerateIFS(rng.New(0), -5, -1); err == nil {
		t.Error("negative sizes accepted")
	}
}
