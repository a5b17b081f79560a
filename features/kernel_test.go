package features

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// pairTreeGo is kernelFunc written out plainly: numpy's leaf sums with eight lanes, then the
// recursive pairwise combination of the leaves.
func pairTreeGo(h0, h1 []float64, groups int, leafSums []float64, _ *leafBuf, mx float64, _ bool) (ds, es, m float64, rescans int) {
	m = mx
	var node func(first, leaves int) (float64, float64)
	node = func(first, leaves int) (float64, float64) {
		if leaves > 1 {
			a1, b1 := node(first, leaves/2)
			a2, b2 := node(first+leaves/2, leaves/2)
			return a1 + a2, b1 + b2
		}
		var r, e [8]float64
		m0 := m
		for i := first * groups * 8; i < (first+1)*groups*8; i += 8 {
			for k := range 8 {
				v := h1[i+k] * 1000.0
				x := math.Abs(v - float64(h0[i+k]*1000.0))
				r[k] += x
				e[k] += float64(v * v)
				if x > m {
					m = x
				}
			}
		}
		for _, l := range r {
			if !(l <= m0) {
				rescans++
				break
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		leafSums[first] = s
		return s, ((e[0] + e[1]) + (e[2] + e[3])) + ((e[4] + e[5]) + (e[6] + e[7]))
	}
	ds, es = node(0, len(leafSums))
	return ds, es, m, rescans
}

// kernelSet is one choice of the vectorised passes (nil: the scalar code).
type kernelSet struct {
	pair   kernelFunc
	scaled scaledFunc
	moment momentFunc
	pack   func(x []float64, groups int, thr *[3]float64, mask []bool) (lo, me, hi uint64)
}

// kernelSets returns the pass implementations to test: the scalar code, the Go kernels and
// the CPU's, if any.
func kernelSets() map[string]kernelSet {
	k := map[string]kernelSet{"scalar": {}, "go": {pairTreeGo, scaledGo, momentGo, packGo}}
	if kernel != nil || scaledKernel != nil || momentKernel != nil || packKernel != nil {
		k["cpu"] = kernelSet{kernel, scaledKernel, momentKernel, packKernel}
	}
	return k
}

// useKernels makes Compute run with the passes of ks until the test ends.
func useKernels(t *testing.T, ks kernelSet) {
	old := kernelSet{kernel, scaledKernel, momentKernel, packKernel}
	kernel, scaledKernel, momentKernel, packKernel = ks.pair, ks.scaled, ks.moment, ks.pack
	t.Cleanup(func() { kernel, scaledKernel, momentKernel, packKernel = old.pair, old.scaled, old.moment, old.pack })
}

// packGo is packKernel written out plainly.
func packGo(x []float64, groups int, thr *[3]float64, mask []bool) (lo, me, hi uint64) {
	for b, v := range x[:4*groups] {
		lo |= b2u(v > thr[0]) << b
		me |= b2u(v > thr[1]) << b
		hi |= b2u(v > thr[2]) << b
		mask[b] = v > thr[0]
	}
	return lo, me, hi
}

// scaledGo is scaledFunc written out plainly.
func scaledGo(x []float64, groups, leaves int, _ *kernelStack, mm *[2]float64) (s, q float64) {
	var node func(first, leaves int) (float64, float64)
	node = func(first, leaves int) (float64, float64) {
		if leaves > 1 {
			a1, b1 := node(first, leaves/2)
			a2, b2 := node(first+leaves/2, leaves/2)
			return a1 + a2, b1 + b2
		}
		var r, e [8]float64
		for i := first * groups * 8; i < (first+1)*groups*8; i += 8 {
			for k := range 8 {
				v := x[i+k] * 1000.0
				r[k] += v
				e[k] += float64(v * v)
				if v < mm[0] {
					mm[0] = v
				}
				if v > mm[1] {
					mm[1] = v
				}
			}
		}
		return ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])),
			((e[0] + e[1]) + (e[2] + e[3])) + ((e[4] + e[5]) + (e[6] + e[7]))
	}
	return node(0, leaves)
}

// momentGo is momentFunc written out plainly.
func momentGo(x []float64, groups, leaves int, mean float64, _ *momentStack) (c2, c3, c4 float64) {
	var node func(first, leaves int) [3]float64
	node = func(first, leaves int) [3]float64 {
		if leaves > 1 {
			a, b := node(first, leaves/2), node(first+leaves/2, leaves/2)
			return [3]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2]}
		}
		var r [3][8]float64
		for i := first * groups * 8; i < (first+1)*groups*8; i += 8 {
			for k := range 8 {
				d := float64(x[i+k]*1000.0) - mean
				c, q := pow34(d)
				r[0][k] += float64(d * d)
				r[1][k] += c
				r[2][k] += q
			}
		}
		var out [3]float64
		for j, l := range r {
			out[j] = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
		}
		return out
	}
	c := node(0, leaves)
	return c[0], c[1], c[2]
}

// randomFrame returns volts around the resting potential, with NaN, ±Inf, zeros, −0 and huge
// values sprinkled in when special.
func randomFrame(r *rand.Rand, n int, special bool) []float64 {
	f := make([]float64, n)
	for i := range f {
		f[i] = -0.07 + 0.03*r.NormFloat64()
		if special && r.IntN(40) == 0 {
			f[i] = []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e300, -1e305, 5e-324}[r.IntN(8)]
		}
	}
	return f
}

// The vectorised kernel gives the Go kernel's bits: both sums, every leaf sum and the maximum.
func TestKernelMatchesGo(t *testing.T) {
	if kernel == nil {
		t.Skip("no vectorised kernel on this CPU or build")
	}
	r := rand.New(rand.NewPCG(5, 8))
	for leaves := 1; leaves <= maxLeaves; leaves *= 2 {
		for _, groups := range []int{1, 2, 3, 8, 9, 16} {
			n := leaves * groups * 8
			for trial := range 6 {
				special := trial%2 == 1
				h0, h1 := randomFrame(r, n, special), randomFrame(r, n, special)
				mx := []float64{0, 1e-3, 50, math.Inf(1), math.NaN(), 0}[trial]
				var buf leafBuf
				gl, cl := make([]float64, leaves), make([]float64, leaves)
				gd, ge, gm, gr := pairTreeGo(h0, h1, groups, gl, &buf, mx, false)
				for _, track := range []bool{false, true} {
					cd, ce, cm, cr := kernel(h0, h1, groups, cl, &buf, mx, track)
					if !same(gd, cd) || !same(ge, ce) || !same(gm, cm) || gr != cr {
						t.Fatalf("leaves %d groups %d trial %d track %v: got (%v %v %v %d), want (%v %v %v %d)",
							leaves, groups, trial, track, cd, ce, cm, cr, gd, ge, gm, gr)
					}
				}
				for i := range gl {
					if !same(gl[i], cl[i]) {
						t.Fatalf("leaves %d groups %d trial %d: leaf %d sum %v, want %v", leaves, groups, trial, i, cl[i], gl[i])
					}
				}
			}
		}
	}
}

// The pair pass through each kernel gives the scalar pass's bits for frames of any length:
// the difference and square sums, the leaf sums (over leafLayout's leaves) and the maximum
// (which only matters when the sum is not NaN: a NaN sum makes dV_max NaN).
func TestKernelSumsMatchScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 4))
	var lengths []int
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 1024, 4096, 8192, 8192+17, 10000, 3*8192+8)
	for name, ks := range kernelSets() {
		kern := ks.pair
		if kern == nil {
			continue
		}
		for _, n := range lengths {
			for trial := range 4 {
				special := trial >= 2
				h0, h1 := randomFrame(r, n, special), randomFrame(r, n, special)
				var s diffPass
				s.prev, s.cur, s.h1 = make([]float64, n), make([]float64, n), h1
				for i, x := range h0 {
					s.prev[i] = x * 1000.0
				}
				s.track = trial%2 == 1
				sd, se := s.sums()
				var k diffPass
				k.leafSums, k.track = make([]float64, 0, len(s.leafSums)), s.track
				kd, ke := k.kernelSums(kern, h0, h1)
				if !same(sd, kd) || !same(se, ke) || (!math.IsNaN(sd) && !same(s.mx, k.mx)) {
					t.Fatalf("%s n=%d trial %d: got (%v %v max %v), want (%v %v max %v)", name, n, trial, kd, ke, k.mx, sd, se, s.mx)
				}
				lens := leafLayout(n, nil)
				if len(s.leafSums) != len(lens) || len(k.leafSums) != len(lens) {
					t.Fatalf("%s n=%d: %d and %d leaves, layout %d", name, n, len(k.leafSums), len(s.leafSums), len(lens))
				}
				d := make([]float64, n)
				storeDiffs(d, h0, h1)
				off := 0
				for i, l := range lens {
					if want := leafSum(d[off : off+int(l)]); !same(s.leafSums[i], want) || !same(k.leafSums[i], want) {
						t.Fatalf("%s n=%d leaf %d: %v and %v, want %v", name, n, i, k.leafSums[i], s.leafSums[i], want)
					}
					off += int(l)
				}
				for i, v := range d {
					if want := math.Abs(float64(h1[i]*1000.0) - s.prev[i]); !same(v, want) {
						t.Fatalf("n=%d: stored difference %d = %v, want %v", n, i, v, want)
					}
				}
			}
		}
	}
}

// The vectorised frame passes give the Go ones' bits.
func TestFrameKernelsMatchGo(t *testing.T) {
	if scaledKernel == nil || momentKernel == nil {
		t.Skip("no vectorised frame passes on this CPU or build")
	}
	r := rand.New(rand.NewPCG(6, 2))
	for leaves := 1; leaves <= maxLeaves; leaves *= 2 {
		for _, groups := range []int{1, 2, 5, 16} {
			for trial := range 4 {
				x := randomFrame(r, leaves*groups*8, trial >= 2)
				mean := []float64{-70, 0, 12.5, math.Inf(1)}[trial]
				var stk kernelStack
				gm, cm := [2]float64{math.Inf(1), math.Inf(-1)}, [2]float64{math.Inf(1), math.Inf(-1)}
				gs, gq := scaledGo(x, groups, leaves, &stk, &gm)
				cs, cq := scaledKernel(x, groups, leaves, &stk, &cm)
				if !same(gs, cs) || !same(gq, cq) || gm != cm {
					t.Fatalf("scaled, leaves %d groups %d trial %d: got (%v %v %v), want (%v %v %v)", leaves, groups, trial, cs, cq, cm, gs, gq, gm)
				}
				var ms momentStack
				g2, g3, g4 := momentGo(x, groups, leaves, mean, &ms)
				c2, c3, c4 := momentKernel(x, groups, leaves, mean, &ms)
				if !same(g2, c2) || !same(g3, c3) || !same(g4, c4) {
					t.Fatalf("moments, leaves %d groups %d trial %d: got (%v %v %v), want (%v %v %v)", leaves, groups, trial, c2, c3, c4, g2, g3, g4)
				}
			}
		}
	}
}

// The vectorised mask packing gives the Go one's bits, and pack gives the same words and
// mask through every set of passes, for grids of any side.
func TestPackMatches(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	thr := [3]float64{-0.06, -0.05, -0.04}
	if packKernel != nil {
		for groups := 1; groups <= 16; groups++ {
			for trial := range 8 {
				x := randomFrame(r, 4*groups, trial%2 == 1)
				x[r.IntN(len(x))] = thr[r.IntN(3)] // equal to a threshold: not above
				gm, cm := make([]bool, len(x)), make([]bool, len(x))
				g0, g1, g2 := packGo(x, groups, &thr, gm)
				c0, c1, c2 := packKernel(x, groups, &thr, cm)
				if g0 != c0 || g1 != c1 || g2 != c2 || !reflect.DeepEqual(gm, cm) {
					t.Fatalf("groups %d trial %d: got %x %x %x, want %x %x %x", groups, trial, c0, c1, c2, g0, g1, g2)
				}
			}
		}
	}
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 31, 63, 64, 65, 67, 100, 128, 130} {
		f := randomFrame(r, n*n, true)
		var want []uint64
		var wantMask []bool
		var wantActive int
		for name, ks := range kernelSets() {
			old := packKernel
			packKernel = ks.pack
			var c clusters
			mask := make([]bool, n*n)
			active := c.pack(f, n, thr, mask)
			packKernel = old
			if want == nil {
				want, wantMask, wantActive = c.words, mask, active
				continue
			}
			if !reflect.DeepEqual(c.words, want) || !reflect.DeepEqual(mask, wantMask) || active != wantActive {
				t.Fatalf("%s n=%d: the packed masks differ", name, n)
			}
		}
	}
}

// basicStats and E_0 through each set of frame passes give the scalar code's bits for frames
// of any length, with NaN, ±Inf and signed zeros.
func TestFrameKernelsMatchScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 17))
	var lengths []int
	for n := 1; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 1024, 4096, 8192, 8192+17, 10000)
	for name, ks := range kernelSets() {
		if ks.scaled == nil || ks.moment == nil {
			continue
		}
		for _, n := range lengths {
			for trial := range 6 {
				x := randomFrame(r, n, trial >= 3)
				switch trial {
				case 1: // the smallest value is a zero: +0 and −0 both present
					for i := range x {
						x[i] = math.Abs(x[i])
					}
					x[r.IntN(n)], x[r.IntN(n)] = math.Copysign(0, -1), 0
				case 2: // constant: std 0
					for i := range x {
						x[i] = -0.065
					}
				}
				scratch := make([]float64, 3*n)
				want := make([]float64, 6)
				want[0], want[1], want[2], want[3], want[4], want[5] = basicStats(x, scratch)
				got := make([]float64, 6)
				got[0], got[1], got[2], got[3], got[4], got[5] = basicStatsKernel(ks.scaled, ks.moment, x, scratch, new(frameStacks))
				for i := range got {
					if !same(got[i], want[i]) {
						t.Fatalf("%s n=%d trial %d: basic statistic %d = %v, want %v", name, n, trial, i, got[i], want[i])
					}
				}
				vm := make([]float64, n)
				for i, v := range x {
					vm[i] = v * 1000.0
				}
				if _, q, _, _ := scaledSums(ks.scaled, x, new(frameStacks)); !same(q, sumSqDev(vm, 0)) {
					t.Fatalf("%s n=%d trial %d: sum of squares %v, want %v", name, n, trial, q, sumSqDev(vm, 0))
				}
			}
		}
	}
}

// Compute agrees with the step-by-step reference through every set of passes: the scalar
// code, the Go kernels and the CPU's, sequential and parallel.
func TestKernelsMatchNaive(t *testing.T) {
	for name, ks := range kernelSets() {
		t.Run(name, func(t *testing.T) {
			useKernels(t, ks)
			r := rand.New(rand.NewPCG(3, 13))
			for _, c := range []struct{ n, T, still int }{{1, 3, 99}, {3, 12, 99}, {8, 40, 12}, {17, 15, 4},
				{32, 32, 99}, {32, 70, 20}, {64, 20, 99}, {64, 30, 5}, {91, 4, 99}, {100, 8, 99},
				{128, 65, 40}} { // 2^20 differences: the kernel's parallel path
				h := randomHistory(r, c.n, c.T, c.still, 0.005*r.Float64())
				if c.n == 17 || c.n == 91 {
					h[1][5], h[c.T-1][c.n] = math.Inf(1), math.NaN()
				}
				for _, cfg := range []Config{DefaultConfig(), DemoConfig()} {
					got, err := Compute(h, c.n, cfg)
					if err != nil {
						t.Fatal(err)
					}
					g, w := got.Values(), naive(h, c.n, cfg).Values()
					for i := range g {
						if !same(g[i], w[i]) {
							t.Errorf("n=%d T=%d: %s = %v, want %v", c.n, c.T, names[i], g[i], w[i])
						}
					}
				}
			}
		})
	}
}
