package pattern

import (
	"math"
	"testing"
)

func wave(n int, modes ...[3]float64) []float64 {
	f := make([]float64, n*n)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			v := 5.0 // a mean, which the spectrum must ignore
			for _, m := range modes {
				v += m[2] * math.Cos(2*math.Pi*(m[0]*float64(c)+m[1]*float64(r))/float64(n))
			}
			f[r*n+c] = v
		}
	}
	return f
}

func TestWavelengthOfPlaneWaves(t *testing.T) {
	const n = 64
	for _, c := range []struct {
		modes [][3]float64
		want  float64 // cells
	}{
		{[][3]float64{{8, 0, 1}}, 8},            // stripes along x: 64/8
		{[][3]float64{{0, 4, 1}}, 16},           // along y
		{[][3]float64{{6, 8, 1}}, 6.4},          // diagonal: |k| = 10
		{[][3]float64{{8, 0, 1}, {0, 8, 1}}, 8}, // a square lattice of spots
	} {
		m, err := Of(wave(n, c.modes...), n)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(m.WavelengthCells-c.want) > 1e-9 {
			t.Errorf("%v: wavelength %v, want %v", c.modes, m.WavelengthCells, c.want)
		}
		if !m.Formed() {
			t.Errorf("%v: contrast %v", c.modes, m.Contrast)
		}
	}
}

// The sub-bin estimate moves towards the stronger neighbour.
func TestSubBinPeak(t *testing.T) {
	// Equal waves at k = 8 and 9: the peak lies between them (the rings' means differ a
	// little, as ring 9 holds more wavevectors).
	m, _ := Of(wave(64, [3]float64{8, 0, 1}, [3]float64{0, 9, 1}), 64)
	if !(m.PeakWavenumber > 8.2 && m.PeakWavenumber < 8.8) {
		t.Errorf("two neighbouring waves: peak %v, want in (8.2, 8.8)", m.PeakWavenumber)
	}
	spec := []float64{0, 0.1, 1, 4, 2, 0.5}
	k := PeakWavenumber(spec)
	if !(k > 3 && k < 3.5) {
		t.Errorf("peak %v, want in (3, 3.5)", k)
	}
	if PeakWavenumber([]float64{0, 0, 0}) != 0 {
		t.Error("a spectrum without power has a peak")
	}
}

func TestUniformFieldHasNoPattern(t *testing.T) {
	const n = 32
	f := make([]float64, n*n)
	for k := range f {
		f[k] = 1.25
	}
	m, err := Of(f, n)
	if err != nil {
		t.Fatal(err)
	}
	if m.Contrast != 0 || m.WavelengthCells != 0 || m.Formed() {
		t.Errorf("uniform field: %+v", m)
	}
	// Noise far below the bound: still no pattern.
	for k := range f {
		f[k] += 1e-6 * math.Sin(float64(k)*12.9898)
	}
	if m, _ := Of(f, n); m.Formed() || m.WavelengthCells != 0 {
		t.Errorf("faint noise: %+v", m)
	}
	if _, err := Of(f[:10], n); err == nil {
		t.Error("a field of the wrong size was accepted")
	}
}

// Parseval: the spectrum holds the field's variance (a check on the FFT's use).
func TestSpectrumEnergy(t *testing.T) {
	const n = 16
	f := wave(n, [3]float64{3, 0, 2})
	spec, err := Spectrum(f, n)
	if err != nil {
		t.Fatal(err)
	}
	// cos with amplitude 2 on n² cells: |F|² = (n²·2/2)² at k = ±3, the two of the 4 cells at
	// radius 3 on the axes... the ring's mean at r = 3 is positive and every other ring is 0.
	for r, p := range spec {
		if (r == 3) != (p > 1e-6) {
			t.Errorf("ring %d power %v", r, p)
		}
	}
}
