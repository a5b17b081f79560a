package features

import (
	"fmt"
	"math"

	"mfn/npexact"
)

// Stream computes the features of a history frame by frame, keeping O(n²) values instead of
// the history: the previous frame, one chunk of differences and per-frame scalars. Its
// Vector is bit for bit Compute's on the same frames: both run the same pair pass (pair),
// the same pairwise sums of numpy's chunks of the (T−1)·n² differences (node, here fed one
// chunk at a time as the frames arrive, chunks spanning frame boundaries included) and the
// same quiet-frame decision (decidePair, here made for every difference frame as it arrives,
// until the first quiet run of stability_window frames is found).
//
// Push matches field.Frame, so a Stream can be fed by field.RunWith's Frame callback.
type Stream struct {
	n, nn, frames int
	cfg           Config
	ws            *workspace
	t             int       // frames received
	prev          []float64 // the last frame received (volts)
	diffs         []float64 // the differences of the current pair, when a chunk tree reads them
	pw            pairWorker
	kern          kernelFunc
	checking      bool
	run           int // quiet difference frames in a row so far
	tStable       int // 0 until a quiet run is found
	chunkLo       int // start of the chunk of differences being filled
	total         float64
	done          bool
}

// NewStream prepares the features of a history of frames ≥ 1 frames of n×n values.
func NewStream(n, frames int, cfg Config) (*Stream, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if frames < 1 {
		return nil, fmt.Errorf("%w: the history has no frames (need T >= 1 frames of n×n values)", ErrInput)
	}
	if n < 1 || (n*n)/n != n {
		return nil, fmt.Errorf("%w: grid side n=%d (need 1 <= n and n·n frames that fit in memory)", ErrInput, n)
	}
	nn := n * n
	s := &Stream{n: n, nn: nn, frames: frames, cfg: cfg, ws: pool.Get().(*workspace), kern: kernel}
	s.prev = grow(s.prev, nn)
	s.checking = frames > cfg.StabilityWindow && cfg.StabilityThresholdMV > 0
	return s, nil
}

// Push adds frame step (0, 1, …, in order) of n·n values; the frame is copied, not kept.
func (s *Stream) Push(step int, frame []float64) error {
	switch {
	case s.done:
		return fmt.Errorf("%w: the stream is finished", ErrInput)
	case step != s.t:
		return fmt.Errorf("%w: frame %d pushed, want frame %d", ErrInput, step, s.t)
	case s.t >= s.frames:
		return fmt.Errorf("%w: frame %d beyond the %d frames announced", ErrInput, step, s.frames)
	case len(frame) != s.nn:
		return fmt.Errorf("%w: frame %d has %d values, want n·n = %d", ErrInput, step, len(frame), s.nn)
	}
	tp := &s.ws.temporal
	t := s.t
	s.t++
	if t == 0 {
		if s.frames >= 2 {
			tp.setup(s.frames, s.nn, frame)
			tp.mark(s.frames - 1)
			tp.winBuf = grow(tp.winBuf, chunk)
			tp.win = tp.winBuf
			tp.winLo = 0
			s.pw.mx, s.pw.track, s.pw.rescans = 0, false, 0
			if s.kern == nil {
				s.pw.prev, s.pw.cur = grow(s.pw.prev, s.nn), grow(s.pw.cur, s.nn)
				for i, x := range frame {
					s.pw.prev[i] = x * 1000.0
				}
			}
		}
		copy(s.prev, frame)
		return nil
	}
	d := t - 1 // the difference frame of (t−1, t)
	var diffs []float64
	if tp.slot[d] >= 0 {
		s.diffs = grow(s.diffs, s.nn)
		diffs = s.diffs
	}
	tp.pair(d, s.prev, frame, &s.pw, s.kern, diffs)
	if s.checking && s.tStable == 0 {
		if tp.decidePair(d, s.prev, frame, s.cfg.StabilityThresholdMV) {
			s.run++
			if s.run == s.cfg.StabilityWindow {
				s.tStable = d - s.cfg.StabilityWindow + 2
			}
		} else {
			s.run = 0
		}
	}
	// Feed the chunks of numpy's sum of all differences that this frame reaches, and add up
	// those it completes, left to right.
	all := (s.frames - 1) * s.nn
	fLo, fHi := d*s.nn, (d+1)*s.nn
	for s.chunkLo < fHi {
		cHi := min(s.chunkLo+chunk, all)
		if diffs != nil {
			lo, hi := max(s.chunkLo, fLo), min(cHi, fHi)
			copy(tp.win[lo-s.chunkLo:hi-s.chunkLo], diffs[lo-fLo:hi-fLo])
		}
		if cHi > fHi {
			break
		}
		tp.winLo = s.chunkLo
		s.total += tp.node(s.chunkLo, cHi, false)
		s.chunkLo = cHi
	}
	copy(s.prev, frame)
	return nil
}

// Vector returns the features once every frame has been pushed and releases the stream's
// memory: the stream cannot be used afterwards.
func (s *Stream) Vector() (Vector, error) {
	if s.done {
		return Vector{}, fmt.Errorf("%w: the stream is finished", ErrInput)
	}
	if s.t != s.frames {
		return Vector{}, fmt.Errorf("%w: %d of the %d frames announced were pushed", ErrInput, s.t, s.frames)
	}
	s.done = true
	ws := s.ws
	defer func() {
		ws.temporal.win = nil
		pool.Put(ws)
		s.ws = nil
	}()
	var v Vector
	if err := ws.frameFeatures(s.prev, s.n, s.cfg, &v); err != nil {
		return Vector{}, err
	}
	if s.frames < 2 {
		return v, nil
	}
	tp := &ws.temporal
	all := (s.frames - 1) * s.nn
	// The differences are ≥ 0; np.max propagates NaN, and so does the sum.
	v.DVMean, v.DVMax = s.total/float64(all), max(0, s.pw.mx)
	if math.IsNaN(s.total) {
		v.DVMax = s.total
	}
	v.TStable = s.frames
	if s.tStable > 0 {
		v.TStable = s.tStable
	}
	v.ETrend, _ = npexact.Polyfit1(tp.steps, tp.energy)
	return v, nil
}
