package nn

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mfn/npy"
	"mfn/rng"
)

func saved[F Float](t *testing.T, n *Network[F], extra map[string][]float64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := n.SaveNPZ(&b, extra); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWeightsRoundTrip(t *testing.T) {
	for _, cfg := range []NetConfig{DefaultNetConfig(), {InputDim: 3, HiddenDim: 6, TopK: 2}} {
		n, err := NewNetwork[float32](cfg, rng.New(5))
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 3*cfg.InputDim)
		for i := range x {
			x[i] = float32(i%5) - 1.5
		}
		want, _ := n.Forward(x, 3, 1)
		extra := map[string][]float64{"__mfn_x_mean__": {1, 2.5}}
		got32, ex, err := LoadNPZBytes[float32](saved(t, n, extra))
		if err != nil {
			t.Fatal(err)
		}
		if got32.Config != cfg || !slices.Equal(ex["__mfn_x_mean__"], extra["__mfn_x_mean__"]) || len(ex) != 1 {
			t.Fatalf("config %+v, extras %v", got32.Config, ex)
		}
		for i, p := range got32.Params() {
			if !slices.Equal(p.Value, n.Params()[i].Value) {
				t.Fatalf("%s differs after the round trip", p.Name)
			}
		}
		if out, _ := got32.Forward(x, 3, 1); !slices.Equal(out, want) {
			t.Fatalf("predictions %v, want %v", out, want)
		}
		// A float32 file loads into a float64 network exactly (the values widen).
		got64, _, err := LoadNPZBytes[float64](saved(t, n, nil))
		if err != nil || got64.Params()[0].Value[0] != float64(n.Params()[0].Value[0]) {
			t.Fatalf("float64 load: %v", err)
		}
	}
}

func TestWeightsErrors(t *testing.T) {
	n, _ := NewNetwork[float32](NetConfig{InputDim: 2, HiddenDim: 4, TopK: 1}, rng.New(1))
	good := saved(t, n, nil)
	rewrite := func(edit func(name string, data []byte) (string, []byte)) []byte {
		zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for _, f := range zr.File {
			rc, _ := f.Open()
			var d bytes.Buffer
			d.ReadFrom(rc)
			name, data := edit(f.Name, d.Bytes())
			if name == "" {
				continue
			}
			w, _ := zw.Create(name)
			w.Write(data)
		}
		zw.Close()
		return b.Bytes()
	}
	npyOf := func(shape []int, v []float64) []byte {
		var b bytes.Buffer
		npy.Write(&b, shape, v)
		return b.Bytes()
	}
	cases := []struct {
		data []byte
		want string
	}{
		{[]byte("not a zip"), "not an .npz (zip) archive"},
		{rewrite(func(n string, d []byte) (string, []byte) {
			if n == "net.4.bias.npy" {
				return "", nil
			}
			return n, d
		}), "missing array net.4.bias"},
		{rewrite(func(n string, d []byte) (string, []byte) {
			if n == "net.0.weight.npy" {
				return n, npyOf([]int{4, 3}, make([]float64, 12))
			}
			return n, d
		}), "net.0.weight has shape [4 3], want [4 4]"},
		{rewrite(func(n string, d []byte) (string, []byte) {
			if n == "net.0.weight.npy" {
				return "extra.npy", d
			}
			return n, d
		}), "missing array net.0.weight"},
		{rewrite(func(n string, d []byte) (string, []byte) {
			if n == configKey+".npy" {
				return n, npyOf([]int{6}, []float64{2, 2, 4, 1, 1, 0})
			}
			return n, d
		}), "__mfn_config__ = [2 2 4 1 1 0]"},
		{rewrite(func(n string, d []byte) (string, []byte) {
			if n == "net.2.bias.npy" {
				// A forged header claiming a huge array in a tiny entry.
				return n, bytes.Replace(d, []byte("(2,)"), []byte("(999999,)"), 1)
			}
			return n, d
		}), "net.2.bias has shape [999999], want [2]"},
	}
	for _, c := range cases {
		if _, _, err := LoadNPZBytes[float32](c.data); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	if err := n.SaveNPZ(&bytes.Buffer{}, map[string][]float64{"x": {1}}); err == nil {
		t.Error("an extra without the __mfn_ prefix was accepted")
	}
}

// FuzzLoadNPZ: arbitrary bytes never panic the loader.
func FuzzLoadNPZ(f *testing.F) {
	var b bytes.Buffer
	n, _ := NewNetwork[float32](NetConfig{InputDim: 2, HiddenDim: 4, TopK: 1}, rng.New(1))
	n.SaveNPZ(&b, map[string][]float64{"__mfn_y__": {1}})
	f.Add(b.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		LoadNPZBytes[float32](data)
	})
}

// TestWeightsLoadInNumpy: numpy.load reads the file, with torch's names and shapes and the
// saved values. Needs /usr/bin/python3 with numpy (Debian's python3-numpy); skipped without
// it, except in CI (CI=true), where the step .ci/steps/65-nn-numpy.sh installs it.
func TestWeightsLoadInNumpy(t *testing.T) {
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import numpy").CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s cannot import numpy: %v\n%s", py, err, out)
		}
		t.Skipf("%s with numpy is not installed (apt-get install python3-numpy): %v", py, err)
	}
	n, _ := NewNetwork[float32](DefaultNetConfig(), rng.New(9))
	path := filepath.Join(t.TempDir(), "model.npz")
	if err := os.WriteFile(path, saved(t, n, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	script := `import json, sys, numpy as np
w = np.load(sys.argv[1])
print(json.dumps({k: [list(w[k].shape), float(w[k].astype(np.float64).sum()), str(w[k].dtype)] for k in w.files}))`
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	var got map[string][]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(got) != len(n.Params())+1 {
		t.Fatalf("numpy sees %d arrays: %v", len(got), got)
	}
	for _, p := range n.Params() {
		g := got[p.Name]
		var sum float64
		for _, v := range p.Value {
			sum += float64(v)
		}
		shape, _ := json.Marshal(n.paramShape(p.Name))
		gs, _ := json.Marshal(g[0])
		if g == nil || string(gs) != string(shape) || math.Abs(g[1].(float64)-sum) > 1e-9 || g[2] != "float64" {
			t.Errorf("%s: numpy %v, want shape %s sum %v", p.Name, g, shape, sum)
		}
	}
}
