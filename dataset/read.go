package dataset

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// Table is a dataset read back from disk: every column as float64 (booleans as 0/1, an
// empty CSV cell as NaN), strings kept aside.
type Table struct {
	Path    string
	Columns []string
	// Numeric holds the numeric columns; Strings the others.
	Numeric map[string][]float64
	Strings map[string][]string
	Rows    int
	// Meta is the metadata stored in a Parquet file by WriteParquet, if any.
	Meta *Metadata
}

// MaxReadRows bounds the rows a Table holds.
const MaxReadRows = 10_000_000

// ReadFile reads a .parquet or .csv dataset.
func ReadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t := &Table{Path: path, Numeric: map[string][]float64{}, Strings: map[string][]string{}}
	switch filepath.Ext(path) {
	case ".parquet":
		err = t.readParquet(f)
	case ".csv":
		err = t.readCSV(f)
	default:
		return nil, fmt.Errorf("%s: not a .parquet or .csv file", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func (t *Table) readCSV(f io.Reader) error {
	cr := csv.NewReader(f)
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("no CSV header: %w", err)
	}
	seen := map[string]int{}
	for i, name := range header {
		if j, dup := seen[name]; dup {
			return fmt.Errorf("columns %d and %d are both named %q: a column would be lost", j+1, i+1, name)
		}
		seen[name] = i
	}
	t.Columns = header
	raw := make([][]string, len(header))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if t.Rows++; t.Rows > MaxReadRows {
			return fmt.Errorf("more than %d rows", MaxReadRows)
		}
		for i := range header {
			raw[i] = append(raw[i], rec[i])
		}
	}
	for i, name := range header {
		if vals, ok := parseNumbers(raw[i]); ok {
			t.Numeric[name] = vals
		} else {
			t.Strings[name] = raw[i]
		}
	}
	return nil
}

// parseNumbers reads a CSV column as numbers (True/False as 1/0, empty as NaN), or reports
// that it is not numeric.
func parseNumbers(cells []string) ([]float64, bool) {
	out := make([]float64, len(cells))
	for i, c := range cells {
		switch c {
		case "":
			out[i] = math.NaN()
		case "True":
			out[i] = 1
		case "False":
			out[i] = 0
		default:
			v, err := strconv.ParseFloat(c, 64)
			if err != nil {
				return nil, false
			}
			out[i] = v
		}
	}
	return out, true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
