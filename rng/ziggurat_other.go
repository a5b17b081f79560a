//go:build !amd64 || purego

package rng

// useZigAsm is false without the amd64 assembly: the pure-Go batch path runs.
const useZigAsm = false

func zigChains(dst []float64, st *[6]uint64, tab *zigTables, loc, scale float64, affine bool) (int, bool) {
	panic("rng: zigChains without assembly")
}
