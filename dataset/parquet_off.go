//go:build noparquet

package dataset

import (
	"fmt"
	"io"
	"os"

	"mfn/internal/buildinfo"
)

// errNoParquet is every Parquet operation's error in a build without parquet-go
// (-tags noparquet); CSV works in every build.
func errNoParquet() error {
	return fmt.Errorf("%w; use .csv", buildinfo.Missing("parquet"))
}

// WriteParquet reports that Parquet is not compiled in.
func WriteParquet(io.Writer, Layout, []Row, *RunInfo, *Metadata) error { return errNoParquet() }

func (t *Table) readParquet(*os.File) error { return errNoParquet() }

// ParquetMetadata reports that Parquet is not compiled in.
func ParquetMetadata([]byte) (*Metadata, error) { return nil, errNoParquet() }

// MergeParquet reports that Parquet is not compiled in.
func MergeParquet(io.Writer, []*Part, *Metadata) error { return errNoParquet() }
