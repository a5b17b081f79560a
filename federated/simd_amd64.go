//go:build amd64 && !purego

package federated

import "golang.org/x/sys/cpu"

// haveAVX2 selects the AVX2/FMA kernels of simd_amd64.s; without them (or with the purego
// build tag, or on other architectures) the pure-Go paths run.
var haveAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// gramTileAVX2 continues, over kc element steps, the 4×4·ng block of dot products between the
// four rows of the a panel and the 4·ng rows of ng consecutive b panels (stride bytes apart);
// see gramTileGo for the layout. Each lane is one sequential sum in element order; FMA leaves
// the bits unchanged because a product of two float32 values is exact in float64.
//
//go:noescape
func gramTileAVX2(tile *float64, a *float64, b *float64, stride int, kc int, ng int)

// packGroupAVX2 writes dst[k*4+i] = float64(ri[k]) for k < n (n a multiple of 4).
//
//go:noescape
func packGroupAVX2(dst *float64, r0 *float32, r1 *float32, r2 *float32, r3 *float32, n int)

// medianNetAVX2 applies a comparator network to the order keys of 16 columns at a time and
// writes the float value of wire k to out; see medianNetGo.
//
//go:noescape
func medianNetAVX2(out []float32, rows []*float32, net []uint32, scratch []int32, k int)

// sortNetAVX2 applies a comparator network to 16 columns of int32 keys at once (wire w's keys
// at scratch[16w : 16w+16]); see applyNetGo.
//
//go:noescape
func sortNetAVX2(scratch *int32, net []uint32)

// sqDist4AVX2 computes sqDist's four partial sums (before the tail) for four pairs of rows,
// p[2q] against p[2q+1]: s[4q+l] is the sum over k ≡ l (mod 4), k < n (n a multiple of 4), of
// (a[k]−b[k])², with the same separate float64 roundings as sqDist.
//
//go:noescape
func sqDist4AVX2(s *[16]float64, p *[8]*float32, n int)

// finiteAVX2 reports whether x[:len(x)&^31] holds only finite values.
//
//go:noescape
func finiteAVX2(x []float32) bool
