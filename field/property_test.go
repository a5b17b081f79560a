package field

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"mfn/npexact"
)

// randomConfig draws a valid engine configuration from r.
func randomConfig(r *rand.Rand) Config {
	seed := r.Uint64()
	return Config{
		GridSize: 4 + r.IntN(29), Steps: 1 + r.IntN(40), Alpha: 0.05 + r.Float64()*0.1999,
		SpikeProbability: r.Float64(), TuringEnabled: r.IntN(2) == 0, TuringThreshold: 0.5 + r.Float64()*0.45,
		QuantumJitter: r.IntN(3) == 0, JitterVar: r.Float64() * 0.01, Seed: &seed, Boundary: Boundary(r.IntN(3)),
	}
}

// Over random valid configurations: the clamp holds, no NaN escapes, the counts agree with the
// history, and the same seed gives the same bits.
func TestPropertiesOverRandomConfigs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		c := randomConfig(r)
		res, err := RunWithHistory(c)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		frames := res.Frames()
		if len(frames) != c.Steps {
			t.Fatalf("%d frames for %d steps", len(frames), c.Steps)
		}
		for _, v := range res.History {
			if !(v >= clampMinV && v <= clampMaxV) {
				t.Fatalf("%+v: value %v outside the clamp", c, v)
			}
		}
		if len(res.Spikes) != res.GrowthEvents || res.Metrics.StepsComputed != c.Steps {
			t.Fatalf("spikes %d growth %d steps %d", len(res.Spikes), res.GrowthEvents, res.Metrics.StepsComputed)
		}
		if !c.QuantumJitter && res.ClampingEvents != 0 && res.Metrics.FieldMinV > clampMinV && res.Metrics.FieldMaxV < clampMaxV {
			t.Fatalf("clamping events without a value at a bound")
		}
		again, _ := Run(c)
		for j := range res.Field {
			if math.Float64bits(again.Field[j]) != math.Float64bits(res.Field[j]) {
				t.Fatalf("%+v: not reproducible at %d", c, j)
			}
		}
		if again.ClampingEvents != res.ClampingEvents || again.GrowthEvents != res.GrowthEvents {
			t.Fatal("counts not reproducible")
		}
		if m := npexact.Mean(res.Field); m != res.Metrics.FieldMeanV {
			t.Fatalf("mean %v != metrics %v", m, res.Metrics.FieldMeanV)
		}
	}
}

// The quiet-step bound must never skip a step in which the Turing kick fires: compare the
// kernel with and without the bound where the kick does fire (low thresholds, legacy path).
func TestQuietBoundNeverHidesAKick(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fired := 0
	for i := 0; i < 60; i++ {
		p := DefaultLegacy()
		p.GridSize, p.Steps = 8+r.IntN(24), 1+r.IntN(400)
		p.TuringThreshold = 0.02 + r.Float64()*0.11
		seed := r.Uint64()
		fast, err := simulateLegacySeed(seed, p)
		if err != nil {
			t.Fatal(err)
		}
		disableQuietBound = true
		slow, _ := simulateLegacySeed(seed, p)
		disableQuietBound = false
		if slow.TuringActivations > 0 {
			fired++
		}
		if fast.TuringActivations != slow.TuringActivations {
			t.Fatalf("%+v: activations %d with the bound, %d without", p, fast.TuringActivations, slow.TuringActivations)
		}
		for j := range slow.Field {
			if math.Float64bits(fast.Field[j]) != math.Float64bits(slow.Field[j]) {
				t.Fatalf("%+v: field differs at %d", p, j)
			}
		}
	}
	if fired < 10 {
		t.Fatalf("only %d of 60 runs fired the kick: the comparison proves little", fired)
	}
	t.Logf("%d of 60 runs fired the kick", fired)
}

// FuzzConfigJSON: any JSON decoded into a Config either fails validation with an error or runs
// without panicking and stays within the clamp.
func FuzzConfigJSON(f *testing.F) {
	f.Add([]byte(`{"grid_size":8,"steps":3,"alpha":0.1,"spike_probability":0.5,"turing_enabled":true,"turing_threshold":0.6,"seed":1}`))
	f.Add([]byte(`{"grid_size":4,"steps":2,"alpha":0.2499,"quantum_jitter":true,"jitter_var":0.01,"boundary_condition":"dirichlet","seed":7}`))
	f.Add([]byte(`{"grid_size":1e9}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Config
		if json.Unmarshal(data, &c) != nil {
			return
		}
		if c.Validate() != nil {
			return
		}
		if c.GridSize*c.GridSize*c.Steps > 1<<16 {
			return // valid but too slow for a fuzz iteration
		}
		res, err := Run(c)
		if err != nil {
			t.Fatalf("valid config failed: %v", err)
		}
		for _, v := range res.Field {
			if !(v >= clampMinV && v <= clampMaxV) {
				t.Fatalf("value %v outside the clamp", v)
			}
		}
	})
}

// FuzzLegacyParams: arbitrary legacy parameters are rejected or simulate within the clamp.
func FuzzLegacyParams(f *testing.F) {
	f.Add(8, 5, 0.18, 0.25, true, 0.75, false, 0.0005, uint64(1))
	f.Add(3, 30, 0.9, 1.0, true, 0.05, true, 0.5, uint64(2))
	f.Fuzz(func(t *testing.T, n, steps int, alpha, p float64, turing bool, thr float64, jitter bool, jv float64, seed uint64) {
		lp := LegacyParams{GridSize: n, Steps: steps, Alpha: alpha, SpikeProbability: p, TuringEnabled: turing,
			TuringThreshold: thr, QuantumJitter: jitter, JitterVar: jv}
		if lp.Validate() != nil || n*n*steps > 1<<16 {
			return
		}
		res, err := simulateLegacySeed(seed, lp)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range res.Field {
			if !(v >= clampMinV && v <= clampMaxV) {
				t.Fatalf("value %v outside the clamp", v)
			}
		}
	})
}

// The bound behind quietSteps is sound: whatever the coefficients, boundary and starting
// values, the real activator maximum never exceeds the bound's prediction, step after step.
func TestQuietBoundIsSound(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 100; i++ {
		n := 4 + r.IntN(20)
		k := newKernel(n, Boundary(r.IntN(3)))
		k.re = reaction{da: 0.01 + r.Float64()*0.2399, di: 0.01 + r.Float64()*0.2399,
			ra: 0.001 + r.Float64()*0.099, ri: 0.001 + r.Float64()*0.099, jacobi: r.IntN(2) == 0, threshold: 2}
		k.act, k.inh = newGrid(n), newGrid(n)
		m0 := r.Float64() * 0.9
		for j := range k.act.cur {
			k.act.cur[j] = r.Float64() * m0
			k.inh.cur[j] = r.Float64()
		}
		_, bound := minMax(k.act.cur)
		for s := 0; s < 300; s++ {
			// One step of the bound, exactly as quietSteps widens it.
			q := 0.25
			if bound <= 0.5 {
				q = bound * (1 - bound)
			}
			bound = math.Min((bound+k.re.ra*q)*(1+1e-9)+1e-12, 1)
			k.react(1)
			if _, got := minMax(k.act.cur); got > bound {
				t.Fatalf("case %d step %d: activator max %v above the bound %v", i, s, got, bound)
			}
		}
	}
}

// Two steps per sweep must give the bits of one step at a time, on every boundary, grid size
// (including tiny grids and split bands) and spike pattern.
func TestBlockedStepsAreBitIdentical(t *testing.T) {
	defer forceBlocking()()
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 150; i++ {
		c := randomConfig(r)
		c.QuantumJitter = false
		c.GridSize = []int{4, 5, 7, 16, 33, 64, 100, 190}[r.IntN(8)]
		c.Steps = 1 + r.IntN(30)
		workers := 1 + r.IntN(3)
		forceWorkers = workers
		fast, err := Run(c)
		disableBlocking = true
		slow, _ := Run(c)
		disableBlocking, forceWorkers = false, 0
		if err != nil {
			t.Fatal(err)
		}
		if fast.ClampingEvents != slow.ClampingEvents || fast.GrowthEvents != slow.GrowthEvents {
			t.Fatalf("%+v: counts differ: %d/%d vs %d/%d", c, fast.ClampingEvents, fast.GrowthEvents, slow.ClampingEvents, slow.GrowthEvents)
		}
		for j := range slow.Field {
			if math.Float64bits(fast.Field[j]) != math.Float64bits(slow.Field[j]) {
				t.Fatalf("%+v (%d workers): field differs at %d", c, workers, j)
			}
		}
	}
}

// The same with the legacy path at α up to 1, where the clamp fires and is counted.
func TestBlockedStepsCountClamps(t *testing.T) {
	defer forceBlocking()()
	r := rand.New(rand.NewPCG(9, 10))
	clamped := 0
	for i := 0; i < 60; i++ {
		p := DefaultLegacy()
		p.GridSize, p.Steps, p.Alpha, p.TuringEnabled = 3+r.IntN(60), 2+r.IntN(20), 0.5+r.Float64()*0.5, r.IntN(2) == 0
		forceWorkers = 1 + r.IntN(2)
		fast, err := simulateLegacySeed(uint64(i), p)
		disableBlocking = true
		slow, _ := simulateLegacySeed(uint64(i), p)
		disableBlocking, forceWorkers = false, 0
		if err != nil {
			t.Fatal(err)
		}
		if fast.ClampingEvents != slow.ClampingEvents {
			t.Fatalf("%+v: clamping %d blocked, %d single", p, fast.ClampingEvents, slow.ClampingEvents)
		}
		clamped += slow.ClampingEvents
		for j := range slow.Field {
			if math.Float64bits(fast.Field[j]) != math.Float64bits(slow.Field[j]) {
				t.Fatalf("%+v: field differs at %d", p, j)
			}
		}
	}
	if clamped == 0 {
		t.Fatal("no run clamped: the test proves nothing about clamp counting")
	}
}

// Skipping the reaction means changes nothing else: same field, history and counts.
func TestSkipReactionMeansChangesNothingElse(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	skipped := 0
	for i := 0; i < 80; i++ {
		c := randomConfig(r)
		full, err := RunWith(c, RunOptions{History: true})
		if err != nil {
			t.Fatal(err)
		}
		fast, _ := RunWith(c, RunOptions{History: true, SkipReactionMeans: true})
		if math.IsNaN(fast.Metrics.ActivatorMean) {
			skipped++
		}
		if fast.GrowthEvents != full.GrowthEvents || fast.ClampingEvents != full.ClampingEvents || fast.TuringActivations != full.TuringActivations {
			t.Fatalf("%+v: counts differ", c)
		}
		for j := range full.History {
			if math.Float64bits(fast.History[j]) != math.Float64bits(full.History[j]) {
				t.Fatalf("%+v: history differs at %d", c, j)
			}
		}
	}
	if skipped < 40 {
		t.Fatalf("only %d of 80 runs skipped the reaction", skipped)
	}
}

// The history written in place by the kernel and the frames handed to a callback (with two
// steps per sweep, the intermediate frame too) are the fields one step at a time gives, in
// step order; a growth spike never reaches an earlier frame.
func TestHistoryAndFramesAreBitIdentical(t *testing.T) {
	defer forceBlocking()()
	r := rand.New(rand.NewPCG(13, 14))
	for i := 0; i < 120; i++ {
		c := randomConfig(r)
		c.GridSize = []int{4, 5, 7, 16, 33, 64, 100}[r.IntN(7)]
		c.SpikeProbability = 0.2 + 0.8*r.Float64()
		forceWorkers = 1 + r.IntN(3)
		collect := func(frames *[]float64, next *int) Frame {
			return func(s int, f []float64) error {
				if s != *next {
					t.Fatalf("%+v: frame %d, want %d", c, s, *next)
				}
				*next++
				*frames = append(*frames, f...)
				return nil
			}
		}
		var fastFrames, slowFrames []float64
		var fastNext, slowNext int
		hist, err := RunWith(c, RunOptions{History: true})
		if err != nil {
			t.Fatal(err)
		}
		streamed, _ := RunWith(c, RunOptions{Frame: collect(&fastFrames, &fastNext)})
		disableBlocking = true
		slow, _ := RunWith(c, RunOptions{Frame: collect(&slowFrames, &slowNext)})
		disableBlocking, forceWorkers = false, 0
		if len(slowFrames) != len(hist.History) || len(fastFrames) != len(hist.History) {
			t.Fatalf("%+v: %d, %d and %d values", c, len(slowFrames), len(fastFrames), len(hist.History))
		}
		for j := range slowFrames {
			w := math.Float64bits(slowFrames[j])
			if math.Float64bits(hist.History[j]) != w || math.Float64bits(fastFrames[j]) != w {
				t.Fatalf("%+v: value %d (frame %d) differs", c, j, j/(c.GridSize*c.GridSize))
			}
		}
		for j := range slow.Field {
			if math.Float64bits(hist.Field[j]) != math.Float64bits(slow.Field[j]) || math.Float64bits(streamed.Field[j]) != math.Float64bits(slow.Field[j]) {
				t.Fatalf("%+v: final field differs at %d", c, j)
			}
		}
		if hist.GrowthEvents == 0 && c.Steps > 10 {
			t.Logf("%+v: no spike", c)
		}
	}
}

// forceBlocking runs two steps per sweep on every grid size until the returned function
// restores the threshold.
func forceBlocking() func() {
	old := blockFrom
	blockFrom = 0
	return func() { blockFrom = old }
}

// The engine's activator and inhibitor, advanced beside the field by the row kernels in quiet
// steps, end with the means the coupled step (the scalar code) gives, on every boundary.
func TestQuietReactionMeansMatchCoupled(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for i := 0; i < 80; i++ {
		c := randomConfig(r)
		c.TuringEnabled = true
		c.GridSize = []int{4, 6, 7, 9, 16, 33, 64}[r.IntN(7)]
		forceWorkers = 1 + r.IntN(2)
		fast, err := Run(c)
		disableQuietBound = true
		slow, _ := Run(c)
		disableQuietBound, forceWorkers = false, 0
		if err != nil {
			t.Fatal(err)
		}
		fm, sm := fast.Metrics, slow.Metrics
		if math.Float64bits(fm.ActivatorMean) != math.Float64bits(sm.ActivatorMean) ||
			math.Float64bits(fm.InhibitorMean) != math.Float64bits(sm.InhibitorMean) {
			t.Fatalf("%+v: means (%v, %v), coupled (%v, %v)", c, fm.ActivatorMean, fm.InhibitorMean, sm.ActivatorMean, sm.InhibitorMean)
		}
		for j := range slow.Field {
			if math.Float64bits(fast.Field[j]) != math.Float64bits(slow.Field[j]) {
				t.Fatalf("%+v: field differs at %d", c, j)
			}
		}
	}
}

// Four steps per sweep (the deep blocking of large grids, forced here on small ones) give the
// bits and the clamp counts of one step at a time, on every boundary, band split and spike
// pattern, with α up to 1 on the legacy path so that the clamp fires.
func TestDeepBlockedStepsAreBitIdentical(t *testing.T) {
	oldBlock, oldDeep := blockFrom, deepFrom
	blockFrom, deepFrom = 0, 0
	defer func() { blockFrom, deepFrom = oldBlock, oldDeep }()
	r := rand.New(rand.NewPCG(17, 18))
	deep, clamped := 0, 0
	for i := 0; i < 150; i++ {
		c := randomConfig(r)
		c.QuantumJitter = false
		c.GridSize = []int{6, 9, 16, 33, 64, 100, 190}[r.IntN(7)]
		c.Steps = 1 + r.IntN(30)
		c.SpikeProbability = r.Float64()
		forceWorkers = 1 + r.IntN(3)
		if newKernel(c.GridSize, c.Boundary).deepOK(forceWorkers) && c.Steps >= deepSteps {
			deep++
		}
		fast, err := Run(c)
		disableBlocking = true
		slow, _ := Run(c)
		disableBlocking = false
		p := DefaultLegacy()
		p.GridSize, p.Steps, p.Alpha = c.GridSize, c.Steps, 0.5+r.Float64()*0.5
		lfast, _ := simulateLegacySeed(uint64(i), p)
		disableBlocking = true
		lslow, _ := simulateLegacySeed(uint64(i), p)
		disableBlocking, forceWorkers = false, 0
		if err != nil {
			t.Fatal(err)
		}
		if fast.ClampingEvents != slow.ClampingEvents || fast.GrowthEvents != slow.GrowthEvents || lfast.ClampingEvents != lslow.ClampingEvents {
			t.Fatalf("%+v: counts differ", c)
		}
		clamped += lslow.ClampingEvents
		for j := range slow.Field {
			if math.Float64bits(fast.Field[j]) != math.Float64bits(slow.Field[j]) {
				t.Fatalf("%+v: field differs at %d", c, j)
			}
			if math.Float64bits(lfast.Field[j]) != math.Float64bits(lslow.Field[j]) {
				t.Fatalf("legacy %+v: field differs at %d", p, j)
			}
		}
	}
	if deep < 50 || clamped == 0 {
		t.Fatalf("only %d runs took the deep path, %d clamps: the comparison proves little", deep, clamped)
	}
}
