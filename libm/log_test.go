package libm

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestLogTable compares Log with 10 000 results of Debian's python3 math.log (glibc's log on
// x86-64 with FMA), stored in testdata/log_glibc.txt by scripts/gen-libm-log-table.py.
func TestLogTable(t *testing.T) {
	f, err := os.Open("testdata/log_glibc.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, goDiff := 0, 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		xs, ws, ok := strings.Cut(line, " ")
		xb, err1 := strconv.ParseUint(xs, 16, 64)
		wb, err2 := strconv.ParseUint(ws, 16, 64)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("bad line %q", line)
		}
		x := math.Float64frombits(xb)
		if got := math.Float64bits(Log(x)); got != wb {
			t.Errorf("Log(%v) = %v, glibc %v", x, math.Float64frombits(got), math.Float64frombits(wb))
		}
		if math.Float64bits(math.Log(x)) != wb {
			goDiff++
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 10000 {
		t.Fatalf("only %d values in the table", n)
	}
	t.Logf("%d values; math.Log differs on %d of them, Log on none", n, goDiff)
}

// TestLogIssueCase is the case of issue 16: log(0.002/0.2) drives the Nernst potential.
func TestLogIssueCase(t *testing.T) {
	x := 0.002 / 0.2
	// python3 -c "import math; print(math.log(0.002/0.2).hex())" on Debian 12
	want := -0x1.26bb1bbb55515p+2
	if got := Log(x); got != want {
		t.Errorf("Log(%v) = %x, want %x", x, got, want)
	}
	if math.Log(x) == want {
		t.Logf("note: math.Log agrees here on this GOARCH")
	}
}

func TestLogSpecial(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{
		{0, math.Inf(-1)}, {math.Copysign(0, -1), math.Inf(-1)}, {1, 0},
		{math.Inf(1), math.Inf(1)}, {math.E, 1}, {0x1p-1074, -744.4400719213812},
	} {
		if got := Log(c.x); got != c.want {
			t.Errorf("Log(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	for _, x := range []float64{-1, math.Inf(-1), math.NaN(), -0x1p-1074} {
		if got := Log(x); !math.IsNaN(got) {
			t.Errorf("Log(%v) = %v, want NaN", x, got)
		}
	}
}

func BenchmarkLog(b *testing.B) {
	s := 0.0
	for i := range b.N {
		s += Log(1.5 + float64(i&1023))
	}
	_ = s
}

func BenchmarkMathLog(b *testing.B) {
	s := 0.0
	for i := range b.N {
		s += math.Log(1.5 + float64(i&1023))
	}
	_ = s
}
