//go:build !amd64 || purego

package field

// haveAVX2 is false without the amd64 assembly: the Go loops run.
const haveAVX2 = false

func diffuseRowAVX2(p *diffArgs) { panic("field: diffuseRowAVX2 without AVX2") }

func reactRowAVX2(p *reactArgs) { panic("field: reactRowAVX2 without AVX2") }
