package npexact

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestPolyfit1ExactLine(t *testing.T) {
	x := []float64{-3.4657359027997265, -2.772588722239781, -1.3862943611198906, -0.6931471805599453}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = 2*v + 1
	}
	s, c := Polyfit1(x, y)
	if math.Abs(s-2) > 1e-15 || math.Abs(c-1) > 1e-15 {
		t.Errorf("slope %v intercept %v", s, c)
	}
}

func TestPolyfit1Degenerate(t *testing.T) {
	for _, xy := range [][2][]float64{
		{{1}, {2}}, {{1, 2}, {1}}, {{3, 3, 3}, {1, 2, 3}}, {nil, nil},
	} {
		if s, c := Polyfit1(xy[0], xy[1]); !math.IsNaN(s) || !math.IsNaN(c) {
			t.Errorf("Polyfit1(%v, %v) = %v, %v; want NaN", xy[0], xy[1], s, c)
		}
	}
}

// exactFit is the least-squares line in 512-bit arithmetic, rounded at the end.
func exactFit(x, y []float64) (float64, float64) {
	const prec = 512
	nf := func(v float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(v) }
	n := nf(float64(len(x)))
	sx, sy, sxx, sxy := nf(0), nf(0), nf(0), nf(0)
	for i := range x {
		xi, yi := nf(x[i]), nf(y[i])
		sx.Add(sx, xi)
		sy.Add(sy, yi)
		sxx.Add(sxx, new(big.Float).SetPrec(prec).Mul(xi, xi))
		sxy.Add(sxy, new(big.Float).SetPrec(prec).Mul(xi, yi))
	}
	mul := func(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(prec).Mul(a, b) }
	sub := func(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(prec).Sub(a, b) }
	quo := func(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(prec).Quo(a, b) }
	slope := quo(sub(mul(n, sxy), mul(sx, sy)), sub(mul(n, sxx), mul(sx, sx)))
	icpt := quo(sub(sy, mul(slope, sx)), n)
	s, _ := slope.Float64()
	c, _ := icpt.Float64()
	return s, c
}

// Against exact least squares on log-log-like data (numpy agrees with it to ~1e-15).
func TestPolyfit1MatchesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 500; trial++ {
		n := 2 + r.IntN(10)
		x := make([]float64, n)
		y := make([]float64, n)
		slope := r.Float64()*3 - 0.5
		size := 1
		for i := range x {
			size += 1 + r.IntN(2*size) // distinct, roughly geometric box sizes
			x[i] = math.Log(1.0 / float64(size))
			y[i] = slope*x[i] + 5 + r.NormFloat64()*0.05
		}
		ws, wc := exactFit(x, y)
		gs, gc := Polyfit1(x, y)
		if math.Abs(gs-ws) > 4e-15*math.Abs(ws)+1e-15 || math.Abs(gc-wc) > 4e-15*math.Abs(wc)+1e-15 {
			t.Fatalf("trial %d: got (%v, %v), exact (%v, %v)", trial, gs, gc, ws, wc)
		}
	}
}
