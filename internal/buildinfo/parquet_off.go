//go:build noparquet

package buildinfo

const parquet = false
