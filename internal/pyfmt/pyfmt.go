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
	// Python chooses the notation from the decimal exponent of the shortest repr, not from
	// the value: fixed for exponents in [-4, 16), else d.ddde±XX (Go also pads to two digits).
	e := strconv.FormatFloat(v, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	f := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(f, ".") {
		f += ".0"
	}
	return f
}
