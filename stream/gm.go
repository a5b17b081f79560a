package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"mfn/features"
	"mfn/fractal"
	"mfn/gmspec"
	"mfn/morph"
	"mfn/npexact"
)

// gmSource is /ws/simulation_live (and its SSE twin) with "model": "gm": the pattern-forming
// model (ADR 0021), one state frame every update_interval_steps steps and at the last, then a
// completion frame with the reference's final metrics (the fractal dimension above the Otsu
// threshold) plus the pattern. morph has no step-at-a-time API, so the run is pulled frame by
// frame from morph.Run's Frame callback through iter.Pull: a coroutine, which close stops.
type gmSource struct {
	streamID string
	p        SimParams
	cfg      morph.Config
	pull     func() (int, bool)
	stop     func()
	field    []float64 // the current potential, owned by the run; valid between pulls
	result   *morph.Result
	runErr   error
	step     int // steps done
	done     bool
}

// errStopped ends a run whose stream was closed early.
var errStopped = errors.New("stream closed")

func newGMSource(streamID string, p SimParams) (*gmSource, error) {
	c, err := p.Model.Config(p.Seed, p.gmGrid, p.gmSteps)
	if err != nil {
		return nil, err
	}
	s := &gmSource{streamID: streamID, p: p, cfg: c}
	s.p.GridSize, s.p.Steps = c.GridSize, c.Steps
	s.pull, s.stop = iter.Pull(func(yield func(int) bool) {
		r, err := morph.Run(context.Background(), c, morph.RunOptions{Frame: func(step int, f []float64) error {
			s.field = f
			if !yield(step + 1) {
				return errStopped
			}
			return nil
		}})
		s.result, s.runErr = r, err
	})
	return s, nil
}

func (s *gmSource) interval() time.Duration {
	return time.Duration(s.p.UpdateIntervalMS) * time.Millisecond
}

// newSimulation is the simulation stream's source for p's model.
func newSimulation(streamID string, p SimParams) (source, error) {
	// A failed constructor's typed nil must not become a non-nil source.
	if p.Model.IsGM() {
		g, err := newGMSource(streamID, p)
		if err != nil {
			return nil, err
		}
		return g, nil
	}
	s, err := newSimSource(streamID, p)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// closeSource releases what a source holds (the gm source's coroutine).
func closeSource(src source) {
	if c, ok := src.(interface{ close() }); ok {
		c.close()
	}
}

// params are the simulation parameters of a simulation source (for the Completed hook).
func (s *gmSource) params() SimParams { return s.p }

// close ends the run's coroutine (a no-op once the run is over).
func (s *gmSource) close() { s.stop() }

// advance pulls the next step; false at the end of the run (or on its error).
func (s *gmSource) advance() (bool, error) {
	step, ok := s.pull()
	if !ok {
		if s.runErr != nil && !errors.Is(s.runErr, errStopped) {
			return false, s.runErr
		}
		return false, nil
	}
	s.step = step
	return true, nil
}

func (s *gmSource) next(now time.Time) (frame, bool, error) {
	if s.done {
		return frame{}, false, nil
	}
	for s.step < s.p.Steps {
		ok, err := s.advance()
		if err != nil {
			return frame{}, false, err
		}
		if !ok {
			break
		}
		if s.step%s.p.UpdateIntervalSteps == 0 || s.step == s.p.Steps {
			return frame{id: int64(s.step), typ: "simulation_state", data: mustJSON(message{Type: "simulation_state", Payload: s.state(now)})}, true, nil
		}
	}
	// Let the run return, so that its result (the final activator) is in hand.
	if _, ok := s.pull(); ok {
		return frame{}, false, errors.New("gm stream: the run produced more steps than configured")
	}
	if s.runErr != nil {
		return frame{}, false, s.runErr
	}
	s.done = true
	p := simCompletePayload{StreamID: s.streamID, FinalMetrics: s.finalMetrics(), Timestamp: millis(now)}
	return frame{id: int64(s.p.Steps) + 1, typ: "simulation_complete", data: mustJSON(message{Type: "simulation_complete", Payload: p})}, false, nil
}

// finalMetrics are the v4.1 stream's six metrics, measured the gm way, and the pattern.
func (s *gmSource) finalMetrics() orderedFloats {
	r := s.result
	f := r.Field
	lo, hi := npexact.MinMax(f)
	thr := features.AdaptiveConfig().Thresholds(f, nil)[0]
	mask := make([]bool, len(f))
	for i, v := range f {
		mask[i] = v > thr
	}
	d, err := fractal.EstimateDimension(mask, r.N, fractal.DefaultBoxOptions())
	if err != nil {
		d = math.NaN()
	}
	m, err := morph.PatternOf(r, s.cfg)
	if err != nil {
		m.WavelengthCells, m.PredictedWavelengthCells, m.Contrast = math.NaN(), math.NaN(), math.NaN()
	}
	return orderedFloats{
		keys: []string{"growth_events", "pot_min_mV", "pot_max_mV", "pot_mean_mV", "pot_std_mV", "fractal_dimension",
			"turing_activations", "wavelength_cells", "predicted_wavelength_cells", "contrast"},
		vals: []float64{float64(r.GrowthEvents), lo * 1000, hi * 1000, npexact.Mean(f) * 1000, npexact.Std(f) * 1000, d,
			float64(r.TuringActivations), m.WavelengthCells, m.PredictedWavelengthCells, m.Contrast},
	}
}

// state is the v4.1 stream's state frame; active_nodes counts the cells above the frame's
// Otsu threshold (the v4.1 count, |V| > 10 mV, holds every cell of a gm field).
func (s *gmSource) state(now time.Time) simStatePayload {
	f, n := s.field, s.cfg.GridSize
	lo, hi := npexact.MinMax(f)
	thr := features.AdaptiveConfig().Thresholds(f, nil)[0]
	active := 0
	for _, v := range f {
		if v > thr {
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
	return simStatePayload{StreamID: s.streamID, Step: s.step, TotalSteps: s.p.Steps, State: st,
		Metrics: map[string]float64{"growth_events": 0}, Timestamp: millis(now)}
}

func (s *gmSource) skipTo(id int64) error {
	for int64(s.step) < min(id, int64(s.p.Steps)) {
		ok, err := s.advance()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
	}
	if id > int64(s.p.Steps) {
		s.done = true
		s.stop()
	}
	return nil
}

// text reads a string parameter: a JSON string in params, the plain value in a query.
func (s paramSource) text(name string) (string, bool, error) {
	v, ok := s.get(name)
	if !ok || s.query != nil {
		return v, ok, nil
	}
	var out string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return "", false, &ParamError{Param: name, Value: v, Allowed: "a string"}
	}
	return out, true, nil
}

// readModel reads the model selection of a simulation stream: "model", "preset" and
// "params" (a JSON object; in a query string, repeated param=name=value).
func (s paramSource) readModel() (spec gmspec.Spec, err error) {
	if spec.Model, _, err = s.text("model"); err != nil {
		return spec, err
	}
	if spec.Preset, _, err = s.text("preset"); err != nil {
		return spec, err
	}
	if s.query != nil {
		for _, a := range s.query["param"] {
			var p morph.Params
			if err := p.ParseParam(a); err != nil {
				return spec, &ParamError{Param: "param", Value: a, Allowed: "name=value with a known name and a value in range (" + err.Error() + ")"}
			}
			name, _, _ := strings.Cut(a, "=")
			name = strings.TrimSpace(name)
			if spec.Params == nil {
				spec.Params = map[string]float64{}
			}
			spec.Params[name], _ = p.Get(name)
		}
	} else if raw, ok := s.json["params"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &spec.Params); err != nil {
			return spec, &ParamError{Param: "params", Value: string(raw), Allowed: "an object of parameter names and numbers"}
		}
	}
	if err := spec.Check(); err != nil {
		var ge *gmspec.Error
		if errors.As(err, &ge) {
			return spec, &ParamError{Param: ge.Field, Value: fmt.Sprint(ge.Value), Allowed: ge.Allowed}
		}
		return spec, err
	}
	return spec, nil
}

// params are the simulation parameters of a simulation source (for the Completed hook).
func (s *simSource) params() SimParams { return s.p }

// gmFeatureConfig is the feature stream's gm run: the preset (seed 42, as the v4.1 feature
// stream's engine) as long as the service's gm bounds allow on its grid.
func gmFeatureConfig(spec gmspec.Spec) (morph.Config, error) {
	c, err := spec.Config(42, 0, 1)
	if err != nil {
		return c, err
	}
	steps := min(gmspec.MaxSteps, gmspec.MaxCellSteps/(c.GridSize*c.GridSize))
	return spec.Config(42, c.GridSize, steps)
}

// gmFeatureSource is /ws/stream_features with "model": "gm": the feature stream's nine values
// of the gm run, StepsPerFrame steps per frame, activity above the frame's Otsu threshold.
type gmFeatureSource struct {
	run      *gmSource
	streamID string
	every    time.Duration
	per      int
	keys     []string
	idx      []int
	seq      int64
	scratch  []float64
}

func newGMFeatureSource(streamID string, p FeatureParams) (*gmFeatureSource, error) {
	c, err := gmFeatureConfig(p.Model)
	if err != nil {
		return nil, err
	}
	run, err := newGMSource(streamID, SimParams{Seed: 42, Model: p.Model, gmGrid: c.GridSize, gmSteps: c.Steps, UpdateIntervalSteps: 1})
	if err != nil {
		return nil, err
	}
	s := &gmFeatureSource{run: run, streamID: streamID, every: time.Duration(p.UpdateIntervalMS) * time.Millisecond,
		per: p.StepsPerFrame, scratch: make([]float64, c.GridSize*c.GridSize)}
	for i, k := range featureKeys {
		if len(p.Features) == 0 || slices.Contains(p.Features, k) {
			s.keys, s.idx = append(s.keys, k), append(s.idx, i)
		}
	}
	return s, nil
}

func (s *gmFeatureSource) interval() time.Duration { return s.every }

func (s *gmFeatureSource) close() { s.run.close() }

// advance runs the next frame's steps; false when the run has ended.
func (s *gmFeatureSource) advance() (bool, error) {
	for range s.per {
		ok, err := s.run.advance()
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (s *gmFeatureSource) next(now time.Time) (frame, bool, error) {
	ok, err := s.advance()
	if err != nil || !ok {
		return frame{}, false, err
	}
	f, n := s.run.field, s.run.cfg.GridSize
	thr := features.AdaptiveConfig().Thresholds(f, nil)[0]
	all := computeFeaturesWith(f, n, s.scratch, func(v float64) bool { return v > thr })
	vals := make([]float64, len(s.idx))
	for i, j := range s.idx {
		vals[i] = all[j]
	}
	p := featurePayload{StreamID: s.streamID, Sequence: s.seq, Features: orderedFloats{s.keys, vals}, Timestamp: millis(now)}
	fr := frame{id: s.seq, typ: "feature_update", data: mustJSON(message{Type: "feature_update", Payload: p})}
	s.seq++
	return fr, true, nil
}

func (s *gmFeatureSource) skipTo(id int64) error {
	for s.seq <= id {
		ok, err := s.advance()
		if err != nil || !ok {
			return err
		}
		s.seq++
	}
	return nil
}

// newFeatures is the feature stream's source for p's model.
func newFeatures(streamID string, p FeatureParams) (source, error) {
	if p.Model.IsGM() {
		g, err := newGMFeatureSource(streamID, p)
		if err != nil {
			return nil, err
		}
		return g, nil
	}
	s, err := newFeatureSource(streamID, p)
	if err != nil {
		return nil, err
	}
	return s, nil
}
