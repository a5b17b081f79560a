package field

// reactArgs is the argument block of reactAVX2 (simd_amd64.s reads it by offset: keep the
// field order and sizes). The pointers address cell 1 of their rows: the kernel reads the
// horizontal neighbours at −8 and +8 bytes.
type reactArgs struct {
	aOut, iOut           *float64 // 0, 8
	aUp, aDown, aMid     *float64 // 16, 24, 32
	iUp, iDown, iMid     *float64 // 40, 48, 56
	groups               int      // 64: cells / 4
	da, di, ra, ri       float64  // 72 … 96
	four, one            float64  // 104, 112
	flags                int      // 120: reactJacobi | reactSwapped
	nanALanes, nanILanes [4]int64 // 128, 160: NaN counts per lane (outputs)
}

const (
	reactJacobi  = 1 // the inhibitor's source term reads the old activator
	reactSwapped = 2 // Dirichlet: the right neighbour is added before the left
)

// diffuseConsts are diffuseAVX2's constants: 4, the clamp bounds.
var diffuseConsts = [3]float64{4, clampMinV, clampMaxV}
