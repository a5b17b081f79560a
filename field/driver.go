package field

import (
	"math"
	"sync/atomic"

	"mfn/rng"
)

// quietSteps returns how many steps from now the Turing kick provably cannot fire, given that
// every activator value lies in [0, m] (the inhibitor is clipped to [0, 1] as well).
//
// The bound: with 0 ≤ d_a ≤ 1/4 the diffusion part a + d_a·L(a) is a convex combination of
// values in [0, m]; the reaction adds r_a·(a(1−a) − i) ≤ r_a·q(m), q(m) = m(1−m) for m ≤ ½
// and ¼ beyond. So the new activator is at most b = m + r_a·q(m), and the kick (new activator
// > threshold) cannot fire while b, widened far beyond any rounding error, stays below the
// threshold. The field does not depend on the activator at all in such steps, which is what
// lets the kernel skip or parallelise the activator–inhibitor work without changing a bit.
func (re *reaction) quietSteps(m float64, limit int) int {
	if disableQuietBound {
		return 0
	}
	if !(re.da >= 0 && re.da <= cflLimit && re.ra >= 0 && m >= 0) {
		return 0
	}
	count := 0
	for count < limit {
		q := 0.25
		if m <= 0.5 {
			q = m * (1 - m)
		}
		b := (m+re.ra*q)*(1+1e-9) + 1e-12
		if !(b < re.threshold) {
			break
		}
		count++
		m = math.Min(b, 1)
	}
	return count
}

// disableBlocking makes every field-only step run alone (tests compare both ways).
var disableBlocking bool

// blockFrom is the grid side from which field-only steps run two per sweep: below it the
// grid is cache-resident and one step over many rows per kernel call is cheaper (tests
// lower it to compare both ways).
var blockFrom = 1024

// disableQuietBound makes every Turing step a coupled step (tests compare both ways).
var disableQuietBound bool

// stepper runs the steps of a simulation: the random draws of each step in the reference's
// order, then the kernel.
type stepper struct {
	g      *rng.Generator
	k      *kernel
	spikeP float64
	sigma  float64
	turing bool
	// keepReaction evolves the activator and inhibitor even when nothing later reads them
	// (the engine reports their means; the legacy function discards them).
	keepReaction   bool
	checkStability bool
	frame          Frame
	// draws is the jitter pipeline while run has one going (jitter.go); bufs are its noise
	// grids, kept between runs.
	draws *drawPipeline
	bufs  [][]float64

	spikes []Spike
	total  stepCounts
	// history, when not nil, receives the field after step s at s·N² (steps·N² values): the
	// kernel writes each step's field there directly.
	history []float64
}

func (st *stepper) run(steps int) error {
	if pl := st.startDraws(steps); pl != nil {
		st.draws = pl
		defer func() { pl.stop(st.g); st.draws = nil }() // a no-op if the pipeline fell back
	}
	k := st.k
	for s := 0; s < steps; {
		// Without Turing every step is quiet: the field alone.
		quiet := steps - s
		if st.turing {
			_, maxA := minMax(k.act.cur)
			quiet = k.re.quietSteps(maxA, steps-s)
		}
		if quiet == 0 {
			if err := st.step(s, k.coupled); err != nil {
				return err
			}
			s++
			continue
		}
		// A quiet chunk: the field alone; the reaction alongside on its own goroutine if its
		// state is needed later. The goroutine is joined before the chunk ends.
		var reacted chan stepCounts
		var stop atomic.Bool // set when the field fails, so the reaction need not finish
		if st.turing && (st.keepReaction || s+quiet < steps) {
			reacted = make(chan stepCounts, 1)
			go func() {
				var c stepCounts
				for range quiet {
					if stop.Load() {
						break
					}
					c.add(k.react(1))
				}
				reacted <- c
			}()
		}
		var err error
		t := s
		if k.noise == nil && !disableBlocking && k.n >= blockFrom {
			if st.frame == nil && st.history == nil && k.deepOK(k.workers) {
				for ; t+deepSteps-1 < s+quiet && err == nil; t += deepSteps {
					err = st.deep(t)
				}
			}
			// Pairs of steps in one sweep; the odd step left over runs alone below.
			for ; t+1 < s+quiet && err == nil; t += 2 {
				err = st.pair(t)
			}
		}
		for ; t < s+quiet && err == nil; t++ {
			err = st.step(t, func() stepCounts { return k.diffuse(k.workers) })
		}
		if reacted != nil {
			stop.Store(err != nil)
			c := <-reacted
			st.total.add(c)
			if err == nil && st.checkStability {
				err = st.stable(s+quiet-1, c)
			}
		}
		if err != nil {
			return err
		}
		s += quiet
	}
	return nil
}

// step makes the draws of step s, advances the kernel, and reports the step.
func (st *stepper) step(s int, advance func() stepCounts) error {
	k := st.k
	if sp, ok := st.drawSpike(s); ok {
		k.addSpike(sp)
	}
	st.target(s)
	if k.noise != nil {
		st.fillNoise()
	}
	c := advance()
	st.drawn()
	st.total.add(c)
	if st.checkStability {
		if err := st.stable(s, c); err != nil {
			return err
		}
	}
	if st.frame != nil {
		return st.frame(s, k.v.cur)
	}
	return nil
}

// drawSpike makes the growth draws of step s — random() every step; on success the row, the
// column and the magnitude — and records the spike. The caller adds it to the field.
func (st *stepper) drawSpike(s int) (Spike, bool) {
	if st.draws != nil {
		return st.takeDraws()
	}
	if st.g.Random() >= st.spikeP {
		return Spike{}, false
	}
	n := int64(st.k.n)
	sp := Spike{Step: s, Row: int(st.g.Integers(0, n)), Col: int(st.g.Integers(0, n))}
	sp.Magnitude = st.g.Normal(spikeMeanV, spikeStdV)
	st.spikes = append(st.spikes, sp)
	return sp, true
}

// stable reports the first NaN among field, activator and inhibitor, as the reference's
// check_stability does. The clamp maps ±Inf to the bounds, so only NaN can appear.
func (st *stepper) stable(step int, c stepCounts) error {
	for _, f := range []struct {
		name string
		nan  int
	}{{"field", c.nanV}, {"activator", c.nanA}, {"inhibitor", c.nanI}} {
		if f.nan > 0 {
			return &InstabilityError{Message: "NaN values detected in " + f.name, Field: f.name, NaNCount: f.nan, Step: step}
		}
	}
	return nil
}

func minMax(x []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo = math.Min(lo, v)
		hi = math.Max(hi, v)
	}
	return lo, hi
}
