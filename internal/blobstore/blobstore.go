// Package blobstore gives the dataset commands one view of a directory, local or in object
// storage (s3://, gs://, azblob://, file://), through gocloud.dev/blob. Credentials come from
// each cloud SDK's own default chain (AWS_* variables, shared config, IRSA/pod identity;
// GOOGLE_APPLICATION_CREDENTIALS or workload identity; AZURE_* or managed identity).
//
// An object written through Dir.Write appears under its final name only when it is
// complete: S3 and GCS publish an upload on success only, and the file driver renames a
// finished temporary file into place. A failed write is aborted and leaves nothing.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/fileblob"  // file://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"
)

// Schemes are the URL schemes --out accepts besides a plain path.
var Schemes = []string{"s3", "gs", "azblob", "file"}

// IsURL reports whether s names object storage rather than a local path.
func IsURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	for _, k := range Schemes {
		if scheme == k {
			return true
		}
	}
	return false
}

// Dir is a directory of objects: a local directory, a bucket, or a prefix in a bucket.
type Dir struct {
	b   *blob.Bucket
	url string // as the user wrote it, for messages
}

// ErrNotExist is returned for an object that is not there.
var ErrNotExist = errors.New("no such object")

// OpenDir opens a local directory path or a URL (s3://bucket/prefix?region=…,
// gs://bucket/prefix, azblob://container/prefix, file:///abs/dir). With create, a missing local
// directory is made (for output); without, it is an error (for input).
func OpenDir(ctx context.Context, dir string, create bool) (*Dir, error) {
	raw := dir
	if !IsURL(dir) {
		if strings.Contains(dir, "://") {
			return nil, fmt.Errorf("%q: unsupported URL scheme: use a path or one of %s://", dir, strings.Join(Schemes, "://, "))
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		dir = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	u, err := url.Parse(dir)
	if err != nil {
		return nil, fmt.Errorf("%q: not a valid URL: %v", raw, err)
	}
	q := u.Query()
	var bucketURL, prefix string
	if u.Scheme == "file" {
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("%q: a file:// URL names a local path: file:///absolute/dir", raw)
		}
		// The directory is the bucket; temporary files are made beside the final ones (a rename
		// across file systems fails) and no attribute sidecars are written.
		if create {
			q.Set("create_dir", "true")
		} else if st, err := os.Stat(filepath.FromSlash(u.Path)); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("%s: no such directory", raw)
		}
		q.Set("no_tmp_dir", "true")
		q.Set("metadata", "skip")
		bucketURL = (&url.URL{Scheme: "file", Path: u.Path, RawQuery: q.Encode()}).String()
	} else {
		if u.Host == "" {
			return nil, fmt.Errorf("%q: no bucket name: want %s://BUCKET/PREFIX", raw, u.Scheme)
		}
		bucketURL = (&url.URL{Scheme: u.Scheme, Host: u.Host, RawQuery: u.RawQuery}).String()
		prefix = strings.Trim(u.Path, "/")
	}
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", raw, err)
	}
	if prefix != "" {
		b = blob.PrefixedBucket(b, prefix+"/")
	}
	return &Dir{b: b, url: strings.TrimSuffix(raw, "/")}, nil
}

// Split separates the last element of a path or URL from its directory, keeping a URL's query
// with the directory: s3://b/run/x.csv?region=r → s3://b/run?region=r, x.csv.
func Split(s string) (dir, name string) {
	if !IsURL(s) {
		return filepath.Dir(s), filepath.Base(s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return s, ""
	}
	d, name := path.Split(u.Path)
	u.Path = strings.TrimSuffix(d, "/")
	if u.Scheme == "file" && u.Path == "" {
		u.Path = "/"
	}
	return u.String(), name
}

// Join names an object of the directory, for messages: s3://b/run/part-00000-of-00004.csv.
func (d *Dir) Join(name string) string {
	if u, err := url.Parse(d.url); err == nil && IsURL(d.url) {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/" + name
		u.RawQuery = ""
		return u.String()
	}
	return filepath.Join(d.url, name)
}

// Write creates the object name from what fill writes. It appears only if fill and the upload
// succeed; otherwise the upload is aborted.
func (d *Dir) Write(ctx context.Context, name string, fill func(w io.Writer) error) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := d.b.NewWriter(wctx, name, nil)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", d.Join(name), err)
	}
	if err := fill(w); err != nil {
		cancel() // aborts the upload: Close then discards it
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", d.Join(name), err)
	}
	return nil
}

// ReadAll reads an object of at most limit bytes.
func (d *Dir) ReadAll(ctx context.Context, name string, limit int64) ([]byte, error) {
	r, err := d.b.NewReader(ctx, name, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%s: %w", d.Join(name), ErrNotExist)
		}
		return nil, fmt.Errorf("cannot read %s: %w", d.Join(name), err)
	}
	defer r.Close()
	if r.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d allowed", d.Join(name), r.Size(), limit)
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("more than the %d bytes allowed", limit)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", d.Join(name), err)
	}
	return b, nil
}

// Delete removes an object; a missing one is not an error.
func (d *Dir) Delete(ctx context.Context, name string) error {
	err := d.b.Delete(ctx, name)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("cannot delete %s: %w", d.Join(name), err)
	}
	return nil
}

// Object is one entry of a listing.
type Object struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// MaxList bounds a listing.
const MaxList = 100000

// List returns the objects directly in the directory (not in subdirectories), by name.
func (d *Dir) List(ctx context.Context) ([]Object, error) {
	var out []Object
	it := d.b.List(&blob.ListOptions{Delimiter: "/"})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot list %s: %w", d.url, err)
		}
		if o.IsDir {
			continue
		}
		if len(out) == MaxList {
			return nil, fmt.Errorf("%s holds more than %d objects", d.url, MaxList)
		}
		out = append(out, Object{Name: o.Key, Size: o.Size, ModTime: o.ModTime})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}

// String is the directory as the user named it.
func (d *Dir) String() string { return d.url }

// Close releases the bucket.
func (d *Dir) Close() error { return d.b.Close() }
