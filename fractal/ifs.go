package fractal

import (
	"math"

	"mfn/rng"
)

// Transform is one affine map (x, y) → (a·x + b·y + e, c·x + d·y + f), with the scale and
// rotation angle it was drawn from.
type Transform struct {
	Scale, Angle     float64
	A, B, C, D, E, F float64
}

// IFSResult is a generated point cloud: Points[i] = (x_i, y_i).
type IFSResult struct {
	Points     [][2]float64
	Lyapunov   float64
	Transforms []Transform
}

// twoPi is 2*np.pi; uniform(0, 2π) draws 0 + 2π·random().
const twoPi = 2 * math.Pi

// GenerateIFS is generate_fractal_ifs(rng, num_points, num_transforms) (spec §9.1): draw the
// maps, iterate the chaos game from (0, 0), and return the mean log-determinant of the
// chosen maps as the "Lyapunov exponent". numPoints or numTransforms < 1 is an error (the
// reference divides by zero or fails inside numpy).
func GenerateIFS(g *rng.Generator, numPoints, numTransforms int) (IFSResult, error) {
	if numPoints < 1 {
		return IFSResult{}, intRange("num_points must be >= 1", "num_points", numPoints, 1, -1)
	}
	if numTransforms < 1 {
		return IFSResult{}, intRange("num_transforms must be >= 1", "num_transforms", numTransforms, 1, -1)
	}
	ts := drawTransforms(g, numTransforms, 0.2, 0.5, 1.0)
	pts, lyap := iterateIFS(g, ts, numPoints)
	return IFSResult{Points: pts, Lyapunov: lyap, Transforms: ts}, nil
}

// drawTransforms draws the maps. The legacy function draws s, θ, e, f per map (interleaved);
// FractalGrowthEngine does the same with configurable ranges. (s·cos θ etc. use Go's
// cos/sin, which can differ from numpy's in the last ulp.)
func drawTransforms(g *rng.Generator, k int, sMin, sMax, tr float64) []Transform {
	ts := make([]Transform, k)
	for i := range ts {
		s := g.Uniform(sMin, sMax)
		theta := g.Uniform(0, twoPi)
		e := g.Uniform(-tr, tr)
		f := g.Uniform(-tr, tr)
		cos, sin := math.Cos(theta), math.Sin(theta)
		ts[i] = Transform{
			Scale: s, Angle: theta,
			A: s * cos, B: (-s) * sin, C: s * sin, D: s * cos,
			E: e, F: f,
		}
	}
	return ts
}

// iterateIFS runs the chaos game: each step picks a map with integers(0, k) and applies it
// to the previous point (both coordinates from the old x, y). Products are rounded before
// the additions (explicit float64) so Go cannot fuse them into FMAs, keeping numpy's result.
func iterateIFS(g *rng.Generator, ts []Transform, numPoints int) ([][2]float64, float64) {
	logDet := make([]float64, len(ts))
	use := make([]bool, len(ts))
	for i, t := range ts {
		det := math.Abs(float64(t.A*t.D) - float64(t.B*t.C))
		if det > 1e-10 {
			logDet[i], use[i] = math.Log(det), true
		}
	}
	pts := make([][2]float64, numPoints)
	x, y, acc := 0.0, 0.0, 0.0
	k := int64(len(ts))
	for i := range pts {
		j := g.Integers(0, k)
		t := &ts[j]
		x, y = float64(t.A*x)+float64(t.B*y)+t.E, float64(t.C*x)+float64(t.D*y)+t.F
		pts[i] = [2]float64{x, y}
		if use[j] {
			acc += logDet[j]
		}
	}
	return pts, acc / float64(numPoints)
}
