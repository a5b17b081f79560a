package main

import (
	"fmt"
	"os"
	"path/filepath"

	"mfn/dataset"
	"mfn/features"
)

// writeTable writes the rows to path as Parquet or (format "csv") as pandas' CSV, through a
// temporary file in the same directory, so a failed write never leaves a truncated dataset
// behind.
func writeTable(path, format string, p *dataset.Plan, res *dataset.Result, ri *dataset.RunInfo, fc features.Config) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output_path: %v", err)
	}
	f, err := os.CreateTemp(dir, ".mfn-*."+format+".tmp")
	if err != nil {
		return fmt.Errorf("output_path: %v", err)
	}
	defer os.Remove(f.Name())
	meta := &dataset.Metadata{Generator: p.Generator, Name: p.Name, Layout: p.Layout, Config: p.Config,
		Features: fc, NumRows: len(res.Rows), Columns: dataset.ColumnNames(p.Layout),
		FeatureNames: features.Names(), Requested: len(p.Jobs), Failed: len(res.Failures),
		Failures: res.Failures, ElapsedSec: res.Elapsed.Seconds(), Timestamp: ri.Timestamp,
		Version: ri.Version, Output: path, Format: format}
	meta.NumColumns = len(meta.Columns)
	if format == "csv" {
		err = dataset.WriteCSV(f, p.Layout, res.Rows, ri)
	} else {
		err = dataset.WriteParquet(f, p.Layout, res.Rows, ri, meta)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("output_path: %v", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("output_path: %v", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("output_path: %v", err)
	}
	return nil
}
