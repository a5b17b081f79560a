package nn

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"mfn/npy"
)

// Weights files: a NumPy .npz archive (a zip of .npy arrays, what numpy.savez writes), so
// numpy.load reads it and PyTorch takes it as a state dict:
//
//	w = numpy.load("model.npz")
//	state = {k: torch.from_numpy(w[k]) for k in w.files if not k.startswith("__")}
//	model.load_state_dict(state)   # copy_ converts the float64 arrays to the model's dtype
//
// Each parameter is one array under torch's name (input_proj.weight, attention.q_proj.bias,
// net.4.weight, ...), weights shaped (out, in) and biases (out,), as float64 (float32 values
// widen exactly). "__mfn_config__" holds [format version 1, input_dim, hidden_dim, topk,
// use_sparse_attention, use_stdp]. Other arrays whose names start with "__mfn_" are extras
// the caller stores beside the network (mfn train keeps its input and target scaling there).

// WeightsFormatVersion is the first value of __mfn_config__.
const WeightsFormatVersion = 1

const configKey = "__mfn_config__"

// maxWeightsEntries bounds the arrays LoadNPZ reads: a network has at most 14 and the extras
// are few.
const maxWeightsEntries = 64

// maxWeightsArrayBytes bounds one array's .npy entry: a 1024×1024 float64 weight and its header.
const maxWeightsArrayBytes = 8<<20 + 4096

var npyShapeRe = regexp.MustCompile(`['"]shape['"]\s*:\s*\(([^)]*)\)`)

// peekShape reads the shape from a .npy header without allocating the array.
func peekShape(b []byte) ([]int, error) {
	head := b[:min(len(b), 4096)]
	m := npyShapeRe.FindSubmatch(head)
	if m == nil {
		return nil, fmt.Errorf("%w: no shape in the header", npy.ErrFormat)
	}
	var shape []int
	for _, part := range strings.Split(string(m[1]), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.Atoi(part)
		if err != nil || v < 0 || v > 1<<20 {
			return nil, fmt.Errorf("%w: bad dimension %q", npy.ErrFormat, part)
		}
		shape = append(shape, v)
	}
	if len(shape) > 2 {
		return nil, fmt.Errorf("%w: %d dimensions, weights have at most 2", npy.ErrFormat, len(shape))
	}
	return shape, nil
}

// SaveNPZ writes the network's parameters, its configuration and the extras (1-D arrays,
// names starting with "__mfn_") as an .npz archive.
func (n *Network[F]) SaveNPZ(w io.Writer, extra map[string][]float64) error {
	zw := zip.NewWriter(w)
	put := func(name string, shape []int, data []float64) error {
		f, err := zw.Create(name + ".npy")
		if err != nil {
			return err
		}
		return npy.Write(f, shape, data)
	}
	c := n.Config
	cfg := []float64{WeightsFormatVersion, float64(c.InputDim), float64(c.HiddenDim), float64(c.TopK), b2f(c.UseSparseAttention), b2f(c.UseSTDP)}
	if err := put(configKey, []int{len(cfg)}, cfg); err != nil {
		return err
	}
	for _, p := range n.Params() {
		if err := put(p.Name, n.paramShape(p.Name), widen(p.Value)); err != nil {
			return err
		}
	}
	for name, v := range extra {
		if !strings.HasPrefix(name, "__mfn_") || name == configKey {
			return fmt.Errorf("extra array %q: names must start with __mfn_ and not be %s", name, configKey)
		}
		if err := put(name, []int{len(v)}, v); err != nil {
			return err
		}
	}
	return zw.Close()
}

// paramShape is torch's shape of the named parameter.
func (n *Network[F]) paramShape(name string) []int {
	for _, d := range n.namedLayers() {
		switch name {
		case d.name + ".weight":
			return []int{d.Out, d.In}
		case d.name + ".bias":
			return []int{d.Out}
		}
	}
	return nil
}

type namedDense[F Float] struct {
	name string
	*Dense[F]
}

func (n *Network[F]) namedLayers() []namedDense[F] {
	ls := []namedDense[F]{{"input_proj", n.InputProj}}
	if a := n.Attention; a != nil {
		for i, name := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
			ls = append(ls, namedDense[F]{"attention." + name, a.layers()[i]})
		}
	}
	for i, d := range n.Head {
		ls = append(ls, namedDense[F]{fmt.Sprintf("net.%d", 2*i), d})
	}
	return ls
}

// LoadNPZ reads a SaveNPZ archive: the network (every parameter present, with its shape) and
// the extras. Unknown or missing arrays are errors.
func LoadNPZ[F Float](r io.ReaderAt, size int64) (*Network[F], map[string][]float64, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("weights: not an .npz (zip) archive: %w", err)
	}
	if len(zr.File) > maxWeightsEntries {
		return nil, nil, fmt.Errorf("weights: %d arrays, at most %d expected", len(zr.File), maxWeightsEntries)
	}
	arrays := map[string]*zip.File{}
	for _, f := range zr.File {
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok {
			return nil, nil, fmt.Errorf("weights: entry %q is not a .npy array", f.Name)
		}
		arrays[name] = f
	}
	// read reads one array; want, when not nil, is the shape it must have. The header's shape
	// is checked against want and against the entry's size before npy.Read allocates for it,
	// so a forged header cannot demand memory.
	read := func(name string, want []int) ([]int, []float64, error) {
		rc, err := arrays[name].Open()
		if err != nil {
			return nil, nil, err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxWeightsArrayBytes+1))
		if err != nil {
			return nil, nil, fmt.Errorf("weights: %s: %w", name, err)
		}
		if len(b) > maxWeightsArrayBytes {
			return nil, nil, fmt.Errorf("weights: %s is larger than %d bytes", name, maxWeightsArrayBytes)
		}
		shape, err := peekShape(b)
		if err != nil {
			return nil, nil, fmt.Errorf("weights: %s: %w", name, err)
		}
		count := 1
		for _, d := range shape {
			count *= d
		}
		if want != nil && fmt.Sprint(shape) != fmt.Sprint(want) {
			return nil, nil, fmt.Errorf("weights: %s has shape %v, want %v", name, shape, want)
		}
		if 8*count > len(b) {
			return nil, nil, fmt.Errorf("weights: %s: shape %v needs %d bytes of float64, the entry has %d", name, shape, 8*count, len(b))
		}
		shape, data, err := npy.Read(bytes.NewReader(b))
		if err != nil {
			return nil, nil, fmt.Errorf("weights: %s: %w", name, err)
		}
		return shape, data, nil
	}
	if arrays[configKey] == nil {
		return nil, nil, fmt.Errorf("weights: no %s array: not an MFN weights file", configKey)
	}
	_, cfgv, err := read(configKey, []int{6})
	if err != nil {
		return nil, nil, err
	}
	if len(cfgv) != 6 || cfgv[0] != WeightsFormatVersion {
		return nil, nil, fmt.Errorf("weights: %s = %v: want [%d, input_dim, hidden_dim, topk, attention, stdp]", configKey, cfgv, WeightsFormatVersion)
	}
	for _, v := range cfgv[1:4] {
		if v != float64(int(v)) || v < 0 || v > 1<<16 {
			return nil, nil, fmt.Errorf("weights: %s = %v: sizes must be integers in [0, 65536]", configKey, cfgv)
		}
	}
	cfg := NetConfig{InputDim: int(cfgv[1]), HiddenDim: int(cfgv[2]), TopK: int(cfgv[3]), UseSparseAttention: cfgv[4] != 0, UseSTDP: cfgv[5] != 0}
	if cfg.HiddenDim > 1024 || cfg.InputDim > 1024 {
		return nil, nil, fmt.Errorf("weights: input_dim=%d, hidden_dim=%d: at most 1024 each", cfg.InputDim, cfg.HiddenDim)
	}
	n, err := newNetwork[F](cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("weights: %w", err)
	}
	seen := map[string]bool{configKey: true}
	for _, p := range n.Params() {
		if arrays[p.Name] == nil {
			return nil, nil, fmt.Errorf("weights: missing array %s", p.Name)
		}
		_, data, err := read(p.Name, n.paramShape(p.Name))
		if err != nil {
			return nil, nil, err
		}
		for i, v := range data {
			p.Value[i] = F(v)
		}
		seen[p.Name] = true
	}
	extra := map[string][]float64{}
	for name := range arrays {
		if seen[name] {
			continue
		}
		if !strings.HasPrefix(name, "__mfn_") {
			return nil, nil, fmt.Errorf("weights: unexpected array %s for this configuration", name)
		}
		shape, data, err := read(name, nil)
		if err != nil {
			return nil, nil, err
		}
		if len(shape) != 1 {
			return nil, nil, fmt.Errorf("weights: extra %s has shape %v: extras are 1-D", name, shape)
		}
		extra[name] = data
	}
	return n, extra, nil
}

// LoadNPZBytes is LoadNPZ on an in-memory archive.
func LoadNPZBytes[F Float](b []byte) (*Network[F], map[string][]float64, error) {
	return LoadNPZ[F](bytes.NewReader(b), int64(len(b)))
}

func widen[F Float](v []F) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
