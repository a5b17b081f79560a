//go:build amd64 && !purego

package rng

// useZigAsm selects zigChains for the batch normals (tests switch it off to compare).
var useZigAsm = true

// zigChains writes normals into dst until it is full or an output leaves the ziggurat's fast
// path. st holds the states that produce the next two raw outputs (s1 hi, lo, s2 hi, lo) and
// c2 = (a+1)·inc, the increment of a double step; the two chains advance two LCG steps at a
// time. It returns how many values it wrote — x, or loc + scale·x when affine — and whether
// it stopped at a rejected output; either way st[0], st[1] is then the state that produced
// the last output it looked at (the rejected one, or the last written), which is where the
// scalar generator would be.
//
//go:noescape
func zigChains(dst []float64, st *[6]uint64, tab *zigTables, loc, scale float64, affine bool) (n int, rejected bool)
