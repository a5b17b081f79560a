package server

import (
	"context"
	"errors"
	"math"
	"time"

	"go.opentelemetry.io/otel/trace"

	"mfn/field"
	"mfn/integration"
	"mfn/nernst"
	"mfn/pattern"
)

// The routes' work after decoding, as values, shared by the REST handlers and Transport's
// direct methods (docs/adr/0025-grpc.md, "The direct path"): one decoder and validator (the
// REST one, on the request's JSON members), one pool, one set of metrics and publishers. REST
// writes the values as its JSON; another transport encodes them itself, without formatting
// and re-parsing JSON text.

// SimulateResult is the answer of /simulate: the reference's fields, plus GM's for "model":
// "gm".
type SimulateResult struct {
	GrowthEvents                    int
	PotMin, PotMax, PotMean, PotStd float64 // mV
	FractalDimension                float64
	// GM is the gm model's part of the answer (nil for the v4.1 model).
	GM *SimulateGM
}

// SimulateGM is what a gm run adds to /simulate's answer.
type SimulateGM struct {
	Model, Preset                  string
	GridSize, Steps                int
	TuringActivations, ActiveCells int
	ThresholdMode                  string
	ThresholdMV                    float64
	Pattern                        pattern.Measure
}

// simService is what /simulate's work needs, whichever transport asked for it.
type simService struct {
	pool   *Pool
	m      *Metrics
	tracer trace.Tracer
	hub    *integration.Hub // nil without integrations
}

// simulate runs a decoded /simulate request on the worker pool, counts it in the simulation
// metrics and publishes it (when an integration takes /simulate results). It returns the
// answer as values and as the REST JSON object (unterminated, as newObject builds it); an
// error is what REST answers with (writeError).
func (d simService) simulate(ctx context.Context, req simulateRequest, p field.LegacyParams) (SimulateResult, *object, error) {
	return d.run(ctx, req, p, true)
}

// simulateValues is simulate for a transport that encodes the values itself: the REST JSON
// object is built only when something needs it — publishing, or a non-finite value, which
// it refuses with REST's error.
func (d simService) simulateValues(ctx context.Context, req simulateRequest, p field.LegacyParams) (SimulateResult, error) {
	res, _, err := d.run(ctx, req, p, d.hub != nil)
	return res, err
}

func (d simService) run(ctx context.Context, req simulateRequest, p field.LegacyParams, wantJSON bool) (SimulateResult, *object, error) {
	if req.Model.IsGM() {
		return d.simulateGM(ctx, req)
	}
	res, err := Run(ctx, d.pool, func(ctx context.Context) (simulateResult, error) {
		return simulate(ctx, d.tracer, req.Seed, p)
	})
	if err != nil {
		return SimulateResult{}, nil, poolError(err, d.m)
	}
	d.m.simDuration.WithLabelValues("/simulate").Observe(res.Elapsed.Seconds())
	d.m.fractalDimension.Observe(res.FractalDimension)
	d.m.growthEvents.Add(float64(res.GrowthEvents))
	out := SimulateResult{GrowthEvents: res.GrowthEvents, PotMin: res.PotMin, PotMax: res.PotMax, PotMean: res.PotMean,
		PotStd: res.PotStd, FractalDimension: res.FractalDimension}
	if !wantJSON && finite(out.PotMin, out.PotMax, out.PotMean, out.PotStd, out.FractalDimension) {
		return out, nil, nil
	}
	return d.finish(ctx, req, out, simulateObject(out))
}

// simulateObject is the v4.1 /simulate answer as REST's JSON object.
func simulateObject(r SimulateResult) *object {
	return newObject().int("growth_events", r.GrowthEvents).
		float("pot_min_mV", r.PotMin).float("pot_max_mV", r.PotMax).
		float("pot_mean_mV", r.PotMean).float("pot_std_mV", r.PotStd).
		float("fractal_dimension", r.FractalDimension)
}

// finite reports whether every v is a finite number (what a JSON object can carry).
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// finish refuses an answer that JSON cannot carry (a non-finite value: 500, as the reference)
// and publishes it: durable in the route's spools before the client hears of it; a spool that
// cannot take it (disk full) is a 503 the client may retry.
func (d simService) finish(ctx context.Context, req simulateRequest, out SimulateResult, o *object) (SimulateResult, *object, error) {
	if o.err != nil {
		return SimulateResult{}, nil, o.err
	}
	if d.hub != nil {
		if err := publishSimulate(ctx, d.hub, req, append(o.b[:len(o.b):len(o.b)], '}')); err != nil {
			return SimulateResult{}, nil, &Error{Kind: KindUnavailable, Detail: "the result could not be queued for publishing", Err: err}
		}
	}
	return out, o, nil
}

// nernstOf reads and answers a /nernst body: the Nernst potential in mV.
func nernstOf(f *form) (float64, error) {
	in, err := nernstFromForm(f)
	if err != nil {
		return 0, err
	}
	return nernstPotential(in)
}

// nernstPotential validates the inputs of /nernst (nernst.ValidateInputs' ranges) and answers
// the potential in mV; REST's fast and general readers and gRPC's direct path share it.
func nernstPotential(in nernstInputs) (float64, error) {
	z, cOut, cIn, tempK := in.z, in.cOut, in.cIn, in.temperature
	if err := nernst.ValidateInputs(z, cOut, cIn, tempK); err != nil {
		var re *nernst.RangeError
		if errors.As(err, &re) {
			return 0, invalid(valueIssue(re.Parameter, re.Value, err))
		}
		return 0, errorf(KindBadRequest, "%v", err)
	}
	v, err := nernst.Potential(z, cOut, cIn, tempK)
	if err != nil {
		return 0, errorf(KindBadRequest, "%v", err)
	}
	if math.IsInf(v*1000, 0) || math.IsNaN(v) {
		return 0, nonFiniteNernst(cOut, cIn, v*1000)
	}
	return v * 1000, nil
}

// direct starts a direct call of route: what Call does before the handler, without the
// http.Request: the exchange's record (the request ID and key that logs and publishers read),
// the body limit, the handler timeout of heavy routes, and REST's JSON decoding of body.
func (t *Transport) direct(ctx context.Context, route string, body []byte, info CallInfo) (context.Context, context.CancelFunc, *form, error) {
	rt := lookupRoute(route)
	rec := &record{Context: ctx, id: info.RequestID, start: time.Now(), rt: rt, route: route, method: info.Method,
		keyID: info.KeyID}
	rec.w = &rec.sw
	if limit := t.cfg.MaxBodyBytes; int64(len(body)) > limit {
		return nil, nil, nil, errorf(KindTooLarge, "Request body exceeds the limit of %d bytes (MFN_MAX_BODY_BYTES)", limit)
	}
	f, err := parseForm(body)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.Context(rec), context.CancelFunc(func() {})
	if rt != nil && rt.heavy {
		ctx, cancel = context.WithTimeout(ctx, t.cfg.HandlerTimeout)
	}
	return ctx, cancel, f, nil
}

// Simulate is POST /simulate called directly: body is the request as the REST JSON body,
// which REST's decoder reads and validates; the answer is the values REST writes, or the
// *Error REST answers with. It is Call("/simulate", …) without the HTTP request and the JSON
// response.
func (t *Transport) Simulate(ctx context.Context, body []byte, info CallInfo) (SimulateResult, error) {
	ctx, cancel, f, err := t.direct(ctx, "/simulate", body, info)
	if err != nil {
		return SimulateResult{}, err
	}
	defer cancel()
	req, p, err := decodeSimulateForm(f)
	if err != nil {
		return SimulateResult{}, err
	}
	return t.sim.simulateValues(ctx, req, p)
}

// Nernst is POST /nernst called directly (as Simulate): the potential in mV. The common body
// takes REST's one-pass reader (parseNernstFast), anything else the general form.
func (t *Transport) Nernst(ctx context.Context, body []byte, info CallInfo) (float64, error) {
	if int64(len(body)) <= t.cfg.MaxBodyBytes {
		if in, ok := parseNernstFast(body); ok {
			return nernstPotential(in)
		}
	}
	_, cancel, f, err := t.direct(ctx, "/nernst", body, info)
	if err != nil {
		return 0, err
	}
	defer cancel()
	return nernstOf(f)
}
