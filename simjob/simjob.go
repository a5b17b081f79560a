// Package simjob runs one simulation request taken from a connector: the field simulation
// with its history, then the 18 features, as the result message `mfn worker` publishes.
// It sits between integration (messages) and the numeric packages, so that neither the
// service nor the numeric code depends on the other.
package simjob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"mfn/features"
	"mfn/field"
	"mfn/gmspec"
	"mfn/integration"
	"mfn/morph"
)

// Request is a simulation request: the fields of POST /simulate's body, with its defaults,
// plus an optional key (or id) naming it.
type Request struct {
	Key              string  `json:"key,omitempty"`
	ID               string  `json:"id,omitempty"`
	Seed             uint64  `json:"seed"`
	GridSize         int     `json:"grid_size"`
	Steps            int     `json:"steps"`
	Alpha            float64 `json:"alpha"`
	SpikeProbability float64 `json:"spike_probability"`
	TuringEnabled    bool    `json:"turing_enabled"`
	// Spec selects the model: "model", "preset", "params" (gmspec). Without "model" the
	// request is v4.1's, as before; with "model": "gm" the v4.1 fields alpha,
	// spike_probability and turing_enabled are refused and grid_size/steps default to the
	// preset's when absent.
	gmspec.Spec
}

// The service's caps on a request (POST /simulate's), and the worker's bound on the history
// the temporal features need (grid_size² · steps values, 8 bytes each: 128 MiB).
const (
	maxGrid         = 256
	maxSteps        = 1000
	maxHistoryCells = 1 << 24
)

// DefaultRequest is POST /simulate's defaults.
func DefaultRequest() Request {
	return Request{Seed: 42, GridSize: 64, Steps: 64, Alpha: 0.18, SpikeProbability: 0.25, TuringEnabled: true}
}

// Decode reads a request strictly (unknown fields refused) over the defaults and validates
// it; errors name the parameter, the value and what is allowed. A result `mfn serve`
// published is read as its request (unwrapPublished).
func Decode(data []byte) (Request, error) {
	r := DefaultRequest()
	dec := json.NewDecoder(bytes.NewReader(unwrapPublished(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return r, fmt.Errorf("%s: %s is not allowed (want %s)", te.Field, te.Value, te.Type)
		}
		return r, fmt.Errorf("request: %w", err)
	}
	if dec.More() {
		return r, errors.New("request: more than one JSON value")
	}
	if r.IsGM() {
		// Absent sizes are the preset's, not POST /simulate's v4.1 defaults.
		var given map[string]json.RawMessage
		if json.Unmarshal(data, &given) == nil {
			if _, ok := given["grid_size"]; !ok {
				r.GridSize = 0
			}
			if _, ok := given["steps"]; !ok {
				r.Steps = 0
			}
			for _, name := range []string{"alpha", "spike_probability", "turing_enabled"} {
				if _, ok := given[name]; ok {
					return r, fmt.Errorf("%s: a parameter of the v4.1 model; with \"model\": \"gm\" give preset and params", name)
				}
			}
		}
		c, err := r.Spec.Config(r.Seed, r.GridSize, r.Steps)
		r.GridSize, r.Steps = c.GridSize, c.Steps
		return r, err
	}
	return r, r.Validate()
}

// Validate applies the service's caps, then the engine's own bounds (field.Config.Validate:
// α below its stability limit, …), then the worker's history bound.
func (r Request) Validate() error {
	if err := r.Spec.Check(); err != nil {
		return err
	}
	if r.IsGM() {
		_, err := r.Spec.Config(r.Seed, r.GridSize, r.Steps)
		return err
	}
	switch {
	case r.GridSize < 8 || r.GridSize > maxGrid:
		return fmt.Errorf("grid_size: %d is not allowed (want 8..%d)", r.GridSize, maxGrid)
	case r.Steps < 1 || r.Steps > maxSteps:
		return fmt.Errorf("steps: %d is not allowed (want 1..%d)", r.Steps, maxSteps)
	case r.GridSize*r.GridSize*r.Steps > maxHistoryCells:
		return fmt.Errorf("grid_size²·steps: %d is not allowed (want at most %d, the worker's history bound)", r.GridSize*r.GridSize*r.Steps, maxHistoryCells)
	}
	return r.config().Validate()
}

func (r Request) config() field.Config {
	c := field.DefaultConfig()
	seed := r.Seed
	c.Seed, c.GridSize, c.Steps, c.Alpha, c.SpikeProbability, c.TuringEnabled = &seed, r.GridSize, r.Steps, r.Alpha, r.SpikeProbability, r.TuringEnabled
	return c
}

// Result is the published value: the request as run, its features by name, and a few facts
// of the run.
type Result struct {
	Key          string             `json:"key"`
	Request      Request            `json:"request"`
	Features     map[string]float64 `json:"features"`
	GrowthEvents int                `json:"growth_events"`
	ElapsedMS    float64            `json:"elapsed_ms"`
}

// Run simulates r and computes its features. As a dataset job does, it computes them from the
// frames as they come (features.Stream, bit for bit those of the history) and lets the engine
// skip the activator/inhibitor means nobody reads: O(grid²) memory, and 2-3x less work.
func Run(r Request) (Result, error) {
	if r.IsGM() {
		return runGM(r)
	}
	c := r.config()
	s, err := features.NewStream(c.GridSize, c.Steps, features.DefaultConfig())
	if err != nil {
		return Result{}, err
	}
	res, err := field.RunWith(c, field.RunOptions{Frame: s.Push, SkipReactionMeans: true})
	if err != nil {
		return Result{}, err
	}
	v, err := s.Vector()
	if err != nil {
		return Result{}, err
	}
	return Result{Request: r, Features: v.Map(), GrowthEvents: res.GrowthEvents,
		ElapsedMS: float64(res.Elapsed) / float64(time.Millisecond)}, nil
}

// runGM is Run for the gm model: its features with the model's adaptive thresholds.
func runGM(r Request) (Result, error) {
	c, err := r.Spec.Config(r.Seed, r.GridSize, r.Steps)
	if err != nil {
		return Result{}, err
	}
	s, err := features.NewStream(c.GridSize, c.Steps, features.AdaptiveConfig())
	if err != nil {
		return Result{}, err
	}
	res, err := morph.Run(context.Background(), c, morph.RunOptions{Frame: s.Push})
	if err != nil {
		return Result{}, err
	}
	v, err := s.Vector()
	if err != nil {
		return Result{}, err
	}
	r.GridSize, r.Steps = c.GridSize, c.Steps
	return Result{Request: r, Features: v.Map(), GrowthEvents: res.GrowthEvents,
		ElapsedMS: float64(res.Elapsed) / float64(time.Millisecond)}, nil
}

// Process is the worker's integration.ProcessFunc: request message in, result message out,
// under the request's key (its own key or id when the message has none, else a digest of
// the request), so that a request processed twice yields two copies receivers de-duplicate.
// A bad request is an error naming what is wrong.
func Process(ctx context.Context, msg integration.Message) (integration.Message, error) {
	if err := ctx.Err(); err != nil {
		return integration.Message{}, err
	}
	r, err := Decode(msg.Value)
	if err != nil {
		return integration.Message{}, err
	}
	key := msg.Key
	for _, k := range []string{r.Key, r.ID} {
		if key == "" {
			key = strings.TrimSpace(k)
		}
	}
	if key == "" {
		h := sha256.Sum256(msg.Value)
		key = "sim:" + hex.EncodeToString(h[:12])
	}
	res, err := Run(r)
	if err != nil {
		return integration.Message{}, err
	}
	res.Key = key
	v, err := json.Marshal(res)
	if err != nil {
		return integration.Message{}, err
	}
	return integration.Message{Key: key, Value: v, Time: time.Now().UTC()}, nil
}
