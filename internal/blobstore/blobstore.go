// Package blobstore gives the dataset commands one view of a directory, local or in object
// storage (s3://, gs://, azblob://, file://). Local directories (and file:// URLs) are the
// file system itself; s3:// goes through github.com/minio/minio-go/v7 (s3.go), gs:// and
// azblob:// through gocloud.dev/blob; each is compiled in or out by a build tag (s3 in by
// default, left out by nos3; gs and azblob opt in with gcs and azure:
// docs/adr/0031-lean-builds-and-image.md). Credentials come from each cloud's default chain
// (for S3 the AWS variables, shared files and IAM roles listed at awsCredentials;
// GOOGLE_APPLICATION_CREDENTIALS or workload identity; AZURE_* or managed identity).
//
// An object written through Dir.Write appears under its final name only when it is
// complete: object stores publish an upload on success only (S3: one PUT, or a multipart
// upload completed after the last part), and a local file is written to a hidden temporary
// file and renamed into place. A failed write is aborted and leaves nothing.
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

	"mfn/internal/buildinfo"
)

// Schemes are the URL schemes --out accepts besides a plain path (whether or not this build
// has their driver: an unsupported one is then named as such).
var Schemes = []string{"s3", "gs", "azblob", "file"}

// feature is the build feature (internal/buildinfo) of each object-storage scheme.
var feature = map[string]string{"s3": "s3", "gs": "gcs", "azblob": "azure"}

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

// store is where a Dir's objects live: the local file system or a bucket.
type store interface {
	write(ctx context.Context, name string, fill func(w io.Writer) error) error
	// open returns the object's reader and size, or an error wrapping ErrNotExist.
	open(ctx context.Context, name string) (io.ReadCloser, int64, error)
	delete(ctx context.Context, name string) error // a missing object is not an error
	list(ctx context.Context) ([]Object, error)    // directly in the directory, any order
	close() error
}

// Dir is a directory of objects: a local directory, a bucket, or a prefix in a bucket.
type Dir struct {
	s   store
	url string // as the user wrote it, for messages
}

// ErrNotExist is returned for an object that is not there.
var ErrNotExist = errors.New("no such object")

// OpenDir opens a local directory path or a URL (s3://bucket/prefix?region=…,
// gs://bucket/prefix, azblob://container/prefix, file:///abs/dir). With create, a missing local
// directory is made (for output); without, it is an error (for input).
func OpenDir(ctx context.Context, dir string, create bool) (*Dir, error) {
	raw := dir
	local := dir
	if IsURL(dir) {
		u, err := url.Parse(dir)
		if err != nil {
			return nil, fmt.Errorf("%q: not a valid URL: %v", raw, err)
		}
		if u.Scheme != "file" {
			if !buildinfo.Has(feature[u.Scheme]) {
				return nil, fmt.Errorf("%s: %w", raw, buildinfo.Missing(feature[u.Scheme]))
			}
			if u.Host == "" {
				return nil, fmt.Errorf("%q: no bucket name: want %s://BUCKET/PREFIX", raw, u.Scheme)
			}
			var s store
			if u.Scheme == "s3" {
				s, err = openS3(u.Host, u.RawQuery, strings.Trim(u.Path, "/"))
			} else {
				bucketURL := (&url.URL{Scheme: u.Scheme, Host: u.Host, RawQuery: u.RawQuery}).String()
				s, err = openBucket(ctx, bucketURL, strings.Trim(u.Path, "/"))
			}
			if err != nil {
				return nil, fmt.Errorf("cannot open %s: %w", raw, err)
			}
			return &Dir{s: s, url: strings.TrimSuffix(raw, "/")}, nil
		}
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("%q: a file:// URL names a local path: file:///absolute/dir", raw)
		}
		local = filepath.FromSlash(u.Path)
	} else if strings.Contains(dir, "://") {
		return nil, fmt.Errorf("%q: unsupported URL scheme: use a path or one of %s://", dir, strings.Join(Schemes, "://, "))
	}
	if create {
		if err := os.MkdirAll(local, 0o755); err != nil {
			return nil, fmt.Errorf("cannot open %s: %w", raw, err)
		}
	} else if st, err := os.Stat(local); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s: no such directory", raw)
	}
	return &Dir{s: localDir(local), url: strings.TrimSuffix(raw, "/")}, nil
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
	var fillErr error
	err := d.s.write(ctx, name, func(w io.Writer) error { fillErr = fill(w); return fillErr })
	if _, local := d.s.(localDir); err != nil && fillErr == nil && !local { // atomicfile names the file itself
		return fmt.Errorf("cannot write %s: %w", d.Join(name), err)
	}
	return err
}

// ReadAll reads an object of at most limit bytes.
func (d *Dir) ReadAll(ctx context.Context, name string, limit int64) ([]byte, error) {
	r, size, err := d.s.open(ctx, name)
	if err != nil {
		if errors.Is(err, ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", d.Join(name), ErrNotExist)
		}
		return nil, fmt.Errorf("cannot read %s: %w", d.Join(name), err)
	}
	defer r.Close()
	if size > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d allowed", d.Join(name), size, limit)
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
	if err := d.s.delete(ctx, name); err != nil {
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

var maxList = MaxList // lowered by tests

// List returns the objects directly in the directory (not in subdirectories), by name.
func (d *Dir) List(ctx context.Context) ([]Object, error) {
	out, err := d.s.list(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot list %s: %w", d.url, err)
	}
	if len(out) > maxList {
		return nil, fmt.Errorf("%s holds more than %d objects", d.url, maxList)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}

// String is the directory as the user named it.
func (d *Dir) String() string { return d.url }

// Close releases the bucket.
func (d *Dir) Close() error { return d.s.close() }
