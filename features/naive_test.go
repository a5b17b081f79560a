package features

import (
	"math"

	"mfn/fractal"
	"mfn/npexact"
)

// naive computes the 18 features the way the reference does, step by step with whole arrays
// and npexact's numpy reductions. The optimised code must agree with it bit for bit.
func naive(history [][]float64, n int, cfg Config) Vector {
	nn := n * n
	T := len(history)
	last := history[T-1]
	var v Vector

	low, med, high := cfg.ThresholdLowMV/1000, cfg.ThresholdMedMV/1000, cfg.ThresholdHighMV/1000
	mask := make([]bool, nn)
	for i, x := range last {
		mask[i] = x > low
	}
	v.DBox, v.DR2, _ = fractal.BoxCountingDimension(mask, n, fractal.BoxOptions{MinBox: cfg.MinBoxSize, MaxBox: cfg.MaxBoxSize, NumScales: cfg.NumScales})

	vm := make([]float64, nn)
	for i, x := range last {
		vm[i] = x * 1000.0
	}
	v.VMin, v.VMax = npexact.MinMax(vm)
	v.VMean = npexact.Mean(vm)
	v.VStd = npexact.Std(vm)
	if v.VStd > 1e-10 {
		c3, c4 := make([]float64, nn), make([]float64, nn)
		for i, x := range vm {
			c3[i], c4[i] = pow34(x - v.VMean)
		}
		v.VSkew = npexact.Mean(c3) / pow3(v.VStd)
		v.VKurt = npexact.Mean(c4)/pow4(v.VStd) - 3.0
	}

	if T >= 2 {
		diffs := make([]float64, 0, (T-1)*nn)
		for t := 0; t+1 < T; t++ {
			for i := range nn {
				diffs = append(diffs, math.Abs(float64(history[t+1][i]*1000.0)-float64(history[t][i]*1000.0)))
			}
		}
		v.DVMean = npexact.Mean(diffs)
		_, v.DVMax = npexact.MinMax(diffs)
		v.TStable = T
		if T > cfg.StabilityWindow {
			run := 0
			for t := 0; t+1 < T; t++ {
				if npexact.Std(diffs[t*nn:(t+1)*nn]) < cfg.StabilityThresholdMV {
					run++
					if run == cfg.StabilityWindow {
						v.TStable = t - cfg.StabilityWindow + 2
						break
					}
				} else {
					run = 0
				}
			}
		}
		steps, energy := make([]float64, T), make([]float64, T)
		sq := make([]float64, nn)
		for t, f := range history {
			steps[t] = float64(t)
			for i, x := range f {
				y := x * 1000.0
				sq[i] = y * y
			}
			energy[t] = npexact.Sum(sq)
		}
		v.ETrend, _ = npexact.Polyfit1(steps, energy)
	}

	active := 0
	for _, m := range mask {
		if m {
			active++
		}
	}
	v.FActive = float64(active) / float64(nn)
	sizes := naiveComponents(last, n, low, cfg.Connectivity == 8)
	v.NClustersLow = len(sizes)
	for _, s := range sizes {
		v.MaxClusterSize = max(v.MaxClusterSize, int(s))
	}
	if len(sizes) >= 2 {
		v.ClusterSizeStd = npexact.Std(sizes)
	}
	v.NClustersMed = len(naiveComponents(last, n, med, cfg.Connectivity == 8))
	v.NClustersHigh = len(naiveComponents(last, n, high, cfg.Connectivity == 8))
	return v
}

// naiveComponents flood-fills the cells above thr and returns the component sizes in the
// order of each component's first cell in a row-major scan.
func naiveComponents(f []float64, n int, thr float64, diagonal bool) []float64 {
	seen := make([]bool, n*n)
	var sizes []float64
	var stack []int
	for start := range f {
		if seen[start] || !(f[start] > thr) {
			continue
		}
		seen[start] = true
		stack = append(stack[:0], start)
		size := 0
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			size++
			r, col := c/n, c%n
			for dr := -1; dr <= 1; dr++ {
				for dc := -1; dc <= 1; dc++ {
					if (dr == 0 && dc == 0) || (!diagonal && dr != 0 && dc != 0) {
						continue
					}
					rr, cc := r+dr, col+dc
					if rr < 0 || rr >= n || cc < 0 || cc >= n {
						continue
					}
					k := rr*n + cc
					if !seen[k] && f[k] > thr {
						seen[k] = true
						stack = append(stack, k)
					}
				}
			}
		}
		sizes = append(sizes, float64(size))
	}
	return sizes
}
