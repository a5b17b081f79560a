//go:build !amd64 || purego

package field

// haveAVX2 is false without the amd64 assembly: the Go loops run.
const haveAVX2 = false

func diffuseAVX2(out, u, d, x3, x4, m, nz *float64, groups int, alpha float64, c *[3]float64) (clamped, nan int) {
	panic("field: diffuseAVX2 without AVX2")
}

func reactAVX2(p *reactArgs) { panic("field: reactAVX2 without AVX2") }
