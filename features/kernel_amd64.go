//go:build amd64 && !purego

package features

import "golang.org/x/sys/cpu"

// pairTreeAVX2 is kernelFunc in AVX2 (kernel_amd64.s): lanes 0–3 and 4–7 of numpy's eight
// accumulators are two YMM registers. No FMA: every product and sum is rounded on its own.
//
//go:noescape
func pairTreeAVX2(h0, h1 *float64, groups, leaves int, leafSums *float64, buf *leafBuf, mx float64, track bool) (ds, es, m float64, rescans int)

func init() {
	if cpu.X86.HasAVX2 {
		kernel, scaledKernel, packKernel = kernelAVX2, scaledAVX2, packMasksAVX2
		if cpu.X86.HasFMA {
			momentKernel = momentAVX2
		}
	}
}

func kernelAVX2(h0, h1 []float64, groups int, leafSums []float64, buf *leafBuf, mx float64, track bool) (ds, es, m float64, rescans int) {
	leaves := len(leafSums)
	if groups < 1 || leaves < 1 || leaves > maxLeaves || leaves&(leaves-1) != 0 ||
		len(h0) < leaves*groups*8 || len(h1) < leaves*groups*8 {
		panic("features: kernel arguments out of range")
	}
	return pairTreeAVX2(&h0[0], &h1[0], groups, leaves, &leafSums[0], buf, mx, track)
}

// scaledSumsAVX2 is scaledFunc in AVX2 (kernel_amd64.s).
//
//go:noescape
func scaledSumsAVX2(x *float64, groups, leaves int, stk *kernelStack, mm *[2]float64) (s, q float64)

// momentsAVX2 is momentFunc in AVX2 with FMA where pow34 uses math.FMA (kernel_amd64.s).
//
//go:noescape
func momentsAVX2(x *float64, groups, leaves int, mean float64, stk *momentStack) (c2, c3, c4 float64)

func checkTree(x []float64, groups, leaves int) {
	if groups < 1 || leaves < 1 || leaves > maxLeaves || leaves&(leaves-1) != 0 || len(x) < leaves*groups*8 {
		panic("features: kernel arguments out of range")
	}
}

func scaledAVX2(x []float64, groups, leaves int, stk *kernelStack, mm *[2]float64) (s, q float64) {
	checkTree(x, groups, leaves)
	return scaledSumsAVX2(&x[0], groups, leaves, stk, mm)
}

func momentAVX2(x []float64, groups, leaves int, mean float64, stk *momentStack) (c2, c3, c4 float64) {
	checkTree(x, groups, leaves)
	return momentsAVX2(&x[0], groups, leaves, mean, stk)
}

// packAVX2 is packKernel in AVX2 (kernel_amd64.s).
//
//go:noescape
func packAVX2(x *float64, groups int, thr *[3]float64, mask *bool) (lo, me, hi uint64)

func packMasksAVX2(x []float64, groups int, thr *[3]float64, mask []bool) (lo, me, hi uint64) {
	if groups < 1 || groups > 16 || len(x) < 4*groups || len(mask) < 4*groups {
		panic("features: kernel arguments out of range")
	}
	return packAVX2(&x[0], groups, thr, &mask[0])
}
