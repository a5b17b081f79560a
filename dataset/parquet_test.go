//go:build !noparquet

package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"mfn/features"
)

// The Parquet file written with parquet-go is read back with Apache Arrow's independent
// implementation: every column's name, type and every value, and the key–value metadata.
func TestParquetReadBackWithArrow(t *testing.T) {
	for _, layout := range []Layout{LayoutScenario, LayoutSampler, LayoutSweep} {
		p := smallPlan(t)
		p.Layout = layout
		for i := range p.Jobs {
			p.Jobs[i].ScenarioName = "demo"
		}
		res, err := Generate(context.Background(), p, Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		ri := &RunInfo{Version: "test-version", Timestamp: "2026-11-22T00:00:00+00:00"}
		meta := &Metadata{Generator: "sampler", Name: "demo", Layout: layout, NumRows: len(res.Rows), FeatureNames: features.Names()}
		var buf bytes.Buffer
		if err := WriteParquet(&buf, layout, res.Rows, ri, meta); err != nil {
			t.Fatal(err)
		}
		rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		kv := rdr.MetaData().KeyValueMetadata()
		var back Metadata
		if v := kv.FindValue("mfn"); v == nil || json.Unmarshal([]byte(*v), &back) != nil || back.NumRows != len(res.Rows) {
			t.Fatalf("%s: metadata %v", layout, v)
		}
		fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cols := Columns(layout)
		if int(tbl.NumCols()) != len(cols) || int(tbl.NumRows()) != len(res.Rows) {
			t.Fatalf("%s: table %d×%d, want %d×%d", layout, tbl.NumRows(), tbl.NumCols(), len(res.Rows), len(cols))
		}
		for ci, c := range cols {
			f := tbl.Schema().Field(ci)
			wantType := map[Kind]arrow.DataType{Int64: arrow.PrimitiveTypes.Int64, Float64: arrow.PrimitiveTypes.Float64,
				Bool: arrow.FixedWidthTypes.Boolean, String: arrow.BinaryTypes.String}[c.Kind]
			if f.Name != c.Name || !arrow.TypeEqual(f.Type, wantType) {
				t.Fatalf("%s column %d: %s %s, want %s %s", layout, ci, f.Name, f.Type, c.Name, wantType)
			}
			row := 0
			for _, chunk := range tbl.Column(ci).Data().Chunks() {
				for k := 0; k < chunk.Len(); k, row = k+1, row+1 {
					want := c.value(&res.Rows[row], ri)
					var got any
					switch a := chunk.(type) {
					case *array.Int64:
						got = a.Value(k)
					case *array.Float64:
						v := a.Value(k)
						if math.Float64bits(v) != math.Float64bits(want.(float64)) {
							t.Fatalf("%s %s row %d: %v, want %v", layout, c.Name, row, v, want)
						}
						continue
					case *array.Boolean:
						got = a.Value(k)
					case *array.String:
						got = a.Value(k)
					default:
						t.Fatalf("unexpected arrow array %T", chunk)
					}
					if got != want {
						t.Fatalf("%s %s row %d: %v, want %v", layout, c.Name, row, got, want)
					}
				}
			}
			if row != len(res.Rows) {
				t.Fatalf("%s %s: %d values", layout, c.Name, row)
			}
		}
		tbl.Release()
	}
}
