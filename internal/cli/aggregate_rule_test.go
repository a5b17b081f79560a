package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ruleInput: u1..u4 close together, u0 far away; f = floor(0.2·5) = 1.
const ruleInput = `{"gradients": [[100, -100], [1, 10], [2, 20], [3, 30], [4, 40]]}`

func TestAggregateMethods(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.json")
	if err := os.WriteFile(path, []byte(ruleInput), 0o600); err != nil {
		t.Fatal(err)
	}
	// Worked from the definitions (f = 1): median of {100,1,2,3,4} = 3 and of
	// {-100,10,20,30,40} = 20; trimmed mean with beta 0.2 cuts one from each end: {2,3,4},
	// {10,20,30}; Krum (2 nearest): u2 (scores u1 101+404, u2 101+101, u3 101+101, u4 101+404)
	// ... u2 is the first of the tie with u3; Multi-Krum m = n − f = 4 averages u1..u4.
	cases := map[string][]float64{
		"fedavg":       {22, 0},
		"median":       {3, 20},
		"trimmed-mean": {3, 20},
		"krum":         {2, 20},
		"multi-krum":   {2.5, 25},
	}
	for method, want := range cases {
		got := aggregateJSON(t, "", "--in", path, "--method", method)
		v := got["aggregated_gradient"].([]any)
		if len(v) != 2 || v[0] != want[0] || v[1] != want[1] || got["method"] != method {
			t.Errorf("%s: %v, want %v", method, got, want)
		}
	}
	// The method may come from the input, as the API takes it; the flag wins.
	got := aggregateJSON(t, `{"gradients": [[1], [2], [30]], "method": "median"}`)
	if v := got["aggregated_gradient"].([]any); v[0] != 2.0 {
		t.Errorf("method from input: %v", got)
	}
	got = aggregateJSON(t, `{"gradients": [[1], [2], [30]], "method": "median"}`, "--method", "fedavg")
	if v := got["aggregated_gradient"].([]any); v[0] != 11.0 {
		t.Errorf("flag over input: %v", got)
	}
	got = aggregateJSON(t, `{"gradients": [[1], [2], [30]], "sample_counts": [1, 1, 0]}`, "--method", "fedavg")
	if v := got["aggregated_gradient"].([]any); v[0] != 1.5 {
		t.Errorf("sample_counts: %v", got)
	}
	// Bulyan with f = 1 needs 7 updates.
	seven := `[[1,1],[1.1,1],[0.9,1],[1,1.1],[1,0.9],[1.05,1],[50,50]]`
	got = aggregateJSON(t, seven, "--method", "bulyan", "--byzantine-fraction", "0.15")
	if v := got["aggregated_gradient"].([]any); v[0].(float64) > 1.1 || v[1].(float64) > 1.1 {
		t.Errorf("bulyan kept the outlier: %v", got)
	}
	// The default is unchanged hierarchical Krum (its own output fields).
	got = aggregateJSON(t, ruleInput)
	if _, ok := got["global_krum_index"]; !ok {
		t.Errorf("default is not hierarchical Krum: %v", got)
	}
	code, out, _ := run(t, ruleInput, "aggregate", "--method", "multi-krum", "--m", "2")
	if code != 0 || !strings.Contains(out, "selected (best Krum score first): [2 3]") {
		t.Errorf("text: %d %s", code, out)
	}
}

func TestAggregateMethodErrors(t *testing.T) {
	cases := []struct {
		stdin string
		args  []string
		want  string
	}{
		{ruleInput, []string{"--method", "bulyan"}, "num_byzantine=1 is too many for bulyan with 5 updates: bulyan needs n >= 4·num_byzantine + 3 = 7"},
		{ruleInput, []string{"--method", "krum", "--byzantine-fraction", "0.45"}, "num_byzantine=2 is too many for krum"},
		{ruleInput, []string{"--method", "multi-krum", "--m", "9"}, "m=9 must be in [1, 5]"},
		{ruleInput, []string{"--method", "trimmed-mean", "--beta", "0.6"}, "beta=0.6 must be in [0, 0.5)"},
		{ruleInput, []string{"--method", "average"}, `--method="average": must be one of fedavg, median`},
		{`{"gradients": [[1]], "method": "x"}`, nil, `method="x" is not one of`},
		{`{"gradients": [[1]], "sample_counts": [1, 2]}`, []string{"--method", "fedavg"}, "sample_counts has 2 entries for 1 updates"},
		{`{"gradients": [[1]], "sample_counts": [1]}`, []string{"--method", "median"}, "sample_counts applies to --method fedavg only"},
	}
	for _, c := range cases {
		code, _, errOut := run(t, c.stdin, append([]string{"aggregate"}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errOut, c.want)
		}
	}
}

// TestBenchRobustness: at f = 20 % sign-flip attackers FedAvg is pulled away from the honest
// mean and the robust rules are not.
func TestBenchRobustness(t *testing.T) {
	code, out, errOut := run(t, "", "aggregate", "bench-robustness", "--clients", "50", "--dim", "200", "--trials", "1", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res []robustnessResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	dist := map[string]float64{}
	for _, r := range res {
		if r.Attack == "sign-flip" {
			if r.Error != "" {
				t.Fatalf("%s: %s", r.Method, r.Error)
			}
			dist[r.Method] = r.Distance
		}
	}
	for _, m := range []string{"median", "trimmed-mean", "krum", "multi-krum", "bulyan", "hierarchical-krum"} {
		if !(dist[m] < dist["fedavg"]/2) {
			t.Errorf("sign-flip: %s at %v is not well below fedavg at %v", m, dist[m], dist["fedavg"])
		}
	}
}

// FuzzAggregateMethods: any input through every method exits 0 (a result) or 2 (an error that
// says why), never panics.
func FuzzAggregateMethods(f *testing.F) {
	f.Add(ruleInput, "0.2")
	f.Add(`[[1e38,-1e38],[3e38,1],[0,0]]`, "0")
	f.Add(`{"gradients":[[1],[2]],"sample_counts":[1e308,1e308]}`, "0.1")
	f.Add(`{"gradients":[[1],[2],[3]],"method":"bulyan"}`, "0.49")
	f.Fuzz(func(t *testing.T, input, byz string) {
		for _, m := range []string{"fedavg", "median", "trimmed-mean", "krum", "multi-krum", "bulyan"} {
			code, out, errOut := run(t, input, "aggregate", "--method", m, "--byzantine-fraction", byz, "--format", "json")
			if code == 0 && !strings.Contains(out, `"aggregated_gradient"`) || code != 0 && code != 2 || code == 2 && errOut == "" {
				t.Fatalf("%s on %q: exit %d, %q, %q", m, input, code, out, errOut)
			}
		}
	})
}
