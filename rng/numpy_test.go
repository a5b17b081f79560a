package rng

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// The batch normals against numpy itself: a million values over four seeds (thousands of
// slow-path draws, tail and wedge), as standard_normal and normal(loc, scale) calls in a row,
// bit for bit, and the generator's state afterwards. Needs Debian's python3-numpy (CI
// installs it in .ci/steps/15-numpy.sh; with CI=true a missing numpy fails the test).
func TestFillMatchesNumpy(t *testing.T) {
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import numpy").CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s cannot import numpy: %v\n%s", py, err, out)
		}
		t.Skipf("%s with numpy is not installed (apt-get install python3-numpy): %v", py, err)
	}
	dir := t.TempDir()
	script := `import json, sys, numpy as np
res = []
for seed in [0, 1, 42, 1099511627779]:
    g = np.random.default_rng(seed)
    parts = [g.standard_normal(200003), g.normal(-0.07, 0.005, 50001), g.standard_normal(7)]
    np.concatenate(parts).astype("<f8").tofile(f"{sys.argv[1]}/{seed}.bin")
    s = g.bit_generator.state
    res.append({"seed": seed, "state": str(s["state"]["state"]), "inc": str(s["state"]["inc"])})
print(json.dumps(res))`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	var cases []struct {
		Seed       uint64
		State, Inc string
	}
	if err := json.Unmarshal(out, &cases); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	bothPaths(t, func(t *testing.T) {
		for _, c := range cases {
			raw, err := os.ReadFile(filepath.Join(dir, strconv.FormatUint(c.Seed, 10)+".bin"))
			if err != nil {
				t.Fatal(err)
			}
			g := New(c.Seed)
			got := make([]float64, 200003+50001+7)
			g.FillStandardNormal(got[:200003])
			g.FillNormal(got[200003:250004], -0.07, 0.005)
			g.FillStandardNormal(got[250004:])
			if len(raw) != 8*len(got) {
				t.Fatalf("numpy wrote %d bytes", len(raw))
			}
			for i, v := range got {
				if w := binary.LittleEndian.Uint64(raw[8*i:]); math.Float64bits(v) != w {
					t.Fatalf("seed %d: value %d = %v, numpy %v", c.Seed, i, v, math.Float64frombits(w))
				}
			}
			if s := g.State(); s.StateBig().String() != c.State || s.IncBig().String() != c.Inc {
				t.Fatalf("seed %d: state %v/%v after the draws, numpy %s/%s", c.Seed, s.StateBig(), s.IncBig(), c.State, c.Inc)
			}
		}
	})
}
