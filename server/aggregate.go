package server

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"mfn/federated"
	"mfn/limits"
	"mfn/rng"
)

// Bounds on /federated/aggregate input, so that one request cannot take unbounded memory or
// time (the reference has none; docs/adr/0012).
const (
	maxGradients        = 100_000
	maxGradientElements = 2_000_000 // over all gradients
)

// gradientsField reads gradients: a list of lists of finite numbers that fit a float32, all of
// one length. Ragged input is a 422 naming the first gradient whose length differs. The rows
// are decoded one at a time into one float32 array, and decoding stops as soon as the count
// passes maxGradients or the elements pass maxGradientElements (aggregate_limits.go).
func (f *form) gradientsField(name string) [][]float32 {
	raw, ok := f.take(name, true)
	if !ok {
		return nil
	}
	// Go's decoder takes null for a list or a number silently; the element-wise reader
	// reports it as pydantic does.
	if !bytes.Contains(raw, []byte("null")) {
		if out, done := f.gradientRows(name, raw); done {
			return out
		}
	}
	fast := f.gradientsLax(name, raw)
	if fast == nil {
		return nil
	}
	return f.gradientsCheck(name, fast)
}

// gradientsCheck applies gradientsField's bounds to gradients read by the lax reader.
func (f *form) gradientsCheck(name string, fast [][]float64) [][]float32 {
	if len(fast) > maxGradients {
		f.tooManyGradients(name, len(fast))
		return nil
	}
	total := 0
	out := make([][]float32, len(fast))
	for i, g := range fast {
		total += len(g)
		if total > maxGradientElements {
			f.tooManyElements(name)
			return nil
		}
		if i > 0 && len(g) != len(fast[0]) {
			f.ragged(name, i, len(g), len(fast[0]))
			return nil
		}
		out[i] = make([]float32, len(g))
		for j, v := range g {
			if math.Abs(v) > math.MaxFloat32 {
				f.notFloat32(name, v, i, j)
				return nil
			}
			out[i][j] = float32(v)
		}
	}
	return out
}

// gradientsLax reads gradients element by element, accepting what pydantic accepts (numeric
// strings, booleans) and reporting each bad element at its position.
func (f *form) gradientsLax(name string, raw json.RawMessage) [][]float64 {
	var outer []json.RawMessage
	if err := json.Unmarshal(raw, &outer); err != nil || outer == nil {
		f.add(errListType.typ, errListType.msg, raw, nil, name)
		return nil
	}
	out := make([][]float64, len(outer))
	for i, r := range outer {
		var inner []json.RawMessage
		if err := json.Unmarshal(r, &inner); err != nil || inner == nil {
			f.add(errListType.typ, errListType.msg, r, nil, name, i)
			continue
		}
		out[i] = make([]float64, len(inner))
		for j, e := range inner {
			v, bad := floatValue(e)
			if bad != nil {
				f.add(bad.typ, bad.msg, e, nil, name, i, j)
				continue
			}
			out[i][j] = v
		}
	}
	if f.failed() {
		return nil
	}
	return out
}

// handleAggregate is POST /federated/aggregate: hierarchical Krum with the reference's fixed
// seed 42 for the cluster assignment, on the worker pool.
func handleAggregate(pool *Pool, mem *limits.Memory, m *Metrics, tracer trace.Tracer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := readForm(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		agg := federated.Aggregator{NumClusters: 10, ByzantineFraction: 0.2, SampleFraction: federated.DefaultSampleFraction}
		grads := f.gradientsField("gradients")
		f.intField("num_clusters", &agg.NumClusters, false, 1, 1000)
		f.floatField("byzantine_fraction", &agg.ByzantineFraction, false, floatBounds{ge: bound(0), le: bound(0.5)})
		method := f.methodField("method")
		if err := f.finish(); err != nil {
			writeError(w, r, err)
			return
		}
		if len(grads) == 0 {
			writeError(w, r, errorf(KindBadRequest, "No gradients provided"))
			return
		}
		if err := agg.Validate(); err != nil {
			writeError(w, r, errorf(KindBadRequest, "%v", err)) // the reference's ValueError → 400
			return
		}
		rule, err := aggregationRule(method, agg, len(grads))
		if err != nil {
			writeError(w, r, errorf(KindBadRequest, "%v", err))
			return
		}
		hierarchical := method == federated.MethodHierarchicalKrum
		var release func()
		if hierarchical {
			release, err = reserveAggregate(r.Context(), mem, pool, agg, grads)
		} else {
			release, err = reserveRule(r.Context(), mem, pool, method, grads)
		}
		if err != nil {
			writeError(w, r, poolError(err, m))
			return
		}
		defer release()
		out, err := Run(r.Context(), pool, func(ctx context.Context) ([]float32, error) {
			_, span := tracer.Start(ctx, "federated.aggregate")
			defer span.End()
			if span.IsRecording() {
				span.SetAttributes(attribute.Int("mfn.clients", len(grads)), attribute.Int("mfn.dimensions", len(grads[0])),
					attribute.Int("mfn.num_clusters", agg.NumClusters))
			}
			if span.IsRecording() {
				span.SetAttributes(attribute.String("mfn.method", rule.Name()))
			}
			var v []float32
			if hierarchical { // the reference's rule: cancellable, within its cost model
				v, _, err = agg.AggregateContext(ctx, grads, rng.New(42))
			} else {
				v, err = rule.Aggregate32(grads)
			}
			if err != nil && ctx.Err() == nil {
				return nil, errorf(KindBadRequest, "%v", err)
			}
			return v, err
		})
		if err != nil {
			writeError(w, r, poolError(err, m))
			return
		}
		newObject().float32s("aggregated_gradient", out).int("num_input_gradients", len(grads)).write(w, r)
	})
}
