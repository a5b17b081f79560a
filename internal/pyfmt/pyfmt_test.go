package pyfmt

import (
	"math"
	"testing"
)

func TestFloat(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{2, "2.0"}, {0.25, "0.25"}, {1e-6, "1e-06"}, {1e-7, "1e-07"}, {1e16, "1e+16"},
		{1024, "1024.0"}, {-0.095, "-0.095"}, {0.0001, "0.0001"}, {0.00012, "0.00012"},
		{123456789012345.0, "123456789012345.0"}, {1.5e-10, "1.5e-10"}, {0, "0.0"},
		{math.Copysign(0, -1), "-0.0"}, {math.NaN(), "nan"}, {math.Inf(-1), "-inf"},
		{-89.01066911987907, "-89.01066911987907"}, {1e100, "1e+100"},
	} {
		if got := Float(c.v); got != c.want {
			t.Errorf("Float(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}
