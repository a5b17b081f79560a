//go:build amd64 && !purego

package membw

import "golang.org/x/sys/cpu"

var haveVec = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func vecFMA(n int)

//go:noescape
func vecMulAdd(n int)

//go:noescape
func readVec(p *uint64, blocks int) uint64
