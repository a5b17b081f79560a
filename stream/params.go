package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"mfn/gmspec"
)

// FeatureParams are /ws/stream_features' subscribe params (StreamFeaturesParams, §5.4).
type FeatureParams struct {
	UpdateIntervalMS int
	// Features filters the emitted keys (empty: all; unknown names are ignored).
	Features []string
	// Compression is accepted and ignored, as in the reference.
	Compression bool
	// Model is an extension (ADR 0021): with "model": "gm" (and "preset", "params") the
	// stream follows the pattern-forming model, StepsPerFrame steps per frame, for as long as
	// the service's bound on a gm run allows (gmspec), then ends.
	Model         gmspec.Spec
	StepsPerFrame int
}

// SimParams are /ws/simulation_live's subscribe params (SimulationLiveParams, §5.4).
type SimParams struct {
	Seed                uint64
	GridSize            int
	Steps               int
	Alpha               float64
	SpikeProbability    float64
	TuringEnabled       bool
	UpdateIntervalSteps int
	IncludeFullState    bool
	// UpdateIntervalMS is an extension: the least time between frames (0: the server's
	// minimum). The reference sends frames as fast as they are computed.
	UpdateIntervalMS int
	// Model is an extension (ADR 0021): "model" (v4.1 by default, or gm), "preset" and
	// "params". With gm, grid_size and steps default to the preset's (gmGrid, gmSteps are
	// the values given, 0 when absent) and alpha, spike_probability and turing_enabled are
	// refused.
	Model           gmspec.Spec
	gmGrid, gmSteps int
}

// ParamError is a parameter that fails validation: its name, the value given, what is allowed.
type ParamError struct {
	Param, Value, Allowed string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("%s=%s: must be %s", e.Param, truncate(e.Value), e.Allowed)
}

// paramSource gives a parameter's text: JSON for WebSocket params, plain for query strings.
type paramSource struct {
	json  map[string]json.RawMessage
	query url.Values
}

func (s paramSource) get(name string) (string, bool) {
	if s.query != nil {
		if !s.query.Has(name) {
			return "", false
		}
		return s.query.Get(name), true
	}
	raw, ok := s.json[name]
	if !ok || string(raw) == "null" {
		return "", false
	}
	return string(raw), true
}

// number parses a number parameter (an integral one when integer) in [lo, hi]; def when absent.
func (s paramSource) number(name string, def, lo, hi float64, integer bool) (float64, error) {
	v, ok := s.get(name)
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	kind := "a number"
	if integer {
		kind = "an integer"
	}
	if err != nil || math.IsNaN(f) || (integer && f != math.Trunc(f)) || f < lo || f > hi {
		return 0, &ParamError{Param: name, Value: v, Allowed: fmt.Sprintf("%s in [%v, %v]", kind, lo, hi)}
	}
	return f, nil
}

func (s paramSource) integer(name string, def, lo, hi int) (int, error) {
	f, err := s.number(name, float64(def), float64(lo), float64(hi), true)
	return int(f), err
}

func (s paramSource) boolean(name string, def bool) (bool, error) {
	v, ok := s.get(name)
	if !ok {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, &ParamError{Param: name, Value: v, Allowed: "a boolean (true or false)"}
}

// strings parses a list of strings: a JSON array, or comma-separated in a query.
func (s paramSource) strings(name string) ([]string, error) {
	v, ok := s.get(name)
	if !ok {
		return nil, nil
	}
	if s.query != nil {
		var out []string
		for _, q := range s.query[name] {
			for _, p := range strings.Split(q, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
		return out, nil
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, &ParamError{Param: name, Value: v, Allowed: "a list of strings or null"}
	}
	return out, nil
}

// MaxSeed bounds seed to the integers a JSON number holds exactly.
const MaxSeed = 1<<53 - 1

func (s paramSource) featureParams() (p FeatureParams, err error) {
	if p.UpdateIntervalMS, err = s.integer("update_interval_ms", 100, 10, 10000); err != nil {
		return p, err
	}
	if p.Features, err = s.strings("features"); err != nil {
		return p, err
	}
	if p.Compression, err = s.boolean("compression", false); err != nil {
		return p, err
	}
	if p.Model, err = s.readModel(); err != nil {
		return p, err
	}
	if !p.Model.IsGM() {
		if v, ok := s.get("steps_per_frame"); ok {
			return p, &ParamError{Param: "steps_per_frame", Value: v, Allowed: `absent without "model": "gm" (the v4.1 stream advances one step per frame)`}
		}
		return p, nil
	}
	if p.StepsPerFrame, err = s.integer("steps_per_frame", 20, 1, 1000); err != nil {
		return p, err
	}
	if _, err := gmFeatureConfig(p.Model); err != nil {
		var ge *gmspec.Error
		if errors.As(err, &ge) {
			return p, &ParamError{Param: ge.Field, Value: fmt.Sprint(ge.Value), Allowed: ge.Allowed}
		}
		return p, &ParamError{Param: "params", Value: fmt.Sprint(p.Model.Params), Allowed: err.Error()}
	}
	return p, nil
}

func (s paramSource) simParams() (p SimParams, err error) {
	var seed float64
	if seed, err = s.number("seed", 42, 0, MaxSeed, true); err != nil {
		return p, err
	}
	p.Seed = uint64(seed)
	if p.Model, err = s.readModel(); err != nil {
		return p, err
	}
	if p.Model.IsGM() {
		return s.gmSimParams(p)
	}
	if p.GridSize, err = s.integer("grid_size", 64, 8, 256); err != nil {
		return p, err
	}
	if p.Steps, err = s.integer("steps", 64, 1, 1000); err != nil {
		return p, err
	}
	if p.Alpha, err = s.number("alpha", 0.18, 0, 1, false); err != nil {
		return p, err
	}
	if p.SpikeProbability, err = s.number("spike_probability", 0.25, 0, 1, false); err != nil {
		return p, err
	}
	if p.TuringEnabled, err = s.boolean("turing_enabled", true); err != nil {
		return p, err
	}
	if p.UpdateIntervalSteps, err = s.integer("update_interval_steps", 1, 1, 100); err != nil {
		return p, err
	}
	if p.IncludeFullState, err = s.boolean("include_full_state", false); err != nil {
		return p, err
	}
	p.UpdateIntervalMS, err = s.integer("update_interval_ms", 0, 0, 10000)
	return p, err
}

// gmSimParams reads the rest of a gm stream's params.
func (s paramSource) gmSimParams(p SimParams) (SimParams, error) {
	var err error
	for _, name := range []string{"alpha", "spike_probability", "turing_enabled"} {
		if v, ok := s.get(name); ok {
			return p, &ParamError{Param: name, Value: v, Allowed: `absent with "model": "gm" (a v4.1 parameter; gm takes preset and params)`}
		}
	}
	if p.gmGrid, err = s.integer("grid_size", 0, gmspec.MinGrid, gmspec.MaxGrid); err != nil {
		return p, err
	}
	if p.gmSteps, err = s.integer("steps", 0, 1, gmspec.MaxSteps); err != nil {
		return p, err
	}
	if p.UpdateIntervalSteps, err = s.integer("update_interval_steps", 0, 1, gmspec.MaxSteps); err != nil {
		return p, err
	}
	if p.IncludeFullState, err = s.boolean("include_full_state", false); err != nil {
		return p, err
	}
	if p.UpdateIntervalMS, err = s.integer("update_interval_ms", 0, 0, 10000); err != nil {
		return p, err
	}
	c, err := p.Model.Config(p.Seed, p.gmGrid, p.gmSteps)
	if err != nil {
		var ge *gmspec.Error
		if errors.As(err, &ge) {
			return p, &ParamError{Param: ge.Field, Value: fmt.Sprint(ge.Value), Allowed: ge.Allowed}
		}
		return p, &ParamError{Param: "params", Value: fmt.Sprint(p.Model.Params), Allowed: err.Error()}
	}
	p.GridSize, p.Steps = c.GridSize, c.Steps
	if p.UpdateIntervalSteps == 0 {
		p.UpdateIntervalSteps = max(1, c.Steps/100) // about 100 frames: a gm run is thousands of steps
	}
	return p, nil
}

// decodeJSONParams reads a subscribe payload's params (an object or null).
func decodeJSONParams(raw json.RawMessage) (paramSource, error) {
	src := paramSource{json: map[string]json.RawMessage{}}
	if len(raw) == 0 || string(raw) == "null" {
		return src, nil
	}
	if err := json.Unmarshal(raw, &src.json); err != nil {
		return src, &ParamError{Param: "params", Value: truncate(string(raw)), Allowed: "an object or null"}
	}
	return src, nil
}

// ParseFeatureQuery and ParseSimQuery read the SSE endpoints' query strings.
func ParseFeatureQuery(q url.Values) (FeatureParams, error) {
	return paramSource{query: q}.featureParams()
}

func ParseSimQuery(q url.Values) (SimParams, error) { return paramSource{query: q}.simParams() }

// truncate shortens a value quoted in an error message.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
