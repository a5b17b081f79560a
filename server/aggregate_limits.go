package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"mfn/federated"
	"mfn/limits"
	"mfn/rng"
)

// The aggregation's memory: the per-request limit and the total across concurrent requests
// (MFN_AGGREGATE_MAX_BYTES, MFN_AGGREGATE_MEMORY; docs/adr/0022). The defaults keep four
// concurrent maximal requests under the service's 1 GiB soft memory limit with room to spare.
const (
	defaultAggregateMaxBytes = 128 << 20
	defaultAggregateMemory   = 384 << 20
)

// gradientRows is the fast path of gradientsField: the rows decoded one at a time into one
// float32 array. done is false when the input needs the element-wise reader (anything but a
// list of lists of numbers), which then reports the issues as pydantic does.
func (f *form) gradientRows(name string, raw []byte) (out [][]float32, done bool) {
	// raw is valid JSON (parseForm checked the body), so the rows can be split without
	// decoding: each is then decoded on its own into a reused buffer.
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	var (
		flat []float32
		lens []int
		row  []float64
	)
	for i = skipSpace(raw, i+1); i < len(raw) && raw[i] != ']'; {
		end := valueEnd(raw, i)
		row = row[:0]
		if raw[i] != '[' || json.Unmarshal(raw[i:end], &row) != nil {
			return nil, false
		}
		if len(lens) == maxGradients {
			f.tooManyGradients(name, len(lens)+1)
			return nil, true
		}
		if len(flat)+len(row) > maxGradientElements {
			f.tooManyElements(name)
			return nil, true
		}
		if len(lens) > 0 && len(row) != lens[0] {
			f.ragged(name, len(lens), len(row), lens[0])
			return nil, true
		}
		for j, v := range row {
			if math.Abs(v) > math.MaxFloat32 {
				f.notFloat32(name, v, len(lens), j)
				return nil, true
			}
			flat = append(flat, float32(v))
		}
		lens = append(lens, len(row))
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	out = make([][]float32, len(lens))
	for i, n := range lens {
		out[i], flat = flat[:n:n], flat[n:]
	}
	return out, true
}

func (f *form) tooManyGradients(name string, n int) {
	f.add("too_long", fmt.Sprintf("List should have at most %d items after validation, not %d", maxGradients, n),
		nil, map[string]any{"field_type": "List", "max_length": maxGradients, "actual_length": n}, name)
}

func (f *form) tooManyElements(name string) {
	f.add("too_long", fmt.Sprintf("Gradients should have at most %d numbers in all", maxGradientElements),
		nil, map[string]any{"max_length": maxGradientElements}, name)
}

func (f *form) ragged(name string, i, got, want int) {
	f.add("ragged_gradients", fmt.Sprintf("gradient %d has %d elements, gradient 0 has %d: all gradients must have the same length",
		i, got, want), nil, map[string]any{"expected_length": want, "actual_length": got}, name, i)
}

func (f *form) notFloat32(name string, v float64, i, j int) {
	f.add("finite_number", "Input should be a finite float32 number (|x| <= 3.4028234663852886e+38)",
		[]byte(num(v)), nil, name, i, j)
}

// emptyGradients is the 422 of gradients whose rows have no elements ({"gradients":[[]]}):
// there is nothing to aggregate, as with no gradients at all.
func emptyGradients() error {
	return invalid(Issue{Type: "too_short", Loc: []any{"body", "gradients", 0},
		Msg: "List should have at least 1 item after validation, not 0", Input: json.RawMessage("[]"),
		Ctx: map[string]any{"field_type": "List", "min_length": 1, "actual_length": 0}})
}

// reserveAggregate checks the aggregation's cost model (federated.Cost: the cluster
// assignment replayed before any work) against the per-request memory limit, and reserves
// its memory in the budget shared by concurrent aggregations, waiting for room until ctx
// ends. The caller runs the work, then calls release.
func reserveAggregate(ctx context.Context, mem *limits.Memory, pool *Pool, agg federated.Aggregator, grads [][]float32) (release func(), err error) {
	if len(grads[0]) == 0 {
		return nil, emptyGradients()
	}
	cost, err := agg.Cost(len(grads), len(grads[0]), rng.New(42))
	if err != nil {
		return nil, errorf(KindBadRequest, "%v", err)
	}
	need := federated.InputBytes(cost.Clients, cost.Dim) + cost.Bytes
	if err := mem.Acquire(ctx, need); err != nil {
		if tl, ok := err.(*limits.TooLargeError); ok {
			return nil, costIssue(agg, cost, tl)
		}
		return nil, &limits.BusyError{Err: err, RetryAfter: pool.RetryAfter()}
	}
	return func() { mem.Release(need) }, nil
}

// costIssue is the 422 of an aggregation over the per-request memory limit: it names the
// inputs that set the cost and what would bring it down.
func costIssue(agg federated.Aggregator, c federated.Cost, tl *limits.TooLargeError) error {
	msg := fmt.Sprintf("%d gradients of %d elements with num_clusters=%d put %d clients in the largest cluster: "+
		"the aggregation %s (MFN_AGGREGATE_MAX_BYTES); raise num_clusters or send fewer or shorter gradients",
		c.Clients, c.Dim, agg.NumClusters, c.LargestCluster, tl.Error())
	return invalid(Issue{Type: "aggregate_too_large", Loc: []any{"body", "num_clusters"}, Msg: msg,
		Ctx: map[string]any{"clients": c.Clients, "dimension": c.Dim, "num_clusters": agg.NumClusters,
			"largest_cluster": c.LargestCluster, "need_bytes": tl.Need, "limit_bytes": tl.Limit}})
}

// reserveRule takes the memory a non-hierarchical rule needs (federated.RuleBytes beside the
// decoded input) from the aggregations' budget: over MFN_AGGREGATE_MAX_BYTES it is a 422 that
// names the method and the inputs; while other aggregations hold the budget, a 503.
func reserveRule(ctx context.Context, mem *limits.Memory, pool *Pool, method string, grads [][]float32) (release func(), err error) {
	if len(grads[0]) == 0 {
		return nil, emptyGradients()
	}
	n, d := len(grads), len(grads[0])
	need := federated.InputBytes(n, d) + federated.RuleBytes(method, n, d)
	if err := mem.Acquire(ctx, need); err != nil {
		if tl, ok := err.(*limits.TooLargeError); ok {
			msg := fmt.Sprintf("%d gradients of %d elements with method=%s: the aggregation %s (MFN_AGGREGATE_MAX_BYTES); "+
				"send fewer or shorter gradients, or use hierarchical-krum, fedavg, median or trimmed-mean", n, d, method, tl.Error())
			return nil, invalid(Issue{Type: "aggregate_too_large", Loc: []any{"body", "method"}, Msg: msg,
				Ctx: map[string]any{"clients": n, "dimension": d, "method": method, "need_bytes": tl.Need, "limit_bytes": tl.Limit}})
		}
		return nil, &limits.BusyError{Err: err, RetryAfter: pool.RetryAfter()}
	}
	return func() { mem.Release(need) }, nil
}
