package field

import (
	"runtime"
	"runtime/metrics"
	"time"

	"mfn/rng"
)

// Jitter pipeline. With quantum jitter each step draws, from the one generator and in this
// order, the growth decision (and on success the spike's row, column and magnitude) and then
// N² normals. None of these draws depends on the field, so the whole sequence of draws is
// known before the run: a producer goroutine makes step s+1's draws — in the same order on
// the same generator — while the stepper runs step s's stencil on another core. The stream
// is unchanged; only the time at which each draw is made moves (ADR 0032).

// disablePipeline makes every jitter step draw its own numbers (tests compare both ways).
var disablePipeline bool

// pipelineMinCells is the smallest grid worth a producer: below 32² a step's draws take a
// few µs, the order of the hand-over itself. Tests lower it to reach tiny grids.
var pipelineMinCells = 32 * 32

// anyCore makes startDraws skip its check for a free core (tests reach the pipeline however
// busy the process is).
var anyCore bool

// forceFallbackAt, when positive, makes the pipeline give up after that many steps, as if it
// were not overlapping (tests reach the hand-back deterministically).
var forceFallbackAt int

// pipelineBuffers is how many noise grids the producer may fill ahead of the stepper: three
// give it slack against scheduling delays on small grids; past 1024² cells two (double
// buffering) bound the extra memory to one grid.
func pipelineBuffers(cells int) int {
	if cells > 1<<20 {
		return 2
	}
	return 3
}

// stepDraws are the draws of one step, in the reference's order.
type stepDraws struct {
	spike    Spike
	hasSpike bool
	noise    []float64
	// after is the generator's state once these draws are made: where the sequential path
	// leaves it if the run stops after this step.
	after rng.State
	// cost is how long the producer took to make them.
	cost time.Duration
}

// drawPipeline is a producer goroutine making the draws of a run's steps ahead of the
// stepper. The stepper owns it: it starts it in run and stops it before run returns.
type drawPipeline struct {
	ready chan stepDraws // the producer's draws, in step order
	free  chan []float64 // noise grids the stepper is done with
	quit  chan struct{}  // closed by stop: the producer returns at its next hand-over
	done  chan struct{}  // closed when the producer has returned
	// pending is the noise grid of the step the stepper took last.
	pending []float64
	// resume is the generator state after the last draws the stepper took.
	resume  rng.State
	stopped bool
	// taken, waited and drawCost are the steps taken so far, the stepper's time spent
	// waiting for them and the producer's time spent drawing them (see overlapping).
	taken            int
	waited, drawCost time.Duration
}

// startDraws starts the producer for the next steps steps when pipelining pays: jitter on,
// at least two steps, and a second core that nothing else of this process is using. It
// returns nil for the sequential path.
func (st *stepper) startDraws(steps int) *drawPipeline {
	k := st.k
	if k.noise == nil || steps < 2 || k.n*k.n < pipelineMinCells || disablePipeline || runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	if !anyCore && !freeCore() {
		return nil
	}
	nbuf := pipelineBuffers(k.n * k.n)
	pl := &drawPipeline{
		ready:  make(chan stepDraws, nbuf),
		free:   make(chan []float64, nbuf),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
		resume: st.g.State(),
	}
	if len(st.bufs) != nbuf {
		// The kernel's own noise grid is the first buffer.
		st.bufs = [][]float64{k.noise}
		for range nbuf - 1 {
			st.bufs = append(st.bufs, make([]float64, k.n*k.n))
		}
	}
	for _, b := range st.bufs {
		pl.free <- b
	}
	g, n, spikeP, sigma := st.g, k.n, st.spikeP, st.sigma
	go func() {
		defer close(pl.done)
		for s := range steps {
			var buf []float64
			await(pl.free)
			select {
			case buf = <-pl.free:
			case <-pl.quit:
				return
			}
			t0 := time.Now()
			d := stepDraws{noise: buf}
			d.spike, d.hasSpike = drawGrowth(g, n, spikeP, s)
			g.FillNormal(buf, 0, sigma)
			d.after = g.State()
			d.cost = time.Since(t0)
			select {
			case pl.ready <- d:
			case <-pl.quit:
				return
			}
		}
	}()
	return pl
}

// takeDraws is drawSpike with the pipeline running: it takes the next step's draws from the
// producer, records the spike if there is one, and keeps the noise grid for fillNoise.
func (st *stepper) takeDraws() (Spike, bool) {
	d := st.draws.next()
	st.draws.pending = d.noise
	if d.hasSpike {
		st.spikes = append(st.spikes, d.spike)
	}
	return d.spike, d.hasSpike
}

// fillNoise leaves the step's jitter in k.noise: drawn now, or the grid the producer drew.
func (st *stepper) fillNoise() {
	if st.draws == nil {
		st.g.FillNormal(st.k.noise, 0, st.sigma)
		return
	}
	st.k.noise = st.draws.pending
}

// drawn tells the pipeline that the step no longer reads k.noise. When the pipeline is not
// overlapping anything, it is stopped and the rest of the run draws its own numbers.
func (st *stepper) drawn() {
	pl := st.draws
	if pl == nil {
		return
	}
	pl.release(st.k.noise)
	if !pl.overlapping() {
		pl.stop(st.g)
		st.draws = nil
	}
}

// overlapping reports whether the pipeline still beats drawing in line. Overlapped, the
// stepper waits only for the part of the draws its own work did not cover, less than the
// draws took. Without a free core (an oversubscribed machine, or a process whose other
// goroutines keep every core busy) it waits for the whole draws plus the scheduler's delay in
// running the producer, every step: more than the draws took, and slower than the
// sequential path. Judged from the second step on, over all steps so far but the first, with
// a little slack so that a hiccup of the scheduler does not end a pipeline that pays.
func (pl *drawPipeline) overlapping() bool {
	if forceFallbackAt > 0 {
		return pl.taken < forceFallbackAt
	}
	return pl.taken < 2 || pl.waited <= pl.drawCost+fallbackSlack
}

// fallbackSlack is how much longer than the draws took the stepper may have waited in all.
const fallbackSlack = 100 * time.Microsecond

// next returns the draws of the next step; the stepper hands d.noise back with release once
// the step no longer reads it.
func (pl *drawPipeline) next() stepDraws {
	t0 := time.Now()
	await(pl.ready)
	d := <-pl.ready
	if pl.taken > 0 { // the first wait is the pipeline filling, whatever the machine
		pl.waited += time.Since(t0)
		pl.drawCost += d.cost
	}
	pl.taken++
	pl.resume = d.after
	return d
}

// release returns a noise grid to the producer. It never blocks: free holds every buffer.
func (pl *drawPipeline) release(noise []float64) { pl.free <- noise }

// stop ends the producer, waits for it, and puts the generator where the sequential path
// would have left it: after the draws of the last step the stepper took, not after any the
// producer made ahead of it. Stopping twice is stopping once.
func (pl *drawPipeline) stop(g *rng.Generator) {
	if pl.stopped {
		return
	}
	pl.stopped = true
	close(pl.quit)
	<-pl.done
	g.SetState(pl.resume)
}

// spinRounds bounds await: a few tens of µs, a step's work on small grids.
const spinRounds = 200

// await yields, a bounded number of times, until ch holds an element. A step's hand-over
// then finds its channel ready and nobody parks: waking a parked goroutine on the other core
// takes several µs, a good part of a 64² step, and the two sides hand over every step.
func await[T any](ch chan T) {
	for i := 0; len(ch) == 0 && i < spinRounds; i++ {
		runtime.Gosched()
	}
}

// freeCore reports whether the process has a core with nothing to run: fewer goroutines
// running or runnable than GOMAXPROCS, the caller included. A worker pool that keeps every
// core busy gains nothing from a producer, which would wait its turn each step (the Go
// scheduler's time slice is 10 ms). An unknown count counts as free.
func freeCore() bool {
	s := []metrics.Sample{{Name: "/sched/goroutines/running:goroutines"}, {Name: "/sched/goroutines/runnable:goroutines"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return true
	}
	return s[0].Value.Uint64()+s[1].Value.Uint64() < uint64(runtime.GOMAXPROCS(0))
}

// drawGrowth makes the growth draws of step s — random() every step; on success the row, the
// column and the magnitude — as drawSpike does (the pipeline tests compare the two paths).
func drawGrowth(g *rng.Generator, n int, spikeP float64, s int) (Spike, bool) {
	if g.Random() >= spikeP {
		return Spike{}, false
	}
	sp := Spike{Step: s, Row: int(g.Integers(0, int64(n))), Col: int(g.Integers(0, int64(n)))}
	sp.Magnitude = g.Normal(spikeMeanV, spikeStdV)
	return sp, true
}
