package stream

import (
	"math"
	"slices"
	"time"

	"mfn/field"
	"mfn/npexact"
	"mfn/rng"
)

// frame is one encoded stream message with its position in the stream (the SSE event ID).
type frame struct {
	id   int64
	typ  string
	data []byte
}

// source generates a stream's frames. Both streams are deterministic: the same parameters
// give the same frames (timestamps aside), which is what lets SSE resume (ADR 0018).
type source interface {
	// next computes the next frame; more is false after the last one.
	next(now time.Time) (f frame, more bool, err error)
	// interval is the least time between frames the client asked for.
	interval() time.Duration
	// skipTo advances without emitting until the next frame's id is greater than id.
	skipTo(id int64) error
}

// featureSource is /ws/stream_features: the service context's engine (64×64, seed 42,
// Turing on), one step per frame, endless. The engine keeps its state between frames.
type featureSource struct {
	streamID string
	every    time.Duration
	st       *field.Stepper
	keys     []string
	idx      []int
	seq      int64
	scratch  []float64
}

func newFeatureSource(streamID string, p FeatureParams) (*featureSource, error) {
	st, err := field.NewStepper(field.DefaultEngineConfig(42), true)
	if err != nil {
		return nil, err
	}
	s := &featureSource{streamID: streamID, every: time.Duration(p.UpdateIntervalMS) * time.Millisecond, st: st}
	for i, k := range featureKeys {
		if len(p.Features) == 0 || slices.Contains(p.Features, k) {
			s.keys, s.idx = append(s.keys, k), append(s.idx, i)
		}
	}
	return s, nil
}

func (s *featureSource) interval() time.Duration { return s.every }

type featurePayload struct {
	StreamID  string        `json:"stream_id"`
	Sequence  int64         `json:"sequence"`
	Features  orderedFloats `json:"features"`
	Timestamp int64         `json:"timestamp"`
}

func (s *featureSource) next(now time.Time) (frame, bool, error) {
	if err := s.st.Advance(1); err != nil {
		return frame{}, false, err
	}
	if s.scratch == nil {
		s.scratch = make([]float64, s.st.N()*s.st.N())
	}
	all := computeFeatures(s.st.Field(), s.st.N(), s.scratch)
	vals := make([]float64, len(s.idx))
	for i, j := range s.idx {
		vals[i] = all[j]
	}
	p := featurePayload{StreamID: s.streamID, Sequence: s.seq, Features: orderedFloats{s.keys, vals}, Timestamp: millis(now)}
	f := frame{id: s.seq, typ: "feature_update", data: mustJSON(message{Type: "feature_update", Payload: p})}
	s.seq++
	return f, true, nil
}

func (s *featureSource) skipTo(id int64) error {
	if id < s.seq {
		return nil
	}
	n := id + 1 - s.seq
	s.seq += n
	return s.st.Advance(int(n))
}

// simSource is /ws/simulation_live: engine(grid_size, seed, alpha) advanced one step at a
// time, a growth draw per step from its own generator (numpy PCG64 seeded with seed), a state
// frame every update_interval_steps steps and at the last, then a completion frame.
type simSource struct {
	streamID string
	p        SimParams
	st       *field.Stepper
	g        *rng.Generator
	growth   int
	done     bool
}

func newSimSource(streamID string, p SimParams) (*simSource, error) {
	cfg := field.DefaultEngineConfig(p.Seed)
	cfg.GridSize, cfg.Alpha = p.GridSize, p.Alpha
	st, err := field.NewStepper(cfg, p.TuringEnabled)
	if err != nil {
		return nil, err
	}
	return &simSource{streamID: streamID, p: p, st: st, g: rng.New(p.Seed)}, nil
}

func (s *simSource) interval() time.Duration {
	return time.Duration(s.p.UpdateIntervalMS) * time.Millisecond
}

type simState struct {
	PotMean     jsonFloat    `json:"pot_mean_mV"`
	PotStd      jsonFloat    `json:"pot_std_mV"`
	PotMin      jsonFloat    `json:"pot_min_mV"`
	PotMax      jsonFloat    `json:"pot_max_mV"`
	ActiveNodes int          `json:"active_nodes"`
	FieldShape  []int        `json:"field_shape,omitempty"`
	FieldMean   *jsonFloat   `json:"field_mean,omitempty"`
	Preview     *fieldSample `json:"field_preview,omitempty"`
}

type simStatePayload struct {
	StreamID   string             `json:"stream_id"`
	Step       int                `json:"step"`
	TotalSteps int                `json:"total_steps"`
	State      simState           `json:"state"`
	Metrics    map[string]float64 `json:"metrics"`
	Timestamp  int64              `json:"timestamp"`
}

type simCompletePayload struct {
	StreamID     string        `json:"stream_id"`
	FinalMetrics orderedFloats `json:"final_metrics"`
	Timestamp    int64         `json:"timestamp"`
}

// advance runs one step and its growth draw.
func (s *simSource) advance() error {
	if err := s.st.Advance(1); err != nil {
		return err
	}
	if s.g.Random() < s.p.SpikeProbability {
		s.growth++
	}
	return nil
}

// emits says whether a state frame follows step (1-based).
func (s *simSource) emits(step int) bool {
	return step%s.p.UpdateIntervalSteps == 0 || step == s.p.Steps
}

func (s *simSource) next(now time.Time) (frame, bool, error) {
	if s.done {
		return frame{}, false, nil
	}
	for s.st.Steps() < s.p.Steps {
		if err := s.advance(); err != nil {
			return frame{}, false, err
		}
		if step := s.st.Steps(); s.emits(step) {
			return frame{id: int64(step), typ: "simulation_state", data: mustJSON(message{Type: "simulation_state", Payload: s.state(now)})}, true, nil
		}
	}
	s.done = true
	f := s.st.Field()
	lo, hi := npexact.MinMax(f)
	fm := orderedFloats{
		keys: []string{"growth_events", "pot_min_mV", "pot_max_mV", "pot_mean_mV", "pot_std_mV", "fractal_dimension"},
		vals: []float64{float64(s.growth), lo * 1000, hi * 1000, npexact.Mean(f) * 1000, npexact.Std(f) * 1000,
			boxCountDimension(f, s.st.N())},
	}
	p := simCompletePayload{StreamID: s.streamID, FinalMetrics: fm, Timestamp: millis(now)}
	return frame{id: int64(s.p.Steps) + 1, typ: "simulation_complete", data: mustJSON(message{Type: "simulation_complete", Payload: p})}, false, nil
}

func (s *simSource) state(now time.Time) simStatePayload {
	f, n := s.st.Field(), s.st.N()
	lo, hi := npexact.MinMax(f)
	active := 0
	for _, v := range f {
		if math.Abs(v) > activeV {
			active++
		}
	}
	st := simState{PotMean: jsonFloat(npexact.Mean(f) * 1000), PotStd: jsonFloat(npexact.Std(f) * 1000),
		PotMin: jsonFloat(lo * 1000), PotMax: jsonFloat(hi * 1000), ActiveNodes: active}
	if s.p.IncludeFullState {
		mean := jsonFloat(npexact.Mean(f))
		st.FieldShape, st.FieldMean = []int{n, n}, &mean
		st.Preview = downsample(f, n, previewMax)
	}
	return simStatePayload{StreamID: s.streamID, Step: s.st.Steps(), TotalSteps: s.p.Steps, State: st,
		Metrics: map[string]float64{"growth_events": float64(s.growth)}, Timestamp: millis(now)}
}

func (s *simSource) skipTo(id int64) error {
	for int64(s.st.Steps()) < min(id, int64(s.p.Steps)) {
		if err := s.advance(); err != nil {
			return err
		}
	}
	if id > int64(s.p.Steps) {
		s.done = true
	}
	return nil
}

// previewMax is the largest side of field_preview.
const previewMax = 64

// fieldSample is a downsampled field for painting: block means in mV, rounded to 0.01 mV,
// row-major.
type fieldSample struct {
	Shape []int     `json:"shape"`
	MV    []float64 `json:"values_mV"`
}

// downsample averages f (n×n) over blocks of ⌈n/max⌉² cells (partial blocks at the edges).
func downsample(f []float64, n, maxSide int) *fieldSample {
	b := (n + maxSide - 1) / maxSide
	m := (n + b - 1) / b
	out := make([]float64, m*m)
	for i := range m {
		for j := range m {
			sum, cnt := 0.0, 0
			for r := i * b; r < min((i+1)*b, n); r++ {
				for c := j * b; c < min((j+1)*b, n); c++ {
					sum += f[r*n+c]
					cnt++
				}
			}
			out[i*m+j] = math.Round(sum/float64(cnt)*1e5) / 100
		}
	}
	return &fieldSample{Shape: []int{m, m}, MV: out}
}
