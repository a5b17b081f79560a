package blobstore

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mfn/internal/buildinfo"
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

// A scheme whose driver this build lacks is refused with the build tag that adds it, and
// local directories work in every build (they need no driver).
func TestSchemeNotCompiledIn(t *testing.T) {
	missing := 0
	for scheme, feat := range feature {
		_, err := OpenDir(context.Background(), scheme+"://bucket/run", true)
		if buildinfo.Has(feat) {
			if err != nil && strings.Contains(err.Error(), "not compiled in") {
				t.Errorf("%s:// is compiled in but refused: %v", scheme, err)
			}
			continue
		}
		missing++
		if err == nil || !strings.Contains(err.Error(), "-tags") || !strings.Contains(err.Error(), feat) {
			t.Errorf("%s:// without its driver: %v (want the build tag named)", scheme, err)
		}
	}
	if !buildinfo.Has("gcs") && missing == 0 {
		t.Error("the default build lacks gs:// but no scheme was refused")
	}
}

// Hidden files (a write in progress) and subdirectories are not objects of a local directory.
func TestLocalListSkipsHiddenAndDirs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".x.csv.tmp-1"), []byte("partial"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "b.csv"), []byte("1"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("22"), 0o644)
	d, err := OpenDir(context.Background(), dir, false)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := d.List(context.Background())
	if err != nil || len(objs) != 2 || objs[0].Name != "a.csv" || objs[0].Size != 2 || objs[1].Name != "b.csv" {
		t.Fatalf("List = %v, %v", objs, err)
	}
	if _, err := d.ReadAll(context.Background(), "../b.csv", 10); err == nil {
		t.Error("a name with a path separator was read")
	}
}
