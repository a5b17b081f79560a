package libm

import "math"

// Constants of glibc's sysdeps/ieee754/dbl-64/s_log1p.c (fdlibm's algorithm, with Shimizu's
// 1997 regrouping of the polynomial; the regrouping and the fused multiply-adds are why its
// rounding differs from Go's math.Log1p on about 0.1 % of arguments in (-1, 0)).
const (
	l1pLn2Hi = 6.93147180369123816490e-01 // 3fe62e42 fee00000
	l1pLn2Lo = 1.90821492927058770002e-10 // 3dea39ef 35793c76
	lp1      = 6.666666666666735130e-01   // 3FE55555 55555593
	lp2      = 3.999999999940941908e-01   // 3FD99999 9997FA04
	lp3      = 2.857142874366239149e-01   // 3FD24924 94229359
	lp4      = 2.222219843214978396e-01   // 3FCC71C5 1D8E78AF
	lp5      = 1.818357216161805012e-01   // 3FC74664 96CB03DE
	lp6      = 1.531383769920937332e-01   // 3FC39A09 D078C69F
	lp7      = 1.479819860511658591e-01   // 3FC2F112 DF3E5244
)

// Log1p returns log(1+x) exactly as glibc's log1p does on x86-64 CPUs with FMA and AVX2: glibc
// then selects its FMA build (__log1p_fma), in which GCC fused the polynomial's and the final
// reconstruction's multiply-adds; Log1p performs the same operations in the same order (read
// from the disassembly of Debian's glibc 2.36), with math.FMA where the build fused.
// Log1p(-1) = -Inf, Log1p(x < -1) = NaN, Log1p(+Inf) = +Inf, Log1p(±0) = ±0.
//
// numpy's ziggurat draws its tail values as -log1p(-u)/r with this function.
func Log1p(x float64) float64 {
	hx := int32(math.Float64bits(x) >> 32)
	ax := hx & 0x7fffffff
	k := int32(1)
	var f, c float64
	var hu int32
	if hx < 0x3FDA827A { // x < 0.41422
		if ax >= 0x3ff00000 { // x <= -1.0
			if x == -1.0 {
				return math.Inf(-1)
			}
			return math.NaN()
		}
		if ax < 0x3e200000 { // |x| < 2**-29
			if ax < 0x3c900000 { // |x| < 2**-54
				return x
			}
			return math.FMA(-(x * x), 0.5, x)
		}
		if hx > 0 || hx <= int32(-0x402d413d) { // -0.2929 < x < 0.41422 (0xbfd2bec3 as int32)
			k, f, hu = 0, x, 1
		}
	} else if hx >= 0x7ff00000 {
		return x + x
	}
	if k != 0 {
		var u float64
		if hx < 0x43400000 {
			u = 1.0 + x
			hu = int32(math.Float64bits(u) >> 32)
			k = (hu >> 20) - 1023
			if k > 0 {
				c = 1.0 - (u - x)
			} else {
				c = x - (u - 1.0)
			}
			c /= u
		} else {
			u = x
			hu = int32(math.Float64bits(u) >> 32)
			k = (hu >> 20) - 1023
			c = 0
		}
		hu &= 0x000fffff
		lo := math.Float64bits(u) & 0xffffffff
		if hu < 0x6a09e {
			u = math.Float64frombits(uint64(uint32(hu|0x3ff00000))<<32 | lo) // normalize u
		} else {
			k++
			u = math.Float64frombits(uint64(uint32(hu|0x3fe00000))<<32 | lo) // normalize u/2
			hu = (0x00100000 - hu) >> 2
		}
		f = u - 1.0
	}
	hfsq := float64(0.5*f) * f
	kd := float64(k)
	if hu == 0 { // |f| < 2**-20
		if f == 0 {
			if k == 0 {
				return 0
			}
			return math.FMA(kd, l1pLn2Hi, math.FMA(kd, l1pLn2Lo, c))
		}
		r := math.FMA(-f, 0.66666666666666666, 1.0) * hfsq
		if k == 0 {
			return f - r
		}
		return math.FMA(kd, l1pLn2Hi, -((r - math.FMA(kd, l1pLn2Lo, c)) - f))
	}
	s := f / (2.0 + f)
	z := s * s
	z2 := z * z
	z4 := z2 * z2
	z6 := z2 * z4
	r := math.FMA(z, lp1, z2*math.FMA(z, lp3, lp2))
	r = math.FMA(z4, math.FMA(z, lp5, lp4), r)
	r = math.FMA(z6, math.FMA(z, lp7, lp6), r)
	t := (r + hfsq) * s
	if k == 0 {
		return f - (hfsq - t)
	}
	return math.FMA(kd, l1pLn2Hi, -((hfsq - (math.FMA(kd, l1pLn2Lo, c) + t)) - f))
}
