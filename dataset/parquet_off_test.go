//go:build noparquet

package dataset

import (
	"io"
	"strings"
	"testing"
)

// Without parquet-go every Parquet operation names the tag and the CSV alternative.
func TestParquetNotCompiledIn(t *testing.T) {
	errs := []error{WriteParquet(io.Discard, Layout(""), nil, nil, &Metadata{}), MergeParquet(io.Discard, nil, nil)}
	_, err := ParquetMetadata(nil)
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "-tags noparquet") || !strings.Contains(err.Error(), ".csv") {
			t.Errorf("operation %d: %v", i, err)
		}
	}
}
