// Package federated implements the reference's Byzantine-robust gradient aggregation: Krum
// selection and the two-level HierarchicalKrumAggregator (spec §12), with float32 results
// bit-identical to the reference's torch arithmetic.
package federated

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"mfn/internal/pyfmt"
	"mfn/rng"
)

// Defaults of HierarchicalKrumAggregator.
const (
	DefaultNumClusters       = 100
	DefaultByzantineFraction = 0.2
	DefaultSampleFraction    = 0.1
	// SamplingThreshold: above this many clients a sample_fraction of them is drawn first.
	SamplingThreshold = 1000
)

// ErrNoGradients is returned for an empty gradient list.
//
//lint:ignore ST1005 the reference's message, word for word (the API returns it)
var ErrNoGradients = errors.New("No gradients to aggregate")

// Aggregator is HierarchicalKrumAggregator: clients are assigned to clusters at random, Krum
// picks one representative per cluster, and the result is 0.7·Krum(representatives) +
// 0.3·(element-wise lower median of the representatives).
type Aggregator struct {
	NumClusters       int
	ByzantineFraction float64
	SampleFraction    float64
}

// DefaultAggregator returns the reference's defaults (100 clusters, f = 0.2, sample 0.1).
func DefaultAggregator() Aggregator {
	return Aggregator{NumClusters: DefaultNumClusters, ByzantineFraction: DefaultByzantineFraction, SampleFraction: DefaultSampleFraction}
}

// Validate applies the reference's constructor checks in its order and with its messages.
func (a Aggregator) Validate() error {
	if a.NumClusters < 1 {
		return fmt.Errorf("num_clusters=%d must be >= 1", a.NumClusters)
	}
	if !(a.ByzantineFraction >= 0 && a.ByzantineFraction < 0.5) {
		return fmt.Errorf("byzantine_fraction=%s must be in [0, 0.5)", pyfmt.Float(a.ByzantineFraction))
	}
	if !(a.SampleFraction > 0 && a.SampleFraction <= 1) {
		return fmt.Errorf("sample_fraction=%s must be in (0, 1]", pyfmt.Float(a.SampleFraction))
	}
	return nil
}

// Trace records the decisions of one Aggregate call, for inspection and conformance checks.
// All gradient indices refer to the caller's list.
type Trace struct {
	// SampledIndices are the clients drawn when there were more than 1000 (nil otherwise), in
	// draw order; they form the list the clusters are drawn over.
	SampledIndices []int
	// ClusterAssignments gives the cluster of each client of that list, in list order.
	ClusterAssignments []int
	// ClusterSelected is the gradient Krum picked in each non-empty cluster, by cluster.
	ClusterSelected []int
	// GlobalIndex is the representative Krum picked among ClusterSelected.
	GlobalIndex int
	// Median is the element-wise lower median of the representatives.
	Median []float32
}

// Float32 forms of the blend weights: torch multiplies a float32 tensor by 0.7f and 0.3f.
var (
	wKrum   = float32(0.7)
	wMedian = float32(0.3)
)

// Aggregate combines the gradients (all of one length, all finite). A nil generator means
// rng.New(42), as the reference's default. The generator is consumed exactly as numpy's would
// be: choice(n, int(n·sample_fraction), replace=False) above 1000 clients, then
// integers(0, C, size=n) for the cluster assignment.
func (a Aggregator) Aggregate(grads [][]float32, g *rng.Generator) ([]float32, *Trace, error) {
	return a.aggregate(context.Background(), grads, g)
}

func (a Aggregator) aggregate(ctx context.Context, grads [][]float32, g *rng.Generator) ([]float32, *Trace, error) {
	if err := a.Validate(); err != nil {
		return nil, nil, err
	}
	if len(grads) == 0 {
		return nil, nil, ErrNoGradients
	}
	if err := checkGradients(grads); err != nil {
		return nil, nil, err
	}
	if g == nil {
		g = rng.New(42)
	}
	tr := &Trace{}
	ws := getWorkspace(grads)
	defer putWorkspace(ws)
	ws.ctx = ctx
	list := grow(&ws.list, len(grads)) // position in the working list -> caller's index
	for i := range list {
		list[i] = i
	}
	if len(grads) > SamplingThreshold {
		k := int(float64(len(grads)) * a.SampleFraction)
		if k == 0 {
			// The reference would fail inside torch on an empty list; say why instead.
			return nil, nil, fmt.Errorf("sample_fraction=%s keeps int(%d·%s) = 0 of %d clients: nothing to aggregate",
				pyfmt.Float(a.SampleFraction), len(grads), pyfmt.Float(a.SampleFraction), len(grads))
		}
		idx, err := g.ChoiceNoReplace(len(grads), k)
		if err != nil {
			return nil, nil, err
		}
		list = list[:k]
		tr.SampledIndices = make([]int, k)
		for i, v := range idx {
			list[i] = int(v)
			tr.SampledIndices[i] = int(v)
		}
	}
	n := len(list)
	c := min(a.NumClusters, n)
	tr.ClusterAssignments = make([]int, n)
	for i := range tr.ClusterAssignments {
		tr.ClusterAssignments[i] = int(g.Integers(0, int64(c)))
	}

	// Group the list by cluster (stable: members keep list order).
	start := grow(&ws.start, c+1)
	clear(start)
	for _, cl := range tr.ClusterAssignments {
		start[cl+1]++
	}
	for i := 1; i <= c; i++ {
		start[i] += start[i-1]
	}
	members := grow(&ws.members, n)
	fill := grow(&ws.fill, c)
	copy(fill, start)
	for pos, cl := range tr.ClusterAssignments {
		members[fill[cl]] = list[pos]
		fill[cl]++
	}

	tr.ClusterSelected = make([]int, 0, c)
	for cl := 0; cl < c; cl++ {
		m := members[start[cl]:start[cl+1]]
		if len(m) == 0 {
			continue
		}
		f := max(1, int(float64(len(m))*a.ByzantineFraction))
		tr.ClusterSelected = append(tr.ClusterSelected, m[ws.krum(m, f)])
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
	}
	reps := tr.ClusterSelected
	fg := max(1, int(float64(len(reps))*a.ByzantineFraction))
	tr.GlobalIndex = reps[ws.krum(reps, fg)]
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}

	d := len(grads[0])
	res := make([]float32, 2*d) // one allocation for the result and the median
	out, med := res[:d:d], res[d:]
	ws.lowerMedian(med, reps)
	tr.Median = med
	k := grads[tr.GlobalIndex]
	for j := range out {
		out[j] = float32(float32(wKrum*k[j]) + float32(wMedian*tr.Median[j]))
	}
	return out, tr, nil
}

// KrumSelect is krum_select: the index of the gradient whose summed distance to its
// max(1, n−f−2) nearest neighbours is smallest (plain Euclidean distances, not squared; the
// first index wins ties).
func KrumSelect(grads [][]float32, numByzantine int) (int, error) {
	if len(grads) == 0 {
		//lint:ignore ST1005 the reference's krum_select message, word for word
		return 0, errors.New("No gradients provided")
	}
	if numByzantine < 0 {
		return 0, fmt.Errorf("num_byzantine=%d must be >= 0", numByzantine)
	}
	if err := checkGradients(grads); err != nil {
		return 0, err
	}
	idx := make([]int, len(grads))
	for i := range idx {
		idx[i] = i
	}
	ws := getWorkspace(grads)
	defer putWorkspace(ws)
	return ws.krum(idx, numByzantine), nil
}

// checkGradients rejects ragged or non-finite input, naming the offending gradient. (The
// reference stacks ragged input into a torch error and lets NaN/Inf poison the distances.)
func checkGradients(grads [][]float32) error {
	d := len(grads[0])
	for i, g := range grads {
		if len(g) != d {
			return fmt.Errorf("gradient %d has %d elements, gradient 0 has %d: all gradients must have the same length", i, len(g), d)
		}
		if allFinite(g) {
			continue
		}
		for j, v := range g {
			if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
				return fmt.Errorf("gradient %d element %d is %v: gradients must be finite", i, j, v)
			}
		}
	}
	return nil
}

// workspace holds the buffers Krum and the median reuse across clusters and calls.
type workspace struct {
	grads [][]float32
	ctx   context.Context // nil: never cancelled
	// Aggregate's grouping by cluster.
	list, start, members, fill []int

	dist   []float32 // n×n distances of the current group, as torch.cdist's float32
	rows   []uint32  // per-worker rows of distances being sorted (as bits: all are >= +0)
	scores []float32
	// The pure-Go matrix-product path.
	conv  []float64 // the group's rows in float64
	norms []float64
	gram  []float64 // pairwise dot products (upper triangle)
	// The AVX2 matrix-product path (gramDistancesPanels).
	panels    []float64
	tiles     []float64
	zero      []float32
	groupRows [][]float32
	// The median.
	rowPtrs []*float32
	pad     []float32
	// The network kernels.
	scratch []int32
	colAcc  *colAcc
}

func newWorkspace(grads [][]float32) *workspace { return &workspace{grads: grads} }

var workspaces = sync.Pool{New: func() any { return new(workspace) }}

// getWorkspace takes a workspace from the pool for grads; putWorkspace returns it (and drops
// the reference to the caller's gradients).
func getWorkspace(grads [][]float32) *workspace {
	w := workspaces.Get().(*workspace)
	w.grads = grads
	return w
}

func putWorkspace(w *workspace) {
	w.grads, w.ctx = nil, nil
	if w.heldBytes() > retainBytes {
		return
	}
	workspaces.Put(w)
}

// directMax is torch.cdist's limit for computing differences directly; above it torch (and
// this port) uses the |x|²+|y|²−2x·y matrix-product form.
const directMax = 25

// krum returns the position within idx of the Krum choice among grads[idx[...]].
//
// Like the reference, distances are float32 (the float64 distance rounded once: torch's own
// float32 accumulation cannot be replayed in general, but for data whose squared sums are exact
// in float32 the values agree bit for bit) and each score is the float32 sum of the sorted
// distances 1..m in torch's summation order. Scores of equal real value then tie or not
// exactly as in the reference, and the first index wins ties.
func (w *workspace) krum(idx []int, f int) int {
	n := len(idx)
	if n <= 2 {
		// One gradient is returned as is; two have equal scores (d01 = d10), so the first wins.
		return 0
	}
	m := max(1, n-f-2)
	if m > n-1 {
		m = n - 1
	}
	dist := grow(&w.dist, n*n)
	d := len(w.grads[idx[0]])
	switch {
	case n <= directMax || d < 4:
		w.directDistances(idx, dist)
	case haveAVX2:
		w.gramDistancesPanels(idx, dist)
	default:
		w.gramDistances(idx, dist)
	}
	scores := grow(&w.scores, n)
	if haveAVX2 && n <= netMaxWires {
		w.krumScoresNet(dist, n, m, scores)
		return argminFirst(scores)
	}
	// The distances are >= +0 (and not NaN), so their bit patterns sort like the values.
	bits := unsafe.Slice((*uint32)(unsafe.Pointer(&dist[0])), n*n)
	rows := grow(&w.rows, 2*n)
	parallelFor(n, n*n*8, func(lo, hi int) {
		row := rows[:n]
		if lo > 0 {
			row = rows[n:]
		}
		for i := lo; i < hi && !w.stopped(); i++ {
			copy(row, bits[i*n:(i+1)*n])
			slices.Sort(row)
			scores[i] = torchSum(unsafe.Slice((*float32)(unsafe.Pointer(&row[1])), m))
		}
	})
	return argminFirst(scores)
}

// argminFirst is the position of the smallest score, the first one on ties.
func argminFirst(scores []float32) int {
	best := 0
	for i, s := range scores {
		if s < scores[best] {
			best = i
		}
	}
	return best
}

// parallelWork is the amount of work (roughly element operations) above which loops are
// split across two goroutines. Starting and joining a goroutine on another CPU costs tens of
// microseconds on a virtual machine (waking an idle virtual CPU), more than a split saves on
// the default workload's largest loop (2·10⁶ products, about 0.1 ms with the AVX2 kernels).
const parallelWork = 1 << 23

// parallelFor runs body over [0, n), split in two halves when the work is large enough and a
// second CPU is available.
func parallelFor(n, work int, body func(lo, hi int)) {
	if n < 2 || work < parallelWork || runtime.GOMAXPROCS(0) < 2 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	mid := n / 2
	wg.Go(func() { body(mid, n) })
	body(0, mid)
	wg.Wait()
}

// parallelStrided runs body(0, 1), or, for large work on two CPUs, body(0, 2) and body(1, 2)
// concurrently (each takes every other item).
func parallelStrided(work int, body func(first, stride int)) {
	if work < parallelWork || runtime.GOMAXPROCS(0) < 2 {
		body(0, 1)
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { body(1, 2) })
	body(0, 2)
	wg.Wait()
}

// directDistances fills the symmetric distance matrix from exact float64 differences.
func (w *workspace) directDistances(idx []int, dist []float32) {
	n := len(idx)
	for i := 0; i < n; i++ {
		dist[i*n+i] = 0
	}
	set := func(i, j int, sq float64) {
		v := float32(math.Sqrt(sq))
		dist[i*n+j] = v
		dist[j*n+i] = v
	}
	d := len(w.grads[idx[0]])
	if !haveAVX2 || d < 4 {
		for i := 0; i < n && !w.stopped(); i++ {
			for j := i + 1; j < n; j++ {
				set(i, j, sqDist(w.grads[idx[i]], w.grads[idx[j]]))
			}
		}
		return
	}
	// Four pairs per kernel pass (four independent chains of additions), then sqDist's tail
	// and final combination: the same operations in the same order as sqDist. A short last
	// batch repeats its first pair.
	d4 := d &^ 3
	var (
		pairs [4][2]int
		ptrs  [8]*float32
		s     [16]float64
	)
	np := 0
	flush := func() {
		for q := np; q < 4; q++ {
			pairs[q] = pairs[0]
		}
		for q, p := range pairs {
			ptrs[2*q], ptrs[2*q+1] = &w.grads[idx[p[0]]][0], &w.grads[idx[p[1]]][0]
		}
		sqDist4AVX2(&s, &ptrs, d4)
		for q := 0; q < np; q++ {
			i, j := pairs[q][0], pairs[q][1]
			set(i, j, sqDistTail(s[4*q:4*q+4], w.grads[idx[i]], w.grads[idx[j]], d4))
		}
		np = 0
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			pairs[np] = [2]int{i, j}
			if np++; np == 4 {
				flush()
			}
		}
	}
	if np > 0 {
		flush()
	}
}

// sqDistTail finishes sqDist from its four partial sums over the first k elements.
func sqDistTail(s []float64, a, b []float32, k int) float64 {
	s0, s1, s2, s3 := s[0], s[1], s[2], s[3]
	b = b[:len(a)]
	for ; k < len(a); k++ {
		d0 := float64(a[k]) - float64(b[k])
		s0 += float64(d0 * d0)
	}
	return (s0 + s1) + (s2 + s3)
}

// sqDist is the squared Euclidean distance of two equal-length float32 vectors in float64.
// The explicit float64() around each square stops FMA contraction, so every platform gets
// the same bits.
func sqDist(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(a); k += 4 {
		aa, bb := a[k:k+4:k+4], b[k:k+4:k+4]
		d0 := float64(aa[0]) - float64(bb[0])
		d1 := float64(aa[1]) - float64(bb[1])
		d2 := float64(aa[2]) - float64(bb[2])
		d3 := float64(aa[3]) - float64(bb[3])
		s0 += float64(d0 * d0)
		s1 += float64(d1 * d1)
		s2 += float64(d2 * d2)
		s3 += float64(d3 * d3)
	}
	for ; k < len(a); k++ {
		d0 := float64(a[k]) - float64(b[k])
		s0 += float64(d0 * d0)
	}
	return (s0 + s1) + (s2 + s3)
}

// gramDistances fills the distance matrix as sqrt(|x|² + |y|² − 2x·y) (clamped at 0) from
// float64 copies of the rows. Norms and dot products are plain sequential sums in one order,
// so equal rows are at distance exactly 0. This is the pure-Go path; gramDistancesPanels
// (simd.go) computes the same sums with the AVX2/FMA kernels.
func (w *workspace) gramDistances(idx []int, dist []float32) {
	n := len(idx)
	d := len(w.grads[idx[0]])
	if cap(w.conv) < n*d {
		w.conv = make([]float64, n*d)
	}
	if cap(w.norms) < n {
		w.norms = make([]float64, n)
	}
	if cap(w.gram) < n*n {
		w.gram = make([]float64, n*n)
	}
	conv, norms, gram := w.conv[:n*d], w.norms[:n], w.gram[:n*n]
	clear(gram)
	clear(norms)
	parallelFor(n, n*d, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := conv[i*d : (i+1)*d]
			for k, v := range w.grads[idx[i]] {
				r[k] = float64(v)
			}
		}
	})
	// Blocks of three rows: one pass gives their three norms and three mutual products, then
	// pairs of later rows go through dot3x2 (six products sharing five loads, six independent
	// sums in registers) and a leftover row through dot3x1. The element range is walked in
	// chunks so every row's chunk stays in cache; each sum carries over from chunk to chunk,
	// so it is still one sequential sum. Blocks alternate between the goroutines, which
	// roughly balances the triangle; every product belongs to one block.
	const chunk = 256
	blocks := (n + 2) / 3
	parallelStrided(n*n*d/2, func(first, stride int) {
		for k0 := 0; k0 < d && !w.stopped(); k0 += chunk {
			k1 := min(k0+chunk, d)
			row := func(i int) []float64 { return conv[i*d+k0 : i*d+k1] }
			for blk := first; blk < blocks && !w.stopped(); blk += stride { // one chunk can be all of d
				i := 3 * blk
				if n-i < 3 {
					for a := i; a < n; a++ {
						norms[a] = dotAcc(norms[a], row(a), row(a))
						for b := a + 1; b < n; b++ {
							gram[a*n+b] = dotAcc(gram[a*n+b], row(a), row(b))
						}
					}
					continue
				}
				p01, p02, p12 := i*n+i+1, i*n+i+2, (i+1)*n+i+2
				s := dot3self([6]float64{norms[i], norms[i+1], norms[i+2], gram[p01], gram[p02], gram[p12]}, row(i), row(i+1), row(i+2))
				norms[i], norms[i+1], norms[i+2], gram[p01], gram[p02], gram[p12] = s[0], s[1], s[2], s[3], s[4], s[5]
				j := i + 3
				for ; j+2 <= n; j += 2 {
					s := [6]float64{gram[i*n+j], gram[i*n+j+1], gram[(i+1)*n+j], gram[(i+1)*n+j+1], gram[(i+2)*n+j], gram[(i+2)*n+j+1]}
					s = dot3x2(s, row(i), row(i+1), row(i+2), row(j), row(j+1))
					gram[i*n+j], gram[i*n+j+1] = s[0], s[1]
					gram[(i+1)*n+j], gram[(i+1)*n+j+1] = s[2], s[3]
					gram[(i+2)*n+j], gram[(i+2)*n+j+1] = s[4], s[5]
				}
				if j < n {
					s := dot3x1([3]float64{gram[i*n+j], gram[(i+1)*n+j], gram[(i+2)*n+j]}, row(i), row(i+1), row(i+2), row(j))
					gram[i*n+j], gram[(i+1)*n+j], gram[(i+2)*n+j] = s[0], s[1], s[2]
				}
			}
		}
	})
	for i := 0; i < n && !w.stopped(); i++ {
		dist[i*n+i] = 0
		for j := i + 1; j < n; j++ {
			sq := (norms[i] + norms[j]) - float64(2*gram[i*n+j])
			v := float32(math.Sqrt(max(sq, 0)))
			dist[i*n+j] = v
			dist[j*n+i] = v
		}
	}
}

// dotAcc continues the sequential sum s + Σ x[k]·y[k] (the explicit float64 stops FMA
// contraction).
func dotAcc(s float64, x, y []float64) float64 {
	y = y[:len(x)]
	for k, v := range x {
		s += float64(v * y[k])
	}
	return s
}

// dot3self continues the sums [a0·a0, a1·a1, a2·a2, a0·a1, a0·a2, a1·a2], each accumulated
// exactly like dotAcc.
func dot3self(s [6]float64, a0, a1, a2 []float64) [6]float64 {
	n := len(a0)
	a1, a2 = a1[:n], a2[:n]
	s00, s11, s22, s01, s02, s12 := s[0], s[1], s[2], s[3], s[4], s[5]
	for k := 0; k < n; k++ {
		x0, x1, x2 := a0[k], a1[k], a2[k]
		s00 += float64(x0 * x0)
		s11 += float64(x1 * x1)
		s22 += float64(x2 * x2)
		s01 += float64(x0 * x1)
		s02 += float64(x0 * x2)
		s12 += float64(x1 * x2)
	}
	return [6]float64{s00, s11, s22, s01, s02, s12}
}

// dot3x1 continues the sums [a0·b, a1·b, a2·b], each accumulated exactly like dotAcc.
func dot3x1(s [3]float64, a0, a1, a2, b []float64) [3]float64 {
	n := len(a0)
	a1, a2, b = a1[:n], a2[:n], b[:n]
	s0, s1, s2 := s[0], s[1], s[2]
	for k := 0; k < n; k++ {
		y := b[k]
		s0 += float64(a0[k] * y)
		s1 += float64(a1[k] * y)
		s2 += float64(a2[k] * y)
	}
	return [3]float64{s0, s1, s2}
}

// dot3x2 continues six sequential sums, s = [a0·b0, a0·b1, a1·b0, a1·b1, a2·b0, a2·b1], each
// accumulated exactly like dotAcc.
func dot3x2(s [6]float64, a0, a1, a2, b0, b1 []float64) [6]float64 {
	n := len(a0)
	a1, a2, b0, b1 = a1[:n], a2[:n], b0[:n], b1[:n]
	s00, s01, s10, s11, s20, s21 := s[0], s[1], s[2], s[3], s[4], s[5]
	for k := 0; k < n; k++ {
		y0, y1 := b0[k], b1[k]
		x0, x1, x2 := a0[k], a1[k], a2[k]
		s00 += float64(x0 * y0)
		s01 += float64(x0 * y1)
		s10 += float64(x1 * y0)
		s11 += float64(x1 * y1)
		s20 += float64(x2 * y0)
		s21 += float64(x2 * y1)
	}
	return [6]float64{s00, s01, s10, s11, s20, s21}
}

// torchFloatLanes is the float32 vector width of torch's CPU kernels on the reference machine
// (AVX-512: 16 lanes). It decides how torch.sum orders the additions of a float32 row.
const torchFloatLanes = 16

// torchSum is torch.sum of a contiguous 1-D float32 tensor (ATen's cascade_sum): rows shorter
// than a vector go through row_sum with four interleaved partial sums; longer ones through
// vectorized_inner_sum (lane-wise row_sum over whole vectors, then the scalar tail, then the
// lanes in order).
func torchSum(x []float32) float32 {
	if len(x) < torchFloatLanes {
		var acc [4][4 * torchFloatLanes]float32
		p := rowSum(x, len(x), 1, &acc)
		return p[0]
	}
	nv := len(x) / torchFloatLanes
	var acc [4][4 * torchFloatLanes]float32
	lanes := rowSum(x, nv, torchFloatLanes, &acc)
	var s float32
	for _, v := range x[nv*torchFloatLanes:] {
		s += v
	}
	for _, v := range lanes {
		s += v
	}
	return s
}

// rowSum is ATen's row_sum over size elements, each lanes wide (element e is
// x[e*lanes:(e+1)*lanes]): a cascade multi_row_sum over rows of 4 elements, the leftover
// elements added to partial 0, then partials 1..3 added to partial 0. It returns partial 0.
func rowSum(x []float32, size, lanes int, acc *[4][4 * torchFloatLanes]float32) []float32 {
	const ilp = 4
	rows := size / ilp
	p0 := acc[0][:lanes]
	if rows == 0 {
		// No cascade: the partials are all +0, and adding +0 to partial 0 changes nothing
		// (it starts at +0, and a sum of finite values that starts at +0 is never −0).
		clear(p0)
		for e := 0; e < size; e++ {
			for l := range p0 {
				p0[l] += x[e*lanes+l]
			}
		}
		return p0
	}
	multiRowSum(x, rows, ilp*lanes, acc)
	for e := rows * ilp; e < size; e++ {
		for l := range p0 {
			p0[l] += x[e*lanes+l]
		}
	}
	for c := 1; c < ilp; c++ {
		pc := acc[0][c*lanes : (c+1)*lanes]
		for l := range p0 {
			p0[l] += pc[l]
		}
	}
	return p0
}

// multiRowSum is ATen's multi_row_sum: column sums of a rows×width array with a four-level
// cascade (level step 2^max(4, ceil(log2 rows)/4)) that bounds rounding growth. The result
// is left in acc[0].
func multiRowSum(x []float32, rows, width int, acc *[4][4 * torchFloatLanes]float32) {
	const levels = 4
	power := max(4, ceilLog2(rows)/levels)
	step := 1 << power
	mask := step - 1
	for j := range acc {
		clear(acc[j][:width])
	}
	i := 0
	for i+step <= rows {
		for r := 0; r < step; r, i = r+1, i+1 {
			row := x[i*width : (i+1)*width]
			a := acc[0][:width]
			for c := range a {
				a[c] += row[c]
			}
		}
		for j := 1; j < levels; j++ {
			for c := 0; c < width; c++ {
				acc[j][c] += acc[j-1][c]
				acc[j-1][c] = 0
			}
			if i&(mask<<(j*power)) != 0 {
				break
			}
		}
	}
	for ; i < rows; i++ {
		row := x[i*width : (i+1)*width]
		a := acc[0][:width]
		for c := range a {
			a[c] += row[c]
		}
	}
	for j := 1; j < levels; j++ {
		for c := 0; c < width; c++ {
			acc[0][c] += acc[j][c]
		}
	}
}

// ceilLog2 is ATen's CeilLog2: 1 for x <= 2, else ceil(log2(x)).
func ceilLog2(x int) int {
	if x <= 2 {
		return 1
	}
	return bits.Len64(uint64(x - 1))
}

// lowerMedian writes torch.median(dim=0) over the given rows to out: for an even count the
// lower of the two middle values.
func (w *workspace) lowerMedian(out []float32, rows []int) {
	if haveAVX2 && len(out) >= 16 && len(rows) <= netMaxWires {
		w.lowerMedianNet(out, rows)
		return
	}
	lowerMedianSelect(out, w.grads, rows)
}

// lowerMedianSelect is lowerMedian by quickselect on each column.
func lowerMedianSelect(out []float32, grads [][]float32, rows []int) {
	d := len(out)
	r := len(rows)
	k := (r - 1) / 2
	// Columns are handled in blocks: the block is transposed row by row (sequential reads),
	// then each column is contiguous for the selection.
	const block = 64
	nb := (d + block - 1) / block
	parallelFor(nb, r*d*8, func(lo, hi int) {
		keys := make([]int32, block*r)
		buf, mid := make([]int32, r), make([]int32, r)
		for b := lo; b < hi; b++ {
			j0 := b * block
			w := min(block, d-j0)
			for i, row := range rows {
				src := grads[row][j0 : j0+w]
				for jj, v := range src {
					keys[jj*r+i] = orderKey(v)
				}
			}
			for jj := 0; jj < w; jj++ {
				out[j0+jj] = fromOrderKey(selectKth(keys[jj*r:(jj+1)*r], buf, mid, k))
			}
		}
	})
}

// orderKey maps a float32 to an int32 with the same order (for finite values; -0 sorts just
// below +0), so selection can compare integers without branches.
func orderKey(v float32) int32 {
	b := int32(math.Float32bits(v))
	return b ^ (b >> 31 & 0x7fffffff)
}

// fromOrderKey inverts orderKey.
func fromOrderKey(k int32) float32 {
	return math.Float32frombits(uint32(k ^ (k >> 31 & 0x7fffffff)))
}

// selectKth returns the k-th smallest value (0-based) of x, using buf and mid (same length)
// as scratch; all three are overwritten. It samples nine values to pick two pivots that
// bracket the k-th value (Floyd–Rivest style) and splits x in one pass into below / between /
// above; the k-th value is then selected within the (usually small) part that holds it.
// Comparisons are computed as sign bits rather than branches: on random data a branch would
// be mispredicted half the time.
func selectKth(x, buf, mid []int32, k int) int32 {
	n := len(x)
	if n <= 32 {
		return quickselect(x, buf, k)
	}
	var smp [9]int32
	for i := range smp {
		smp[i] = x[i*(n-1)/8]
	}
	insertionSort(smp[:])
	r := k * 8 / (n - 1)
	lo, hi := int64(smp[max(r-1, 0)]), int64(smp[min(r+1, 8)])
	// Below-lo values fill buf from the front, above-hi values from the back, the rest mid;
	// every value is written to all three places and only the matching count advances.
	nl, ng, nm := 0, 0, 0
	buf, mid = buf[:n], mid[:n]
	for _, v := range x {
		buf[nl] = v
		buf[n-1-ng] = v
		mid[nm] = v
		bl := int(uint64(int64(v)-lo) >> 63)
		bg := int(uint64(hi-int64(v)) >> 63)
		nl += bl
		ng += bg
		nm += 1 - bl - bg
	}
	switch {
	case k < nl:
		return quickselect(buf[:nl], x[:nl], k)
	case k >= n-ng:
		return quickselect(buf[n-ng:], x[:ng], k-(n-ng))
	default:
		return quickselect(mid[:nm], x[:nm], k-nl)
	}
}

// quickselect is selectKth's general case: median-of-three pivots and a three-way partition
// that ping-pongs between x and buf.
func quickselect(x, buf []int32, k int) int32 {
	for len(x) > 16 {
		n := len(x)
		p := int64(median3(x[0], x[n/2], x[n-1]))
		nl, ng := 0, 0
		buf = buf[:n]
		for _, v := range x {
			buf[nl] = v
			buf[n-1-ng] = v
			nl += int(uint64(int64(v)-p) >> 63)
			ng += int(uint64(p-int64(v)) >> 63)
		}
		switch {
		case k < nl:
			x, buf = buf[:nl], x[:nl]
		case k >= n-ng:
			x, buf = buf[n-ng:], x[:ng]
			k -= n - ng
		default:
			return int32(p)
		}
	}
	insertionSort(x)
	return x[k]
}

func insertionSort(x []int32) {
	for i := 1; i < len(x); i++ {
		v := x[i]
		j := i - 1
		for j >= 0 && x[j] > v {
			x[j+1] = x[j]
			j--
		}
		x[j+1] = v
	}
}

func median3(a, b, c int32) int32 {
	return max(min(a, b), min(max(a, b), c))
}
