package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"mfn/federated"
)

// aggregateRuleOutput is the JSON result of the methods other than hierarchical Krum.
type aggregateRuleOutput struct {
	AggregatedGradient []float64 `json:"aggregated_gradient"`
	Method             string    `json:"method"`
	NumClients         int       `json:"num_clients"`
	ByzantineFraction  float64   `json:"byzantine_fraction"`
	NumByzantine       int       `json:"num_byzantine"`
	Beta               *float64  `json:"beta,omitempty"`
	M                  int       `json:"m,omitempty"`
	Selected           []int     `json:"selected,omitempty"`
}

// runAggregateRule aggregates with one of federated's rules (not hierarchical Krum).
func runAggregateRule(ctx context.Context, env *Env, req *aggregateInput, method string, byz, beta float64, betaSet bool, m int, asJSON bool) error {
	n := len(req.Gradients)
	p := federated.Params{ByzantineFraction: byz, M: m, SampleCounts: req.SampleCounts}
	if betaSet {
		p.Beta = &beta
	}
	if req.SampleCounts != nil && method != federated.MethodFedAvg {
		return &ExitError{Code: 2, Err: fmt.Errorf("input: sample_counts applies to --method fedavg only, not %s", method)}
	}
	r, err := federated.New(method, n, p)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var out []float32
	var selected []int
	switch rr := r.(type) {
	case federated.MultiKrum:
		out, selected, err = rr.AggregateSelect32(req.Gradients)
	case federated.Krum:
		out, selected, err = federated.MultiKrum{F: rr.F, M: 1}.AggregateSelect32(req.Gradients)
	default:
		out, err = r.Aggregate32(req.Gradients)
	}
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("input: %w", err)}
	}
	res := aggregateRuleOutput{
		AggregatedGradient: make([]float64, len(out)),
		Method:             method,
		NumClients:         n,
		ByzantineFraction:  byz,
		NumByzantine:       int(byz * float64(n)),
		Selected:           selected,
	}
	for i, v := range out {
		res.AggregatedGradient[i] = float64(v)
	}
	switch rr := r.(type) {
	case federated.TrimmedMean:
		res.Beta = &rr.Beta
	case federated.MultiKrum:
		res.M = rr.M
	}
	if asJSON {
		return json.NewEncoder(env.Stdout).Encode(res)
	}
	fmt.Fprintf(env.Stdout, "aggregated %d gradients of %d elements with %s: byzantine fraction %s (f = %d)\n",
		n, len(out), method, strconv.FormatFloat(byz, 'g', -1, 64), res.NumByzantine)
	if res.Beta != nil {
		fmt.Fprintf(env.Stdout, "beta %s: %d cut from each end of every coordinate\n", strconv.FormatFloat(*res.Beta, 'g', -1, 64), int(*res.Beta*float64(n)))
	}
	if res.Selected != nil {
		fmt.Fprintf(env.Stdout, "selected (best Krum score first): %v\n", res.Selected)
	}
	fmt.Fprintf(env.Stdout, "result: [%s]\n", formatFloats(res.AggregatedGradient))
	return nil
}
