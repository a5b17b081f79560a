package federated

import (
	"math"
	"slices"
	"testing"

	"mfn/rng"
)

// randRows returns n rows of d float32 values: standard normals spread over many binades, with
// some exact duplicates, zeros of both signs and tiny and huge magnitudes mixed in.
func randRows(g *rng.Generator, n, d int) [][]float32 {
	rows := make([][]float32, n)
	for i := range rows {
		rows[i] = make([]float32, d)
		for j := range rows[i] {
			v := g.StandardNormal()
			switch g.Integers(0, 16) {
			case 0:
				v = 0
			case 1:
				v = math.Copysign(0, -1)
			case 2:
				v *= 1e30
			case 3:
				v *= 1e-30
			case 4:
				v = float64(g.Integers(-2, 3))
			}
			rows[i][j] = float32(v)
		}
	}
	return rows
}

// TestGramTileKernel compares the kernel (assembly on AVX2 machines) with the pure-Go
// reference sums for every group count and many step counts. The kernel's FMA must give the
// reference's bits exactly: each product of float32 values is exact in float64.
func TestGramTileKernel(t *testing.T) {
	g := rng.New(11)
	for _, kc := range append(seq(0, 67), 255, 256, 1000, 1001) {
		for ng := 1; ng <= 3; ng++ {
			stride := 4*kc + 4*int(g.Integers(0, 3)) // panels need not be adjacent
			a := make([]float64, 4*kc)
			b := make([]float64, (ng-1)*stride+4*kc)
			for i := range a {
				a[i] = float64(float32(g.StandardNormal()))
			}
			for i := range b {
				b[i] = float64(float32(g.StandardNormal() * math.Pow(2, float64(g.Integers(-40, 40)))))
			}
			want := make([]float64, 16*ng)
			for i := range want {
				want[i] = float64(g.Integers(-5, 6))
			}
			got := slices.Clone(want)
			gramTileGo(want, a, b, stride, kc, ng)
			var ap, bp *float64
			if kc > 0 {
				ap, bp = &a[0], &b[0]
			} else {
				ap, bp = new(float64), new(float64)
			}
			gramTileAVX2(&got[0], ap, bp, stride*8, kc, ng)
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("kc=%d ng=%d lane %d: kernel %v, reference %v", kc, ng, i, got[i], want[i])
				}
			}
		}
	}
}

func seq(lo, hi int) []int {
	var s []int
	for i := lo; i <= hi; i++ {
		s = append(s, i)
	}
	return s
}

func TestPackGroup(t *testing.T) {
	g := rng.New(12)
	for _, n := range []int{0, 4, 8, 64, 1000} {
		r := randRows(g, 4, n+1)
		want := make([]float64, 4*n+4)
		got := make([]float64, 4*n+4)
		if n > 0 {
			packGroupPtr(&want[0], &r[0][0], &r[1][0], &r[2][0], &r[3][0], n)
			packGroupAVX2(&got[0], &r[0][0], &r[1][0], &r[2][0], &r[3][0], n)
		}
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("n=%d: element %d = %v, want %v", n, i, got[i], want[i])
			}
		}
	}
}

// TestGramPanelsMatchGo checks the panel path against the pure-Go matrix-product path bit for
// bit, for group sizes around the tile edges and lengths around the chunk and pack edges.
func TestGramPanelsMatchGo(t *testing.T) {
	g := rng.New(13)
	for _, n := range []int{26, 27, 28, 29, 30, 31, 33, 40, 63, 64, 65, 100} {
		for _, d := range []int{4, 5, 7, 64, 255, 256, 257, 600, 1001} {
			if n*d > 40000 && d != 1001 {
				continue
			}
			grads := benchGrads(n, d)
			if n > 30 {
				grads = randRows(g, n, d)
				grads[n-1] = slices.Clone(grads[1])
			}
			idx := make([]int, n)
			for i := range idx {
				idx[i] = n - 1 - i
			}
			ws := newWorkspace(grads)
			want, got := make([]float32, n*n), make([]float32, n*n)
			ws.gramDistances(idx, want)
			ws.gramDistancesPanels(idx, got)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d d=%d pair (%d,%d): panels %v, Go %v", n, d, i/n, i%n, got[i], want[i])
				}
			}
		}
	}
}

// TestMedianNetwork checks the pruned networks on scalars: random keys with many duplicates for
// r up to 150, and every 0/1 input (the 0–1 principle) for r up to 14.
func TestMedianNetwork(t *testing.T) {
	g := rng.New(14)
	for r := 1; r <= 150; r++ {
		k := (r - 1) / 2
		net := buildNet(r, k, k, false)
		pre := buildNet(r, k, k, true)
		keys := make([]int32, r)
		for trial := 0; trial < 50; trial++ {
			for i := range keys {
				keys[i] = int32(g.Integers(-4, 5))
				if trial%2 == 1 {
					keys[i] = int32(g.Integers(math.MinInt32, math.MaxInt32))
				}
			}
			want := slices.Clone(keys)
			slices.Sort(want)
			if got := applyNet(keys, net, k); got != want[k] {
				t.Fatalf("r=%d: network gives %d, want %d", r, got, want[k])
			}
			if got := applyPresorted(keys, pre, k); got != want[k] {
				t.Fatalf("r=%d: presorted network gives %d, want %d", r, got, want[k])
			}
		}
		if r <= 14 {
			for m := 0; m < 1<<r; m++ {
				ones := 0
				for i := range keys {
					keys[i] = int32(m >> i & 1)
					ones += int(keys[i])
				}
				want := int32(0)
				if k >= r-ones {
					want = 1
				}
				if got := applyNet(keys, net, k); got != want {
					t.Fatalf("r=%d 0/1 input %b: %d, want %d", r, m, got, want)
				}
				if got := applyPresorted(keys, pre, k); got != want {
					t.Fatalf("r=%d 0/1 input %b: presorted %d, want %d", r, m, got, want)
				}
			}
		}
	}
	if n := len(medianNet(63)); n == 0 || n > 543 {
		t.Fatalf("63 rows: %d comparators", n)
	}
}

// applyPresorted pads keys to a multiple of eight with the largest key, sorts each run of
// eight, then applies the presorted network.
func applyPresorted(keys []int32, net []uint32, k int) int32 {
	w := slices.Clone(keys)
	for len(w)%8 != 0 {
		w = append(w, math.MaxInt32)
	}
	for b := 0; b < len(w); b += 8 {
		slices.Sort(w[b : b+8])
	}
	return applyNet(w, net, k)
}

func applyNet(keys []int32, net []uint32, k int) int32 {
	w := slices.Clone(keys)
	for _, c := range net {
		a, b := c&0xffff/64, c>>16/64
		w[a], w[b] = min(w[a], w[b]), max(w[a], w[b])
	}
	return w[k]
}

// TestLowerMedianPaths compares the network kernel, its Go reference and the quickselect path
// for many row counts and widths (including widths that leave an overlapping last block).
func TestLowerMedianPaths(t *testing.T) {
	g := rng.New(15)
	for _, r := range []int{1, 2, 3, 4, 5, 8, 10, 16, 31, 63, 64, 65, 100, 127, 200, netMaxWires} {
		for _, d := range []int{16, 17, 31, 32, 33, 100, 1000} {
			if r*d > 100000 {
				continue
			}
			grads := randRows(g, r+3, d)
			grads[2] = slices.Clone(grads[0])
			rows := make([]int, r)
			for i := range rows {
				rows[i] = int(g.Integers(0, int64(r+3)))
			}
			want := make([]float32, d)
			lowerMedianSelect(want, grads, rows)
			ptrs := make([]*float32, (r+7)&^7)
			for i, row := range rows {
				ptrs[i] = &grads[row][0]
			}
			pad := make([]float32, d)
			for i := range pad {
				pad[i] = math.Float32frombits(padKey)
			}
			for i := r; i < len(ptrs); i++ {
				ptrs[i] = &pad[0]
			}
			ref := make([]float32, d)
			medianNetGo(ref, ptrs, medianNet(r), (r-1)/2)
			got := make([]float32, d)
			newWorkspace(grads).lowerMedianNet(got, rows)
			for j := range want {
				wb := math.Float32bits(want[j])
				if math.Float32bits(ref[j]) != wb || math.Float32bits(got[j]) != wb {
					t.Fatalf("r=%d d=%d column %d: kernel %v, network %v, quickselect %v", r, d, j, got[j], ref[j], want[j])
				}
			}
		}
	}
}

func TestAllFinite(t *testing.T) {
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0xffc00001)}
	for n := 0; n <= 100; n++ {
		x := make([]float32, n)
		for i := range x {
			v := float64(i)*1e37 - 5e38 // ±max finite magnitudes are fine
			x[i] = float32(max(-math.MaxFloat32, min(v, math.MaxFloat32)))
		}
		if !allFinite(x) || !finiteGo(x) {
			t.Fatalf("n=%d: finite values rejected", n)
		}
		for i := range x {
			for _, b := range bad {
				y := slices.Clone(x)
				y[i] = b
				if allFinite(y) || finiteGo(y) {
					t.Fatalf("n=%d: %v at %d accepted", n, b, i)
				}
			}
		}
	}
}

// TestPanelsDecideLikeGo runs whole aggregations with one large cluster on both matrix-product
// paths and on both median paths: same picks, same bits.
func TestPanelsDecideLikeGo(t *testing.T) {
	grads := benchGrads(100, 1000)
	a := DefaultAggregator()
	out, tr, err := a.Aggregate(grads, rng.New(42))
	if err != nil {
		t.Fatal(err)
	}
	idx := slices.Clone(tr.ClusterSelected)
	n := len(idx)
	ws := newWorkspace(grads)
	want, got := make([]float32, n*n), make([]float32, n*n)
	ws.gramDistances(idx, want)
	ws.gramDistancesPanels(idx, got)
	if !slices.Equal(want, got) {
		t.Fatal("default case: distance matrices differ")
	}
	med := make([]float32, 1000)
	lowerMedianSelect(med, grads, idx)
	if !slices.Equal(med, tr.Median) {
		t.Fatal("default case: medians differ")
	}
	if len(out) != 1000 {
		t.Fatal(len(out))
	}
}

// TestSortNetKernel runs full and pruned sorting networks through the kernel and the Go
// reference and checks the wanted positions against a plain sort of each column.
func TestSortNetKernel(t *testing.T) {
	g := rng.New(16)
	for _, r := range []int{2, 3, 16, 17, 25, 26, 63, 64, 65, 100, 129, 300, netMaxWires} {
		for _, out := range [][2]int{{0, r - 1}, {1, r - 1}, {1, max(1, r*3/4)}, {r / 2, r / 2}} {
			net := cachedNet(r, out[0], out[1], false)
			keys := make([]int32, 16*r+16)
			for i := range keys {
				keys[i] = int32(g.Integers(-50, 50))
				if i%3 == 0 {
					keys[i] = int32(g.Integers(math.MinInt32, math.MaxInt32))
				}
			}
			want := slices.Clone(keys)
			applyNetGo(want, net)
			got := slices.Clone(keys)
			sortNetAVX2(&got[0], net)
			if !slices.Equal(got, want) {
				t.Fatalf("r=%d outputs %v: kernel and Go network differ", r, out)
			}
			for c := 0; c < 16; c++ {
				col := make([]int32, r)
				for w := range col {
					col[w] = keys[16*w+c]
				}
				slices.Sort(col)
				for w := out[0]; w <= out[1]; w++ {
					if got[16*w+c] != col[w] {
						t.Fatalf("r=%d outputs %v column %d wire %d: %d, want %d", r, out, c, w, got[16*w+c], col[w])
					}
				}
			}
		}
	}
}

// TestKrumScoresNet compares the network scoring with the per-row sort for many sizes and
// tie-heavy distances.
func TestKrumScoresNet(t *testing.T) {
	g := rng.New(17)
	for _, n := range []int{3, 4, 5, 9, 15, 16, 17, 25, 31, 32, 33, 63, 100, 200} {
		for _, m := range []int{1, 2, n / 2, n - 3, n - 1} {
			if m < 1 {
				continue
			}
			dist := make([]float32, n*n)
			for i := 0; i < n; i++ {
				for j := i + 1; j < n; j++ {
					v := float32(g.Integers(0, 8)) * 0.1
					if g.Integers(0, 2) == 0 {
						v = float32(g.Uniform(0, 100))
					}
					dist[i*n+j], dist[j*n+i] = v, v
				}
			}
			got := make([]float32, n)
			newWorkspace(nil).krumScoresNet(dist, n, m, got)
			for i := 0; i < n; i++ {
				row := slices.Clone(dist[i*n : (i+1)*n])
				slices.Sort(row)
				if want := torchSum(row[1 : m+1]); math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("n=%d m=%d row %d: %v, want %v", n, m, i, got[i], want)
				}
			}
		}
	}
}

func TestRowSumShort(t *testing.T) {
	// The no-cascade shortcut against the full cascade arithmetic, on values that cancel.
	g := rng.New(18)
	for n := 0; n < 300; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(g.Integers(-3, 4)) * float32(math.Pow(10, float64(g.Integers(-3, 9))))
			if g.Integers(0, 5) == 0 {
				x[i] = float32(math.Copysign(0, -1))
			}
		}
		for _, lanes := range []int{1, torchFloatLanes} {
			size := n / lanes
			var acc [4][4 * torchFloatLanes]float32
			want := slices.Clone(rowSumCascade(x, size, lanes, &acc))
			var acc2 [4][4 * torchFloatLanes]float32
			got := rowSum(x, size, lanes, &acc2)
			for l := range want {
				if math.Float32bits(got[l]) != math.Float32bits(want[l]) {
					t.Fatalf("n=%d lanes=%d lane %d: %v, want %v", n, lanes, l, got[l], want[l])
				}
			}
		}
	}
}

// rowSumCascade is rowSum without the no-cascade shortcut.
func rowSumCascade(x []float32, size, lanes int, acc *[4][4 * torchFloatLanes]float32) []float32 {
	const ilp = 4
	rows := size / ilp
	multiRowSum(x, rows, ilp*lanes, acc)
	p0 := acc[0][:lanes]
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

func TestTorchSumCols(t *testing.T) {
	g := rng.New(19)
	acc := new(colAcc)
	for m := 0; m <= 1100; m += 1 + m/40 {
		x := make([]col16, m)
		for i := range x {
			for c := range x[i] {
				x[i][c] = float32(g.Integers(-3, 4)) * float32(math.Pow(10, float64(g.Integers(-4, 9))))
			}
		}
		got := torchSumCols(x, acc)
		col := make([]float32, m)
		for c := 0; c < 16; c++ {
			for i := range col {
				col[i] = x[i][c]
			}
			if want := torchSum(col); math.Float32bits(got[c]) != math.Float32bits(want) {
				t.Fatalf("m=%d column %d: %v, want %v", m, c, got[c], want)
			}
		}
	}
}

// TestSqDist4 checks the four-pair kernel plus sqDistTail against sqDist bit for bit.
func TestSqDist4(t *testing.T) {
	g := rng.New(20)
	for _, n := range append(seq(4, 67), 1000, 1001) {
		r := randRows(g, 8, n)
		r[7] = slices.Clone(r[6])
		n4 := n &^ 3
		var ptrs [8]*float32
		var rows [8][]float32
		for i := range ptrs {
			ptrs[i] = &r[i][0]
			rows[i] = r[i][:n4]
		}
		var s, ref [16]float64
		sqDist4AVX2(&s, &ptrs, n4)
		sqDist4Go(&ref, &rows)
		for q := 0; q < 4; q++ {
			a, b := r[2*q], r[2*q+1]
			got := sqDistTail(s[4*q:4*q+4], a, b, n4)
			want := sqDist(a, b)
			if math.Float64bits(got) != math.Float64bits(want) || math.Float64bits(sqDistTail(ref[4*q:4*q+4], a, b, n4)) != math.Float64bits(want) {
				t.Fatalf("n=%d pair %d: %v, want %v", n, q, got, want)
			}
		}
	}
}

// TestDirectDistances checks the batched direct path against sqDist pair by pair.
func TestDirectDistances(t *testing.T) {
	g := rng.New(21)
	for n := 1; n <= 25; n++ {
		for _, d := range []int{1, 3, 4, 5, 100, 1001} {
			grads := randRows(g, n, d)
			idx := make([]int, n)
			for i := range idx {
				idx[i] = (i * 7) % n
			}
			dist := make([]float32, n*n)
			newWorkspace(grads).directDistances(idx, dist)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					want := float32(math.Sqrt(sqDist(grads[idx[i]], grads[idx[j]])))
					if i == j {
						want = 0
					}
					if math.Float32bits(dist[i*n+j]) != math.Float32bits(want) {
						t.Fatalf("n=%d d=%d (%d,%d): %v, want %v", n, d, i, j, dist[i*n+j], want)
					}
				}
			}
		}
	}
}
