package federated

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// Krum is Krum (Blanchard et al. 2017, "Machine Learning with Adversaries: Byzantine Tolerant
// Gradient Descent", §4): each update's score is the sum of its squared Euclidean distances to
// its n − f − 2 nearest other updates, and the update with the smallest score (the first on
// ties) is the result. It needs n ≥ 2f + 3. (The reference's krum_select, used inside
// hierarchical Krum, sums plain distances instead; KrumSelect keeps that.)
type Krum struct {
	// F is the assumed number of Byzantine updates.
	F int
}

func (Krum) Name() string        { return MethodKrum }
func (k Krum) Check(n int) error { return checkKrumF(MethodKrum, k.F, n, 2, 3) }

func (k Krum) Aggregate32(u [][]float32) ([]float32, error) { return krum(k, u) }
func (k Krum) Aggregate64(u [][]float64) ([]float64, error) { return krum(k, u) }

func krum[T Float](k Krum, u [][]T) ([]T, error) {
	if err := checkUpdates(u); err != nil {
		return nil, err
	}
	if err := k.Check(len(u)); err != nil {
		return nil, err
	}
	return multiKrum(MultiKrum{F: k.F, M: 1}, u)
}

// MultiKrum is Multi-Krum (Blanchard et al. 2017, §4): the M updates with the smallest Krum
// scores (scored once, over all n) are averaged. M = 1 is Krum; the paper's experiments use
// M = n − f, New's default.
type MultiKrum struct {
	F int
	// M is the number of updates averaged, in [1, n].
	M int
}

func (MultiKrum) Name() string { return MethodMultiKrum }

func (m MultiKrum) Check(n int) error {
	if err := checkKrumF(MethodMultiKrum, m.F, n, 2, 3); err != nil {
		return err
	}
	if m.M < 1 || m.M > n {
		return fmt.Errorf("m=%d must be in [1, %d] (the number of updates)", m.M, n)
	}
	return nil
}

func (m MultiKrum) Aggregate32(u [][]float32) ([]float32, error) { return multiKrum(m, u) }
func (m MultiKrum) Aggregate64(u [][]float64) ([]float64, error) { return multiKrum(m, u) }

// Selection is the updates MultiKrum averages, best score first.
func (m MultiKrum) Selection(u [][]float32) ([]int, error) {
	_, sel, err := m.AggregateSelect32(u)
	return sel, err
}

// AggregateSelect32 is Aggregate32 that also returns the selected updates, best score first.
func (m MultiKrum) AggregateSelect32(u [][]float32) ([]float32, []int, error) {
	if err := checkUpdates(u); err != nil {
		return nil, nil, err
	}
	if err := m.Check(len(u)); err != nil {
		return nil, nil, err
	}
	sel := multiKrumSelect(sqDistances(u), len(u), m.F, m.M)
	return meanRows(u, sel), sel, nil
}

// Bulyan is Bulyan over Krum (El Mhamdi et al. 2018, "The Hidden Vulnerability of Distributed
// Learning in Byzantium", Algorithm 1): θ = n − 2f updates are selected by applying Krum
// repeatedly, each time to the updates not yet selected; then each coordinate is the mean of
// the β = θ − 2f selected values closest to the selected values' median. It needs n ≥ 4f + 3.
// The repeated Krum steps read one pairwise distance matrix.
type Bulyan struct {
	F int
}

func (Bulyan) Name() string        { return MethodBulyan }
func (b Bulyan) Check(n int) error { return checkKrumF(MethodBulyan, b.F, n, 4, 3) }

func (b Bulyan) Aggregate32(u [][]float32) ([]float32, error) { return bulyan(b, u) }
func (b Bulyan) Aggregate64(u [][]float64) ([]float64, error) { return bulyan(b, u) }

// checkKrumF checks f >= 0 and n >= a·f + c.
func checkKrumF(method string, f, n, a, c int) error {
	if f < 0 {
		return fmt.Errorf("num_byzantine=%d must be >= 0", f)
	}
	if need := a*f + c; n < need {
		return fmt.Errorf("num_byzantine=%d is too many for %s with %d updates: %s needs n >= %d·num_byzantine + %d = %d (lower the Byzantine fraction or add updates)",
			f, method, n, method, a, c, need)
	}
	return nil
}

func multiKrum[T Float](m MultiKrum, u [][]T) ([]T, error) {
	if err := checkUpdates(u); err != nil {
		return nil, err
	}
	if err := m.Check(len(u)); err != nil {
		return nil, err
	}
	sel := multiKrumSelect(sqDistances(u), len(u), m.F, m.M)
	return meanRows(u, sel), nil
}

// multiKrumSelect returns the m updates with the smallest Krum scores, best first (the lower
// index first on ties), from the n×n squared distances dist.
func multiKrumSelect(dist []float64, n, f, m int) []int {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	scores := krumScores(dist, n, all, f)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	return order[:m]
}

// krumScores scores the updates in set against each other: the sum of each one's squared
// distances to its len(set) − f − 2 nearest others (clamped to [0, len(set) − 1]), the
// distances summed in ascending order.
func krumScores(dist []float64, n int, set []int, f int) []float64 {
	k := min(max(len(set)-f-2, 0), len(set)-1)
	scores := make([]float64, len(set))
	row := make([]float64, 0, len(set))
	for a, i := range set {
		row = row[:0]
		for _, j := range set {
			if j != i {
				row = append(row, dist[i*n+j])
			}
		}
		slices.Sort(row)
		s := 0.0
		for _, v := range row[:k] {
			s += v
		}
		scores[a] = s
	}
	return scores
}

// meanRows is the mean of u[rows[...]], summed in float64 in the order of rows.
func meanRows[T Float](u [][]T, rows []int) []T {
	d := len(u[0])
	out := make([]T, d)
	weightedSum(u, rows, nil, out, float64(len(rows)))
	return out
}

func bulyan[T Float](b Bulyan, u [][]T) ([]T, error) {
	if err := checkUpdates(u); err != nil {
		return nil, err
	}
	if err := b.Check(len(u)); err != nil {
		return nil, err
	}
	n, f := len(u), b.F
	sel := bulyanSelect(sqDistances(u), n, f)
	beta := len(sel) - 2*f
	out := make([]T, len(u[0]))
	columnsWith(u, sel, out, func(col []T, buf []float64) T { return meanNearestMedian(col, beta, buf) })
	return out, nil
}

// bulyanSelect is Bulyan's selection: θ = n − 2f rounds of Krum (with f) over the updates not
// yet selected, in selection order.
func bulyanSelect(dist []float64, n, f int) []int {
	rest := make([]int, n)
	for i := range rest {
		rest[i] = i
	}
	theta := n - 2*f
	sel := make([]int, 0, theta)
	for len(sel) < theta {
		a := argminFirst64(krumScores(dist, n, rest, f))
		sel = append(sel, rest[a])
		rest = slices.Delete(rest, a, a+1)
	}
	return sel
}

// nearestToMedian returns the k values of the sorted s closest to its median: a contiguous
// window, grown from the middle and taking the lower value on equal distances (the first k of
// a stable argsort of |s − median|). It is the definition; Bulyan computes the same mean by
// selection (meanNearestMedian), and the tests compare the two.
func nearestToMedian[T Float](s []T, k int) []T {
	med := float64(midValue(s))
	lo, hi := len(s)/2, len(s)/2 // the window s[lo:hi], empty at the middle
	for hi-lo < k {
		switch {
		case lo == 0:
			hi++
		case hi == len(s):
			lo--
		case med-float64(s[lo-1]) <= float64(s[hi])-med:
			lo--
		default:
			hi++
		}
	}
	return s[lo:hi]
}

func argminFirst64(s []float64) int {
	best := 0
	for i, v := range s {
		if v < s[best] {
			best = i
		}
	}
	return best
}

// sqDistances returns the n×n squared Euclidean distances between the updates (float64). On
// float32 updates with AVX2 it uses the Gram-matrix kernels of hierarchical Krum
// (gramTileAVX2) on every core; elsewhere direct differences.
func sqDistances[T Float](u [][]T) []float64 {
	if u32, ok := any(u).([][]float32); ok && haveAVX2 && len(u32[0]) >= 4 && len(u32) > 4 {
		return sqDistancesGram32(u32)
	}
	return sqDistancesDirect(u)
}

// sqDistancesDirect sums squared differences in float64. Rows i and n−1−i go to the same
// worker, so every worker gets about the same number of pairs.
func sqDistancesDirect[T Float](u [][]T) []float64 {
	n, d := len(u), len(u[0])
	dist := make([]float64, n*n)
	row := func(i int) {
		for j := i + 1; j < n; j++ {
			var s float64
			if a, ok := any(u[i]).([]float32); ok {
				s = sqDist(a, any(u[j]).([]float32))
			} else {
				s = sqDiff(u[i], u[j])
			}
			dist[i*n+j], dist[j*n+i] = s, s
		}
	}
	parallelRange((n+1)/2, n*n*d/2, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			row(k)
			if n-1-k != k {
				row(n - 1 - k)
			}
		}
	})
	return dist
}

// sqDiff is the squared distance of two vectors, four float64 chains.
func sqDiff[T Float](a, b []T) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(a); k += 4 {
		d0 := float64(a[k]) - float64(b[k])
		d1 := float64(a[k+1]) - float64(b[k+1])
		d2 := float64(a[k+2]) - float64(b[k+2])
		d3 := float64(a[k+3]) - float64(b[k+3])
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

// sqDistancesGram32 is gramDistancesPanels' Gram matrix (|x|² + |y|² − 2x·y, clamped at 0,
// every sum exact-product float64) with its row groups spread over all cores rather than two.
func sqDistancesGram32(u [][]float32) []float64 {
	n, d := len(u), len(u[0])
	groups := (n + 3) / 4
	kc := min(256, max(16, gramChunkBytes/(groups*32))&^3, (d+3)&^3)
	tiles := make([]float64, groups*groups*16)
	rows := make([][]float32, 4*groups)
	var zero []float32
	for i := range rows {
		if i < n {
			rows[i] = u[i]
		} else {
			if zero == nil {
				zero = make([]float32, d)
			}
			rows[i] = zero
		}
	}
	p := min(runtime.GOMAXPROCS(0), groups)
	if n*n*d/2 < 1<<20 {
		p = 1
	}
	worker := func(first int) {
		buf := make([]float64, groups*kc*4)
		for k0 := 0; k0 < d; k0 += kc {
			kn := min(kc, d-k0)
			kn4 := kn &^ 3
			for g := first; g < groups; g++ { // only groups >= first are read below
				pan := buf[g*kn*4 : (g+1)*kn*4]
				r := rows[4*g : 4*g+4]
				if kn4 > 0 {
					packGroupAVX2(&pan[0], &r[0][k0], &r[1][k0], &r[2][k0], &r[3][k0], kn4)
				}
				for k := kn4; k < kn; k++ {
					for i := range 4 {
						pan[k*4+i] = float64(r[i][k0+k])
					}
				}
			}
			for gi := first; gi < groups; gi += p {
				a := &buf[gi*kn*4]
				for gj := gi; gj < groups; gj += 3 {
					gramTileAVX2(&tiles[(gi*groups+gj)*16], a, &buf[gj*kn*4], kn*32, kn, min(3, groups-gj))
				}
			}
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < p; w++ {
		wg.Go(func() { worker(w) })
	}
	worker(0)
	wg.Wait()
	gram := func(i, j int) float64 { return tiles[((i>>2)*groups+(j>>2))*16+(i&3)*4+(j&3)] }
	dist := make([]float64, n*n)
	for i := 0; i < n; i++ {
		ni := gram(i, i)
		for j := i + 1; j < n; j++ {
			s := max((ni+gram(j, j))-float64(2*gram(i, j)), 0)
			dist[i*n+j], dist[j*n+i] = s, s
		}
	}
	return dist
}
