package dataset

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

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

// rowType builds the Go struct type of a layout's rows, so that parquet-go derives a schema
// whose columns keep the layout's order and types.
func rowType(l Layout) reflect.Type {
	var fields []reflect.StructField
	for i, c := range Columns(l) {
		var t reflect.Type
		switch c.Kind {
		case Int64:
			t = reflect.TypeOf(int64(0))
		case Float64:
			t = reflect.TypeOf(float64(0))
		case Bool:
			t = reflect.TypeOf(false)
		case String:
			t = reflect.TypeOf("")
		}
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("C%d", i), Type: t, Tag: reflect.StructTag(`parquet:"` + c.Name + `"`)})
	}
	return reflect.StructOf(fields)
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

// WriteParquet writes the rows with typed columns (zstd) and the run's metadata under the
// key "mfn" (JSON) plus a few plain keys for tools that show key–value metadata.
func WriteParquet(w io.Writer, l Layout, rows []Row, ri *RunInfo, meta *Metadata) error {
	t := rowType(l)
	schema := parquet.SchemaOf(reflect.New(t).Elem().Interface())
	mj, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	pw := parquet.NewWriter(w, append([]parquet.WriterOption{schema}, parquetOptions(meta, mj)...)...)
	cols := Columns(l)
	v := reflect.New(t).Elem()
	for k := range rows {
		for i, c := range cols {
			f := v.Field(i)
			switch x := c.value(&rows[k], ri).(type) {
			case int64:
				f.SetInt(x)
			case float64:
				f.SetFloat(x)
			case bool:
				f.SetBool(x)
			case string:
				f.SetString(x)
			}
		}
		if err := pw.Write(v.Interface()); err != nil {
			return err
		}
	}
	return pw.Close()
}

// parquetOptions are the writer options of a dataset file: zstd and the metadata keys.
func parquetOptions(meta *Metadata, mj []byte) []parquet.WriterOption {
	fn, _ := json.Marshal(meta.FeatureNames)
	return []parquet.WriterOption{
		parquet.Compression(&zstd.Codec{}),
		parquet.KeyValueMetadata("mfn", string(mj)),
		parquet.KeyValueMetadata("mfn.generator", meta.Generator),
		parquet.KeyValueMetadata("mfn.name", meta.Name),
		parquet.KeyValueMetadata("mfn.timestamp", meta.Timestamp),
		parquet.KeyValueMetadata("mfn.version", meta.Version),
		parquet.KeyValueMetadata("mfn.feature_names", string(fn)),
	}
}
