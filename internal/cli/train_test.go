package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mfn/nn"
	"mfn/rng"
)

// writeLinearCSV writes y = 2a − b + 0.5·c·a plus small noise over 300 rows, and a string column.
func writeLinearCSV(t *testing.T) string {
	t.Helper()
	g := rng.New(11)
	var b strings.Builder
	b.WriteString("a,b,c,label,y\n")
	for i := 0; i < 300; i++ {
		a, bb, c := g.StandardNormal(), g.StandardNormal(), g.Uniform(0, 1)
		fmt.Fprintf(&b, "%g,%g,%g,row%d,%g\n", a, bb, c, i, 2*a-bb+0.5*c*a+0.05*g.StandardNormal())
	}
	b.WriteString("1,,0.5,bad,1\n") // a NaN row, dropped
	path := filepath.Join(t.TempDir(), "d.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTrain(t *testing.T) {
	data := writeLinearCSV(t)
	model := filepath.Join(t.TempDir(), "m.npz")
	code, out, errOut := run(t, "", "train", "--data", data, "--target", "y", "--epochs", "60", "--out", model, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res trainOutput
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Rows != 300 || res.DroppedNaN != 1 || res.TestRows != 60 || strings.Join(res.Features, ",") != "a,b,c" || !res.Reloaded {
		t.Fatalf("report %+v", res)
	}
	// The network learns the relation: far better than predicting the mean on unseen rows.
	if !(res.Test.R2 > 0.8) || !(res.Test.MSE < res.Baseline.MSE/4) {
		t.Errorf("held-out R² %v, MSE %v (baseline %v)", res.Test.R2, res.Test.MSE, res.Baseline.MSE)
	}
	if _, err := os.Stat(model); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", data}, "--target is required"},
		{[]string{"--data", data, "--target", "label"}, `--target="label" is not a numeric column`},
		{[]string{"--data", data, "--target", "y", "--features", "a,zz"}, `--features: "zz" is not a numeric column`},
		{[]string{"--data", data, "--target", "y", "--test-fraction", "1"}, "--test-fraction=1 must be in (0, 1)"},
		{[]string{"--data", "/nonexistent.csv", "--target", "y"}, "--data:"},
	} {
		code, _, errOut := run(t, "", append([]string{"train"}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errOut, c.want)
		}
	}
}

// TestTrainRoundTripNumpy: numpy.load reads what mfn train saved, and numpy's forward pass of
// the network without attention (written out below from the saved arrays) gives mfn's
// predictions. Skipped without /usr/bin/python3 + numpy, except under CI=true.
func TestTrainRoundTripNumpy(t *testing.T) {
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import numpy").CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s cannot import numpy: %v\n%s", py, err, out)
		}
		t.Skipf("%s with numpy is not installed (apt-get install python3-numpy): %v", py, err)
	}
	data := writeLinearCSV(t)
	model := filepath.Join(t.TempDir(), "m.npz")
	if code, _, errOut := run(t, "", "train", "--data", data, "--target", "y", "--epochs", "5", "--no-attention", "--out", model); code != 0 {
		t.Fatalf("train: %s", errOut)
	}
	// With seq_len 1 and no attention the network is input_proj then the head; numpy
	// recomputes the prediction for x = (0.5, -1, 0.25) from the saved arrays and scaling.
	script := `import sys, numpy as np
w = np.load(sys.argv[1])
x = (np.array([0.5, -1.0, 0.25]) - w["__mfn_x_mean__"]) / w["__mfn_x_std__"]
h = w["input_proj.weight"] @ x + w["input_proj.bias"]
h = np.maximum(w["net.0.weight"] @ h + w["net.0.bias"], 0)
h = np.maximum(w["net.2.weight"] @ h + w["net.2.bias"], 0)
y = (w["net.4.weight"] @ h + w["net.4.bias"])[0]
m, s = w["__mfn_y_scale__"]
print(repr(float(y * s + m)))`
	out, err := exec.Command(py, "-c", script, model).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	var got float64
	if _, err := fmt.Sscan(string(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	b, _ := os.ReadFile(model)
	want := predictFromFile(t, b, []float64{0.5, -1, 0.25})
	// mfn computes in float32, numpy in float64.
	if d := got - want; d > 1e-4 || d < -1e-4 {
		t.Fatalf("numpy predicts %v, mfn %v", got, want)
	}
}

func predictFromFile(t *testing.T, b []byte, x []float64) float64 {
	t.Helper()
	r, err := nn.LoadRegressor(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Predict([][]float64{x})
	if err != nil {
		t.Fatal(err)
	}
	return p[0]
}
