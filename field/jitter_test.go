package field

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mfn/rng"
)

// withPipeline runs f with the jitter pipeline on or off, and fails if f leaves a goroutine
// behind (the producer must be joined before run returns, whatever happened).
func withPipeline(t *testing.T, on bool, f func()) {
	t.Helper()
	old, oldMin, oldAny := disablePipeline, pipelineMinCells, anyCore
	disablePipeline, pipelineMinCells, anyCore = !on, 0, true
	defer func() { disablePipeline, pipelineMinCells, anyCore = old, oldMin, oldAny }()
	before := runtime.NumGoroutine()
	f()
	// A joined goroutine may still be on its way out (it has signalled, not yet returned):
	// allow it a moment, as goleak does.
	after := runtime.NumGoroutine()
	for wait := time.Millisecond; after > before && wait < time.Second; wait *= 2 {
		time.Sleep(wait)
		after = runtime.NumGoroutine()
	}
	if after > before {
		t.Fatalf("%d goroutines before the run, %d after: the producer leaked", before, after)
	}
}

func sameFieldBits(t *testing.T, what string, a, b []float64) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: length %d vs %d", what, len(a), len(b))
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("%s: differs at %d: %v vs %v", what, i, a[i], b[i])
		}
	}
}

// The pipelined legacy run gives the sequential run's bits — field, spikes, counts — and
// leaves the generator in the same state, over seeds, sizes (one worker and split rows),
// spike rates, α up to 1 (clamping) and Turing on and off.
func TestJitterPipelineLegacyBitIdentical(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("the pipeline needs GOMAXPROCS ≥ 2; with one core the sequential path is the only one")
	}
	r := rand.New(rand.NewPCG(11, 12))
	sizes := []int{1, 2, 3, 7, 16, 64, 100, 190}
	piped := 0
	for i := range 40 {
		p := DefaultLegacy()
		p.GridSize = sizes[i%len(sizes)]
		p.Steps = r.IntN(30)
		p.Alpha = 0.05 + r.Float64()*0.95
		p.SpikeProbability = r.Float64()
		p.TuringEnabled = r.IntN(2) == 0
		p.TuringThreshold = 0.1 + r.Float64()*0.8 // low thresholds fire the kick: coupled steps
		p.QuantumJitter = true
		p.JitterVar = r.Float64() * 0.01
		seed := r.Uint64()
		var fast, slow *LegacyResult
		var gf, gs *rng.Generator
		withPipeline(t, true, func() {
			gf = rng.New(seed)
			var err error
			if fast, err = SimulateLegacy(gf, p); err != nil {
				t.Fatal(err)
			}
		})
		withPipeline(t, false, func() {
			gs = rng.New(seed)
			var err error
			if slow, err = SimulateLegacy(gs, p); err != nil {
				t.Fatal(err)
			}
		})
		if p.Steps >= 2 {
			piped++
		}
		sameFieldBits(t, "field", fast.Field, slow.Field)
		if len(fast.Spikes) != len(slow.Spikes) || fast.ClampingEvents != slow.ClampingEvents || fast.TuringActivations != slow.TuringActivations {
			t.Fatalf("%+v: spikes %d/%d clamps %d/%d kicks %d/%d", p, len(fast.Spikes), len(slow.Spikes),
				fast.ClampingEvents, slow.ClampingEvents, fast.TuringActivations, slow.TuringActivations)
		}
		for j := range fast.Spikes {
			if fast.Spikes[j] != slow.Spikes[j] {
				t.Fatalf("spike %d: %+v vs %+v", j, fast.Spikes[j], slow.Spikes[j])
			}
		}
		if gf.State() != gs.State() {
			t.Fatalf("%+v: generator state after the run differs", p)
		}
	}
	if piped < 20 {
		t.Fatalf("only %d runs took the pipeline", piped)
	}
}

// The engine path (jitter with the Turing reaction alongside, stability checks, a history)
// gives the same bits pipelined and sequential.
func TestJitterPipelineEngineBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for range 30 {
		c := randomConfig(r)
		c.QuantumJitter = true
		c.Steps = 2 + r.IntN(30)
		var fast, slow *Result
		var err error
		withPipeline(t, true, func() { fast, err = RunWithHistory(c) })
		if err != nil {
			t.Fatal(err)
		}
		withPipeline(t, false, func() { slow, err = RunWithHistory(c) })
		if err != nil {
			t.Fatal(err)
		}
		sameFieldBits(t, "history", fast.History, slow.History)
		if fast.Metrics != slow.Metrics || fast.GrowthEvents != slow.GrowthEvents {
			t.Fatalf("%+v: metrics %+v vs %+v", c, fast.Metrics, slow.Metrics)
		}
	}
}

// A run that stops early (here a frame callback's error, as a cancelled stream gives) joins
// the producer and leaves the generator where the sequential path leaves it, although the
// producer had drawn ahead.
func TestJitterPipelineStopsOnError(t *testing.T) {
	stopErr := errors.New("client went away")
	p := DefaultLegacy()
	p.GridSize, p.Steps, p.QuantumJitter = 32, 50, true
	for _, stopAt := range []int{0, 1, 7, 48, 49} {
		var states [2]rng.State
		var fields [2][]float64
		for i, on := range []bool{true, false} {
			withPipeline(t, on, func() {
				g := rng.New(5)
				_, err := SimulateLegacyFrames(g, p, func(s int, f []float64) error {
					if s == stopAt {
						fields[i] = append([]float64(nil), f...)
						return stopErr
					}
					return nil
				})
				if !errors.Is(err, stopErr) {
					t.Fatalf("err = %v, want the frame's error", err)
				}
				states[i] = g.State()
			})
		}
		sameFieldBits(t, "field at the stop", fields[0], fields[1])
		if states[0] != states[1] {
			t.Fatalf("stop at %d: generator %+v pipelined, %+v sequential", stopAt, states[0], states[1])
		}
	}
}

// A pipeline that hands the draws back mid-run (it judged it was not overlapping anything)
// leaves the rest of the run, and the generator, exactly as the sequential path has them.
func TestJitterPipelineFallsBack(t *testing.T) {
	defer func() { forceFallbackAt = 0 }()
	p := DefaultLegacy()
	p.GridSize, p.Steps, p.QuantumJitter, p.SpikeProbability = 40, 30, true, 0.6
	for _, at := range []int{1, 2, 13, 29, 30} {
		var res [2]*LegacyResult
		var states [2]rng.State
		for i, on := range []bool{true, false} {
			forceFallbackAt = at
			withPipeline(t, on, func() {
				g := rng.New(uint64(at))
				var err error
				if res[i], err = SimulateLegacy(g, p); err != nil {
					t.Fatal(err)
				}
				states[i] = g.State()
			})
		}
		sameFieldBits(t, "field after a fallback", res[0].Field, res[1].Field)
		if len(res[0].Spikes) != len(res[1].Spikes) || states[0] != states[1] {
			t.Fatalf("fallback at %d: spikes %d/%d, states equal %v", at, len(res[0].Spikes), len(res[1].Spikes), states[0] == states[1])
		}
	}
}

// A Stepper advanced in uneven chunks (a live stream) gives the sequential bits; each
// Advance starts and joins its own producer and reuses the noise grids.
func TestJitterPipelineStepperChunks(t *testing.T) {
	c := DefaultEngineConfig(9)
	c.QuantumJitter, c.GridSize = true, 24
	var fields [2][]float64
	for i, on := range []bool{true, false} {
		withPipeline(t, on, func() {
			s, err := NewStepper(c, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []int{3, 1, 0, 5, 2, 9} {
				if err := s.Advance(k); err != nil {
					t.Fatal(err)
				}
			}
			if on && len(s.st.bufs) != pipelineBuffers(c.GridSize*c.GridSize) {
				t.Fatalf("%d noise grids kept, want %d", len(s.st.bufs), pipelineBuffers(c.GridSize*c.GridSize))
			}
			fields[i] = append([]float64(nil), s.Field()...)
		})
	}
	sameFieldBits(t, "stepper field", fields[0], fields[1])
}

// With two cores and jitter the producer starts; stopped before the stepper takes anything,
// it leaves the generator untouched although it has drawn ahead.
func TestJitterPipelineStarts(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		old := runtime.GOMAXPROCS(2)
		defer runtime.GOMAXPROCS(old)
	}
	withPipeline(t, true, func() {
		st := &stepper{g: rng.New(1), k: newKernel(8, Periodic), sigma: 0.1, spikeP: 0.5}
		st.k.noise = make([]float64, 64)
		want := st.g.State()
		if pl := st.startDraws(1); pl != nil {
			t.Fatal("a pipeline for one step")
		}
		pl := st.startDraws(10)
		if pl == nil {
			t.Fatal("the pipeline did not start")
		}
		d := <-pl.ready // the producer has drawn step 0 (and is at step 1 or beyond)
		if d.after == want {
			t.Fatal("the producer drew nothing")
		}
		pl.stop(st.g)
		if st.g.State() != want {
			t.Fatal("stopping before the first step moved the generator")
		}
	})
}

// With every core busy in this process (here a spinning goroutine beside the test's), the
// stepper draws in line; with the spinner gone, a core is free again.
func TestJitterPipelineNeedsAFreeCore(t *testing.T) {
	if runtime.GOMAXPROCS(0) != 2 {
		old := runtime.GOMAXPROCS(2)
		defer runtime.GOMAXPROCS(old)
	}
	var stop atomic.Bool
	var spinning sync.WaitGroup
	spinning.Go(func() {
		for !stop.Load() {
		}
	})
	busy := false
	for range 200 { // the counts are approximate: the spinner must be seen running
		if !freeCore() {
			busy = true
			break
		}
		time.Sleep(time.Millisecond)
	}
	stop.Store(true)
	spinning.Wait()
	if !busy {
		t.Fatal("freeCore saw a free core while another goroutine spun on the second one")
	}
	free := false
	for range 200 {
		if freeCore() {
			free = true
			break
		}
		time.Sleep(time.Millisecond)
	}
	if !free {
		t.Fatal("freeCore saw no free core with the test's goroutine alone")
	}
}

// With one core there is nothing to overlap: the stepper draws its own numbers.
func TestJitterPipelineNeedsTwoCores(t *testing.T) {
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	st := &stepper{g: rng.New(1), k: newKernel(8, Periodic)}
	st.k.noise = make([]float64, 64)
	if pl := st.startDraws(10); pl != nil {
		pl.stop(st.g)
		t.Fatal("the pipeline started with GOMAXPROCS=1")
	}
}
