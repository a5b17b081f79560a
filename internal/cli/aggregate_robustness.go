package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"mfn/federated"
)

// robustnessResult is one (attack, method) cell: the mean over the trials of the distance of
// the aggregate from the honest mean, or the error that made the method impossible.
type robustnessResult struct {
	Attack   string  `json:"attack"`
	Method   string  `json:"method"`
	Distance float64 `json:"distance,omitempty"`
	Error    string  `json:"error,omitempty"`
}

func runBenchRobustness(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "aggregate bench-robustness", "aggregate bench-robustness [--clients N] [--byzantine-fraction F] [--dim D] [--spread S] [--trials T] [--seed S] [--format markdown|json]\n\n"+
		"Draws a known mean μ ~ N(0,1)^dim, clients − f honest updates μ + spread·N(0,1)^dim and f = floor(fraction ·\n"+
		"clients) Byzantine updates per attack ("+strings.Join(federated.Attacks, ", ")+"), aggregates them with\n"+
		"every method (f as the assumed number of Byzantine clients) and reports the mean over the trials of the\n"+
		"Euclidean distance of each result from the mean of the honest updates.")
	clients := fs.Int("clients", 100, "number of clients n (>= 1)")
	byz := fs.Float64("byzantine-fraction", 0.2, "fraction of Byzantine clients, in [0, 0.5)")
	dim := fs.Int("dim", 1000, "update length (>= 1, clients·dim <= 10⁸)")
	spread := fs.Float64("spread", 0.1, "standard deviation of the honest updates around the mean (>= 0)")
	trials := fs.Int("trials", 5, "trials per attack, seeds seed..seed+trials−1 (1..1000)")
	seed := fs.Uint64("seed", 1, "seed of the first trial")
	format := fs.String("format", "markdown", "output format: markdown or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if err := oneOf("format", *format, "markdown", "json"); err != nil {
		return err
	}
	switch {
	case *clients < 1:
		return fmt.Errorf("%w: --clients=%d must be >= 1", errUsage, *clients)
	case !(*byz >= 0 && *byz < 0.5):
		return fmt.Errorf("%w: --byzantine-fraction=%v must be in [0, 0.5)", errUsage, *byz)
	case *dim < 1 || int64(*clients)*int64(*dim) > 1e8:
		return fmt.Errorf("%w: --dim=%d must be >= 1 with clients·dim <= 10⁸", errUsage, *dim)
	case *trials < 1 || *trials > 1000:
		return fmt.Errorf("%w: --trials=%d must be in [1, 1000]", errUsage, *trials)
	}
	f := int(*byz * float64(*clients))
	var results []robustnessResult
	var muNorm float64 // mean norm of the honest mean, for scale
	for _, attack := range federated.Attacks {
		for _, method := range federated.Methods {
			res := robustnessResult{Attack: attack, Method: method}
			rule, err := federated.New(method, *clients, federated.Params{
				ByzantineFraction: *byz, NumClusters: aggregateDefaultClusters,
				SampleFraction: federated.DefaultSampleFraction, Seed: aggregateDefaultSeed,
			})
			if err != nil {
				res.Error = err.Error()
				results = append(results, res)
				continue
			}
			for t := 0; t < *trials; t++ {
				if err := ctx.Err(); err != nil {
					return err
				}
				sc := federated.Scenario{Clients: *clients, Byzantine: f, Dim: *dim, Spread: *spread, Seed: *seed + uint64(t)}
				u, hm, err := sc.Generate(attack)
				if err != nil {
					return fmt.Errorf("%w: %v", errUsage, err)
				}
				agg, err := rule.Aggregate32(u)
				if err != nil {
					return fmt.Errorf("%s on %s: %w", method, attack, err)
				}
				res.Distance += federated.Distance(agg, hm) / float64(*trials)
				if attack == federated.AttackNone && method == federated.Methods[0] {
					muNorm += norm64(hm) / float64(*trials)
				}
			}
			results = append(results, res)
		}
	}
	if *format == "json" {
		return json.NewEncoder(env.Stdout).Encode(results)
	}
	fmt.Fprintf(env.Stdout, "n = %d clients, f = %d Byzantine, d = %d, spread %v, %d trials (seeds %d..%d): distance of the aggregate from the honest mean\n",
		*clients, f, *dim, *spread, *trials, *seed, *seed+uint64(*trials)-1)
	fmt.Fprintf(env.Stdout, "(for scale: the honest mean's norm is %.3g; one honest update lies about spread·√dim = %.3g from it)\n\n",
		muNorm, *spread*math.Sqrt(float64(*dim)))
	fmt.Fprintf(env.Stdout, "| attack | %s |\n|---|%s\n", strings.Join(federated.Methods, " | "), strings.Repeat("---:|", len(federated.Methods)))
	for i := 0; i < len(results); i += len(federated.Methods) {
		cells := make([]string, len(federated.Methods))
		for k, r := range results[i : i+len(federated.Methods)] {
			if r.Error != "" {
				cells[k] = "n/a"
			} else {
				cells[k] = fmt.Sprintf("%.3g", r.Distance)
			}
		}
		fmt.Fprintf(env.Stdout, "| %s | %s |\n", results[i].Attack, strings.Join(cells, " | "))
	}
	for _, r := range results {
		if r.Error != "" && r.Attack == federated.AttackNone {
			fmt.Fprintf(env.Stdout, "\nn/a %s: %s\n", r.Method, r.Error)
		}
	}
	return nil
}

func norm64(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}
