package nn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"mfn/rng"
)

// Regression fits MyceliumFractalNet (the reference's architecture: input projection, sparse
// attention, mean over the sequence, a 3-layer MLP head) to a table: inputs standardised with
// the training rows' mean and standard deviation, the target likewise, Adam on the MSE, and
// metrics on held-out rows in the target's own units.

// RegressionConfig describes one fit.
type RegressionConfig struct {
	Net               NetConfig // InputDim is set from the data
	Epochs, BatchSize int
	LR                float64
	// TestFraction of the rows (at least one) is held out, drawn with Seed.
	TestFraction float64
	Seed         uint64
	Context      context.Context
}

// DefaultRegressionConfig: the reference network's sizes, 50 epochs of batch 32 at Adam's
// default rate, 20 % held out, seed 42.
func DefaultRegressionConfig() RegressionConfig {
	return RegressionConfig{Net: DefaultNetConfig(), Epochs: 50, BatchSize: 32, LR: 1e-3, TestFraction: 0.2, Seed: 42}
}

// RegressionMetrics are computed in the target's units.
type RegressionMetrics struct {
	MSE  float64 `json:"mse"`
	RMSE float64 `json:"rmse"`
	MAE  float64 `json:"mae"`
	R2   float64 `json:"r2"`
}

// Regressor is a fitted network with its scaling.
type Regressor struct {
	Net         *Network[float32]
	XMean, XStd []float64
	YMean, YStd float64
	TrainRows   []int
	TestRows    []int
	Train, Test RegressionMetrics
	Baseline    RegressionMetrics // predicting the training mean, on the test rows
	EpochLoss   []float64         // mean training loss (standardised units) per epoch
}

// FitRegression fits x (rows of features) to y.
func FitRegression(x [][]float64, y []float64, cfg RegressionConfig) (*Regressor, error) {
	n := len(y)
	if len(x) != n {
		return nil, fmt.Errorf("%d feature rows for %d targets", len(x), n)
	}
	if n < 2 {
		return nil, fmt.Errorf("rows=%d: at least 2 are needed (one to train, one to test)", n)
	}
	if !(cfg.TestFraction > 0 && cfg.TestFraction < 1) {
		return nil, fmt.Errorf("test_fraction=%v must be in (0, 1)", cfg.TestFraction)
	}
	if cfg.Epochs < 1 {
		return nil, fmt.Errorf("epochs=%d must be >= 1", cfg.Epochs)
	}
	d := len(x[0])
	for i, row := range x {
		if len(row) != d {
			return nil, fmt.Errorf("row %d has %d features, row 0 has %d", i, len(row), d)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("row %d feature %d is %v: values must be finite", i, j, v)
			}
		}
		if math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return nil, fmt.Errorf("row %d target is %v: values must be finite", i, y[i])
		}
	}
	cfg.Net.InputDim = d
	adam := DefaultAdam()
	adam.LR = cfg.LR
	if err := adam.Validate(); err != nil {
		return nil, err
	}
	g := rng.New(cfg.Seed)
	perm := Permutation(g, n)
	nTest := max(1, min(n-1, int(math.Round(cfg.TestFraction*float64(n)))))
	r := &Regressor{TestRows: perm[:nTest], TrainRows: perm[nTest:]}
	// Scaling from the training rows only.
	r.XMean, r.XStd = make([]float64, d), make([]float64, d)
	for j := range d {
		col := make([]float64, len(r.TrainRows))
		for k, i := range r.TrainRows {
			col[k] = x[i][j]
		}
		r.XMean[j], r.XStd[j] = meanStd(col)
	}
	ty := make([]float64, len(r.TrainRows))
	for k, i := range r.TrainRows {
		ty[k] = y[i]
	}
	r.YMean, r.YStd = meanStd(ty)

	net, err := NewNetwork[float32](cfg.Net, g)
	if err != nil {
		return nil, err
	}
	r.Net = net
	opt, err := NewAdam(net.Params(), adam)
	if err != nil {
		return nil, err
	}
	xs, ys := r.scaled(x, r.TrainRows), make([]float32, len(r.TrainRows))
	for k, i := range r.TrainRows {
		ys[k] = float32((y[i] - r.YMean) / r.YStd)
	}
	steps := (len(r.TrainRows) + cfg.BatchSize - 1) / max(cfg.BatchSize, 1)
	for range cfg.Epochs {
		losses, err := net.Fit(xs, ys, opt, FitOptions{Epochs: 1, BatchSize: cfg.BatchSize, Shuffle: g, Context: cfg.Context})
		if err != nil {
			return nil, err
		}
		var s float64
		for _, l := range losses {
			s += float64(l)
		}
		r.EpochLoss = append(r.EpochLoss, s/float64(steps))
	}
	if r.Train, err = r.evaluate(x, y, r.TrainRows); err != nil {
		return nil, err
	}
	if r.Test, err = r.evaluate(x, y, r.TestRows); err != nil {
		return nil, err
	}
	base := make([]float64, len(r.TestRows))
	want := make([]float64, len(r.TestRows))
	for k, i := range r.TestRows {
		base[k], want[k] = r.YMean, y[i]
	}
	r.Baseline = metrics(base, want)
	return r, nil
}

func meanStd(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	std = math.Sqrt(std / float64(len(v)))
	if std == 0 {
		std = 1 // a constant column: centre it, do not scale
	}
	return mean, std
}

// scaled returns the standardised features of the given rows (all rows when nil), flat.
func (r *Regressor) scaled(x [][]float64, rows []int) []float32 {
	if rows == nil {
		rows = make([]int, len(x))
		for i := range rows {
			rows[i] = i
		}
	}
	d := len(r.XMean)
	out := make([]float32, 0, len(rows)*d)
	for _, i := range rows {
		for j, v := range x[i] {
			out = append(out, float32((v-r.XMean[j])/r.XStd[j]))
		}
	}
	return out
}

// Predict returns the predictions for the rows of x (each with len(XMean) features), in the
// target's units.
func (r *Regressor) Predict(x [][]float64) ([]float64, error) {
	if len(x) == 0 {
		return nil, nil
	}
	for i, row := range x {
		if len(row) != len(r.XMean) {
			return nil, fmt.Errorf("row %d has %d features, the model takes %d", i, len(row), len(r.XMean))
		}
	}
	out, err := r.Net.Forward(r.scaled(x, nil), len(x), 1)
	if err != nil {
		return nil, err
	}
	p := make([]float64, len(out))
	for i, v := range out {
		p[i] = float64(v)*r.YStd + r.YMean
	}
	return p, nil
}

func (r *Regressor) evaluate(x [][]float64, y []float64, rows []int) (RegressionMetrics, error) {
	sub := make([][]float64, len(rows))
	want := make([]float64, len(rows))
	for k, i := range rows {
		sub[k], want[k] = x[i], y[i]
	}
	p, err := r.Predict(sub)
	if err != nil {
		return RegressionMetrics{}, err
	}
	return metrics(p, want), nil
}

// metrics: MSE, its root, MAE, and R² = 1 − SSE/SST around the rows' own mean (0 when the
// rows' targets are all equal, where R² is undefined).
func metrics(pred, want []float64) RegressionMetrics {
	var sse, sae, mean float64
	for i, w := range want {
		e := pred[i] - w
		sse += e * e
		sae += math.Abs(e)
		mean += w
	}
	n := float64(len(want))
	mean /= n
	var sst float64
	for _, w := range want {
		sst += (w - mean) * (w - mean)
	}
	m := RegressionMetrics{MSE: sse / n, MAE: sae / n}
	m.RMSE = math.Sqrt(m.MSE)
	if sst > 0 {
		m.R2 = 1 - sse/sst
	}
	return m
}

// SaveNPZ writes the network and its scaling (__mfn_x_mean__, __mfn_x_std__, __mfn_y_scale__
// = [mean, std]) as an .npz weights file.
func (r *Regressor) SaveNPZ(w io.Writer) error {
	return r.Net.SaveNPZ(w, map[string][]float64{
		"__mfn_x_mean__": r.XMean, "__mfn_x_std__": r.XStd, "__mfn_y_scale__": {r.YMean, r.YStd},
	})
}

// LoadRegressor reads a Regressor's SaveNPZ file (the network and its scaling).
func LoadRegressor(rd io.ReaderAt, size int64) (*Regressor, error) {
	net, extra, err := LoadNPZ[float32](rd, size)
	if err != nil {
		return nil, err
	}
	r := &Regressor{Net: net, XMean: extra["__mfn_x_mean__"], XStd: extra["__mfn_x_std__"]}
	ys := extra["__mfn_y_scale__"]
	if len(r.XMean) != net.Config.InputDim || len(r.XStd) != net.Config.InputDim || len(ys) != 2 {
		return nil, errors.New("weights: not a regressor file: __mfn_x_mean__, __mfn_x_std__ (input_dim values) and __mfn_y_scale__ (2) are needed")
	}
	r.YMean, r.YStd = ys[0], ys[1]
	return r, nil
}
