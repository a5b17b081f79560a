//go:build amd64 && !purego

package field

import "golang.org/x/sys/cpu"

// haveAVX2 selects the AVX2 stencil kernels of simd_amd64.s; without them (or with the
// purego build tag, or on other architectures) the Go loops run, with the same bits.
var haveAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT

// diffuseAVX2 is the interior loop of diffuseRow for 4·groups cells; it returns the clamp
// and NaN counts.
//
//go:noescape
func diffuseAVX2(out, u, d, x3, x4, m, nz *float64, groups int, alpha float64, c *[3]float64) (clamped, nan int)

// reactAVX2 is the interior loop of the activator–inhibitor step without the Turing kick.
//
//go:noescape
func reactAVX2(p *reactArgs)
