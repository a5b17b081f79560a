//go:build !noparquet

package integration

import (
	"errors"
	"fmt"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// fileRowSchema is FileRow's Parquet schema. The sink writes through the untyped writer: a
// parquet.GenericWriter[FileRow] instantiates parquet-go's generic row code for one more type,
// ~0.4 MB of the stripped binary for a file sink.
var fileRowSchema = parquet.SchemaOf(FileRow{})

func (s *fileSink) writeParquet(batch []Message) error {
	final := s.name(".parquet")
	tmp := final + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	w := parquet.NewWriter(f, fileRowSchema, parquet.Compression(&zstd.Codec{}))
	for _, m := range batch {
		if err = w.Write(FileRow{Key: m.Key, Time: m.Time, Value: string(m.Value)}); err != nil {
			break
		}
	}
	err = errors.Join(err, w.Close(), f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err == nil {
		err = syncDir(s.cfg.Dir)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("file sink: %w", err)
	}
	return nil
}
