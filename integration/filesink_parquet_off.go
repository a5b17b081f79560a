//go:build noparquet

package integration

import "mfn/internal/buildinfo"

// writeParquet is never reached without parquet-go (-tags noparquet): Validate refuses the
// format first.
func (s *fileSink) writeParquet([]Message) error { return buildinfo.Missing("parquet") }
