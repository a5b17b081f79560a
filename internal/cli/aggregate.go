package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"mfn/federated"
	"mfn/rng"
)

func init() {
	register(command{
		name:    "aggregate",
		summary: "robust aggregation (hierarchical Krum by default; fedavg, median, trimmed-mean, krum, multi-krum, bulyan) of gradients read as JSON",
		run:     runAggregate,
	})
}

// Defaults of the reference API's /federated/aggregate (not of the aggregator class).
const (
	aggregateDefaultClusters  = 10
	aggregateDefaultByzantine = 0.2
	aggregateDefaultSeed      = 42
	// aggregateMaxInput bounds how much JSON is read.
	aggregateMaxInput = 1 << 30
)

// aggregateInput is a decoded request: the gradients and, from an API-style object, the
// optional num_clusters and byzantine_fraction.
type aggregateInput struct {
	Gradients         [][]float32
	NumClusters       *int
	ByzantineFraction *float64
	Method            *string
	SampleCounts      []float64
}

// aggregateOutput is the JSON result. Values are the float32 results widened to float64, so
// they print as the reference's API does (0.42771902680397034, not 0.42771903).
type aggregateOutput struct {
	AggregatedGradient []float64 `json:"aggregated_gradient"`
	NumClients         int       `json:"num_clients"`
	NumClusters        int       `json:"num_clusters"`
	ByzantineFraction  float64   `json:"byzantine_fraction"`
	Seed               uint64    `json:"seed"`
	SampledClients     int       `json:"sampled_clients,omitempty"`
	Representatives    []int     `json:"cluster_representatives"`
	GlobalKrumIndex    int       `json:"global_krum_index"`
}

func runAggregate(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "bench-robustness" {
		return runBenchRobustness(ctx, env, args[1:])
	}
	fs := newFlagSet(env, "aggregate", "aggregate [--in FILE|-] [--method NAME] [--byzantine-fraction F] [--clusters N] [--seed S] [--sample-fraction F]\n"+
		"          [--beta B] [--m M] [--format text|json]\n"+
		"aggregate bench-robustness [flags]   (attacks against every method: see aggregate bench-robustness -h)\n\n"+
		"Input: {\"gradients\": [[...], ...]} (optionally with num_clusters, byzantine_fraction and method, as the\n"+
		"reference API takes them, and sample_counts for fedavg; flags win) or a bare [[...], ...] list; numbers\n"+
		"are rounded to float32.\n\n"+
		"Methods: fedavg (mean weighted by sample_counts), median, trimmed-mean (--beta), krum, multi-krum (--m),\n"+
		"bulyan, hierarchical-krum (the default: the reference's; --clusters, --seed, --sample-fraction). The\n"+
		"assumed number of Byzantine clients is f = floor(byzantine-fraction · n); krum needs n >= 2f+3, bulyan\n"+
		"n >= 4f+3.")
	in := fs.String("in", "-", "input JSON file, or - for standard input")
	method := fs.String("method", federated.MethodHierarchicalKrum, "aggregation method: "+strings.Join(federated.Methods, ", "))
	clusters := fs.Int("clusters", aggregateDefaultClusters, "hierarchical-krum: number of clusters (>= 1)")
	byz := fs.Float64("byzantine-fraction", aggregateDefaultByzantine, "assumed Byzantine fraction, in [0, 0.5): f = floor(fraction · clients)")
	seed := fs.Uint64("seed", aggregateDefaultSeed, "hierarchical-krum: seed of numpy's default_rng for sampling and cluster assignment")
	sample := fs.Float64("sample-fraction", federated.DefaultSampleFraction, "hierarchical-krum: fraction of clients sampled above 1000 clients, in (0, 1]")
	beta := fs.Float64("beta", -1, "trimmed-mean: fraction cut from each end of every coordinate, in [0, 0.5) (default: the Byzantine fraction)")
	multiM := fs.Int("m", 0, "multi-krum: number of best-scored updates averaged, in [1, n] (default: n − f)")
	format := fs.String("format", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q (use --in FILE)", errUsage, fs.Args())
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := oneOf("method", *method, federated.Methods...); err != nil {
		return err
	}

	var r io.Reader = env.Stdin
	if *in != "-" && *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("--in: %w", err)
		}
		defer f.Close()
		r = f
	}
	if r == nil {
		return fmt.Errorf("%w: no input: pass --in FILE or JSON on standard input", errUsage)
	}
	req, err := decodeAggregateInput(r)
	if err != nil {
		return fmt.Errorf("input: %w", err)
	}
	if req.Method != nil && !set["method"] {
		*method = *req.Method // checked by federated.New
	}
	if *method != federated.MethodHierarchicalKrum || req.SampleCounts != nil {
		if req.ByzantineFraction != nil && !set["byzantine-fraction"] {
			*byz = *req.ByzantineFraction
		}
		return runAggregateRule(ctx, env, req, *method, *byz, *beta, set["beta"], *multiM, *format == "json")
	}
	a := federated.Aggregator{NumClusters: *clusters, ByzantineFraction: *byz, SampleFraction: *sample}
	if req.NumClusters != nil && !set["clusters"] {
		a.NumClusters = *req.NumClusters
	}
	if req.ByzantineFraction != nil && !set["byzantine-fraction"] {
		a.ByzantineFraction = *req.ByzantineFraction
	}
	if err := a.Validate(); err != nil {
		msg := err.Error()
		if (req.NumClusters != nil && !set["clusters"] && strings.HasPrefix(msg, "num_clusters=")) ||
			(req.ByzantineFraction != nil && !set["byzantine-fraction"] && strings.HasPrefix(msg, "byzantine_fraction=")) {
			return fmt.Errorf("input: %w", err) // the input file's value, not the command line's: exit 1
		}
		return fmt.Errorf("%w: %v", errUsage, aggregateFlagError(err))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	out, tr, err := a.Aggregate(req.Gradients, rng.New(*seed))
	if err != nil {
		return fmt.Errorf("input: %w", err)
	}
	res := aggregateOutput{
		AggregatedGradient: make([]float64, len(out)),
		NumClients:         len(req.Gradients),
		NumClusters:        a.NumClusters,
		ByzantineFraction:  a.ByzantineFraction,
		Seed:               *seed,
		SampledClients:     len(tr.SampledIndices),
		Representatives:    tr.ClusterSelected,
		GlobalKrumIndex:    tr.GlobalIndex,
	}
	for i, v := range out {
		res.AggregatedGradient[i] = float64(v)
	}
	if *format == "json" {
		return json.NewEncoder(env.Stdout).Encode(res)
	}
	fmt.Fprintf(env.Stdout, "aggregated %d gradients of %d elements: %d clusters, byzantine fraction %s, seed %d\n",
		res.NumClients, len(out), res.NumClusters, strconv.FormatFloat(res.ByzantineFraction, 'g', -1, 64), res.Seed)
	if res.SampledClients > 0 {
		fmt.Fprintf(env.Stdout, "sampled %d of %d clients\n", res.SampledClients, res.NumClients)
	}
	fmt.Fprintf(env.Stdout, "cluster representatives: %v\n", res.Representatives)
	fmt.Fprintf(env.Stdout, "global Krum choice: gradient %d\n", res.GlobalKrumIndex)
	fmt.Fprintf(env.Stdout, "result: [%s]\n", formatFloats(res.AggregatedGradient))
	return nil
}

// formatFloats joins values in their shortest round-trip form.
func formatFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(s, ", ")
}

// aggregateFlagError names the flag behind an aggregator validation message.
func aggregateFlagError(err error) error {
	msg := err.Error()
	for param, flagName := range map[string]string{
		"num_clusters=": "--clusters", "byzantine_fraction=": "--byzantine-fraction", "sample_fraction=": "--sample-fraction",
	} {
		if strings.HasPrefix(msg, param) {
			return fmt.Errorf("%s: %s", flagName, msg)
		}
	}
	return err
}

// decodeAggregateInput reads one JSON value: an object with "gradients" (and optionally
// "num_clusters", "byzantine_fraction") or a bare list of number lists. Every number must be
// finite and representable as a float32; rows must have equal, non-zero lengths.
func decodeAggregateInput(r io.Reader) (*aggregateInput, error) {
	data, err := io.ReadAll(io.LimitReader(r, aggregateMaxInput+1))
	if err != nil {
		return nil, err
	}
	if len(data) > aggregateMaxInput {
		return nil, fmt.Errorf("more than %d bytes of JSON", aggregateMaxInput)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty input: expected {\"gradients\": [[...], ...]} or [[...], ...]")
	}
	var rows []aggregateRow
	req := &aggregateInput{}
	switch trimmed[0] {
	case '{':
		var obj struct {
			Gradients         *[]aggregateRow `json:"gradients"`
			NumClusters       *int            `json:"num_clusters"`
			ByzantineFraction *float64        `json:"byzantine_fraction"`
			Method            *string         `json:"method"`
			SampleCounts      []float64       `json:"sample_counts"`
		}
		if err := decodeStrict(trimmed, &obj); err != nil {
			return nil, err
		}
		if obj.Gradients == nil {
			return nil, errors.New(`missing "gradients": expected {"gradients": [[...], ...]}`)
		}
		rows = *obj.Gradients
		req.NumClusters, req.ByzantineFraction = obj.NumClusters, obj.ByzantineFraction
		req.Method, req.SampleCounts = obj.Method, obj.SampleCounts
	case '[':
		if err := decodeStrict(trimmed, &rows); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("expected a JSON object {\"gradients\": ...} or a list of number lists")
	}
	if len(rows) == 0 {
		//lint:ignore ST1005 starts with the reference's (and the API's) message, word for word
		return nil, errors.New("No gradients provided: the gradient list is empty")
	}
	req.Gradients = make([][]float32, len(rows))
	for i, row := range rows {
		if row == nil {
			return nil, fmt.Errorf("gradient %d is null: expected a list of numbers", i)
		}
		if len(row) == 0 {
			return nil, fmt.Errorf("gradient %d is empty: gradients need at least 1 element", i)
		}
		if len(row) != len(rows[0]) {
			return nil, fmt.Errorf("gradient %d has %d elements, gradient 0 has %d: all gradients must have the same length", i, len(row), len(rows[0]))
		}
		g := make([]float32, len(row))
		for j, v := range row {
			f := float32(v)
			if math.IsInf(float64(f), 0) {
				return nil, fmt.Errorf("gradient %d element %d = %v is outside the float32 range (±3.4028235e+38)", i, j, float64(v))
			}
			g[j] = f
		}
		req.Gradients[i] = g
	}
	return req, nil
}

// aggregateRow is one gradient as decoded from JSON.
type aggregateRow []aggregateNumber

// aggregateNumber is a JSON number that rejects null (which encoding/json would silently
// leave as 0) and anything that is not a number.
type aggregateNumber float64

func (n *aggregateNumber) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || !(b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		return fmt.Errorf("expected a number, got %.40s", b)
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("number %.40s is outside the float64 range", b)
	}
	*n = aggregateNumber(v)
	return nil
}

// decodeStrict unmarshals exactly one JSON value with no unknown object fields.
func decodeStrict(data []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return errors.New("invalid JSON: unexpected data after the first value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid JSON: unexpected data after the first value")
	}
	return nil
}
