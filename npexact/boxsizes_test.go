package npexact

import (
	"encoding/json"
	"math"
	"mfn/internal/gzdata"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Rows of spec §9.3 (min_box 2): num_scales → resolved max → sizes.
func TestBoxSizesSpecRows(t *testing.T) {
	cases := []struct {
		scales, max int
		want        []int
	}{
		{5, 2, []int{2}}, {5, 3, []int{2, 3}}, {5, 4, []int{2, 3, 4}}, {5, 6, []int{2, 3, 4, 6}},
		{5, 8, []int{2, 3, 5, 8}}, {5, 9, []int{2, 4, 6, 9}}, {5, 11, []int{2, 3, 4, 7, 11}},
		{5, 16, []int{2, 3, 5, 9, 16}}, {5, 24, []int{2, 3, 6, 12, 24}}, {5, 31, []int{2, 3, 7, 15, 31}},
		{5, 32, []int{2, 4, 7, 16, 32}},
		{3, 2, []int{2}}, {3, 4, []int{2, 4}}, {3, 8, []int{2, 3, 8}},
		{8, 32, []int{2, 4, 6, 9, 14, 21, 32}}, {8, 64, []int{2, 3, 5, 8, 14, 23, 39, 64}},
		{8, 128, []int{2, 3, 6, 11, 21, 39, 70, 128}}, {8, 256, []int{2, 4, 7, 16, 32, 64, 127, 256}},
	}
	for _, c := range cases {
		if got := BoxSizes(2, c.max, c.scales); !slices.Equal(got, c.want) {
			t.Errorf("BoxSizes(2, %d, %d) = %v, want %v", c.max, c.scales, got, c.want)
		}
	}
}

func TestBoxSizesEdges(t *testing.T) {
	if got := BoxSizes(3, 9, 1); !slices.Equal(got, []int{3}) {
		t.Errorf("one scale: %v", got)
	}
	if got := BoxSizes(2, 32, 0); got == nil || len(got) != 0 {
		t.Errorf("zero scales: %#v", got)
	}
	if got := BoxSizes(0, 32, 5); got != nil {
		t.Errorf("min 0: %v", got)
	}
	if got := BoxSizes(2, -1, 5); got != nil {
		t.Errorf("max -1: %v", got)
	}
	// Returned slices are copies: the table must not be mutated through them.
	s := BoxSizes(2, 32, 5)
	s[0] = 99
	if BoxSizes(2, 32, 5)[0] != 2 {
		t.Error("table entry was mutated")
	}
}

func TestGeomspace(t *testing.T) {
	// Interior values may be an ulp off numpy's (Go gives 3.9999999999999996 where numpy
	// gives 4.0 here; the table covers that); endpoints are exact.
	g := Geomspace(2, 32, 5)
	want := []float64{2, 4, 8, 16, 32}
	for i := range want {
		if math.Abs(g[i]-want[i]) > 4e-15*want[i] || (i%4 == 0 && g[i] != want[i]) {
			t.Errorf("geomspace(2, 32, 5) = %v", g)
		}
	}
	if g := Geomspace(5, 7, 1); len(g) != 1 || g[0] != 5 {
		t.Errorf("geomspace(5, 7, 1) = %v", g)
	}
	if g := Geomspace(5, 7, 0); len(g) != 0 {
		t.Errorf("geomspace(5, 7, 0) = %v", g)
	}
}

// The embedded table is present, and on its robust rows (no value near an integer) the
// computed path agrees with it without consulting the table.
func TestBoxTableAndComputedPath(t *testing.T) {
	table := boxTable()
	if len(table) < 2000 {
		t.Fatalf("embedded table has %d rows", len(table))
	}
	csv, err := gzdata.Decompress(boxSizesGzip)
	if err != nil {
		t.Fatal(err)
	}
	robust := 0
	for _, line := range strings.Split(string(csv), "\n") {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) != 5 || f[4] != "" {
			continue
		}
		a, _ := strconv.Atoi(f[0])
		n, _ := strconv.Atoi(f[1])
		b, _ := strconv.Atoi(f[2])
		var got []int
		for _, v := range Geomspace(float64(a), float64(b), n) {
			got = append(got, int(v))
		}
		slices.Sort(got)
		got = slices.Compact(got)
		if want := table[boxKey{a, n, b}]; !slices.Equal(got, want) {
			t.Errorf("computed (%d, %d, %d) = %v, table %v", a, b, n, got, want)
		}
		robust++
	}
	if robust == 0 {
		t.Error("no robust rows found")
	}
}

// Every entry of the golden table (min_box 1–4, max_box ≤ 512, num_scales 1–12).
func TestBoxSizesGolden(t *testing.T) {
	data, err := os.ReadFile("../testdata/golden/box_sizes.json")
	if err != nil {
		t.Skipf("golden file missing: %v", err)
	}
	var g struct{ Table map[string][]int }
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	for k, want := range g.Table {
		var v [3]int
		for i, s := range strings.Split(k, ",") {
			v[i], _ = strconv.Atoi(s)
		}
		if got := BoxSizes(v[0], v[1], v[2]); !slices.Equal(got, want) {
			t.Errorf("BoxSizes(%s) = %v, want %v", k, got, want)
		}
	}
}

func TestResolveMaxBox(t *testing.T) {
	cases := []struct{ n, min, scales, max, want int }{
		{64, 2, 5, 0, 32}, {256, 2, 5, 0, 32}, {32, 2, 5, 0, 16}, {256, 2, 8, 0, 128},
		{1024, 2, 8, 0, 256}, {3, 2, 5, 0, 3}, {2, 2, 5, 0, 2}, {5, 2, 5, 0, 2}, {1, 2, 5, 0, 2},
		{8, 2, 1, 0, 2}, {64, 2, 5, 100, 100}, {64, 4, 5, 3, 4}, {1 << 20, 3, 1000, 0, 1 << 19},
		{64, 2, 0, 0, 2},
	}
	for _, c := range cases {
		if got := ResolveMaxBox(c.n, c.min, c.scales, c.max); got != c.want {
			t.Errorf("ResolveMaxBox(%d, %d, %d, %d) = %d, want %d", c.n, c.min, c.scales, c.max, got, c.want)
		}
	}
}
