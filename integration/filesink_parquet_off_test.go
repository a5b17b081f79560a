//go:build noparquet

package integration

import (
	"strings"
	"testing"
)

// Without parquet-go, a Parquet file publisher is refused at validation, naming the tag.
func TestFileSinkParquetRefused(t *testing.T) {
	err := FileSinkConfig{Dir: t.TempDir(), Format: "parquet"}.Validate()
	if err == nil || !strings.Contains(err.Error(), "-tags noparquet") || !strings.Contains(err.Error(), "jsonl") {
		t.Fatalf("Validate: %v", err)
	}
	if err := (FileSinkConfig{Dir: t.TempDir(), Format: "jsonl"}).Validate(); err != nil {
		t.Errorf("jsonl: %v", err)
	}
}
