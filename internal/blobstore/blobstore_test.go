package blobstore

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func TestSplit(t *testing.T) {
	for in, want := range map[string][2]string{
		"data/x.parquet":                        {"data", "x.parquet"},
		"s3://b/run/x.csv?region=eu-west-1":     {"s3://b/run?region=eu-west-1", "x.csv"},
		"s3://b/x.csv":                          {"s3://b", "x.csv"},
		"file:///tmp/d/part-00000-of-00002.csv": {"file:///tmp/d", "part-00000-of-00002.csv"},
		"file:///x.csv":                         {"file:///", "x.csv"},
	} {
		d, n := Split(in)
		if d != want[0] || n != want[1] {
			t.Errorf("Split(%q) = %q, %q; want %q", in, d, n, want)
		}
	}
	if !IsURL("gs://b/k") || !IsURL("azblob://c/k") || IsURL("data/x.csv") || IsURL("http://x/y") {
		t.Error("IsURL")
	}
	if _, err := OpenDir(context.Background(), "ftp://host/x", true); err == nil {
		t.Error("ftp:// accepted")
	}
}

var errFill = errors.New("fill failed")

// An object appears only when its write completes; a failed write leaves nothing behind.
func checkAtomicWrites(t *testing.T, d *Dir) {
	t.Helper()
	ctx := context.Background()
	err := d.Write(ctx, "part.csv", func(w io.Writer) error {
		w.Write([]byte("half a part"))
		return errFill
	})
	if !errors.Is(err, errFill) {
		t.Fatalf("failed write: %v", err)
	}
	objs, err := d.List(ctx)
	if err != nil || len(objs) != 0 {
		t.Fatalf("after a failed write: %v %v", objs, err)
	}
	if err := d.Write(ctx, "part.csv", func(w io.Writer) error { _, err := w.Write([]byte("a,b\n")); return err }); err != nil {
		t.Fatal(err)
	}
	data, err := d.ReadAll(ctx, "part.csv", 100)
	if err != nil || string(data) != "a,b\n" {
		t.Fatalf("read back: %q %v", data, err)
	}
	if _, err := d.ReadAll(ctx, "part.csv", 2); err == nil {
		t.Error("the read limit is not enforced")
	}
	if _, err := d.ReadAll(ctx, "nope", 100); !errors.Is(err, ErrNotExist) {
		t.Errorf("missing object: %v", err)
	}
	if err := d.Delete(ctx, "part.csv"); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, "part.csv"); err != nil {
		t.Errorf("deleting a missing object: %v", err)
	}
}

func TestFileDriver(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run.csv")
	for _, name := range []string{dir, "file://" + filepath.ToSlash(dir)} {
		d, err := OpenDir(context.Background(), name, true)
		if err != nil {
			t.Fatal(err)
		}
		checkAtomicWrites(t, d)
		d.Close()
	}
	// No temporary files or attribute sidecars are left in the directory.
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("left in the directory: %v", left)
	}
}

func TestS3Driver(t *testing.T) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	backend.CreateBucket("b")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	d, err := OpenDir(context.Background(), "s3://b/runs/x.csv?endpoint="+srv.URL+"&use_path_style=true&disable_https=true&region=us-east-1", true)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	checkAtomicWrites(t, d)
	if got := d.Join("part-00000-of-00001.csv"); got != "s3://b/runs/x.csv/part-00000-of-00001.csv" {
		t.Errorf("Join: %s", got)
	}
}
