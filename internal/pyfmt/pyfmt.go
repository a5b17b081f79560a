// Package pyfmt formats numbers the way Python's str() and repr() do, so that messages and
// text outputs read exactly like the reference's.
package pyfmt

import (
	"math"
	"strconv"
)

// Float formats v like Python's repr(float): the shortest round-trip digits, always with a
// decimal point or exponent ("2.0", "0.25", "1e-06", "1e+16", "inf", "nan").
func Float(v float64) string {
	var b [32]byte
	return string(AppendFloat(b[:0], v))
}

// AppendFloat appends Float(v) to dst. It formats the shortest digits once and lays them out
// itself, so that a response writer pays one float conversion and no allocation per number.
func AppendFloat(dst []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(dst, "nan"...)
	case math.IsInf(v, 1):
		return append(dst, "inf"...)
	case math.IsInf(v, -1):
		return append(dst, "-inf"...)
	}
	// Python chooses the notation from the decimal exponent of the shortest repr, not from
	// the value: fixed for exponents in [-4, 16), else d.ddde±XX (Go also pads to two digits).
	var scratch [32]byte
	e := strconv.AppendFloat(scratch[:0], v, 'e', -1, 64) // [-]d[.ddd]e±XX
	k := len(e) - 1
	for e[k] != 'e' {
		k--
	}
	exp := 0
	for _, c := range e[k+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[k+1] == '-' {
		exp = -exp
	}
	if exp < -4 || exp >= 16 {
		return append(dst, e...)
	}
	// Fixed notation from the same digits, as strconv's 'f' with precision -1 writes them.
	mant := e[:k]
	if mant[0] == '-' {
		dst = append(dst, '-')
		mant = mant[1:]
	}
	var digits [20]byte
	nd := copy(digits[:], mant[:1])
	if len(mant) > 2 {
		nd += copy(digits[nd:], mant[2:]) // skip the point
	}
	d := digits[:nd]
	switch {
	case exp < 0:
		dst = append(dst, '0', '.')
		for range -exp - 1 {
			dst = append(dst, '0')
		}
		dst = append(dst, d...)
	case len(d) <= exp+1:
		dst = append(dst, d...)
		for range exp + 1 - len(d) {
			dst = append(dst, '0')
		}
		dst = append(dst, '.', '0')
	default:
		dst = append(dst, d[:exp+1]...)
		dst = append(dst, '.')
		dst = append(dst, d[exp+1:]...)
	}
	return dst
}
