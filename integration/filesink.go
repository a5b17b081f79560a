package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"mfn/internal/buildinfo"

	"golang.org/x/sys/unix"
)

// FileSinkConfig configures a file target. Readers only ever see complete files: data is
// written under a ".part" name and renamed when complete.
//
// JSONL: one line per message, {"key","time","value"}, appended and fsynced per batch to
// <prefix>-<UTC time>-<n>.jsonl.part, which becomes .jsonl when it reaches RotateBytes or
// is RotateInterval old (checked when a batch arrives), and on Close.
//
// Parquet: a Parquet file cannot be appended to, so each batch becomes one file
// <prefix>-<UTC time>-<n>.parquet with columns key, time (timestamp, ns) and value (the
// JSON text), zstd-compressed; give such a publisher a large batch.size.
type FileSinkConfig struct {
	Dir            string   `yaml:"dir" json:"dir"`
	Format         string   `yaml:"format" json:"format"`
	Prefix         string   `yaml:"prefix" json:"prefix"`
	RotateBytes    int64    `yaml:"rotate_bytes" json:"rotate_bytes"`
	RotateInterval Duration `yaml:"rotate_interval" json:"rotate_interval"`
}

func (c *FileSinkConfig) withDefaults() {
	if c.Format == "" {
		c.Format = "jsonl"
	}
	if c.Prefix == "" {
		c.Prefix = "results"
	}
	if c.RotateBytes == 0 {
		c.RotateBytes = 64 << 20
	}
	if c.RotateInterval == 0 {
		c.RotateInterval = Duration(time.Minute)
	}
}

// Validate checks the configuration (zero values take defaults: jsonl, "results", 64 MiB,
// 1m), naming each bad field.
func (c FileSinkConfig) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("%s: %v is not allowed (want %s)", field, v, want))
	}
	if c.Dir == "" {
		bad("dir", `""`, "a directory to write into")
	}
	c.withDefaults()
	if c.Format != "jsonl" && c.Format != "parquet" {
		bad("format", strconv.Quote(c.Format), `"jsonl" or "parquet"`)
	} else if c.Format == "parquet" && !buildinfo.Has("parquet") {
		errs = append(errs, fmt.Errorf("format: %w; use \"jsonl\"", buildinfo.Missing("parquet")))
	}
	if strings.ContainsAny(c.Prefix, `/\`) || strings.HasPrefix(c.Prefix, ".") {
		bad("prefix", strconv.Quote(c.Prefix), "a file name prefix without path separators or a leading dot")
	}
	if c.RotateBytes < 1024 {
		bad("rotate_bytes", c.RotateBytes, "at least 1024")
	}
	if c.RotateInterval.D() < time.Second {
		bad("rotate_interval", c.RotateInterval.D(), "at least 1s")
	}
	return errors.Join(errs...)
}

type fileSink struct {
	cfg FileSinkConfig

	mu      sync.Mutex
	n       int // files made by this sink, for unique names
	part    *os.File
	partAt  time.Time
	partLen int64
}

// NewFileSink creates the directory if needed and finishes .part files a crash left behind
// (cutting a torn last line; those messages are still unacked in the spool and come again).
func NewFileSink(c FileSinkConfig) (Sink, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("file sink: %w", err)
	}
	c.withDefaults()
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("file sink: %w", err)
	}
	s := &fileSink{cfg: c}
	if err := s.recoverParts(); err != nil {
		return nil, fmt.Errorf("file sink: %w", err)
	}
	return s, nil
}

func (s *fileSink) recoverParts() error {
	parts, err := filepath.Glob(filepath.Join(s.cfg.Dir, s.cfg.Prefix+"-*.part"))
	if err != nil {
		return err
	}
	for _, p := range parts {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		keep := bytes.LastIndexByte(b, '\n') + 1
		if keep == 0 || !strings.HasSuffix(p, ".jsonl.part") {
			os.Remove(p) // nothing complete, or a parquet file without its footer
			continue
		}
		if err := os.Truncate(p, int64(keep)); err != nil {
			return err
		}
		if err := os.Rename(p, strings.TrimSuffix(p, ".part")); err != nil {
			return err
		}
	}
	if len(parts) > 0 {
		return syncDir(s.cfg.Dir)
	}
	return nil
}

func (s *fileSink) name(ext string) string {
	s.n++
	return filepath.Join(s.cfg.Dir, fmt.Sprintf("%s-%s-%06d%s", s.cfg.Prefix,
		time.Now().UTC().Format("20060102T150405.000000000Z"), s.n, ext))
}

func (s *fileSink) Send(ctx context.Context, batch []Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.Format == "parquet" {
		return s.writeParquet(batch)
	}
	return s.appendJSONL(batch)
}

func (s *fileSink) appendJSONL(batch []Message) error {
	if s.part != nil && time.Since(s.partAt) >= s.cfg.RotateInterval.D() {
		if err := s.finishPart(); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, m := range batch {
		if err := enc.Encode(WebhookItem{Key: m.Key, Time: m.Time, Value: m.Value}); err != nil {
			return Permanent(fmt.Errorf("file sink: message %q: %w", m.Key, err))
		}
	}
	if s.part == nil {
		f, err := os.OpenFile(s.name(".jsonl.part"), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("file sink: %w", err)
		}
		s.part, s.partAt, s.partLen = f, time.Now(), 0
	}
	if _, err := s.part.Write(buf.Bytes()); err != nil {
		s.part.Truncate(s.partLen) // keep the file a sequence of whole lines
		return fmt.Errorf("file sink: %w", err)
	}
	if err := s.part.Sync(); err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	s.partLen += int64(buf.Len())
	if s.partLen >= s.cfg.RotateBytes {
		return s.finishPart()
	}
	return nil
}

// finishPart closes the current .jsonl.part and renames it to .jsonl.
func (s *fileSink) finishPart() error {
	if s.part == nil {
		return nil
	}
	p := s.part.Name()
	err := s.part.Close()
	s.part = nil
	if err == nil {
		err = os.Rename(p, strings.TrimSuffix(p, ".part"))
	}
	if err == nil {
		err = syncDir(s.cfg.Dir)
	}
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	return nil
}

// FileRow is a row of the Parquet files the file sink writes.
type FileRow struct {
	Key   string    `parquet:"key"`
	Time  time.Time `parquet:"time,timestamp(nanosecond)"`
	Value string    `parquet:"value"`
}

// Check reports whether the directory exists and is writable.
func (s *fileSink) Check(ctx context.Context) error {
	if err := unix.Access(s.cfg.Dir, unix.W_OK|unix.X_OK); err != nil {
		return fmt.Errorf("file sink %s: not writable: %w", s.cfg.Dir, err)
	}
	return nil
}

func (s *fileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finishPart()
}
