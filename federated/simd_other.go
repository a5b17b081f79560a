//go:build !amd64 || purego

package federated

import "unsafe"

// haveAVX2 is false without the amd64 assembly: the pure-Go paths run.
const haveAVX2 = false

// The assembly kernels' pure-Go stand-ins; they are only reached in tests, which compare them
// with the Go reference forms.

func gramTileAVX2(tile *float64, a *float64, b *float64, stride int, kc int, ng int) {
	gramTilePtr(tile, a, b, stride, kc, ng)
}

func packGroupAVX2(dst *float64, r0 *float32, r1 *float32, r2 *float32, r3 *float32, n int) {
	packGroupPtr(dst, r0, r1, r2, r3, n)
}

func medianNetAVX2(out []float32, rows []*float32, net []uint32, scratch []int32, k int) {
	medianNetGo(out, rows, net, k)
}

func sortNetAVX2(scratch *int32, net []uint32) {
	w := 0
	for _, c := range net {
		w = max(w, int(c>>16/64)+1)
	}
	applyNetGo(unsafe.Slice(scratch, 16*w), net)
}

func sqDist4AVX2(s *[16]float64, p *[8]*float32, n int) {
	var rows [8][]float32
	for i, r := range p {
		rows[i] = unsafe.Slice(r, n)
	}
	sqDist4Go(s, &rows)
}

func finiteAVX2(x []float32) bool {
	return finiteGo(x[:len(x)&^31])
}

// gramTilePtr is gramTileGo with gramTileAVX2's arguments (stride in bytes).
func gramTilePtr(tile, a, b *float64, stride, kc, ng int) {
	es := stride / 8
	gramTileGo(unsafe.Slice(tile, 16*ng), unsafe.Slice(a, 4*kc), unsafe.Slice(b, (ng-1)*es+4*kc), es, kc, ng)
}
