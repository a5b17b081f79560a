package pyfmt

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
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

// floatTwoPass is the earlier implementation (two strconv passes), kept as the reference that
// AppendFloat's own layout of the digits must reproduce.
func floatTwoPass(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
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

func TestAppendFloatMatchesTwoPass(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(v float64) {
		t.Helper()
		want := floatTwoPass(v)
		if got := string(AppendFloat([]byte("x"), v)); got != "x"+want {
			t.Fatalf("AppendFloat(%v) = %q, want %q", v, got[1:], want)
		}
	}
	for e := -330; e <= 310; e++ {
		for _, m := range []float64{1, 1.5, 9.999999999999999, 1.2345678901234567, 5e-324} {
			v := m * math.Pow(10, float64(e))
			check(v)
			check(-v)
		}
	}
	for range 200000 {
		check(math.Float64frombits(r.Uint64()))
		check(r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20)))
	}
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, 1, 0.1, 1e16, 1e-5, 123456789012345.6, -89.01066911987907} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if got, want := string(AppendFloat(nil, v)), floatTwoPass(v); got != want {
			t.Fatalf("AppendFloat(%v) = %q, want %q", v, got, want)
		}
	})
}

func BenchmarkFloat(b *testing.B) {
	b.Run("two-pass", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = floatTwoPass(-89.01066911987907)
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 32)
		for b.Loop() {
			buf = AppendFloat(buf[:0], -89.01066911987907)
		}
	})
}
