package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"mfn/dataset"
	"mfn/internal/atomicfile"
	"mfn/nn"
)

func init() {
	register(command{
		name:    "train",
		summary: "fit the reference's network to a dataset file (.parquet/.csv), report held-out metrics, save .npz weights",
		run:     runTrain,
	})
}

// trainOutput is the JSON report.
type trainOutput struct {
	Data       string               `json:"data"`
	Target     string               `json:"target"`
	Features   []string             `json:"features"`
	Rows       int                  `json:"rows"`
	DroppedNaN int                  `json:"dropped_rows_with_nan"`
	TrainRows  int                  `json:"train_rows"`
	TestRows   int                  `json:"test_rows"`
	Params     int                  `json:"parameters"`
	Epochs     int                  `json:"epochs"`
	FinalLoss  float64              `json:"final_train_loss"`
	Train      nn.RegressionMetrics `json:"train"`
	Test       nn.RegressionMetrics `json:"test"`
	Baseline   nn.RegressionMetrics `json:"test_baseline_mean"`
	Weights    string               `json:"weights,omitempty"`
	Reloaded   bool                 `json:"reloaded_predictions_identical,omitempty"`
}

func runTrain(ctx context.Context, env *Env, args []string) error {
	def := nn.DefaultRegressionConfig()
	fs := newFlagSet(env, "train", "train --data FILE.parquet|FILE.csv --target COLUMN [--features A,B,...] [--out model.npz]\n"+
		"          [--epochs N] [--batch-size N] [--lr F] [--hidden N] [--topk N] [--no-attention] [--test-fraction F]\n"+
		"          [--seed N] [--format text|json]\n\n"+
		"Fits MyceliumFractalNet (the reference's architecture: input projection, sparse attention, 3-layer head)\n"+
		"to predict --target from the --features columns (default: every other numeric column), with inputs and\n"+
		"target standardised on the training rows, and reports MSE, RMSE, MAE and R² on the held-out rows beside\n"+
		"the baseline of predicting the training mean. --out saves the weights as .npz (numpy.load reads it;\n"+
		"see docs/nn-weights.md), reloads them and checks the predictions are unchanged. Rows with NaN are dropped.")
	data := fs.String("data", "", "dataset file, .parquet or .csv (from mfn dataset, or any numeric table)")
	target := fs.String("target", "", "column to predict")
	features := fs.String("features", "", "comma-separated input columns (default: every numeric column but the target)")
	out := fs.String("out", "", "write the weights to this .npz file")
	epochs := fs.Int("epochs", def.Epochs, "training epochs (1..100000)")
	batch := fs.Int("batch-size", def.BatchSize, "mini-batch size (>= 1)")
	lr := fs.Float64("lr", def.LR, "Adam learning rate (> 0)")
	hidden := fs.Int("hidden", def.Net.HiddenDim, "hidden width (2..1024)")
	topk := fs.Int("topk", def.Net.TopK, "sparse attention's top-k (>= 1)")
	noAttn := fs.Bool("no-attention", false, "leave out the sparse attention layer")
	testFrac := fs.Float64("test-fraction", def.TestFraction, "fraction of rows held out, in (0, 1)")
	seed := fs.Uint64("seed", def.Seed, "seed of the split, the initialisation and the shuffles")
	format := fs.String("format", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return err
	}
	switch {
	case *data == "":
		return fmt.Errorf("%w: --data is required", errUsage)
	case *target == "":
		return fmt.Errorf("%w: --target is required", errUsage)
	case *epochs < 1 || *epochs > 100_000:
		return fmt.Errorf("%w: --epochs=%d must be in [1, 100000]", errUsage, *epochs)
	case *batch < 1:
		return fmt.Errorf("%w: --batch-size=%d must be >= 1", errUsage, *batch)
	case !(*lr > 0) || math.IsInf(*lr, 0):
		return fmt.Errorf("%w: --lr=%v must be a finite number > 0", errUsage, *lr)
	case *hidden < 2 || *hidden > 1024:
		return fmt.Errorf("%w: --hidden=%d must be in [2, 1024]", errUsage, *hidden)
	case !(*testFrac > 0 && *testFrac < 1):
		return fmt.Errorf("%w: --test-fraction=%v must be in (0, 1)", errUsage, *testFrac)
	}
	t, err := dataset.ReadFile(*data)
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("--data: %w", err)}
	}
	ys, ok := t.Numeric[*target]
	if !ok {
		return &ExitError{Code: 2, Err: fmt.Errorf("--target=%q is not a numeric column of %s (numeric columns: %s)", *target, *data, strings.Join(numericColumns(t, ""), ", "))}
	}
	cols := numericColumns(t, *target)
	if *features != "" {
		cols = strings.Split(*features, ",")
		for _, c := range cols {
			if _, ok := t.Numeric[c]; !ok || c == *target {
				return &ExitError{Code: 2, Err: fmt.Errorf("--features: %q is not a numeric column other than the target (numeric columns: %s)", c, strings.Join(numericColumns(t, ""), ", "))}
			}
		}
	}
	if len(cols) == 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("%s has no numeric column besides --target=%q", *data, *target)}
	}
	var x [][]float64
	var y []float64
	dropped := 0
	for i := 0; i < t.Rows; i++ {
		row := make([]float64, len(cols))
		bad := math.IsNaN(ys[i]) || math.IsInf(ys[i], 0)
		for j, c := range cols {
			row[j] = t.Numeric[c][i]
			bad = bad || math.IsNaN(row[j]) || math.IsInf(row[j], 0)
		}
		if bad {
			dropped++
			continue
		}
		x, y = append(x, row), append(y, ys[i])
	}
	cfg := nn.RegressionConfig{Net: nn.NetConfig{HiddenDim: *hidden, TopK: *topk, UseSparseAttention: !*noAttn, UseSTDP: true},
		Epochs: *epochs, BatchSize: *batch, LR: *lr, TestFraction: *testFrac, Seed: *seed, Context: ctx}
	if *format == "text" {
		fmt.Fprintf(env.Stderr, "training on %d rows (%d features) for %d epochs...\n", len(y), len(cols), *epochs)
	}
	r, err := nn.FitRegression(x, y, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &ExitError{Code: 2, Err: err}
	}
	res := trainOutput{Data: *data, Target: *target, Features: cols, Rows: len(y), DroppedNaN: dropped,
		TrainRows: len(r.TrainRows), TestRows: len(r.TestRows), Params: r.Net.NumParams(), Epochs: *epochs,
		FinalLoss: r.EpochLoss[len(r.EpochLoss)-1], Train: r.Train, Test: r.Test, Baseline: r.Baseline}
	if *out != "" {
		var buf bytes.Buffer
		if err := r.SaveNPZ(&buf); err != nil {
			return err
		}
		if err := atomicfile.Write(*out, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		// Reload from the file and compare the held-out predictions.
		b, err := os.ReadFile(*out)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		back, err := nn.LoadRegressor(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return fmt.Errorf("--out: reloading: %w", err)
		}
		test := make([][]float64, len(r.TestRows))
		for k, i := range r.TestRows {
			test[k] = x[i]
		}
		p1, _ := r.Predict(test)
		p2, err := back.Predict(test)
		if err != nil || !slices.Equal(p1, p2) {
			return fmt.Errorf("--out: the reloaded weights predict differently (%v)", err)
		}
		res.Weights, res.Reloaded = *out, true
	}
	if *format == "json" {
		return json.NewEncoder(env.Stdout).Encode(res)
	}
	w := env.Stdout
	fmt.Fprintf(w, "data %s: %d rows (%d dropped with NaN), target %s, %d features: %s\n", res.Data, res.Rows, res.DroppedNaN, res.Target, len(cols), strings.Join(cols, ", "))
	fmt.Fprintf(w, "network: %d parameters (hidden %d, attention %v, top-k %d); %d epochs, batch %d, Adam lr %g; final train loss %.4g (standardised)\n",
		res.Params, *hidden, !*noAttn, *topk, *epochs, *batch, *lr, res.FinalLoss)
	fmt.Fprintf(w, "%-26s %12s %12s %12s %9s\n", "", "MSE", "RMSE", "MAE", "R²")
	for _, row := range []struct {
		name string
		m    nn.RegressionMetrics
	}{{fmt.Sprintf("train (%d rows)", res.TrainRows), res.Train}, {fmt.Sprintf("held-out (%d rows)", res.TestRows), res.Test},
		{"held-out, mean baseline", res.Baseline}} {
		fmt.Fprintf(w, "%-26s %12.6g %12.6g %12.6g %9.4f\n", row.name, row.m.MSE, row.m.RMSE, row.m.MAE, row.m.R2)
	}
	if res.Weights != "" {
		fmt.Fprintf(w, "weights: %s (reloaded: held-out predictions identical)\n", res.Weights)
	}
	return nil
}

// numericColumns lists t's numeric columns in file order, without skip.
func numericColumns(t *dataset.Table, skip string) []string {
	var cols []string
	for _, c := range t.Columns {
		if _, ok := t.Numeric[c]; ok && c != skip {
			cols = append(cols, c)
		}
	}
	return cols
}
