// Package pyfmt formats numbers the way Python's str() and repr() do, so that messages and
// text outputs read exactly like the reference's.
package pyfmt

import (
	"math"
	"strconv"
	"strings"
)

// Float formats v like Python's repr(float): the shortest round-trip digits, always with a
// decimal point or exponent ("2.0", "0.25", "1e-06", "1e+16", "inf", "nan").
func Float(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	abs := math.Abs(v)
	if abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		// Go writes e-06 / e+16 already with at least two exponent digits, like Python.
		mant, exp, _ := strings.Cut(s, "e")
		if len(exp) == 2 { // sign and one digit: pad to two digits
			exp = exp[:1] + "0" + exp[1:]
		}
		return mant + "e" + exp
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}
