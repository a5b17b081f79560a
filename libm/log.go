package libm

import "math"

// Constants of glibc's __log_data (e_log_data.c, LOG_TABLE_BITS 7, LOG_POLY_ORDER 6,
// LOG_POLY1_ORDER 12).
const (
	ln2hi = 0x1.62e42fefa3800p-1
	ln2lo = 0x1.ef35793c76730p-45

	// A: log1p(r) - r on |r| < 0x1.fp-9, after the table reduction.
	a0 = -0x1.0000000000001p-1
	a1 = 0x1.555555551305bp-2
	a2 = -0x1.fffffffeb459p-3
	a3 = 0x1.999b324f10111p-3
	a4 = -0x1.55575e506c89fp-3

	// B: log(1+r) on -0x1p-4 < r < 0x1.09p-4 (arguments close to 1).
	b0  = -0x1p-1
	b1  = 0x1.5555555555577p-2
	b2  = -0x1.ffffffffffdcbp-3
	b3  = 0x1.999999995dd0cp-3
	b4  = -0x1.55555556745a7p-3
	b5  = 0x1.24924a344de3p-3
	b6  = -0x1.fffffa4423d65p-4
	b7  = 0x1.c7184282ad6cap-4
	b8  = -0x1.999eb43b068ffp-4
	b9  = 0x1.78182f7afd085p-4
	b10 = -0x1.5521375d145cdp-4

	logOff = 0x3fe6000000000000
	// logLo and logHi bound the "close to 1" interval [1 - 0x1p-4, 1 + 0x1.09p-4).
	logLo = 0x3fee000000000000
	logHi = 0x3ff1090000000000
)

// Log returns the natural logarithm of x exactly as glibc's log does on x86-64 with FMA:
// Log(±0) = -Inf, Log(+Inf) = +Inf, Log(x < 0) = NaN, Log(NaN) = NaN.
func Log(x float64) float64 {
	ix := math.Float64bits(x)
	if ix-logLo < logHi-logLo {
		return logNear1(x, ix)
	}
	top := ix >> 48
	if top-0x0010 >= 0x7ff0-0x0010 {
		// x < 0x1p-1022, or x is Inf or NaN, or negative.
		switch {
		case ix<<1 == 0:
			return math.Inf(-1)
		case ix == 0x7ff0000000000000:
			return x
		case top&0x8000 != 0 || top&0x7ff0 == 0x7ff0:
			return math.NaN()
		}
		// Subnormal: scale into the normal range.
		ix = math.Float64bits(x*0x1p52) - 52<<52
	}
	// x = 2^k z with z in [0x1.6p-1, 0x1.6p0); c is the centre of z's subinterval.
	tmp := ix - logOff
	i := (tmp >> (52 - 7)) % 128
	k := int64(tmp) >> 52
	iz := ix - tmp&(0xfff<<52)
	invc, logc := logTab[i][0], logTab[i][1]
	z := math.Float64frombits(iz)
	kd := float64(k)

	r := math.FMA(z, invc, -1.0)
	w := math.FMA(kd, ln2hi, logc)
	hi := w + r
	lo := math.FMA(kd, ln2lo, (w-hi)+r)
	r2 := r * r
	r3 := r * r2
	p := math.FMA(math.FMA(r, a4, a3), r2, math.FMA(r, a2, a1))
	y := math.FMA(r3, p, math.FMA(r2, a0, lo))
	return y + hi
}

// logNear1 is glibc's branch for 1 - 2^-4 <= x < 1 + 0x1.09p-4, where log(x) is evaluated as a
// polynomial in r = x - 1 with the r² term split exactly (rhi has 26 bits).
func logNear1(x float64, ix uint64) float64 {
	if ix == 0x3ff0000000000000 {
		return 0
	}
	r := x - 1.0
	r2 := r * r
	r3 := r * r2
	p := math.FMA(r2, b3, math.FMA(r, b2, b1))
	q := math.FMA(r2, b6, math.FMA(r, b5, b4))
	s := math.FMA(r3, b10, math.FMA(r2, b9, math.FMA(r, b8, b7)))
	s = math.FMA(s, r3, q)
	s = math.FMA(s, r3, p)

	rw := math.FMA(r, 0x1p27, r)
	rhi := math.FMA(-0x1p27, r, rw)
	rlo := r - rhi
	rh2 := rhi * rhi
	hi := math.FMA(rh2, b0, r)
	lo := math.FMA(rh2, b0, r-hi)
	lo = math.FMA(b0*rlo, r+rhi, lo)
	y := math.FMA(s, r3, lo)
	return hi + y
}
