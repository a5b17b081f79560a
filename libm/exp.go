package libm

import "math"

// Constants of glibc's __exp_data (e_exp_data.c, EXP_TABLE_BITS 7, EXP_POLY_ORDER 5).
const (
	expInvLn2N    = 0x1.71547652b82fep0 * 128
	expNegLn2hiN  = -0x1.62e42fefa0000p-8
	expNegLn2loN  = -0x1.cf79abc9e3b3ap-47
	expShift      = 0x1.8p52
	expC2         = 0x1.ffffffffffdbdp-2
	expC3         = 0x1.555555555543cp-3
	expC4         = 0x1.55555cf172b91p-5
	expC5         = 0x1.1111167a4d017p-7
	expTop2pm54   = 0x3c9 // top 12 bits of 0x1p-54
	expTop512     = 0x408 // top 12 bits of 512.0
	expTop1024    = 0x409 // top 12 bits of 1024.0
	expTopInfOrNa = 0x7ff
)

// Exp returns e^x exactly as glibc's exp does on x86-64 CPUs with FMA and AVX2 (__exp_fma:
// ARM's algorithm, e_exp.c, with the multiply-adds GCC fused there, read from the
// disassembly of Debian's glibc 2.36). numpy's ziggurat evaluates its wedge test with it.
func Exp(x float64) float64 {
	ix := math.Float64bits(x)
	abstop := uint32(ix>>52) & 0x7ff
	special := false
	if abstop-expTop2pm54 >= expTop512-expTop2pm54 {
		if int32(abstop-expTop2pm54) < 0 { // |x| < 2^-54, or 0
			return 1.0 + x
		}
		if abstop >= expTop1024 {
			switch {
			case ix == 0xfff0000000000000:
				return 0
			case abstop >= expTopInfOrNa:
				return 1.0 + x
			case ix>>63 != 0:
				return 0 // underflow
			default:
				return math.Inf(1) // overflow
			}
		}
		special = true // 512 <= |x| < 1024: the result may overflow or be subnormal
	}
	kd := math.FMA(x, expInvLn2N, expShift)
	ki := math.Float64bits(kd)
	kd -= expShift
	r := math.FMA(kd, expNegLn2hiN, x)
	r = math.FMA(kd, expNegLn2loN, r)
	idx := 2 * (ki % 128)
	top := ki << (52 - 7)
	tail := math.Float64frombits(expTab[idx])
	sbits := expTab[idx+1] + top
	r2 := r * r
	tmp := math.FMA(math.FMA(r, expC3, expC2), r2, r+tail)
	tmp = math.FMA(r2*r2, math.FMA(r, expC5, expC4), tmp)
	if special {
		return expSpecial(tmp, sbits, ki)
	}
	scale := math.Float64frombits(sbits)
	return math.FMA(scale, tmp, scale)
}

// expSpecial is glibc's specialcase: scale*(1+tmp) when the scale's exponent is out of range.
func expSpecial(tmp float64, sbits, ki uint64) float64 {
	if ki&0x80000000 == 0 {
		scale := math.Float64frombits(sbits - 1009<<52)
		return math.FMA(scale, tmp, scale) * 0x1p1009
	}
	scale := math.Float64frombits(sbits + 1022<<52)
	st := scale * tmp
	y := scale + st
	if y < 1.0 {
		// Round y to the final precision before scaling into the subnormal range.
		lo := scale - y + st
		hi := 1.0 + y
		lo = 1.0 - hi + y + lo
		y = (lo + hi) - 1.0
		if y == 0 {
			return 0
		}
	}
	return y * 0x1p-1022
}
