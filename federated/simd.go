package federated

import (
	"math"
	"slices"
	"sync"
	"unsafe"
)

// This file holds the vectorised forms of the hot loops — the Gram matrix, the direct
// distances, the sorting of Krum's distance rows, the column medians and the finiteness check —
// and their pure-Go reference forms. The assembly kernels (simd_amd64.s) run when the CPU has
// AVX2 and FMA; they give exactly the bits of the pure-Go paths in krum.go, which run
// everywhere else. The reference forms document the kernels' semantics and are what the tests
// compare them with.

// gramChunkBytes bounds the packed panels of one chunk of elements (all groups): they stay in
// L2 while every tile of the chunk is computed.
const gramChunkBytes = 128 << 10

// gramDistancesPanels is gramDistances on the AVX2 kernels. The element range is walked in
// chunks; for each chunk the rows are packed in groups of four as float64 panels (panel g holds
// float64(row 4g+i, element k0+k) at (g·kc + k)·4 + i; rows past n are zero) and the upper
// triangle of the Gram matrix is computed in 4×4 tiles as a matrix product in outer-product
// form, the tiles carrying their sums from chunk to chunk. Every tile lane is thus the
// sequential sum over k of x_i[k]·x_j[k]: the same sums, in the same order, as dotAcc and
// dot3x2. The kernel uses FMA, which rounds once per step where the pure-Go loop rounds the
// product and then the sum; the product of two float32 values is exact in float64 (48
// significant bits, exponents far inside the range), so the two give identical bits, and the
// distances equal gramDistances' bit for bit (tested). Were that not so, the FMA would still be
// acceptable on this path only: the reference's torch matrix product cannot be replayed bit for
// bit anyway, while the direct path (directDistances) keeps its exact separate roundings.
func (w *workspace) gramDistancesPanels(idx []int, dist []float32) {
	n := len(idx)
	d := len(w.grads[idx[0]])
	groups := (n + 3) / 4
	kc := min(256, max(16, gramChunkBytes/(groups*32))&^3, (d+3)&^3)
	tiles := grow(&w.tiles, groups*groups*16)
	clear(tiles)
	zero := grow(&w.zero, d)
	clear(zero)
	rows := grow(&w.groupRows, 4*groups)
	for i := range rows {
		if i < n {
			rows[i] = w.grads[idx[i]]
		} else {
			rows[i] = zero
		}
	}
	panels := grow(&w.panels, 2*groups*kc*4)
	// Row groups alternate between the goroutines (group gi owns the tiles (gi, gj >= gi)),
	// which roughly balances the triangle; no tile is shared. Each goroutine packs every
	// chunk into its own buffer.
	parallelStrided(n*n*d/2, func(first, stride int) {
		buf := panels[first*groups*kc*4 : (first+1)*groups*kc*4]
		for k0 := 0; k0 < d && !w.stopped(); k0 += kc {
			kn := min(kc, d-k0)
			kn4 := kn &^ 3
			for g := 0; g < groups; g++ {
				p := buf[g*kn*4 : (g+1)*kn*4]
				r := rows[4*g : 4*g+4]
				if kn4 > 0 {
					packGroupAVX2(&p[0], &r[0][k0], &r[1][k0], &r[2][k0], &r[3][k0], kn4)
				}
				for k := kn4; k < kn; k++ {
					for i := range 4 {
						p[k*4+i] = float64(r[i][k0+k])
					}
				}
			}
			for gi := first; gi < groups && !w.stopped(); gi += stride {
				a := &buf[gi*kn*4]
				for gj := gi; gj < groups; gj += 3 {
					gramTileAVX2(&tiles[(gi*groups+gj)*16], a, &buf[gj*kn*4], kn*32, kn, min(3, groups-gj))
				}
			}
		}
	})
	clear(rows) // do not keep the caller's gradients reachable from the pool
	for i := 0; i < n && !w.stopped(); i++ {
		dist[i*n+i] = 0
		ti := tiles[(i>>2)*groups*16+(i&3)*4:]
		ni := ti[(i>>2)*16+i&3]
		for j := i + 1; j < n; j++ {
			tj := tiles[(j>>2)*groups*16+(j&3)*4:]
			sq := (ni + tj[(j>>2)*16+j&3]) - float64(2*ti[(j>>2)*16+j&3])
			v := float32(math.Sqrt(max(sq, 0)))
			dist[i*n+j] = v
			dist[j*n+i] = v
		}
	}
}

// grow returns (*buf)[:n], reallocating when the capacity is short.
func grow[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	return (*buf)[:n]
}

// gramTileGo is the reference form of gramTileAVX2 on slices (stride in elements): for each of
// the ng b panels g, row r of a and row c of panel g,
// tile[g·16 + r·4 + c] += Σ_k a[k·4 + r]·b[g·stride + k·4 + c], summed in k order.
func gramTileGo(tile, a, b []float64, stride, kc, ng int) {
	for g := 0; g < ng; g++ {
		for r := 0; r < 4; r++ {
			for c := 0; c < 4; c++ {
				s := tile[g*16+r*4+c]
				for k := 0; k < kc; k++ {
					s += float64(a[k*4+r] * b[g*stride+k*4+c])
				}
				tile[g*16+r*4+c] = s
			}
		}
	}
}

// packGroupPtr is the reference form of packGroupAVX2.
func packGroupPtr(dst *float64, r0, r1, r2, r3 *float32, n int) {
	out := unsafe.Slice(dst, 4*n)
	for i, r := range [4]*float32{r0, r1, r2, r3} {
		for k, v := range unsafe.Slice(r, n) {
			out[k*4+i] = float64(v)
		}
	}
}

// Sorting networks. For r wires, Batcher's odd–even merge sort on the next power of two wires,
// with the comparators that touch the missing wires dropped (those wires would hold +∞, and a
// comparator between a real wire below and an +∞ wire above never moves anything), sorts r
// keys. Keeping only the comparators that can reach the wanted output wires leaves a smaller
// network that still delivers exactly those sorted positions. The AVX2 kernels run a network on
// 16 columns at once with VPMINSD/VPMAXSD: the column medians (on the orderKey transform, so
// the result is exactly lowerMedianSelect's) and the sorted rows of Krum's distance matrix.

// netMaxWires bounds the wires of the network paths: the byte offsets of the wires must fit
// 16 bits. (The comparator count grows as r·log²r against the quickselect's r, but with 16
// columns per comparator the network stays ahead well past this bound.)
const netMaxWires = 1024

type netKey struct {
	wires, lo, hi int
	presorted     bool
}

var nets sync.Map // netKey -> []uint32

// medianNet returns the network for the lower median of r rows (output wire (r−1)/2) that
// follows the sorting of each run of eight wires (see buildNet).
func medianNet(r int) []uint32 { return cachedNet(r, (r-1)/2, (r-1)/2, true) }

// cachedNet returns buildNet(r, lo, hi, presorted), built once.
func cachedNet(r, lo, hi int, presorted bool) []uint32 {
	key := netKey{r, lo, hi, presorted}
	if v, ok := nets.Load(key); ok {
		return v.([]uint32)
	}
	v, _ := nets.LoadOrStore(key, buildNet(r, lo, hi, presorted))
	return v.([]uint32)
}

// buildNet builds the sorting network of r wires pruned to the comparators that affect the
// output wires lo..hi, each comparator encoded as (lower wire·64) | (upper wire·64)<<16 (the
// byte offsets of 16-lane int32 wires); the minimum goes to the lower wire. Batcher's first
// three stages (p = 1, 2, 4) sort each aligned run of eight wires; with presorted they are
// left out, for a caller that sorts those runs itself (in registers), padding a short last
// run with the largest key so that the padding stays on top as the network assumes.
func buildNet(r, lo, hi int, presorted bool) []uint32 {
	size := 1
	for size < r {
		size <<= 1
	}
	var all [][2]int
	first := 0 // comparators before this index belong to stages p < 8
	for p := 1; p < size; p <<= 1 {
		if p == 8 {
			first = len(all)
		}
		for q := p; q >= 1; q >>= 1 {
			for j := q % p; j+q < size; j += 2 * q {
				for i := 0; i < q && i+j+q < size; i++ {
					if (i+j)/(2*p) == (i+j+q)/(2*p) && i+j+q < r {
						all = append(all, [2]int{i + j, i + j + q})
					}
				}
			}
		}
	}
	if size <= 8 {
		first = len(all)
	}
	if !presorted {
		first = 0
	}
	needed := make([]bool, r)
	for w := lo; w <= hi; w++ {
		needed[w] = true
	}
	var kept []uint32
	for c := len(all) - 1; c >= first; c-- {
		a, b := all[c][0], all[c][1]
		if needed[a] || needed[b] {
			needed[a], needed[b] = true, true
			kept = append(kept, uint32(a*64)|uint32(b*64)<<16)
		}
	}
	slices.Reverse(kept)
	return kept
}

// applyNetGo is the reference form of sortNetAVX2: the comparators in order on each of the 16
// columns of wires (wire w's keys at keys[16w : 16w+16]).
func applyNetGo(keys []int32, net []uint32) {
	for _, c := range net {
		a, b := keys[c&0xffff/4:][:16], keys[c>>16/4:][:16]
		for l := range a {
			a[l], b[l] = min(a[l], b[l]), max(a[l], b[l])
		}
	}
}

// krumScoresNet is krum's scoring on the AVX2 network: the distance matrix is symmetric, so
// for 16 consecutive columns the wires (rows of the matrix) hold the distances of 16 points to
// every point; sorting the wires sorts each point's distances (only positions 1..m, those the
// score sums, need to come out in place), then each score is torchSum of its column.
// n <= netMaxWires.
func (w *workspace) krumScoresNet(dist []float32, n, m int, scores []float32) {
	// The distances are >= +0 and not NaN, so as int32 bit patterns they order like the values.
	keys := unsafe.Slice((*int32)(unsafe.Pointer(&dist[0])), n*n)
	net := cachedNet(n, 1, m, false)
	scratch := w.alignedScratch(16 * n)
	// Wires 1..m as float32 columns (the bit patterns are the distances').
	x := unsafe.Slice((*col16)(unsafe.Pointer(&scratch[16])), m)
	if w.colAcc == nil {
		w.colAcc = new(colAcc)
	}
	if n < 16 {
		// One block, its unused lanes zero.
		clear(scratch)
		for j := 0; j < n; j++ {
			copy(scratch[16*j:16*j+n], keys[j*n:])
		}
		sortNetAVX2(&scratch[0], net)
		s := torchSumCols(x, w.colAcc)
		copy(scores, s[:n])
		return
	}
	for c0 := 0; ; c0 += 16 {
		c0 = min(c0, n-16)
		for j := 0; j < n; j++ {
			copy(scratch[16*j:16*j+16], keys[j*n+c0:])
		}
		sortNetAVX2(&scratch[0], net)
		s := torchSumCols(x, w.colAcc)
		copy(scores[c0:c0+16], s[:])
		if c0 == n-16 {
			return
		}
	}
}

// alignedScratch returns n int32 of the workspace's scratch starting on a 64-byte boundary, so
// each 16-lane wire fills one cache line.
func (w *workspace) alignedScratch(n int) []int32 {
	buf := grow(&w.scratch, n+16)
	off := int(uintptr(unsafe.Pointer(&buf[0]))&63) / 4
	return buf[(16-off)&15:][:n]
}

// medianNetGo is the reference form of medianNetAVX2: for every column j < len(out), the keys
// orderKey(rows[i][j]) are sorted within each aligned run of eight, go through the comparators
// in order (min to the lower wire), and out[j] is the value of wire k. The rows are padded to a
// multiple of eight with rows of padKey.
func medianNetGo(out []float32, rows []*float32, net []uint32, k int) {
	keys := make([]int32, len(rows))
	for j := range out {
		for i, p := range rows {
			keys[i] = orderKey(unsafe.Slice(p, len(out))[j])
		}
		for b := 0; b < len(keys); b += 8 {
			slices.Sort(keys[b:min(b+8, len(keys))])
		}
		for _, c := range net {
			a, b := c&0xffff/64, c>>16/64
			keys[a], keys[b] = min(keys[a], keys[b]), max(keys[a], keys[b])
		}
		out[j] = fromOrderKey(keys[k])
	}
}

// padKey is the float32 bit pattern (a NaN) whose orderKey is the largest int32: the value of
// the padding rows, above every finite value.
const padKey = 0x7fffffff

// lowerMedianNet is lowerMedian on the AVX2 network kernel (16 <= d, rows <= netMaxWires).
func (w *workspace) lowerMedianNet(out []float32, rows []int) {
	r := len(rows)
	wires := (r + 7) &^ 7
	ptrs := grow(&w.rowPtrs, wires)
	for i, row := range rows {
		ptrs[i] = &w.grads[row][0]
	}
	if wires > r {
		pad := grow(&w.pad, len(out))
		if math.Float32bits(pad[0]) != padKey || math.Float32bits(pad[len(pad)-1]) != padKey {
			for i := range pad {
				pad[i] = math.Float32frombits(padKey)
			}
		}
		for i := r; i < wires; i++ {
			ptrs[i] = &pad[0]
		}
	}
	medianNetAVX2(out, ptrs, medianNet(r), w.alignedScratch(16*wires), (r-1)/2)
	clear(ptrs) // do not keep the caller's gradients reachable from the pool
}

// sqDist4Go is the reference form of sqDist4AVX2 (rows of one length, a multiple of 4).
func sqDist4Go(s *[16]float64, rows *[8][]float32) {
	for q := 0; q < 4; q++ {
		a, b := rows[2*q], rows[2*q+1]
		var l [4]float64
		for k := 0; k < len(a); k += 4 {
			for i := range l {
				d := float64(a[k+i]) - float64(b[k+i])
				l[i] += float64(d * d)
			}
		}
		copy(s[4*q:], l[:])
	}
}

// allFinite reports whether every value of x is finite.
func allFinite(x []float32) bool {
	if haveAVX2 {
		n := len(x) &^ 31
		if !finiteAVX2(x) {
			return false
		}
		x = x[n:]
	}
	return finiteGo(x)
}

// finiteGo reports whether every value of x is finite, without a branch per value: the
// exponent field plus one unit carries into bit 31 exactly when it is all ones.
func finiteGo(x []float32) bool {
	var a0, a1, a2, a3 uint32
	k := 0
	for ; k+4 <= len(x); k += 4 {
		v := x[k : k+4 : k+4]
		a0 |= math.Float32bits(v[0])&0x7f800000 + 0x00800000
		a1 |= math.Float32bits(v[1])&0x7f800000 + 0x00800000
		a2 |= math.Float32bits(v[2])&0x7f800000 + 0x00800000
		a3 |= math.Float32bits(v[3])&0x7f800000 + 0x00800000
	}
	for ; k < len(x); k++ {
		a0 |= math.Float32bits(x[k])&0x7f800000 + 0x00800000
	}
	return (a0|a1|a2|a3)&0x80000000 == 0
}
