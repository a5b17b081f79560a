//go:build !noparquet

package dataset

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

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

func (t *Table) readParquet(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("not a readable Parquet file: %w", err)
	}
	if pf.NumRows() > MaxReadRows {
		return fmt.Errorf("%d rows: at most %d can be inspected", pf.NumRows(), MaxReadRows)
	}
	if v, ok := pf.Lookup("mfn"); ok {
		var m Metadata
		if json.Unmarshal([]byte(v), &m) == nil {
			t.Meta = &m
		}
	}
	leaves := pf.Schema().Columns()
	kinds := make([]parquet.Kind, len(leaves))
	for i, path := range leaves {
		if len(path) != 1 {
			return fmt.Errorf("nested column %v is not supported", path)
		}
		t.Columns = append(t.Columns, path[0])
		leaf, _ := pf.Schema().Lookup(path...)
		kinds[i] = leaf.Node.Type().Kind()
	}
	r := parquet.NewReader(pf)
	defer r.Close()
	buf := make([]parquet.Row, 256)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			for _, v := range row {
				name := t.Columns[v.Column()]
				switch {
				case v.IsNull():
					t.Numeric[name] = append(t.Numeric[name], math.NaN())
				case kinds[v.Column()] == parquet.ByteArray:
					t.Strings[name] = append(t.Strings[name], string(v.ByteArray()))
				case kinds[v.Column()] == parquet.Boolean:
					t.Numeric[name] = append(t.Numeric[name], b2f(v.Boolean()))
				case kinds[v.Column()] == parquet.Double:
					t.Numeric[name] = append(t.Numeric[name], v.Double())
				case kinds[v.Column()] == parquet.Float:
					t.Numeric[name] = append(t.Numeric[name], float64(v.Float()))
				case kinds[v.Column()] == parquet.Int32:
					t.Numeric[name] = append(t.Numeric[name], float64(v.Int32()))
				case kinds[v.Column()] == parquet.Int64:
					t.Numeric[name] = append(t.Numeric[name], float64(v.Int64()))
				default:
					t.Strings[name] = append(t.Strings[name], v.String())
				}
			}
		}
		t.Rows += n
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// ParquetMetadata reads the metadata stored by WriteParquet.
func ParquetMetadata(data []byte) (*Metadata, error) {
	pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("not a readable Parquet file: %w", err)
	}
	v, ok := pf.Lookup("mfn")
	if !ok {
		return nil, errors.New("no mfn metadata in the Parquet file")
	}
	var m Metadata
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, fmt.Errorf("bad mfn metadata: %v", err)
	}
	return &m, nil
}

// MergeParquet writes the rows of the Parquet parts in sim_id order, with the parts' schema
// and the merged metadata: the same values, column for column, as the single-process run.
func MergeParquet(w io.Writer, parts []*Part, meta *Metadata) error {
	var schema *parquet.Schema
	idCol := -1
	var rows []parquet.Row
	for _, p := range parts {
		pf, err := parquet.OpenFile(bytes.NewReader(p.Data), int64(len(p.Data)))
		if err != nil {
			return fmt.Errorf("%s: not a readable Parquet file: %w", p.Name, err)
		}
		if schema == nil {
			schema = pf.Schema()
			for i, c := range schema.Columns() {
				if len(c) == 1 && c[0] == "sim_id" {
					idCol = i
				}
			}
			if idCol < 0 {
				return fmt.Errorf("%s: no sim_id column", p.Name)
			}
		} else if !parquet.SameNodes(schema, pf.Schema()) {
			return fmt.Errorf("%s: its schema differs from %s's", p.Name, parts[0].Name)
		}
		r := parquet.NewReader(pf)
		buf := make([]parquet.Row, 256)
		for {
			n, err := r.ReadRows(buf)
			for _, row := range buf[:n] {
				rows = append(rows, row.Clone())
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Close()
				return fmt.Errorf("%s: %w", p.Name, err)
			}
		}
		r.Close()
	}
	id := func(r parquet.Row) int64 { return r[idCol].Int64() }
	slices.SortFunc(rows, func(a, b parquet.Row) int { return cmp.Compare(id(a), id(b)) })
	for k := 1; k < len(rows); k++ {
		if id(rows[k-1]) == id(rows[k]) {
			return fmt.Errorf("sim_id %d appears twice among the parts", id(rows[k]))
		}
	}
	mj, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	pw := parquet.NewWriter(w, append([]parquet.WriterOption{schema}, parquetOptions(meta, mj)...)...)
	if _, err := pw.WriteRows(rows); err != nil {
		return err
	}
	return pw.Close()
}
