package federated

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"

	"mfn/rng"
)

// This file holds the aggregation rules beside hierarchical Krum: FedAvg, the coordinate-wise
// median and trimmed mean, Krum, Multi-Krum and Bulyan, each by its published definition,
// behind one interface and for float32 and float64 updates. The Krum family shares one
// pairwise distance matrix (distance.go).

// Float is the element type of updates.
type Float interface{ ~float32 | ~float64 }

// Rule is one aggregation rule over n client updates of one length.
type Rule interface {
	// Name is the rule's method name (fedavg, median, ...).
	Name() string
	// Check reports whether the rule's settings are possible with n clients; the error names
	// the parameter, its value and what is allowed.
	Check(n int) error
	Aggregate32(updates [][]float32) ([]float32, error)
	Aggregate64(updates [][]float64) ([]float64, error)
}

// Aggregate applies r to updates of either element type.
func Aggregate[T Float](r Rule, updates [][]T) ([]T, error) {
	switch u := any(updates).(type) {
	case [][]float32:
		out, err := r.Aggregate32(u)
		return any(out).([]T), err
	case [][]float64:
		out, err := r.Aggregate64(u)
		return any(out).([]T), err
	}
	// A named element type (~float32 or ~float64): convert through float64.
	u := make([][]float64, len(updates))
	for i, row := range updates {
		u[i] = make([]float64, len(row))
		for j, v := range row {
			u[i][j] = float64(v)
		}
	}
	out, err := r.Aggregate64(u)
	if err != nil {
		return nil, err
	}
	res := make([]T, len(out))
	for i, v := range out {
		res[i] = T(v)
	}
	return res, nil
}

// Method names, as the CLI and the API take them.
const (
	MethodFedAvg           = "fedavg"
	MethodMedian           = "median"
	MethodTrimmedMean      = "trimmed-mean"
	MethodKrum             = "krum"
	MethodMultiKrum        = "multi-krum"
	MethodBulyan           = "bulyan"
	MethodHierarchicalKrum = "hierarchical-krum"
)

// Methods lists every method name, the default (hierarchical Krum) last.
var Methods = []string{MethodFedAvg, MethodMedian, MethodTrimmedMean, MethodKrum, MethodMultiKrum, MethodBulyan, MethodHierarchicalKrum}

// Params are the settings New turns into a rule for n clients. Zero values take the
// documented defaults.
type Params struct {
	// ByzantineFraction gives the assumed number of Byzantine clients f = ⌊fraction·n⌋
	// (Krum, Multi-Krum, Bulyan; the trimmed mean's default β) and is hierarchical Krum's
	// byzantine_fraction. In [0, 0.5).
	ByzantineFraction float64
	// Beta is the trimmed mean's fraction cut from each end, in [0, 0.5); nil means
	// ByzantineFraction.
	Beta *float64
	// M is Multi-Krum's number of selected updates, in [1, n]; 0 means n − f.
	M int
	// SampleCounts weights FedAvg (one non-negative count per client, not all zero); nil
	// means equal weights.
	SampleCounts []float64
	// NumClusters, SampleFraction and Seed are hierarchical Krum's (seed of its cluster draw).
	NumClusters    int
	SampleFraction float64
	Seed           uint64
}

// New builds the named rule for n clients and checks that its settings are possible.
func New(method string, n int, p Params) (Rule, error) {
	if !(p.ByzantineFraction >= 0 && p.ByzantineFraction < 0.5) {
		return nil, fmt.Errorf("byzantine_fraction=%v must be in [0, 0.5)", p.ByzantineFraction)
	}
	f := int(p.ByzantineFraction * float64(n))
	var r Rule
	switch method {
	case MethodFedAvg:
		r = FedAvg{SampleCounts: p.SampleCounts}
	case MethodMedian:
		r = Median{}
	case MethodTrimmedMean:
		beta := p.ByzantineFraction
		if p.Beta != nil {
			beta = *p.Beta
		}
		r = TrimmedMean{Beta: beta}
	case MethodKrum:
		r = Krum{F: f}
	case MethodMultiKrum:
		m := p.M
		if m == 0 {
			m = n - f
		}
		r = MultiKrum{F: f, M: m}
	case MethodBulyan:
		r = Bulyan{F: f}
	case MethodHierarchicalKrum:
		r = HierarchicalKrum{Aggregator: Aggregator{NumClusters: p.NumClusters, ByzantineFraction: p.ByzantineFraction, SampleFraction: p.SampleFraction}, Seed: p.Seed}
	default:
		return nil, fmt.Errorf("method=%q is not one of %s", method, strings.Join(Methods, ", "))
	}
	if err := r.Check(n); err != nil {
		return nil, err
	}
	return r, nil
}

// checkUpdates rejects an empty list, empty, ragged or non-finite updates.
func checkUpdates[T Float](u [][]T) error {
	if len(u) == 0 {
		return errors.New("no updates to aggregate: the list is empty")
	}
	d := len(u[0])
	if d == 0 {
		return errors.New("update 0 is empty: updates need at least 1 element")
	}
	for i, g := range u {
		if len(g) != d {
			return fmt.Errorf("update %d has %d elements, update 0 has %d: all updates must have the same length", i, len(g), d)
		}
		if g32, ok := any(g).([]float32); ok && allFinite(g32) {
			continue // the vectorised check of hierarchical Krum
		}
		for j, v := range g {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("update %d element %d is %v: updates must be finite", i, j, f)
			}
		}
	}
	return nil
}

// FedAvg is federated averaging (McMahan et al. 2017, "Communication-Efficient Learning of
// Deep Networks from Decentralized Data", Algorithm 1): Σₖ nₖ·wₖ / Σₖ nₖ, each client's update
// weighted by its number of samples nₖ. Sums run in float64.
type FedAvg struct {
	// SampleCounts are the nₖ; nil means 1 for every client (the plain mean).
	SampleCounts []float64
}

func (FedAvg) Name() string { return MethodFedAvg }

func (a FedAvg) Check(n int) error {
	if n < 1 {
		return fmt.Errorf("fedavg needs at least 1 update, got %d", n)
	}
	if a.SampleCounts == nil {
		return nil
	}
	if len(a.SampleCounts) != n {
		return fmt.Errorf("sample_counts has %d entries for %d updates: one count per update is needed", len(a.SampleCounts), n)
	}
	total := 0.0
	for i, c := range a.SampleCounts {
		if !(c >= 0) || math.IsInf(c, 0) {
			return fmt.Errorf("sample_counts[%d]=%v must be a finite number >= 0", i, c)
		}
		total += c
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return fmt.Errorf("sample_counts sum to %v: the total must be finite and > 0", total)
	}
	return nil
}

func (a FedAvg) Aggregate32(u [][]float32) ([]float32, error) { return fedAvg(a, u) }
func (a FedAvg) Aggregate64(u [][]float64) ([]float64, error) { return fedAvg(a, u) }

func fedAvg[T Float](a FedAvg, u [][]T) ([]T, error) {
	if err := checkUpdates(u); err != nil {
		return nil, err
	}
	if err := a.Check(len(u)); err != nil {
		return nil, err
	}
	w := a.SampleCounts
	total := float64(len(u))
	if w != nil {
		total = 0
		for _, c := range w {
			total += c
		}
	}
	d := len(u[0])
	out := make([]T, d)
	weightedSum(u, nil, w, out, total)
	return out, nil
}

// Median is the coordinate-wise median (Yin et al. 2018, "Byzantine-Robust Distributed
// Learning: Towards Optimal Statistical Rates", Definition 1): each coordinate is the median
// of the clients' values, the mean of the two middle values when n is even (as numpy.median).
type Median struct{}

func (Median) Name() string { return MethodMedian }

func (Median) Check(n int) error {
	if n < 1 {
		return fmt.Errorf("median needs at least 1 update, got %d", n)
	}
	return nil
}

func (m Median) Aggregate32(u [][]float32) ([]float32, error) { return median(u) }
func (m Median) Aggregate64(u [][]float64) ([]float64, error) { return median(u) }

func median[T Float](u [][]T) ([]T, error) {
	if err := checkUpdates(u); err != nil {
		return nil, err
	}
	out := make([]T, len(u[0]))
	if u32, ok := any(u).([][]float32); ok && median32Net(u32, any(out).([]float32)) {
		return out, nil
	}
	columns(u, nil, out, medianOf[T])
	return out, nil
}

// midValue is the median of sorted values.
func midValue[T Float](s []T) T {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return T((float64(s[n/2-1]) + float64(s[n/2])) / 2)
}

// TrimmedMean is the coordinate-wise β-trimmed mean (Yin et al. 2018, Definition 2): for each
// coordinate, the ⌊β·n⌋ largest and ⌊β·n⌋ smallest values are removed and the rest averaged
// (as scipy.stats.trim_mean).
type TrimmedMean struct {
	// Beta is the fraction cut from each end, in [0, 0.5).
	Beta float64
}

func (TrimmedMean) Name() string { return MethodTrimmedMean }

func (t TrimmedMean) Check(n int) error {
	if !(t.Beta >= 0 && t.Beta < 0.5) {
		return fmt.Errorf("beta=%v must be in [0, 0.5)", t.Beta)
	}
	if n < 1 {
		return fmt.Errorf("trimmed-mean needs at least 1 update, got %d", n)
	}
	if b := int(t.Beta * float64(n)); n-2*b < 1 {
		return fmt.Errorf("beta=%v cuts 2·%d of %d updates: at least one must remain", t.Beta, b, n)
	}
	return nil
}

func (t TrimmedMean) Aggregate32(u [][]float32) ([]float32, error) { return trimmedMean(t, u) }
func (t TrimmedMean) Aggregate64(u [][]float64) ([]float64, error) { return trimmedMean(t, u) }

func trimmedMean[T Float](t TrimmedMean, u [][]T) ([]T, error) {
	if err := checkUpdates(u); err != nil {
		return nil, err
	}
	if err := t.Check(len(u)); err != nil {
		return nil, err
	}
	b := int(t.Beta * float64(len(u)))
	out := make([]T, len(u[0]))
	if u32, ok := any(u).([][]float32); ok && trimmedMean32Net(u32, any(out).([]float32), b) {
		return out, nil
	}
	columns(u, nil, out, func(col []T) T { return trimmedMeanOf(col, b) })
	return out, nil
}

// meanOf is the mean of s, summed in float64.
func meanOf[T Float](s []T) T {
	sum := 0.0
	for _, v := range s {
		sum += float64(v)
	}
	return T(sum / float64(len(s)))
}

// HierarchicalKrum is the reference's hierarchical Krum (Aggregator) as a Rule, its cluster
// draw seeded by Seed. It computes in float32, as the reference does: float64 updates are
// rounded to float32 and the result widened.
type HierarchicalKrum struct {
	Aggregator
	Seed uint64
}

func (HierarchicalKrum) Name() string { return MethodHierarchicalKrum }

func (h HierarchicalKrum) Check(n int) error {
	if n < 1 {
		return fmt.Errorf("hierarchical-krum needs at least 1 update, got %d", n)
	}
	return h.Validate()
}

func (h HierarchicalKrum) Aggregate32(u [][]float32) ([]float32, error) {
	out, _, err := h.Aggregate(u, rng.New(h.Seed))
	return out, err
}

func (h HierarchicalKrum) Aggregate64(u [][]float64) ([]float64, error) {
	if err := checkUpdates(u); err != nil {
		return nil, err
	}
	u32 := make([][]float32, len(u))
	for i, row := range u {
		u32[i] = make([]float32, len(row))
		for j, v := range row {
			u32[i][j] = float32(v)
		}
	}
	out, err := h.Aggregate32(u32)
	if err != nil {
		return nil, err
	}
	res := make([]float64, len(out))
	for i, v := range out {
		res[i] = float64(v)
	}
	return res, nil
}

// columnBlock is the number of coordinates gathered at once by columns: a block of
// columnBlock columns of n rows stays in L1/L2 while each column is processed.
const columnBlock = 64

// columns sets out[j] = fn(values of coordinate j over the rows), the rows being u[rows[i]]
// (all of u when rows is nil). fn gets a scratch column it may reorder. Blocks of columns
// are spread over all cores.
func columns[T Float](u [][]T, rows []int, out []T, fn func(col []T) T) {
	columnsWith(u, rows, out, func(col []T, _ []float64) T { return fn(col) })
}

// columnsWith is columns with a float64 scratch buffer of the column's length for fn.
func columnsWith[T Float](u [][]T, rows []int, out []T, fn func(col []T, buf []float64) T) {
	if rows == nil {
		rows = make([]int, len(u))
		for i := range rows {
			rows[i] = i
		}
	}
	n, d := len(rows), len(out)
	blocks := (d + columnBlock - 1) / columnBlock
	parallelRange(blocks, n*d*8, func(lo, hi int) {
		buf := make([]T, n*columnBlock)
		scratch := make([]float64, n)
		for b := lo; b < hi; b++ {
			j0 := b * columnBlock
			w := min(columnBlock, d-j0)
			for i, r := range rows {
				for c, v := range u[r][j0 : j0+w] {
					buf[c*n+i] = v
				}
			}
			for c := 0; c < w; c++ {
				out[j0+c] = fn(buf[c*n:(c+1)*n], scratch)
			}
		}
	})
}

// parallelRange runs body over [0, n) split into one contiguous part per core (GOMAXPROCS),
// or in one call when the work (roughly element operations) is too small to be worth it.
func parallelRange(n, work int, body func(lo, hi int)) {
	p := min(runtime.GOMAXPROCS(0), n)
	if p < 2 || work < 1<<16 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < p; k++ {
		wg.Go(func() { body(k*n/p, (k+1)*n/p) })
	}
	body(0, n/p)
	wg.Wait()
}

// sumChunk is the number of coordinates summed at once: the float64 accumulators stay in L1.
const sumChunk = 2048

// weightedSum sets out = Σ c_r·u[r] / total over the rows (all of u when rows is nil; c = 1
// when weights is nil, else weights[r]), summed in float64 in row order, coordinates spread
// over all cores.
func weightedSum[T Float](u [][]T, rows []int, weights []float64, out []T, total float64) {
	if rows == nil {
		rows = make([]int, len(u))
		for i := range rows {
			rows[i] = i
		}
	}
	d := len(out)
	chunks := (d + sumChunk - 1) / sumChunk
	parallelRange(chunks, len(rows)*d, func(lo, hi int) {
		var acc [sumChunk]float64
		for ch := lo; ch < hi; ch++ {
			j0 := ch * sumChunk
			a := acc[:min(sumChunk, d-j0)]
			clear(a)
			for _, r := range rows {
				c := 1.0
				if weights != nil {
					c = weights[r]
				}
				for j, v := range u[r][j0 : j0+len(a)] {
					a[j] += c * float64(v)
				}
			}
			for j, s := range a {
				out[j0+j] = T(s / total)
			}
		}
	})
}
