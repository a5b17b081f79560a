package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"mfn/internal/buildinfo"
)

func newFilePublisher(t *testing.T, c FileSinkConfig, batch int) *Publisher {
	t.Helper()
	s, err := NewFileSink(c)
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions(t.TempDir())
	o.Batch.Size = batch
	return newTestPublisher(t, s, o, nil, nil)
}

// TestFileSinkJSONL: results land as JSON lines in rotated files, in order, and no .part
// file remains after Close.
func TestFileSinkJSONL(t *testing.T) {
	dir := t.TempDir()
	p := newFilePublisher(t, FileSinkConfig{Dir: dir, Prefix: "out", RotateBytes: 4096}, 30)
	publishRange(t, p, 0, 250)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if parts, _ := filepath.Glob(filepath.Join(dir, "*.part")); len(parts) != 0 {
		t.Fatalf("left behind: %v", parts)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "out-*.jsonl")) // names sort by time
	if len(files) < 3 {
		t.Fatalf("%d files, want rotation into several", len(files))
	}
	var got []Message
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var it WebhookItem
			if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			got = append(got, Message{Key: it.Key, Value: it.Value, Time: it.Time})
		}
		fh.Close()
	}
	checkKeys(t, got, 0, 250)
	if w := testMsg(7); string(got[7].Value) != string(w.Value) || !got[7].Time.Equal(w.Time) {
		t.Errorf("line 7 = %+v, want %+v", got[7], w)
	}
}

// TestFileSinkParquet: each batch becomes one Parquet file that parquet-go reads back with
// key, time and value intact.
func TestFileSinkParquet(t *testing.T) {
	if !buildinfo.Has("parquet") {
		t.Skip("built with -tags noparquet (filesink_parquet_off_test.go checks the refusal)")
	}
	dir := t.TempDir()
	p := newFilePublisher(t, FileSinkConfig{Dir: dir, Format: "parquet"}, 100)
	publishRange(t, p, 0, 250)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "results-*.parquet"))
	var got []Message
	for _, f := range files {
		rows, err := parquet.ReadFile[FileRow](f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range rows {
			got = append(got, Message{Key: r.Key, Value: json.RawMessage(r.Value), Time: r.Time})
		}
	}
	checkKeys(t, got, 0, 250)
	for i, m := range got {
		if w := testMsg(i); string(m.Value) != string(w.Value) || !m.Time.Equal(w.Time) {
			t.Fatalf("row %d = %+v, want %+v", i, m, w)
		}
	}
	if len(files) < 3 {
		t.Errorf("%d files for 250 messages in batches of 100, want at least 3", len(files))
	}
}

// TestFileSinkRecoversParts: a crash leaves a .jsonl.part with a torn last line and a
// footer-less .parquet.part; the next sink keeps the complete lines and drops the rest.
func TestFileSinkRecoversParts(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "results-1-000001.jsonl.part"), []byte("{\"key\":\"a\"}\n{\"key\":\"b\"}\n{\"ke"), 0o644)
	os.WriteFile(filepath.Join(dir, "results-1-000002.parquet.part"), []byte("PAR1garbage"), 0o644)
	os.WriteFile(filepath.Join(dir, "results-1-000003.jsonl.part"), []byte("{\"torn"), 0o644)
	s, err := NewFileSink(FileSinkConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := os.ReadFile(filepath.Join(dir, "results-1-000001.jsonl"))
	if err != nil || string(b) != "{\"key\":\"a\"}\n{\"key\":\"b\"}\n" {
		t.Fatalf("recovered file %q, %v", b, err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(left) != 1 {
		t.Fatalf("files after recovery %v, want only the recovered .jsonl", left)
	}
	if err := s.Check(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestFileSinkConfigValidate: bad entries are named with their values.
func TestFileSinkConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		c    FileSinkConfig
		want string
	}{
		{FileSinkConfig{}, `dir: "" is not allowed`},
		{FileSinkConfig{Dir: "d", Format: "csv"}, `format: "csv" is not allowed (want "jsonl" or "parquet")`},
		{FileSinkConfig{Dir: "d", Prefix: "a/b"}, `prefix: "a/b" is not allowed`},
		{FileSinkConfig{Dir: "d", RotateBytes: 10}, "rotate_bytes: 10 is not allowed (want at least 1024)"},
	} {
		if err := tc.c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.c, err, tc.want)
		}
	}
	if err := (FileSinkConfig{Dir: "d"}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}
