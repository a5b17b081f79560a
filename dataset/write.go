package dataset

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"mfn/features"
	"mfn/internal/pyfmt"
)

// WriteCSV writes the rows as pandas' DataFrame.to_csv(index=False) does: a header, then
// integers in decimal, floats as Python's repr, booleans as True/False, NaN as an empty field.
func WriteCSV(w io.Writer, l Layout, rows []Row, ri *RunInfo) error {
	cols := Columns(l)
	cw := csv.NewWriter(w)
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.Name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for k := range rows {
		for i, c := range cols {
			rec[i] = csvText(c.value(&rows[k], ri))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvText(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if math.IsNaN(x) {
			return ""
		}
		return pyfmt.Float(x)
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return x
	}
	panic(fmt.Sprintf("dataset: column value of type %T", v))
}

// Metadata is stored in a Parquet file's key–value metadata and in the JSON sidecar.
type Metadata struct {
	Generator    string          `json:"generator"`
	Name         string          `json:"name"`
	Layout       Layout          `json:"layout"`
	Config       any             `json:"config"`
	Features     features.Config `json:"feature_config"`
	NumRows      int             `json:"num_rows"`
	NumColumns   int             `json:"num_columns"`
	Columns      []string        `json:"columns"`
	FeatureNames []string        `json:"feature_names"`
	Requested    int             `json:"total_samples"`
	Failed       int             `json:"failed"`
	Failures     map[int]string  `json:"failures,omitempty"`
	ElapsedSec   float64         `json:"elapsed_seconds"`
	Workers      int             `json:"workers"`
	Timestamp    string          `json:"timestamp"`
	Version      string          `json:"mfn_version"`
	RunID        string          `json:"run_id"`
	Output       string          `json:"output_path,omitempty"`
	Format       string          `json:"format,omitempty"`
	// Shard and PlanSamples describe a part of a sharded run (shard.go): which part, and the
	// samples of the whole plan (Requested counts the part's own).
	Shard       *Shard `json:"shard,omitempty"`
	PlanSamples int    `json:"plan_samples,omitempty"`
}
