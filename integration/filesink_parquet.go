//go:build !noparquet

package integration

import (
	"errors"
	"fmt"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

func (s *fileSink) writeParquet(batch []Message) error {
	final := s.name(".parquet")
	tmp := final + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	rows := make([]FileRow, len(batch))
	for i, m := range batch {
		rows[i] = FileRow{Key: m.Key, Time: m.Time, Value: string(m.Value)}
	}
	w := parquet.NewGenericWriter[FileRow](f, parquet.Compression(&zstd.Codec{}))
	_, err = w.Write(rows)
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
