// Package stream is the service's live streams (spec §5): the WebSocket protocol of
// /ws/stream_features and /ws/simulation_live, the same streams as Server-Sent Events, their
// generators (which evolve, unlike the reference's; ADR 0018), limits and metrics.
package stream

import (
	"bytes"
	"math"
	"strconv"

	"mfn/npexact"
)

// activeV is the |F| threshold (volts) of active_nodes and the streaming box count.
const activeV = 0.01

// featureKeys are the feature stream's keys in emitted order (§5.4).
var featureKeys = [...]string{"pot_mean_mV", "pot_std_mV", "pot_min_mV", "pot_max_mV", "active_nodes",
	"activity_ratio", "fractal_dimension", "total_energy", "spatial_variance"}

// featureValues holds the nine values of featureKeys, in order.
type featureValues [len(featureKeys)]float64

// computeFeatures computes the feature stream's values on an n×n field in volts; scratch
// (n² values, reused across frames) is overwritten.
func computeFeatures(f []float64, n int, scratch []float64) featureValues {
	return computeFeaturesWith(f, n, scratch, isActive)
}

// isActive is the reference's activity test: |F| > 0.01 V.
func isActive(v float64) bool { return math.Abs(v) > activeV }

// computeFeaturesWith is computeFeatures with another activity test (the gm model's Otsu
// threshold: every cell of a gm field has |V| > 10 mV).
func computeFeaturesWith(f []float64, n int, scratch []float64, active func(float64) bool) featureValues {
	lo, hi := npexact.MinMax(f)
	count := 0
	sq := scratch[:len(f)]
	for i, v := range f {
		if active(v) {
			count++
		}
		sq[i] = v * v
	}
	sum := npexact.Sum(sq)
	return featureValues{npexact.Mean(f) * 1000, npexact.Std(f) * 1000, lo * 1000, hi * 1000, float64(count),
		float64(count) / float64(n*n), boxCountDimensionWith(f, n, active), sum, spatialVariance(f, n, sq)}
}

// boxCountDimension is the stream's box-count dimension: boxes of 2, 4, 8, 16 tiling
// ⌊n/s⌋² full boxes, counted when any cell has |F| > 0.01; D = clip(−slope, 0, 2) of
// ln count against ln size between the first and last size. NaN when no cell is active.
func boxCountDimension(f []float64, n int) float64 { return boxCountDimensionWith(f, n, isActive) }

// boxCountDimensionWith is boxCountDimension with another activity test.
func boxCountDimensionWith(f []float64, n int, active func(float64) bool) float64 {
	var sizes, counts []float64
	for _, s := range [...]int{2, 4, 8, 16} {
		if s > n {
			break
		}
		m := n / s
		c := 0
		for bi := range m {
			for bj := range m {
				if boxActive(f, n, bi*s, bj*s, s, active) {
					c++
				}
			}
		}
		sizes, counts = append(sizes, float64(s)), append(counts, float64(c))
	}
	if len(sizes) < 2 {
		return 1
	}
	last := len(sizes) - 1
	slope := (math.Log(counts[last]) - math.Log(counts[0])) / (math.Log(sizes[last]) - math.Log(sizes[0]))
	if math.IsNaN(slope) {
		return slope
	}
	return math.Min(math.Max(-slope, 0), 2)
}

func boxActive(f []float64, n, r0, c0, s int, active func(float64) bool) bool {
	for r := r0; r < r0+s; r++ {
		for _, v := range f[r*n+c0 : r*n+c0+s] {
			if active(v) {
				return true
			}
		}
	}
	return false
}

// spatialVariance is mean(gx² + gy²) with numpy's gradient along both axes: central
// differences inside, one-sided at the edges. scratch (n² values) is overwritten.
func spatialVariance(f []float64, n int, scratch []float64) float64 {
	if n < 2 {
		return math.NaN() // numpy's gradient refuses an axis of one element
	}
	for r := range n {
		for c := range n {
			gy, gx := gradient(f, c, n, r, n), gradient(f, r*n, 1, c, n)
			scratch[r*n+c] = gx*gx + gy*gy
		}
	}
	return npexact.Mean(scratch)
}

// gradient is numpy.gradient at index i of the line f[base], f[base+stride], … of n values.
func gradient(f []float64, base, stride, i, n int) float64 {
	at := func(j int) float64 { return f[base+j*stride] }
	switch i {
	case 0:
		return at(1) - at(0)
	case n - 1:
		return at(n-1) - at(n-2)
	}
	return (at(i+1) - at(i-1)) / 2
}

// appendFloat writes v as JSON; NaN and ±Inf become null (the reference writes a bare NaN,
// which is not JSON; ADR 0018).
func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// orderedFloats marshals as a JSON object with its keys in order.
type orderedFloats struct {
	keys []string
	vals []float64
}

func (o orderedFloats) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(k))
		b.WriteByte(':')
		b.Write(appendFloat(nil, o.vals[i]))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// jsonFloat marshals a float, non-finite as null.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) { return appendFloat(nil, float64(f)), nil }
