//go:build amd64 && !purego

package field

import "golang.org/x/sys/cpu"

// haveAVX2 selects the AVX2 stencil kernels of simd_amd64.s; without them (or with the
// purego build tag, or on other architectures) the Go loops run, with the same bits.
var haveAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT

// diffuseRowAVX2 is diffuseRow for rows of at least 6 cells.
//
//go:noescape
func diffuseRowAVX2(p *diffArgs)

// reactRowAVX2 is the activator–inhibitor step of one row without the Turing kick, for rows
// of at least 6 cells.
//
//go:noescape
func reactRowAVX2(p *reactArgs)
