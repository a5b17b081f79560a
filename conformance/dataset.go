package conformance

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"mfn/dataset"
)

// dataset.json: generate_dataset with a ConfigSampler (the sampled configurations and every
// row), and run_scenario(small) written as CSV (the text pandas wrote).
func init() {
	Register(Checker{
		Kind: "dataset",
		Detect: func(_ string, top map[string]json.RawMessage) bool {
			return hasKeys(top, "generate_dataset") || hasKeys(top, "run_scenario_csv")
		},
		Check: checkDataset,
	})
}

// Columns whose values pass through numpy's SIMD pow or LAPACK's least squares: compared at
// the README's 1e-12 relative tolerance; every other column must be identical.
var datasetTolerant = map[string]bool{"D_box": true, "D_r2": true, "V_skew": true, "V_kurt": true, "E_trend": true}

func checkDataset(top map[string]json.RawMessage, r *Recorder) error {
	if raw, ok := top["generate_dataset"]; ok {
		checkGenerateDataset(raw, r)
	}
	if raw, ok := top["run_scenario_csv"]; ok {
		checkScenarioCSV(raw, r)
	}
	return nil
}

var (
	numSamplesRE = regexp.MustCompile(`num_samples=(\d+)`)
	samplerRE    = regexp.MustCompile(`ConfigSampler\(\*\*(\{.*?\})\)`)
)

// pyLiteralToJSON turns a Python dict literal of lists, tuples, numbers and booleans into JSON.
func pyLiteralToJSON(s string) string {
	return strings.NewReplacer("'", `"`, "(", "[", ")", "]", "True", "true", "False", "false", "None", "null").Replace(s)
}

func checkGenerateDataset(raw json.RawMessage, r *Recorder) {
	var g struct {
		Call       string                       `json:"call"`
		Successful int                          `json:"successful"`
		Failed     int                          `json:"failed"`
		Rows       []map[string]json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		r.Case("generate_dataset", err)
		return
	}
	n := numSamplesRE.FindStringSubmatch(g.Call)
	m := samplerRE.FindStringSubmatch(g.Call)
	if n == nil {
		r.Case("generate_dataset", fmt.Errorf("cannot read num_samples from %q", g.Call))
		return
	}
	s := dataset.DefaultSampler()
	if m != nil {
		if err := json.Unmarshal([]byte(pyLiteralToJSON(m[1])), &s); err != nil {
			r.Case("generate_dataset", fmt.Errorf("cannot read the sampler from %q: %v", m[1], err))
			return
		}
	}
	num, _ := strconv.Atoi(n[1])
	plan, err := s.Plan(num)
	if err != nil {
		r.Case("generate_dataset", err)
		return
	}
	res, err := dataset.Generate(context.Background(), plan, dataset.Options{})
	if err != nil {
		r.Case("generate_dataset", err)
		return
	}
	if len(res.Rows) != g.Successful || len(res.Failures) != g.Failed {
		r.Case("generate_dataset counts", fmt.Errorf("got %d successful, %d failed; want %d, %d", len(res.Rows), len(res.Failures), g.Successful, g.Failed))
		return
	}
	ri := &dataset.RunInfo{}
	cols := dataset.Columns(dataset.LayoutSampler)
	for k, want := range g.Rows {
		if k >= len(res.Rows) {
			break
		}
		row := &res.Rows[k]
		var err error
		for _, c := range cols {
			w, ok := want[c.Name]
			if !ok || c.Name == "mfn_version" || c.Name == "timestamp" {
				continue // the version and the time of the run are not the reference's to fix
			}
			if err = compareCell(c, dataset.CellValue(c, row, ri), w); err != nil {
				break
			}
		}
		r.Case(fmt.Sprintf("generate_dataset row %d", k), err)
	}
}

// compareCell compares one value with a recorded JSON value (number, bool, string or float object).
func compareCell(c dataset.Column, got any, want json.RawMessage) error {
	switch x := got.(type) {
	case int64:
		var w int64
		if err := json.Unmarshal(want, &w); err != nil {
			return fmt.Errorf("%s: %v", c.Name, err)
		}
		if x != w {
			return fmt.Errorf("%s: got %d, want %d", c.Name, x, w)
		}
	case bool:
		var w bool
		if err := json.Unmarshal(want, &w); err != nil || x != w {
			return fmt.Errorf("%s: got %v, want %s", c.Name, x, want)
		}
	case string:
		var w string
		if err := json.Unmarshal(want, &w); err != nil || x != w {
			return fmt.Errorf("%s: got %q, want %s", c.Name, x, want)
		}
	case float64:
		var w Float
		if err := w.UnmarshalJSON(want); err != nil {
			return fmt.Errorf("%s: %v", c.Name, err)
		}
		if datasetTolerant[c.Name] {
			return approx(c.Name, x, float64(w), relTranscendental, absNearZero)
		}
		return exact(c.Name, x, float64(w))
	}
	return nil
}

func checkScenarioCSV(raw json.RawMessage, r *Recorder) {
	var sc struct {
		Config  dataset.Scenario    `json:"config"`
		NumRows int                 `json:"num_rows"`
		Columns []string            `json:"columns"`
		Rows    []map[string]string `json:"rows_as_csv_text"`
	}
	if err := json.Unmarshal(raw, &sc); err != nil {
		r.Case("run_scenario_csv", err)
		return
	}
	plan, err := sc.Config.Plan()
	if err == nil && len(plan.Jobs) != sc.NumRows {
		err = fmt.Errorf("plan has %d jobs, want %d rows", len(plan.Jobs), sc.NumRows)
	}
	var res *dataset.Result
	if err == nil {
		res, err = dataset.Generate(context.Background(), plan, dataset.Options{})
	}
	var buf bytes.Buffer
	if err == nil {
		err = dataset.WriteCSV(&buf, dataset.LayoutScenario, res.Rows, &dataset.RunInfo{})
	}
	var recs [][]string
	if err == nil {
		recs, err = csv.NewReader(&buf).ReadAll()
	}
	if err == nil && strings.Join(recs[0], ",") != strings.Join(sc.Columns, ",") {
		err = fmt.Errorf("header: got %v, want %v", recs[0], sc.Columns)
	}
	if err != nil {
		r.Case("run_scenario_csv", err)
		return
	}
	r.Case("run_scenario_csv header", nil)
	for k, want := range sc.Rows {
		if k+1 >= len(recs) {
			r.Case(fmt.Sprintf("run_scenario_csv row %d", k), fmt.Errorf("missing"))
			continue
		}
		r.Case(fmt.Sprintf("run_scenario_csv row %d", k), compareCSVRow(recs[0], recs[k+1], want))
	}
}

// compareCSVRow requires the text of every cell to be identical, except for the tolerant
// columns, whose numbers must agree to 1e-12 relative.
func compareCSVRow(header, got []string, want map[string]string) error {
	for i, name := range header {
		w, ok := want[name]
		if !ok || got[i] == w {
			continue
		}
		if datasetTolerant[name] {
			g, err1 := strconv.ParseFloat(got[i], 64)
			wf, err2 := strconv.ParseFloat(w, 64)
			if err1 == nil && err2 == nil {
				if err := approx(name, g, wf, relTranscendental, absNearZero); err != nil {
					return err
				}
				continue
			}
		}
		return fmt.Errorf("%s: got text %q, want %q", name, got[i], w)
	}
	return nil
}
