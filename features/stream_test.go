package features

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"mfn/field"
)

func streamOf(t *testing.T, h [][]float64, n int, cfg Config) Vector {
	t.Helper()
	s, err := NewStream(n, len(h), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range h {
		if err := s.Push(i, f); err != nil {
			t.Fatal(err)
		}
	}
	v, err := s.Vector()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func sameVector(t *testing.T, what string, got, want Vector) {
	t.Helper()
	g, w := got.Values(), want.Values()
	for i := range g {
		if !same(g[i], w[i]) {
			t.Errorf("%s: %s = %v, want %v", what, names[i], g[i], w[i])
		}
	}
}

// The stream agrees bit for bit with Compute over random configurations, grid sizes and
// history lengths, including sides whose frames numpy's 8192-value chunks cut through
// (n = 33, 50, 100: chunk trees span frame boundaries) through every set of passes (scalar, Go, the CPU's).
func TestStreamMatchesCompute(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	type tc struct{ n, T int }
	cases := []tc{{33, 150}, {50, 40}, {100, 12}, {100, 1}, {4, 1}, {4, 150}, {64, 100}, {91, 9}, {33, 2}}
	for range 30 {
		cases = append(cases, tc{4 + r.IntN(97), 1 + r.IntN(150)})
	}
	stable := 0
	for k, c := range cases {
		if c.n*c.n*c.T > 400_000 && k >= 9 {
			c.T = max(1, 400_000/(c.n*c.n))
		}
		quiet := 0.005 * r.Float64()
		h := randomHistory(r, c.n, c.T, r.IntN(c.T+1), quiet)
		cfg := DefaultConfig()
		cfg.StabilityWindow = 1 + r.IntN(12)
		cfg.StabilityThresholdMV = []float64{0, 0.001, 0.003, 1, 50}[r.IntN(5)]
		cfg.Connectivity = []int{4, 8}[r.IntN(2)]
		cfg.NumScales = 2 + r.IntN(4)
		if r.IntN(8) == 0 {
			h[r.IntN(c.T)][r.IntN(c.n*c.n)] = math.NaN()
		}
		for name, ks := range kernelSets() {
			t.Run("", func(t *testing.T) {
				useKernels(t, ks)
				want, err := Compute(h, c.n, cfg)
				if err != nil {
					t.Fatal(err)
				}
				got := streamOf(t, h, c.n, cfg)
				if want.TStable < c.T {
					stable++
				}
				sameVector(t, "stream", got, want)
				if t.Failed() {
					t.Fatalf("n=%d T=%d cfg %+v kernels %s", c.n, c.T, cfg, name)
				}
			})
		}
	}
	if stable == 0 {
		t.Error("no history became stable: the T_stable path went untested")
	}
}

// Fed by the simulation's frame callback, the stream gives Compute's features of the history.
func TestStreamFromSimulation(t *testing.T) {
	for _, c := range []field.Config{field.DemoConfig(), func() field.Config {
		c := field.DemoConfig()
		c.GridSize, c.Steps = 33, 40
		return c
	}()} {
		res, err := field.RunWithHistory(c)
		if err != nil {
			t.Fatal(err)
		}
		want, err := FromResult(res, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewStream(c.GridSize, c.Steps, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := field.RunWith(c, field.RunOptions{Frame: s.Push}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Vector()
		if err != nil {
			t.Fatal(err)
		}
		sameVector(t, "simulation stream", got, want)
	}
}

func TestStreamErrors(t *testing.T) {
	if _, err := NewStream(4, 0, DefaultConfig()); !errors.Is(err, ErrInput) {
		t.Errorf("no frames: %v", err)
	}
	if _, err := NewStream(0, 3, DefaultConfig()); !errors.Is(err, ErrInput) {
		t.Errorf("n=0: %v", err)
	}
	bad := DefaultConfig()
	bad.Connectivity = 5
	if _, err := NewStream(4, 3, bad); err == nil {
		t.Error("bad config accepted")
	}
	s, err := NewStream(2, 2, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Push(0, make([]float64, 3)); !errors.Is(err, ErrInput) {
		t.Errorf("short frame: %v", err)
	}
	if err := s.Push(1, make([]float64, 4)); !errors.Is(err, ErrInput) {
		t.Errorf("out of order: %v", err)
	}
	if err := s.Push(0, make([]float64, 4)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Vector(); !errors.Is(err, ErrInput) {
		t.Errorf("missing frame: %v", err)
	}
	if err := s.Push(1, make([]float64, 4)); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(2, make([]float64, 4)); !errors.Is(err, ErrInput) {
		t.Errorf("extra frame: %v", err)
	}
	if _, err := s.Vector(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Vector(); !errors.Is(err, ErrInput) {
		t.Errorf("second Vector: %v", err)
	}
}
