package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mfn/federated"
	"mfn/rng"
)

// apiGradients is the reference API case: default_rng(1).standard_normal((10,5)) as float32,
// sent as JSON floats.
const apiGradients = `[[0.3455841839313507, 0.8216181397438049, 0.3304370641708374, -1.3031572103500366, 0.9053558707237244], [0.4463745653629303, -0.5369532108306885, 0.581118106842041, 0.3645724058151245, 0.2941325008869171], [0.028422242030501366, 0.5467129945755005, -0.7364540696144104, -0.16290995478630066, -0.4821193218231201], [0.5988461971282959, 0.03972210735082626, -0.2924567461013794, -0.7819084525108337, -0.2571922540664673], [0.008142180740833282, -0.27560290694236755, 1.2940638065338135, 1.0067243576049805, -2.711162567138672], [-1.8890132904052734, -0.17477209866046906, -0.422190397977829, 0.21364299952983856, 0.21732193231582642], [2.1178388595581055, -1.11202073097229, -0.37760502099990845, 2.042771577835083, 0.6467030048370361], [0.6630633473396301, -0.5140063762664795, -1.6480752229690552, 0.1674647480249405, 0.10901408642530441], [-1.2273520231246948, -0.6832266449928284, -0.07204367965459824, -0.9447516202926636, -0.09826996922492981], [0.09548302739858627, 0.03558623790740967, -0.5062916874885559, 0.5937480926513672, 0.8911669254302979]]`

func aggregateJSON(t *testing.T, stdin string, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := run(t, stdin, append([]string{"aggregate", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %v in %q", args, err, out)
	}
	return got
}

func TestAggregateMatchesReferenceAPI(t *testing.T) {
	// Text of the reference API's response: float32 results printed as float64 reprs.
	want := `[0.42771902680397034,-0.02462615631520748,-0.2924567461013794,-0.7819084525108337,-0.20951557159423828]`
	for _, stdin := range []string{apiGradients, `{"gradients": ` + apiGradients + `}`} {
		code, out, errOut := run(t, stdin, "aggregate", "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, `"aggregated_gradient":`+want) {
			t.Fatalf("got %s\nwant aggregated_gradient %s", out, want)
		}
		if !strings.Contains(out, `"num_clients":10`) || !strings.Contains(out, `"num_clusters":10`) {
			t.Fatalf("counts missing: %s", out)
		}
	}
	// The API's num_clusters / byzantine_fraction in the body are honoured…
	got := aggregateJSON(t, `{"gradients": [[1.0, 2.0], [1.1, 2.1], [0.9, 1.9], [100.0, -100.0]], "num_clusters": 1, "byzantine_fraction": 0.25}`)
	if v := got["aggregated_gradient"].([]any); v[0] != 1.0 || v[1] != 2.0 {
		t.Fatalf("api case 16: %v", got)
	}
	// …and flags override them.
	got = aggregateJSON(t, `{"gradients": [[1,2,3],[1.1,2.1,3.1],[1.2,2.2,3.2],[10,10,10]], "num_clusters": 1}`, "--clusters", "2")
	if got["num_clusters"] != 2.0 {
		t.Fatalf("flag did not win: %v", got)
	}
	if v := got["aggregated_gradient"].([]any); v[0] != 1.0 || v[1] != 2.0 || v[2] != 3.0 {
		t.Fatalf("integration case: %v", got)
	}
}

func TestAggregateFileAndSeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.json")
	if err := os.WriteFile(path, []byte(apiGradients), 0o644); err != nil {
		t.Fatal(err)
	}
	a := aggregateJSON(t, "", "--in", path, "--clusters", "2", "--seed", "42")
	// Same as the library with the same settings.
	var rows [][]float32
	if err := json.Unmarshal([]byte(apiGradients), &rows); err != nil {
		t.Fatal(err)
	}
	out, tr, err := federated.Aggregator{NumClusters: 2, ByzantineFraction: 0.2, SampleFraction: 0.1}.Aggregate(rows, rng.New(42))
	if err != nil {
		t.Fatal(err)
	}
	got := a["aggregated_gradient"].([]any)
	for i, v := range out {
		if got[i] != float64(v) {
			t.Fatalf("element %d: %v, want %v", i, got[i], float64(v))
		}
	}
	if a["global_krum_index"] != float64(tr.GlobalIndex) {
		t.Fatalf("global index %v, want %d", a["global_krum_index"], tr.GlobalIndex)
	}
	b := aggregateJSON(t, "", "--in", path, "--clusters", "2", "--seed", "7")
	if b["seed"] != 7.0 {
		t.Fatalf("seed not reported: %v", b)
	}
	code, out2, _ := run(t, "", "aggregate", "--in", path)
	if code != 0 || !strings.Contains(out2, "result: [0.42771902680397034, ") {
		t.Fatalf("text: exit %d %q", code, out2)
	}
}

func TestAggregateErrors(t *testing.T) {
	cases := []struct {
		stdin string
		args  []string
		want  string
		code  int // 2: the command line is wrong; 1: the input is
	}{
		{``, nil, "empty input", 1},
		{`   `, nil, "empty input", 1},
		{`[]`, nil, "No gradients provided", 1},
		{`{"gradients": []}`, nil, "No gradients provided", 1},
		{`{}`, nil, `missing "gradients"`, 1},
		{`{"gradients": [[1, 2], [3]]}`, nil, "gradient 1 has 1 elements", 1},
		{`[[1, null]]`, nil, "expected a number", 1},
		{`[[1, "2"]]`, nil, "expected a number", 1},
		{`[[1], null]`, nil, "gradient 1 is null", 1},
		{`[[]]`, nil, "gradient 0 is empty", 1},
		{`[[1e39]]`, nil, "outside the float32 range", 1},
		{`[[1e400]]`, nil, "outside the float64 range", 1},
		{`[[1]] [[2]]`, nil, "unexpected data", 1},
		{`[[1]`, nil, "invalid JSON", 1},
		{`{"gradients": [[1]], "extra": 1}`, nil, `unknown field "extra"`, 1},
		{`"x"`, nil, "expected a JSON object", 1},
		{`[[1]]`, []string{"--clusters", "0"}, "--clusters: num_clusters=0 must be >= 1", 2},
		{`[[1]]`, []string{"--byzantine-fraction", "0.5"}, "byzantine_fraction=0.5 must be in [0, 0.5)", 2},
		{`[[1]]`, []string{"--byzantine-fraction", "NaN"}, "byzantine_fraction=nan", 2},
		{`[[1]]`, []string{"--sample-fraction", "0"}, "sample_fraction=0.0 must be in (0, 1]", 2},
		{`{"gradients": [[1]], "byzantine_fraction": 0.5}`, nil, "byzantine_fraction=0.5", 1},
		{`[[1]]`, []string{"--format", "yaml"}, `--format="yaml"`, 2},
		{`[[1]]`, []string{"--in", "/nonexistent/x.json"}, "--in:", 1},
		{`[[1]]`, []string{"stray"}, "unexpected arguments", 2},
	}
	for _, c := range cases {
		code, out, errOut := run(t, c.stdin, append([]string{"aggregate"}, c.args...)...)
		if code != c.code || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%q %v: exit %d, stdout %q, stderr %q; want exit %d and %q", c.stdin, c.args, code, out, errOut, c.code, c.want)
		}
	}
	if code, _, _ := run(t, `[[1]]`, "aggregate", "--seed", "-1"); code != 2 {
		t.Errorf("negative seed: exit %d", code)
	}
}

// FuzzAggregateInput: the decoder never panics, and whatever it accepts aggregates cleanly.
func FuzzAggregateInput(f *testing.F) {
	for _, s := range []string{
		apiGradients, `{"gradients": [[1, 2], [3, 4]], "num_clusters": 1}`, `[[1]]`, `[]`, `[[1, null]]`,
		`{"gradients": null}`, `[[1e39]]`, `[[-0.0, 1e-45]]`, `[[1],[2],[3]]`, `{"gradients": [[1]], "byzantine_fraction": 0.1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := decodeAggregateInput(bytes.NewReader(data))
		if err != nil {
			if req != nil {
				t.Fatal("non-nil result with an error")
			}
			return
		}
		if len(req.Gradients) == 0 {
			t.Fatal("accepted an empty gradient list")
		}
		d := len(req.Gradients[0])
		for i, g := range req.Gradients {
			if len(g) != d || d == 0 {
				t.Fatalf("accepted ragged or empty gradient %d", i)
			}
		}
		if len(req.Gradients)*d > 1<<16 {
			return
		}
		a := federated.Aggregator{NumClusters: 3, ByzantineFraction: 0.2, SampleFraction: 0.1}
		if req.NumClusters != nil && *req.NumClusters >= 1 {
			a.NumClusters = min(*req.NumClusters, 1000)
		}
		out, _, err := a.Aggregate(req.Gradients, nil)
		if err != nil {
			t.Fatalf("decoded input rejected by Aggregate: %v", err)
		}
		if len(out) != d {
			t.Fatalf("result has %d elements, want %d", len(out), d)
		}
	})
}
