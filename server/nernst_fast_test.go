package server

import (
	"math"
	"net/http/httptest"
	"strings"
	"testing"
)

// nernstFastSeeds are bodies the fast path must take (the load test's, and its variations).
var nernstFastSeeds = []string{
	`{"z_valence":1,"concentration_out_molar":0.005,"concentration_in_molar":0.14,"temperature_k":310.0}`,
	` { "concentration_in_molar" : 0.14 ,"concentration_out_molar":5e-3 } `,
	"{\n\t\"z_valence\": -2,\n\t\"concentration_out_molar\": 2,\n\t\"concentration_in_molar\": 1E-7,\n\t\"temperature_k\": 0.5e3\n}\n",
	`{"z_valence":2.0,"concentration_out_molar":true,"concentration_in_molar":0.1,"temperature_k":false}`,
	`{"z_valence":-0,"concentration_out_molar":1e-400,"concentration_in_molar":1e300}`,
}

// Bodies the fast path must leave to the general path (which words their errors).
var nernstSlowSeeds = []string{
	``, `{}`, `[]`, `{"concentration_out_molar":1}`, `{"z_valence":1,"concentration_out_molar":1,"concentration_in_molar":1,"x":1}`,
	`{"concentration_out_molar":1,"concentration_in_molar":1,"concentration_in_molar":2}`,
	`{"concentration_out_molar":"1","concentration_in_molar":1}`, `{"concentration_out_molar":1e309,"concentration_in_molar":1}`,
	`{"concentration_out_molar":01,"concentration_in_molar":1}`, `{"concentration_out_molar":1.,"concentration_in_molar":1}`,
	`{"concentration_out_molar":1,"concentration_in_molar":1,}`, `{"concentration_out_molar":1,"concentration_in_molar":1} x`,
	`{"z_valence":2147483648,"concentration_out_molar":1,"concentration_in_molar":1}`, `{"z_valence":1.5,"concentration_out_molar":1,"concentration_in_molar":1}`,
	`{"z_valence":null,"concentration_out_molar":1,"concentration_in_molar":1}`, `{"concentration\u005fout_molar":1,"concentration_in_molar":1}`,
	`{"concentration_out_molar":NaN,"concentration_in_molar":1}`, `{"concentration_out_molar":-Infinity,"concentration_in_molar":1}`,
	`{"concentration_out_molar":1 "concentration_in_molar":1}`, `{"concentration_out_molar":1,"concentration_in_molar":truex}`,
}

func TestNernstFastPathTakesTheCommonBodies(t *testing.T) {
	for _, s := range nernstFastSeeds {
		if _, ok := parseNernstFast([]byte(s)); !ok {
			t.Errorf("fast path refused %q", s)
		}
		checkNernstPathsAgree(t, []byte(s))
	}
	for _, s := range nernstSlowSeeds {
		if in, ok := parseNernstFast([]byte(s)); ok {
			t.Errorf("fast path took %q as %+v", s, in)
		}
	}
}

// checkNernstPathsAgree: whatever the fast path accepts, the general path accepts with the
// same values, bit for bit.
func checkNernstPathsAgree(t *testing.T, b []byte) {
	t.Helper()
	fast, ok := parseNernstFast(b)
	if !ok {
		return
	}
	f, err := parseForm(b)
	if err != nil {
		t.Fatalf("%q: fast path accepted, general path refused: %v", b, err)
	}
	slow, err := nernstFromForm(f)
	if err != nil {
		t.Fatalf("%q: fast path accepted, general path refused: %v", b, err)
	}
	same := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	if fast.z != slow.z || !same(fast.cOut, slow.cOut) || !same(fast.cIn, slow.cIn) || !same(fast.temperature, slow.temperature) {
		t.Fatalf("%q: fast path %+v, general path %+v", b, fast, slow)
	}
}

func FuzzNernstFastPath(f *testing.F) {
	for _, s := range append(append(nernstFastSeeds, nernstSlowSeeds...), fuzzSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkNernstPathsAgree(t, b) })
}

// The answer's bytes are the general object writer's.
func TestWriteNernstMatchesObject(t *testing.T) {
	for _, v := range []float64{-89.01066911987907, 0, math.Copysign(0, -1), 1e-7, 123456.5, -1e300, 5e-324, 61.54} {
		a, b := httptest.NewRecorder(), httptest.NewRecorder()
		writeNernst(a, v)
		newObject().float("potential_mV", v).write(b, httptest.NewRequest("POST", "/nernst", nil))
		if a.Body.String() != b.Body.String() || a.Code != b.Code ||
			strings.Join(a.Header()["Content-Length"], ",") != strings.Join(b.Header()["Content-Length"], ",") ||
			a.Header().Get("Content-Type") != b.Header().Get("Content-Type") {
			t.Errorf("%v: writeNernst %d %v %q, object %d %v %q", v, a.Code, a.Header(), a.Body, b.Code, b.Header(), b.Body)
		}
	}
}

// BenchmarkNernstParse compares, in one run, the general form (a map of members, one string
// per key and value) with the one-pass reader on the load test's body.
func BenchmarkNernstParse(b *testing.B) {
	body := []byte(nernstFastSeeds[0])
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := parseForm(body)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := nernstFromForm(f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := parseNernstFast(body); !ok {
				b.Fatal("refused")
			}
		}
	})
}
