package federated

import (
	"fmt"
	"math"
	"strings"

	"mfn/rng"
)

// Attacks on aggregation, for comparing the rules (mfn aggregate bench-robustness). A scenario
// draws a known mean μ ~ N(0, 1)^d, n − f honest updates μ + spread·N(0, 1)^d, and f Byzantine
// updates chosen by the attack (placed first in the list, where "first index wins" tie
// breaking favours them).

// Attack names.
const (
	AttackNone      = "none"
	AttackSignFlip  = "sign-flip"
	AttackGaussian  = "gaussian"
	AttackLargeNorm = "large-norm"
	AttackALIE      = "alie"
	AttackLabelFlip = "label-flip"
)

// Attacks lists the attack names.
var Attacks = []string{AttackNone, AttackSignFlip, AttackGaussian, AttackLargeNorm, AttackALIE, AttackLabelFlip}

// AttackDescriptions say what each attack sends.
var AttackDescriptions = map[string]string{
	AttackNone:      "the f clients are honest too",
	AttackSignFlip:  "each Byzantine client sends the negative of an honest update (−g)",
	AttackGaussian:  "N(0, 10²) noise in every coordinate",
	AttackLargeNorm: "one random direction with 100 times the norm of the honest mean",
	AttackALIE:      "\"a little is enough\" (Baruch et al. 2019): μ̂ − z·σ̂ per coordinate, from the honest updates' mean and standard deviation, z = Φ⁻¹((n − s)/n), s = ⌊n/2 + 1⌋ − f",
	AttackLabelFlip: "an honest-looking update of the label-swapped task: the mean's coordinates reversed (as swapping labels swaps output rows) plus the honest spread",
}

// Scenario is one robustness experiment's population.
type Scenario struct {
	Clients   int     // n
	Byzantine int     // f, in [0, n)
	Dim       int     // d
	Spread    float64 // standard deviation of the honest updates around μ
	Seed      uint64
}

// Generate draws the updates for attack and returns them with the mean of the honest ones.
func (s Scenario) Generate(attack string) ([][]float32, []float64, error) {
	switch {
	case s.Clients < 1:
		return nil, nil, fmt.Errorf("clients=%d must be >= 1", s.Clients)
	case s.Byzantine < 0 || s.Byzantine >= s.Clients:
		return nil, nil, fmt.Errorf("byzantine=%d must be in [0, clients=%d)", s.Byzantine, s.Clients)
	case s.Dim < 1:
		return nil, nil, fmt.Errorf("dim=%d must be >= 1", s.Dim)
	case !(s.Spread >= 0) || math.IsInf(s.Spread, 0):
		return nil, nil, fmt.Errorf("spread=%v must be finite and >= 0", s.Spread)
	}
	g := rng.New(s.Seed)
	n, f, d := s.Clients, s.Byzantine, s.Dim
	mu := make([]float64, d)
	g.FillNormal(mu, 0, 1)
	draw := func() []float32 {
		v := make([]float32, d)
		for j := range v {
			v[j] = float32(mu[j] + s.Spread*g.StandardNormal())
		}
		return v
	}
	u := make([][]float32, n)
	for i := f; i < n; i++ {
		u[i] = draw()
	}
	honest := u[f:]
	hm := make([]float64, d)
	hsd := make([]float64, d)
	for j := range hm {
		var sum float64
		for _, h := range honest {
			sum += float64(h[j])
		}
		hm[j] = sum / float64(len(honest))
		var ss float64
		for _, h := range honest {
			e := float64(h[j]) - hm[j]
			ss += e * e
		}
		hsd[j] = math.Sqrt(ss / float64(len(honest)))
	}
	for i := 0; i < f; i++ {
		v := make([]float32, d)
		switch attack {
		case AttackNone:
			v = draw()
		case AttackSignFlip:
			for j, x := range honest[i%len(honest)] {
				v[j] = -x
			}
		case AttackGaussian:
			for j := range v {
				v[j] = float32(10 * g.StandardNormal())
			}
		case AttackLargeNorm:
			if i == 0 {
				dir := make([]float64, d)
				g.FillNormal(dir, 0, 1)
				scale := 100 * norm(hm) / norm(dir)
				for j := range v {
					v[j] = float32(scale * dir[j])
				}
			} else {
				copy(v, u[0])
			}
		case AttackALIE:
			sAtt := n/2 + 1 - f
			z := math.Sqrt2 * math.Erfinv(2*float64(n-sAtt)/float64(n)-1)
			for j := range v {
				v[j] = float32(hm[j] - z*hsd[j])
			}
		case AttackLabelFlip:
			for j := range v {
				v[j] = float32(mu[d-1-j] + s.Spread*g.StandardNormal())
			}
		default:
			return nil, nil, fmt.Errorf("attack=%q is not one of %s", attack, strings.Join(Attacks, ", "))
		}
		u[i] = v
	}
	if attack == AttackNone {
		// All n are honest: the honest mean is over all of them.
		for j := range hm {
			var sum float64
			for _, h := range u {
				sum += float64(h[j])
			}
			hm[j] = sum / float64(n)
		}
	}
	return u, hm, nil
}

func norm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

// Distance is the Euclidean distance between an aggregate and a reference vector.
func Distance[T Float](agg []T, ref []float64) float64 {
	var s float64
	for j, v := range agg {
		e := float64(v) - ref[j]
		s += e * e
	}
	return math.Sqrt(s)
}
